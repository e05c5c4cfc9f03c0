"""Progress numbers against signals we did not design: three visits per patient from the
independent generator (tests/independent_semg.py; true GMax − ES latency +80, +20, −50 ms), analysed
and stored as the dashboard stores them, read back by ``patient_history`` (what the Patients tab,
``emgfeedback progress`` and the handover report show). Per condition (model, SNR, GMax ramp of the
first visit) and visit: mean |median latency − true median| (ms) and mean |% glute-first − true %|
(percentage points) over the seeds, both sides; and how often the trend falls visit over visit.

    python benchmarks/bench_progress.py [--seeds 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from progress_trials import measured, store_visits  # noqa: E402

LATENCIES = (80.0, 20.0, -50.0)


def main(argv: "list[str] | None" = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3, help="patients per condition (default 3)")
    args = ap.parse_args(argv)
    print("| model | SNR dB | first visit's GMax ramp s | latency error ms, visits 1/2/3 | "
          "% glute-first error (points), visits 1/2/3 | trend falls |")
    print("|---|---|---|---|---|---|")
    for model in ("noise", "motor_units"):
        for snr in (20.0, 10.0):
            for ramp in (0.06, 0.20, 0.35):
                ramps = (ramp, (ramp + 0.06) / 2, 0.06)  # recruitment speeding up as the glute recovers
                lat_err = np.zeros((args.seeds, 3, 2))
                pct_err = np.zeros((args.seeds, 3, 2))
                falls = 0
                for seed in range(args.seeds):
                    with tempfile.TemporaryDirectory() as tmp:
                        db = Path(tmp) / "db.sqlite3"
                        truths = store_visits(db, "P-0001", list(zip(LATENCIES, ramps)), model=model,
                                              snr_db=snr, jitter_ms=10.0, seed_offset=100 * seed)
                        history = measured(db, "P-0001")
                    for v, (h, truth) in enumerate(zip(history, truths)):
                        for k, side in enumerate(("left", "right")):
                            lat_err[seed, v, k] = abs(h.gmax_minus_es_ms[side] - truth.median_ms[side])
                            pct_err[seed, v, k] = abs(h.glute_first_pct[side] - truth.glute_first_pct[side])
                    for side in ("left", "right"):
                        lat = [h.gmax_minus_es_ms[side] for h in history]
                        falls += lat[0] > lat[1] > lat[2]
                le = " / ".join(f"{lat_err[:, v].mean():.1f}" for v in range(3))
                pe = " / ".join(f"{pct_err[:, v].mean():.1f}" for v in range(3))
                print(f"| {model} | {snr:g} | {ramp:.2f} | {le} | {pe} | {falls}/{2 * args.seeds} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
