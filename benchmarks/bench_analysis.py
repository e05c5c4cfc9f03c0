"""Offline analysis speed against the bare-scipy filter limit, measured in the same run.

Run: ``.venv/bin/python benchmarks/bench_analysis.py [--minutes 60] [--repeat 2] [--json]``

The data: ``--minutes`` of a simulated 8-channel × 2 kHz recording (scenario
``left-glute-inhibition``: six working channels, a rep every ~5 s).

- limit: what any analysis must at least do once: one ``scipy.signal.sosfilt`` of the
  band-pass+notch (:func:`~emgfeedback.dsp.filters.design_conditioning`), full-wave
  rectification, one ``sosfilt`` low-pass (the 6 Hz envelope), over the whole array;
- analysis: :func:`emgfeedback.analysis.analyze_trial` with its defaults (causal,
  delay-corrected onsets on every channel, reps, envelope, firing order, ratios, symmetry,
  median frequency, plot previews).

Each is timed ``--repeat`` times, alternating, and the fastest run of each is kept (other
engineers' processes share the CPU; the minimum is the least disturbed). Target: analysis
≤ 3 × limit. Exit status 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
from scipy import signal

from emgfeedback.analysis import analyze_trial
from emgfeedback.dsp.filters import design_conditioning, design_lowpass
from emgfeedback.simulation import simulate

TARGET = 3.0


def bare_limit(x: np.ndarray, fs: float) -> np.ndarray:
    """Band-pass+notch, rectify, low-pass: one ``sosfilt`` each over the whole array."""
    y = signal.sosfilt(design_conditioning(fs), x, axis=-1)
    return signal.sosfilt(design_lowpass(fs, 6.0), np.abs(y), axis=-1)


def run(minutes: float, repeat: int, scenario: str) -> dict:
    t = time.perf_counter()
    rec = simulate(scenario, minutes * 60.0, fs=2000.0, seed=1)
    sim_s = time.perf_counter() - t
    limit, analysis, n_reps = [], [], 0
    for _ in range(repeat):
        t = time.perf_counter()
        bare_limit(rec.data, rec.fs)
        limit.append(time.perf_counter() - t)
        t = time.perf_counter()
        res = analyze_trial(rec.data, rec.fs, rec.montage)
        analysis.append(time.perf_counter() - t)
        n_reps = len(res.reps)
    ratio = min(analysis) / min(limit)
    return {
        "scenario": scenario, "minutes": minutes, "channels": rec.data.shape[0], "fs_hz": rec.fs,
        "reps_found": n_reps, "reps_true": len(rec.truth.reps),
        "simulate_s": round(sim_s, 2), "limit_s": [round(v, 3) for v in limit],
        "analysis_s": [round(v, 3) for v in analysis], "ratio": round(ratio, 2), "target": TARGET,
        "met": ratio <= TARGET,
    }


def main(argv: "list[str] | None" = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=60.0, help="recording length, minutes (default 60)")
    p.add_argument("--repeat", type=int, default=2, help="timed runs of each (default 2, fastest kept)")
    p.add_argument("--scenario", default="left-glute-inhibition", help="simulated scenario")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    if args.minutes <= 0 or args.repeat < 1:
        p.error("--minutes must be > 0 and --repeat ≥ 1")
    out = run(args.minutes, args.repeat, args.scenario)
    if args.json:
        print(json.dumps(out))
    else:
        print(f"analysis of {out['minutes']:g} min × {out['channels']} ch × {out['fs_hz']:.0f} Hz "
              f"({out['reps_found']} reps found, {out['reps_true']} simulated)")
        print(f"  bare-scipy limit  {min(out['limit_s']):7.2f} s   runs {out['limit_s']}")
        print(f"  analyze_trial     {min(out['analysis_s']):7.2f} s   runs {out['analysis_s']}")
        print(f"  ratio {out['ratio']:.2f} × the limit (target ≤ {TARGET:g} ×: "
              f"{'met' if out['met'] else 'NOT met'}); shared CPU, figures are noisy")
    return 0 if out["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
