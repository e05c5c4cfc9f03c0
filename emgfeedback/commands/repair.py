"""``emgfeedback repair``: make an EDF+/BDF+ file cut by a crash readable by strict readers."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_parser", "run"]


def add_parser(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser(
        "repair",
        help="fix an EDF+/BDF+ recording cut by a crash (record count, partial last record)",
        description="Cut a partial last data record and set the header's record count to the "
        "complete records, so that every EDF reader (pyedflib, EDFbrowser) opens the file.",
    )
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="EDF+/BDF+ files")
    p.add_argument("--check", action="store_true", help="only report; change nothing (exit 1 if a file needs repair)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emgfeedback.storage.edf_repair import repair_edf

    needed = False
    for path in args.files:
        result = repair_edf(path, dry_run=args.check)
        line = result.describe(str(path))
        if args.check and result.changed:
            needed = True
            line = line.replace(": ", ": needs repair: would ", 1)
        print(line)
    return 1 if needed else 0
