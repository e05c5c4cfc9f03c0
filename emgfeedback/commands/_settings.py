"""The processing-settings options every command that measures takes (``analyze``, ``record``,
``monitor``, ``dashboard``): ``--settings FILE`` then single-field overrides."""

from __future__ import annotations

import argparse
from typing import Any

from emgfeedback.settings import BASELINE_RULES, ProcessingSettings, load_settings

__all__ = ["add_settings_arguments", "settings_from_args", "MAX_LIVE_S"]

#: Longest live run (``record``/``monitor --duration``), s: one day.
MAX_LIVE_S = 24 * 3600.0


def _mains(text: str) -> "float | None":
    t = text.strip().lower()
    if t in ("none", "off", "0"):
        return None
    try:
        return float(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be 50, 60 or none, got {text!r}") from None


def _method(text: str) -> str:
    from emgfeedback.dsp.onsets import METHODS
    from emgfeedback.validation import check_option

    try:
        return check_option(text, "method", tuple(METHODS))
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err).removeprefix("method ")) from None


def add_settings_arguments(p: argparse.ArgumentParser) -> None:
    """Add ``--settings``, ``--method``, ``--mains``, ``--min-burst``, ``--merge-gap`` and ``--baseline``."""
    from emgfeedback.dsp.onsets import METHODS

    g = p.add_argument_group("processing settings (one settings object: see docs/metrics.md)")
    g.add_argument("--settings", default=None, metavar="FILE",
                   help="processing settings from a TOML ([processing] table) or JSON file")
    g.add_argument("--method", default=None, type=_method, metavar="{" + ",".join(METHODS) + "}",
                   help="onset detector (registered: " + ", ".join(METHODS) + ")")
    g.add_argument("--mains", type=_mains, default=argparse.SUPPRESS, metavar="{50,60,none}",
                   help="mains frequency to notch, Hz (default 50)")
    g.add_argument("--min-burst", type=float, default=None, metavar="S",
                   help="shortest burst counted as muscle activity, s")
    g.add_argument("--merge-gap", type=float, default=None, metavar="S",
                   help="dips shorter than this do not split a burst, s")
    g.add_argument("--baseline", default=None, choices=BASELINE_RULES,
                   help="rest rule: 'start' (the first seconds, as live) or 'quietest' (offline only)")


def settings_from_args(args: argparse.Namespace, base: "ProcessingSettings | None" = None) -> ProcessingSettings:
    """``base`` (or the defaults), then ``--settings FILE``, then the single-field options.

    Raises
    ------
    ValueError
        One line naming the file or option and what is wrong.
    """
    st = base or ProcessingSettings()
    if getattr(args, "settings", None):
        st = load_settings(args.settings)
    changes: dict[str, Any] = {}
    for opt, field in (("method", "onset_method"), ("min_burst", "min_burst_s"), ("merge_gap", "merge_gap_s"),
                       ("baseline", "baseline")):
        value = getattr(args, opt, None)
        if value is not None:
            changes[field] = value
    if hasattr(args, "mains"):
        changes["mains_hz"] = args.mains
    if not changes:
        return st
    try:
        return st.with_(**changes)
    except (TypeError, ValueError) as err:
        raise ValueError(f"processing settings: {err}") from None
