"""The ``emgfeedback`` command: one subcommand per module in ``emgfeedback.commands``.

Every subcommand turns the errors a user can act on (bad arguments, a missing port, a broken
file) into one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
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


def main(argv: "Sequence[str] | None" = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("stopped.", file=sys.stderr)
        return 130
    except (EmgFeedbackError, ValueError, OSError) as err:
        print(f"emgfeedback {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
