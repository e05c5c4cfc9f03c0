"""``emgfeedback bench``: speed (default), detector accuracy (``--accuracy``) or UI (``--ui``)."""

from __future__ import annotations

import argparse
import json

from emgfeedback.validation import check_int, check_number

__all__ = ["add_parser", "run"]


def add_parser(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser(
        "bench",
        help="measure speed against bare scipy, detector accuracy, or dashboard frame rate",
        description="Benchmarks measured in one run against a baseline measured in the same run. "
        "Default: speed of the offline analysis and the live pipeline against bare scipy.",
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument("--accuracy", action="store_true",
                      help="onset/firing-order/ratio accuracy of each detector on each scenario")
    what.add_argument("--ui", action="store_true", help="dashboard frames per second (offscreen)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--duration", type=float, default=None, metavar="S",
                   help="length of the simulated signal, s (speed default 600; accuracy: each scenario's own)")
    p.add_argument("--seeds", type=int, default=None, metavar="N",
                   help="--accuracy: simulate seeds 0..N-1 of every scenario (default 2)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.seeds is not None and not args.accuracy:
        raise ValueError("--seeds is an option of bench --accuracy")
    if args.duration is not None:
        check_number(args.duration, "--duration", "s", lo=0.0, lo_open=True, hi=3600.0)
    if args.seeds is not None:
        check_int(args.seeds, "--seeds", lo=1, hi=1000)
    if args.accuracy:
        from emgfeedback import bench_accuracy as mod

        n_seeds = mod.DEFAULT_SEEDS if args.seeds is None else args.seeds
        if n_seeds < 1:
            raise ValueError(f"--seeds must be a whole number of seeds of at least 1, got {args.seeds}")
        cmd = "emgfeedback bench --accuracy" + ("" if args.seeds is None else f" --seeds {args.seeds}") + (
            "" if args.duration is None else f" --duration {args.duration:g}") + (" --json" if args.json else "")
        result = mod.run_accuracy(seeds=tuple(range(n_seeds)), duration_s=args.duration, command=cmd)
        text = mod.format_accuracy_table
    elif args.ui:
        from emgfeedback.app import bench_ui as mod  # imports Qt only when asked

        result = mod.run_ui_benchmark() if args.duration is None else mod.run_ui_benchmark(
            duration_s=args.duration)
        text = mod.format_ui_report
    else:
        from emgfeedback import bench as mod

        kwargs = {} if args.duration is None else {"duration_s": args.duration}
        result = mod.run_speed_benchmark(**kwargs)
        text = mod.format_speed_report
    print(json.dumps(result) if args.json else text(result))
    return 0
