"""``emgfeedback simulate``: generate a scenario, print its truth, optionally save it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from emgfeedback.commands._outputs import atomic_output, check_output, write_output
from emgfeedback.commands._settings import MAX_LIVE_S
from emgfeedback.validation import check_number

__all__ = ["add_parser", "run", "truth_summary"]


def add_parser(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser(
        "simulate",
        help="generate simulated sEMG for a scenario and print its ground truth",
        description="Generate simulated 8-channel glute sEMG for a named scenario, print its ground "
        "truth (firing order, ratios, onsets), and optionally save it.",
    )
    p.add_argument("--scenario", default="healthy", help="scenario name (see --list)")
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    p.add_argument("--duration", type=float, default=None, metavar="S",
                   help="length in s (default: the scenario's natural length)")
    p.add_argument("--fs", type=float, default=2000.0, help="sample rate, Hz (default 2000)")
    p.add_argument("--snr", type=float, default=20.0, metavar="DB", help="signal-to-noise ratio, dB")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same signal)")
    p.add_argument("--mains", type=float, default=50.0, choices=(50.0, 60.0), help="mains frequency, Hz")
    p.add_argument("--out", type=Path, default=None, metavar="FILE.csv|FILE.edf",
                   help="write samples as CSV (s, µV per channel) or EDF+/BDF+ (truth as annotations), "
                   "and the truth as FILE.truth.json")
    p.add_argument("--force", action="store_true", help="replace --out and its .truth.json if they exist")
    p.add_argument("--json", action="store_true", help="print the truth as one JSON object")
    p.add_argument("--serve", action="store_true",
                   help="run a virtual board on a pseudo-terminal speaking the firmware protocol in real "
                   "time (open it with serial://PATH); --duration limits how long")
    p.add_argument("--link", default=None, metavar="PATH",
                   help="with --serve: also publish the board at this stable symlink path")
    p.set_defaults(func=run)


def truth_summary(truth, fs: float, duration_s: float) -> dict:
    """The ground truth of a simulated recording as plain JSON-ready data."""
    return {
        "scenario": truth.scenario,
        "fs_hz": fs,
        "duration_s": round(duration_s, 6),
        "description": truth.description,
        "reps": len(truth.reps),
        "first_to_fire": {side.value: m.value for side, m in truth.first_to_fire.items()},
        "tfl_to_glute_ratio": {
            side.value: (None if not np.isfinite(r) else round(float(r), 4))
            for side, r in truth.tfl_to_glute_ratio.items()
        },
        "amplitude_uv": {ch: round(float(a), 3) for ch, a in truth.amplitude_uv.items()},
        "median_freq_change_pct": {ch: round(float(v), 2) for ch, v in truth.median_freq_change_pct.items()},
        "onsets": [
            {"channel": o.channel, "onset_s": round(o.onset_s, 6),
             "offset_s": None if o.offset_s is None else round(o.offset_s, 6)}
            for o in truth.onsets
        ],
    }


def _print_text(summary: dict) -> None:
    print(f"scenario {summary['scenario']}: {summary['duration_s']:.1f} s at {summary['fs_hz']:.0f} Hz, "
          f"{summary['reps']} reps")
    if summary["description"]:
        print(f"  {summary['description']}")
    for side, muscle in summary["first_to_fire"].items():
        print(f"  {side}: {muscle} fires first")
    for side, ratio in summary["tfl_to_glute_ratio"].items():
        if ratio is not None:
            print(f"  {side}: TFL-to-glute-med ratio {ratio:.2f}")
    print(f"  {len(summary['onsets'])} true bursts across channels")


def _write_csv(path: Path, rec) -> None:
    t = np.arange(rec.data.shape[1]) / rec.fs
    header = "time_s," + ",".join(f"{label} (uV)" for label in rec.montage.labels)
    table = np.vstack([t, rec.data]).T
    with path.open("x", encoding="utf-8") as fh:
        np.savetxt(fh, table, delimiter=",", header=header, comments="", fmt="%.6g")


def _check_outputs(args: argparse.Namespace) -> "tuple[Path, Path] | None":
    """``--out`` and its truth file, checked before the signal is generated (None: no --out)."""
    if args.out is None:
        return None
    out = check_output(args.out, "--out", force=args.force, suffixes=(".csv", ".edf", ".bdf"))
    return out, check_output(out.with_suffix(".truth.json"), "--out's truth file", force=args.force)


def run(args: argparse.Namespace) -> int:
    from emgfeedback import simulation

    if args.duration is not None:
        check_number(args.duration, "--duration", "s", lo=0.0, lo_open=True, hi=MAX_LIVE_S)
    if args.serve:
        from emgfeedback.simulation.virtual_board import serve_virtual_board

        return serve_virtual_board(args.scenario, args.fs, snr_db=args.snr, seed=args.seed,
                                   link=args.link, duration_s=args.duration,
                                   announce=lambda line: print(line, flush=True))
    if args.list:
        for name in simulation.list_scenarios():
            print(f"{name:24s} {simulation.describe(name).splitlines()[0]}")
        return 0
    outputs = _check_outputs(args)
    rec = simulation.simulate(args.scenario, args.duration, fs=args.fs, snr_db=args.snr,
                              seed=args.seed, mains_hz=args.mains)
    summary = truth_summary(rec.truth, rec.fs, rec.duration_s)
    if outputs is not None:
        out, truth_path = outputs
        suffix = out.suffix.lower()
        with atomic_output(out, force=args.force) as tmp:
            if suffix == ".csv":
                _write_csv(tmp, rec)
            else:  # EDF+/BDF+ with the ground truth as annotations (onset LABEL, rep N)
                from emgfeedback.storage import truth_annotations, write_edf

                w = write_edf(tmp, rec.data, rec.fs, rec.montage.labels,
                              truth_annotations(rec.truth, rec.montage), bdf=suffix == ".bdf")
                if w.clipped_samples:
                    print(f"warning: {w.clipped_samples} samples beyond ±5000 µV were clipped in {out}")
        write_output(truth_path, json.dumps(summary, indent=1), force=args.force)
        print(f"wrote {out} and {truth_path}")
    if args.json:
        print(json.dumps(summary))
    else:
        _print_text(summary)
    return 0
