"""The processing options shared by ``record``, ``monitor`` and ``dashboard``: ``--settings FILE``
(a :class:`~emgfeedback.settings.ProcessingSettings` file, TOML ``[processing]`` table or JSON)
and the ``--mains`` / ``--method`` overrides on top of it."""

from __future__ import annotations

import argparse

__all__ = ["add_processing_options", "settings_from_args", "MAINS_CHOICES"]

#: ``--mains`` values: notch 50 Hz or 60 Hz (and harmonics), or no notch.
MAINS_CHOICES = ("50", "60", "none")


def _methods() -> tuple[str, ...]:
    from emgfeedback.dsp.onsets import METHODS

    return tuple(METHODS)


def add_processing_options(p: argparse.ArgumentParser) -> None:
    """Add ``--settings``, ``--mains`` and ``--method`` to a subcommand."""
    g = p.add_argument_group("processing (one settings object for filters, onsets and reps)")
    g.add_argument("--settings", default=None, metavar="FILE",
                   help="processing settings: a TOML file with a [processing] table, or JSON "
                   "(band, mains, envelope, onset detector and parameters, baseline and rep rules); "
                   "recordings name the settings they were made with")
    g.add_argument("--mains", default=None, choices=MAINS_CHOICES,
                   help="powerline notch, Hz: 50 (Europe, most of Asia), 60 (the Americas) or none "
                   "(default: the settings file's, else 50)")
    g.add_argument("--method", default=None, metavar="NAME",
                   help="onset detector, one of the registered methods (default: the settings file's, "
                   "else hodges); e.g. hodges, tkeo, bonato")


def settings_from_args(args: argparse.Namespace):
    """The :class:`ProcessingSettings` for ``--settings``, ``--mains`` and ``--method``.

    Raises
    ------
    ValueError
        One line: a bad or unreadable settings file, or an unknown method (with "did you mean").
    """
    from emgfeedback.settings import ProcessingSettings, load_settings
    from emgfeedback.validation import check_option

    settings = ProcessingSettings() if args.settings is None else load_settings(args.settings)
    changes: dict = {}
    if args.mains is not None:
        changes["mains_hz"] = None if args.mains == "none" else float(args.mains)
    if args.method is not None:
        changes["onset_method"] = check_option(args.method, "--method", _methods())
    return settings.with_(**changes) if changes else settings
