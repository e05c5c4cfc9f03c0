"""``emgfeedback analyze FILE... [--json] [--csv OUT] [--report OUT.html]``: offline trial analysis."""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
from pathlib import Path

from emgfeedback.commands._outputs import check_output, write_output
from emgfeedback.commands._settings import add_settings_arguments, settings_from_args
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
    p.add_argument("--force", action="store_true", help="replace --csv/--report files that already exist")
    p.add_argument("--channels", default=None, metavar="LABELS",
                   help="comma-separated labels replacing the file's, in channel order "
                   "(e.g. 'GMax L,GMed L,TFL L,ES L,GMax R,GMed R,TFL R,ES R')")
    p.add_argument("--mvc", type=Path, default=None, metavar="FILE.json",
                   help="MVC per channel as a JSON object {label or id: µV}; enables %%MVC and the "
                   "gluteal-to-TFL index")
    add_settings_arguments(p)
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
        settings = settings_from_args(args, rec.settings)
        # the live thresholds when the file has them and the detector is the one that made them
        same = (rec.settings is not None and settings.onset_kwargs() == rec.settings.onset_kwargs()
                and settings.baseline == rec.settings.baseline)
        return rec, analyze_trial(rec.data, rec.fs, _labels(args, rec.labels, path), settings=settings,
                                  mvc_uv=mvc, onset_baseline=rec.baseline if same else None,
                                  protocol_runs=rec.protocol_runs, source=str(path))
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from err


def _fmt(v: "float | None", spec: str, unit: str = "") -> str:
    return "—" if v is None or not math.isfinite(v) else f"{v:{spec}}{unit}"


def _print_text(res) -> None:
    from emgfeedback.measures import latency_text

    print(f"{res.source}: {res.duration_s:.1f} s at {res.fs:g} Hz, {len(res.channels)} channels, "
          f"{res.summary.n_reps} rep(s)" + (f" (+{res.summary.n_artefacts} not counted: artefacts)"
                                             if res.summary.n_artefacts else ""))
    print(f"  settings: {res.settings.describe()}")
    for side, ss in res.sides.items():
        first = "—" if ss.first_to_fire is None else (
            f"{ss.first_to_fire.value} ({ss.first_counts.get(ss.first_to_fire, 0)}/{ss.n_ordered} reps)")
        print(f"  {side.value:5s}: first to fire {first}; GMax − ES onset {latency_text(ss.gmax_minus_es_ms)}; "
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
    from emgfeedback.analysis.report import render_report
    from emgfeedback.analysis.tables import trial_to_dict, write_csv

    settings_from_args(args)  # a bad --settings file or option fails before any file is read
    # the output files are checked before any analysis: a refusal never comes after the work
    for out, option, suffix in ((args.report, "--report", (".html", ".htm")), (args.csv, "--csv", (".csv",))):
        if out is not None:
            check_output(out, option, force=args.force, suffixes=suffix)
    if args.csv is not None and args.report is not None and args.csv.resolve() == args.report.resolve():
        raise ValueError(f"--csv and --report name the same file {args.csv}")
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
        table = io.StringIO()
        n = write_csv(results, table)
        write_output(args.csv, table.getvalue(), force=args.force)
        print(f"wrote {args.csv} ({n} rows, one per rep)", file=says)
    if args.report is not None:
        note = f"MVC values from {args.mvc}" if mvc else ""
        write_output(args.report, render_report(results, mvc_uv=mvc, mvc_note=note), force=args.force)
        print(f"wrote {args.report}", file=says)
    if failed:
        print(f"emgfeedback analyze: {failed} of {len(args.files)} files could not be analysed", file=sys.stderr)
    return 2 if failed else 0
