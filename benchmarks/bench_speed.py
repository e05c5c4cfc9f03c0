"""Speed benchmark, runnable with one command from the repository root:

    .venv/bin/python benchmarks/bench_speed.py            # 10 min of 8 ch × 2 kHz, table
    .venv/bin/python benchmarks/bench_speed.py --json     # one JSON object
    .venv/bin/python benchmarks/bench_speed.py --soak-hours 8   # plus an 8-hour memory soak

Same measurements as ``emgfeedback bench`` (see emgfeedback/bench.py for what (a)–(d) are).
"""

from __future__ import annotations

import argparse
import json
import sys

from emgfeedback.bench import format_speed_report, run_speed_benchmark


def main(argv: "list[str] | None" = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float, default=600.0, metavar="S", help="signal length, s (600)")
    p.add_argument("--fs", type=float, default=2000.0, help="sample rate, Hz (2000)")
    p.add_argument("--block", type=float, default=0.01, metavar="S", help="live block length, s (0.01)")
    p.add_argument("--seed", type=int, default=0, help="simulator seed (0)")
    p.add_argument("--repeats", type=int, default=2, help="repeat each timing, keep the best (2)")
    p.add_argument("--soak-hours", type=float, default=0.0, metavar="H",
                   help="also feed H hours of 100 ms blocks and report RSS growth (~1 min per hour)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    try:
        result = run_speed_benchmark(args.duration, args.fs, args.block, args.seed,
                                     repeats=args.repeats, soak_hours=args.soak_hours)
    except ValueError as err:
        print(f"bench_speed: error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(result) if args.json else format_speed_report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
