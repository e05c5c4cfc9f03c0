"""``emgfeedback repair``: make an EDF+/BDF+ file cut by a crash readable by strict readers."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_parser", "run"]


def add_parser(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser(
        "repair",
        help="fix an EDF+/BDF+ recording cut by a crash (record count, partial last record)",
        description="Cut a partial last data record and set the header's record count to the "
        "complete records, so that every EDF reader (pyedflib, EDFbrowser) opens the file. A file "
        "still being recorded is left untouched; a file that cannot be repaired gets one line and "
        "the others are still done (exit 2 at the end).",
    )
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="EDF+/BDF+ files")
    p.add_argument("--check", action="store_true", help="only report; change nothing (exit 1 if a file needs repair)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Repair (or check) each file; a file that cannot be repaired gets one line on stderr and
    the others are still done. Exit 2 if any failed, else 1 if ``--check`` found one to repair."""
    from emgfeedback.errors import EmgFeedbackError
    from emgfeedback.storage.edf_repair import repair_edf

    needed, failed = False, 0
    for path in args.files:
        try:
            result = repair_edf(path, dry_run=args.check)
        except (EmgFeedbackError, OSError) as err:
            if len(args.files) == 1:
                raise
            print(f"emgfeedback repair: error: {err}", file=sys.stderr, flush=True)
            failed += 1
            continue
        line = result.describe(str(path))
        if args.check and result.changed:
            needed = True
            line = line.replace(": ", ": needs repair: would ", 1)
        print(line, flush=True)
    if failed:
        print(f"emgfeedback repair: {failed} of {len(args.files)} files could not be "
              f"{'checked' if args.check else 'repaired'}", file=sys.stderr)
        return 2
    return 1 if needed else 0
