"""Dashboard benchmark (offscreen): frames per second, UI-thread time per frame, block-arrival
to frame latency, and memory growth over a simulated hour run fast.

Same as ``emgfeedback bench --ui [--json]``. Usage::

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_ui.py [--duration S] [--hour S] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def main(argv: "list[str] | None" = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=10.0, metavar="S", help="real-time part, s of wall time")
    p.add_argument("--hour", type=float, default=3600.0, metavar="S", help="fast part, s of stream (0 skips)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from emgfeedback.app.bench_ui import format_ui_report, run_ui_benchmark

    result = run_ui_benchmark(args.duration, hour_s=args.hour)
    print(json.dumps(result) if args.json else format_ui_report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
