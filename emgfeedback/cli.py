"""The ``emgfeedback`` command: one subcommand per module in ``emgfeedback.commands``.

Every subcommand turns the errors a user can act on (bad arguments, a missing port, a broken
file) into one line on stderr and a non-zero exit, never a traceback. Output piped into a
program that stops reading (``emgfeedback analyze *.edf | head``) ends quietly, and a console
that cannot show a character (``−``, ``µ`` on a cp1252 console) gets a ``?`` instead of an error.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence

from emgfeedback import __version__
from emgfeedback.errors import EmgFeedbackError

__all__ = ["main", "build_parser"]

#: Subcommand modules under ``emgfeedback.commands``; each defines ``add_parser(subparsers)``
#: (which sets ``func`` via ``set_defaults``) and the function it points at.
COMMAND_MODULES: tuple[str, ...] = (
    "monitor",
    "simulate",
    "bench",
    "devices",
    "dashboard",
    "record",
    "repair",
    "analyze",
    "bids",
    "patients",
    "progress",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="emgfeedback",
        description="Surface-EMG biofeedback for glute activation retraining.",
    )
    parser.add_argument("--version", action="version", version=f"emgfeedback {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(f"emgfeedback.commands.{name}").add_parser(sub)
    return parser


#: Exit code after the reader of our output went away (128 + SIGPIPE, as a shell reports it).
EXIT_BROKEN_PIPE = 141


def _encoding_safe_console() -> None:
    """Characters the console cannot encode are shown as ``?`` instead of raising."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):  # a closed or detached stream: nothing to protect
                pass


def _silence_stdout() -> None:
    """Point stdout at the null device so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout without a file descriptor (tests)
        pass


def main(argv: "Sequence[str] | None" = None) -> int:
    """Run the command line; returns the process exit code."""
    _encoding_safe_console()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except BrokenPipeError:  # e.g. `emgfeedback analyze ... | head`: the reader has all it wanted
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print("stopped.", file=sys.stderr)
        return 130
    except (EmgFeedbackError, ValueError, OSError) as err:
        print(f"emgfeedback {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
