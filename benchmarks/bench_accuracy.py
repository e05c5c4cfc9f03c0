"""One-command runner for the detector accuracy table (same as ``emgfeedback bench --accuracy``).

Usage: ``.venv/bin/python benchmarks/bench_accuracy.py [--json] [--seeds 0 1] [--snrs 30 20 10]``
"""

from __future__ import annotations

import argparse
import json
import sys

from emgfeedback.bench_accuracy import format_accuracy_table, run_accuracy


def main(argv: "list[str] | None" = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="simulation seeds")
    p.add_argument("--snrs", type=float, nargs="+", default=[30.0, 20.0, 10.0], help="SNRs, dB")
    p.add_argument("--methods", nargs="+", default=["hodges", "tkeo", "bonato"], help="detectors")
    p.add_argument("--no-stream", action="store_true", help="skip the streaming delay (faster)")
    args = p.parse_args(argv)
    result = run_accuracy(snrs=args.snrs, seeds=args.seeds, methods=args.methods, stream=not args.no_stream)
    print(json.dumps(result) if args.json else format_accuracy_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
