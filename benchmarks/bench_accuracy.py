"""One-command runner for the detector accuracy report (same as ``emgfeedback bench --accuracy``).

Usage: ``.venv/bin/python benchmarks/bench_accuracy.py [--json] [--seeds N] [--snrs 30 20 10]
[--methods hodges tkeo bonato] [--no-stream]``

Per detector × SNR × recruitment-ramp class (fast ≤ 50 ms, gradual 50–400 ms): onset error,
recall, precision, live delay; per detector × SNR: firing order, latency error, TFL ratio error;
and the issue-10 targets with PASS/FAIL (see :mod:`emgfeedback.bench_accuracy`). The independent
generator's figures: ``python benchmarks/bench_onset_ramps.py``.
"""

from __future__ import annotations

import argparse
import json
import sys

from emgfeedback.bench_accuracy import DEFAULT_SEEDS, format_accuracy_table, run_accuracy
from emgfeedback.dsp.onsets import METHODS


def main(argv: "list[str] | None" = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--seeds", type=int, default=DEFAULT_SEEDS, metavar="N", help="simulate seeds 0..N-1")
    p.add_argument("--snrs", type=float, nargs="+", default=[30.0, 20.0, 10.0], help="SNRs, dB")
    p.add_argument("--methods", nargs="+", default=list(METHODS), help="detectors")
    p.add_argument("--no-stream", action="store_true", help="skip the live delay (faster)")
    args = p.parse_args(argv)
    if args.seeds < 1:
        p.error(f"--seeds must be at least 1, got {args.seeds}")
    command = " ".join(["python benchmarks/bench_accuracy.py", *argv])
    result = run_accuracy(snrs=args.snrs, seeds=tuple(range(args.seeds)), methods=args.methods,
                          stream=not args.no_stream, command=command)
    print(json.dumps(result) if args.json else format_accuracy_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
