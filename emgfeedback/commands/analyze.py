"""``emgfeedback analyze FILE... [--json] [--csv OUT] [--report OUT.html]``: offline trial analysis."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from emgfeedback.errors import EmgFeedbackError

__all__ = ["add_parser", "run"]


def add_parser(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser(
        "analyze",
        help="analyse recorded trials: reps, onsets, firing order, ratios, symmetry, fatigue",
        description="Analyse one or more recordings (EDF+/BDF+, OpenBCI GUI or UCI lower-limb .txt): "
        "reps, onsets per channel, firing order and glute max − lumbar ES latency per side, "
        "TFL-to-glute ratio, left/right symmetry and median-frequency fatigue. Prints a summary; "
        "--json prints one JSON object per file (one per line), --csv writes one table with a "
        "row per rep of every file, --report writes one self-contained printable HTML file.",
    )
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="recordings to analyse")
    p.add_argument("--json", action="store_true", help="print one JSON object per file instead of text")
    p.add_argument("--csv", type=Path, default=None, metavar="OUT", help="write every rep of every file to OUT (CSV)")
    p.add_argument("--report", type=Path, default=None, metavar="OUT.html", help="write an HTML report with plots")
    p.add_argument("--method", default="hodges", choices=("hodges", "tkeo", "bonato"), help="onset detector")
    p.add_argument("--mains", type=float, default=50.0, choices=(50.0, 60.0), help="mains frequency, Hz")
    p.add_argument("--min-burst", type=float, default=0.1, metavar="S",
                   help="shortest burst counted as muscle activity, s (default 0.1)")
    p.add_argument("--zero-phase", action="store_true",
                   help="detect onsets with forward-backward filters (slower; default: the causal, "
                   "delay-corrected detector the live view uses)")
    p.add_argument("--channels", default=None, metavar="LABELS",
                   help="comma-separated labels replacing the file's, in channel order "
                   "(e.g. 'GMax L,GMed L,TFL L,ES L,GMax R,GMed R,TFL R,ES R')")
    p.add_argument("--mvc", type=Path, default=None, metavar="FILE.json",
                   help="MVC per channel as a JSON object {label or id: µV}; enables %%MVC and the "
                   "gluteal-to-TFL index")
    p.set_defaults(func=run)


def _read_mvc(path: "Path | None") -> "dict[str, float] | None":
    if path is None:
        return None
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"--mvc {path} is not valid JSON ({err.msg}, line {err.lineno})") from None
    if not isinstance(obj, dict) or not obj:
        raise ValueError(f"--mvc {path} must hold a JSON object like {{\"GMax L\": 250.0, ...}} (µV per channel)")
    return obj


def _labels(args: argparse.Namespace, found: "tuple[str, ...]", path: Path) -> "tuple[str, ...]":
    if args.channels is None:
        return found
    given = tuple(s.strip() for s in args.channels.split(","))
    if len(given) != len(found):
        raise ValueError(f"--channels names {len(given)} channel(s) but {path} has {len(found)} "
                         f"({', '.join(found)})")
    return given


def _analyse(path: Path, args: argparse.Namespace, mvc: "dict[str, float] | None"):
    from emgfeedback.analysis import analyze_trial
    from emgfeedback.analysis.loading import load_recording

    rec = load_recording(path)
    if rec.recovered:
        print(f"emgfeedback analyze: warning: {path}: {rec.recovered}", file=sys.stderr)
    try:
        return rec, analyze_trial(rec.data, rec.fs, _labels(args, rec.labels, path), method=args.method,
                                  mains=args.mains, min_burst_s=args.min_burst, zero_phase=args.zero_phase,
                                  mvc_uv=mvc, source=str(path))
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from err


def _fmt(v: "float | None", spec: str, unit: str = "") -> str:
    return "—" if v is None or not math.isfinite(v) else f"{v:{spec}}{unit}"


def _print_text(res) -> None:
    print(f"{res.source}: {res.duration_s:.1f} s at {res.fs:g} Hz, {len(res.channels)} channels, "
          f"{len(res.reps)} rep(s)")
    for side, ss in res.sides.items():
        first = "—" if ss.first_to_fire is None else (
            f"{ss.first_to_fire.value} ({ss.first_counts.get(ss.first_to_fire, 0)}/{ss.n_ordered} reps)")
        lat = ss.gmax_minus_es_onset_ms
        who = "" if not math.isfinite(lat) or lat == 0 else (" (lumbar ES first)" if lat > 0 else " (glute max first)")
        print(f"  {side.value:5s}: first to fire {first}; GMax − ES onset {_fmt(lat, '+.0f', ' ms')}{who}; "
              f"TFL/GMed ratio {_fmt(ss.tfl_to_glute_ratio, '.2f')}; "
              f"gluteal-to-TFL index {_fmt(ss.gluteal_to_tfl_index, '.1f')}")
    if res.symmetry_index:
        print("  symmetry index (L−R, %): " + ", ".join(
            f"{m.value} {_fmt(v, '+.1f')}" for m, v in res.symmetry_index.items()))
    if not res.glute:
        for name in res.channels:
            print(f"  {name}: {len(res.onsets_for(name))} bursts")
    for note in res.notes:
        print(f"  note: {note}")


def run(args: argparse.Namespace) -> int:
    from emgfeedback.analysis.report import write_report
    from emgfeedback.analysis.tables import trial_to_dict, write_csv

    if not (math.isfinite(args.min_burst) and args.min_burst >= 0):
        raise ValueError(f"--min-burst must be a number of seconds ≥ 0, got {args.min_burst}")
    for out, suffix in ((args.report, (".html", ".htm")), (args.csv, (".csv",))):
        if out is not None and out.suffix.lower() not in suffix:
            raise ValueError(f"output {out} should end in {' or '.join(suffix)}")
    mvc = _read_mvc(args.mvc)
    results, failed = [], 0
    for path in args.files:
        try:
            rec, res = _analyse(path, args, mvc)
        except (EmgFeedbackError, ValueError, OSError) as err:
            if len(args.files) == 1:
                raise
            # one bad file in a batch: say which, and go on with the others
            print(f"emgfeedback analyze: error: {err}", file=sys.stderr)
            failed += 1
            continue
        results.append(res)
        if args.json:
            obj = trial_to_dict(res)
            if rec.recovered:
                obj["recovered"] = rec.recovered
            print(json.dumps(obj, ensure_ascii=False), flush=True)
        else:
            _print_text(res)
    says = sys.stderr if args.json else sys.stdout
    if not results:
        print(f"emgfeedback analyze: error: none of the {failed} files could be analysed", file=sys.stderr)
        return 2
    if args.csv is not None:
        n = write_csv(results, args.csv)
        print(f"wrote {args.csv} ({n} rows, one per rep)", file=says)
    if args.report is not None:
        write_report(results, args.report)
        print(f"wrote {args.report}", file=says)
    if failed:
        print(f"emgfeedback analyze: {failed} of {len(args.files)} files could not be analysed", file=sys.stderr)
    return 2 if failed else 0
