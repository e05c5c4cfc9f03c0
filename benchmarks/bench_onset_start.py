"""Streams that start inside a contraction (issue 12): independent-generator trials cut 0.5 s
into their first burst, or 0.7 s before it ends; per detector and SNR, the recall of the later
bursts (found within ±100 ms), their median onset error, and bogus onsets before the first later
burst. Uses tests/independent_semg.py (written independently of emgfeedback.simulation).

    python benchmarks/bench_onset_start.py [--seeds 4]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from independent_semg import burst_trial  # noqa: E402

from emgfeedback.dsp.onsets import METHODS, detect_onsets  # noqa: E402

FS = 2000.0


def main(argv: "list[str] | None" = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=4, help="trials per model and condition (default 4)")
    args = ap.parse_args(argv)
    print("| cut | method | SNR dB | recall of later bursts | median abs err ms | bogus early onsets |")
    print("|---|---|---|---|---|---|")
    for cut_rule in ("0.5 s into", "0.7 s before end"):
        for method in METHODS:
            for snr in (20.0, 10.0):
                hits = n = bogus = 0
                errs: list[float] = []
                for seed in range(args.seeds):
                    for model in ("noise", "motor_units"):
                        tr = burst_trial(seed=seed, snr_db=snr, model=model, n_bursts=4, plateau_s=(2.0, 3.0))
                        b0 = tr.bursts[0][0]
                        cut = b0.onset_s + 0.5 if cut_rule.startswith("0.5") else b0.offset_s - 0.7
                        x = tr.x[:, int(round(cut * FS)):]
                        truth = [b.onset_s - cut for b in tr.bursts[0][1:]]
                        found = [o.onset_s for o in detect_onsets(x, FS, method, baseline="start", zero_phase=False)]
                        bogus += sum(1 for f in found if f < truth[0] - 0.1)
                        for t in truth:
                            n += 1
                            d = [abs(f - t) for f in found]
                            if d and min(d) < 0.1:
                                hits += 1
                                errs.append(min(d) * 1000.0)
                med = float(np.median(errs)) if errs else float("nan")
                print(f"| {cut_rule} | {method} | {snr:g} | {hits / n:.3f} | {med:.1f} | {bogus} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
