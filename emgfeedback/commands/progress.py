"""``emgfeedback progress CODE``: one patient's visits read back from the session database —
protocols, reps, MVC and its date, recordings, notes, the session medians — and the trends
across visits with the goal lines of the plan; ``--csv OUT`` exports the whole history (one
row per visit, columns in docs/progress.md)."""

from __future__ import annotations

import argparse
import io
import math
import sys
from pathlib import Path

from emgfeedback.commands._database import add_db_argument, open_existing_db
from emgfeedback.commands._outputs import check_output, write_output

__all__ = ["add_parser", "run"]


def add_parser(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser(
        "progress",
        help="one patient's visits and trends across them (GMax − ES latency, TFL:GMed, %%MVC, …)",
        description="Show a patient's visits from the session database (protocols, reps, MVC and "
        "its date, recordings, notes, medians per visit) and the trends from the first visit to the "
        "last with the plan's goal lines. Latency is GMax − ES onset, ms: negative = glute max first.",
    )
    p.add_argument("code", metavar="CODE", help="de-identified patient code, e.g. P-0042")
    add_db_argument(p)
    p.add_argument("--csv", type=Path, default=None, metavar="OUT.csv",
                   help="also write the whole history as CSV, one row per visit (file 0600)")
    # the handover report
    p.add_argument("--report", type=Path, default=None, metavar="OUT.pdf|OUT.html",
                   help="also write the handover report of the latest visit (--visit: an earlier one), "
                   "PDF or HTML, file 0600 (docs/report.md)")
    p.add_argument("--visit", type=int, default=None, metavar="N",
                   help="the visit --report is about: N as numbered above (default the latest)")
    p.add_argument("--clinic", type=Path, default=None, metavar="FILE.toml",
                   help="clinic name, address and logo for --report (default "
                   "$XDG_CONFIG_HOME/emgfeedback/clinic.toml when it exists)")
    p.add_argument("--force", action="store_true", help="replace --csv/--report if they exist")
    p.set_defaults(func=run)


def _fmt(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "—"
    if unit == "":
        return f"{value:.2f}"
    return f"{value:.0f} {unit}" if unit != "%" else f"{value:.0f} %"


def _plan_lines(plan, names: dict) -> list[str]:
    if plan is None or not plan.items:
        return ["plan: none stored (reps judged on the protocol templates' targets)"]
    lines = ["plan:"]
    for it in plan.items:
        targets = "; ".join(t.text for t in it.targets) or "no targets"
        lines.append(f"  {names.get(it.protocol, it.protocol)}: {it.reps} reps × {it.sets} sets, sides {it.sides}, "
                     f"hold {it.hold_s:g} s, rest {it.rest_s:g} s — {targets}")
    return lines


def _visit_lines(i: int, h, names: dict) -> list[str]:
    protos = ", ".join(names.get(p, p) for p in h.protocols) or "no protocol"
    mvc = f"MVC measured {h.mvc_measured_at.replace('T', ' ')[:16]}" if h.mvc_measured_at else "no MVC"
    n_rec = len(h.recordings)
    lines = [f"{h.started_at.replace('T', ' ')[:16]}  visit {i}: {protos}",
             f"  reps {h.n_reps} counted, {h.n_artefacts} flagged; {mvc}; "
             f"{n_rec} recording{'s' if n_rec != 1 else ''}"]
    lat = h.gmax_minus_es_ms
    if any(math.isfinite(v) for v in lat.values()):
        first = h.glute_first_pct
        lines.append(f"  GMax − ES latency: left {_fmt(lat['left'], 'ms')}, right {_fmt(lat['right'], 'ms')} "
                     f"(negative = glute max first); glute max first: left {_fmt(first['left'], '%')}, "
                     f"right {_fmt(first['right'], '%')}")
    for p, per in h.tfl_to_gmed.items():
        sides = ", ".join(f"{s} {_fmt(v, '')}" for s, v in per.items() if math.isfinite(v))
        lines.append(f"  TFL:GMed, {names.get(p, p) or 'no protocol'}: {sides}")
    if h.on_target_pct:
        lines.append("  on target: " + ", ".join(f"{names.get(p, p) or 'no protocol'} {v:.0f} %"
                                                 for p, v in h.on_target_pct.items()))
    notes = h.notes or {}
    parts = []
    if notes.get("pain") is not None:
        parts.append(f"pain {notes['pain']}/10")
    if notes.get("rpe") is not None:
        parts.append(f"RPE {notes['rpe']:g} (Borg CR10)")
    if notes.get("text"):
        parts.append(" ".join(str(notes["text"]).split()))
    if parts:
        lines.append("  notes: " + "; ".join(parts))
    return lines


def _trend_line(t) -> str:
    first, last = t.first_last
    goal = "" if t.goal is None else f"; goal {'≤' if t.better == 'lower' else '≥'} {_fmt(t.goal, t.unit)}"
    change = "" if t.change is None else f" — {'unchanged' if _fmt(first, t.unit) == _fmt(last, t.unit) else t.change}"
    return f"  {t.label}: {_fmt(first, t.unit)} → {_fmt(last, t.unit)}{goal}{change}"


def run(args: argparse.Namespace) -> int:
    """Print a patient's visits and trends; write ``--csv``."""
    from emgfeedback.analysis.tables import write_rows
    from emgfeedback.calibration import load_protocols
    from emgfeedback.errors import ConfigError
    from emgfeedback.measures.progress import progress_rows, trend_series
    from emgfeedback.session.history import patient_history, patient_plan, targets_in_force
    from emgfeedback.storage.deidentify import validate_patient_code

    code = validate_patient_code(args.code)
    if args.csv is not None:
        check_output(args.csv, "--csv", force=args.force, suffixes=(".csv",))
    clinic = _check_report(args)
    try:
        protocols = load_protocols()
    except ConfigError as err:
        print(f"warning: protocol templates not loaded ({err}); exercises without a plan are not judged",
              file=sys.stderr)
        protocols = {}
    names = {pid: p.name for pid, p in protocols.items()}
    with open_existing_db(args.db) as db:
        known = db.patients()
        if code not in known:
            shown = ", ".join(known[:20]) + (" …" if len(known) > 20 else "") if known else "none"
            raise ValueError(f"no patient {code} in {db.path}; known: {shown}")
        plan = patient_plan(db, code)
        history = patient_history(db, code, protocols=protocols)
        handover = _handover(args, db, code, history, clinic, protocols)
    trends = trend_series(history, targets_in_force(plan, protocols), names)
    span = f", {history[0].date} to {history[-1].date}" if history else ""
    print(f"{code}: {len(history)} visit{'s' if len(history) != 1 else ''}{span}")
    for line in _plan_lines(plan, names):
        print(line)
    for i, h in enumerate(history, 1):
        print()
        for line in _visit_lines(i, h, names):
            print(line)
    if trends:
        print()
        print("trends (first → last visit):")
        for t in trends:
            print(_trend_line(t))
    if args.csv is not None:
        header, rows = progress_rows(history)
        buf = io.StringIO()
        write_rows(header, rows, buf)
        write_output(args.csv, buf.getvalue(), force=args.force)
        print(f"wrote {args.csv}: {len(rows)} visit{'s' if len(rows) != 1 else ''}, {len(header)} columns")
    if handover is not None:
        from emgfeedback.session.handover import render_handover

        write_output(args.report, render_handover(handover, args.report.suffix), force=args.force)
        print(f"wrote {args.report}: handover report of the visit of {handover.visit_date}")
    return 0


# the handover report
def _check_report(args: argparse.Namespace):
    """The clinic of ``--report`` (checked, like the output file, before any work)."""
    from emgfeedback.calibration.clinic import find_clinic

    if args.report is None:
        if args.visit is not None or args.clinic is not None:
            raise ValueError("--visit and --clinic choose what --report shows; give --report OUT.pdf too")
        return None
    check_output(args.report, "--report", force=args.force, suffixes=(".pdf", ".html", ".htm"))
    if args.csv is not None and args.csv.resolve() == args.report.resolve():
        raise ValueError(f"--csv and --report name the same file {args.csv}")
    return find_clinic(args.clinic)


def _handover(args: argparse.Namespace, db, code: str, history: list, clinic, protocols: dict):
    from emgfeedback.session.handover import collect_handover

    if args.report is None:
        return None
    if not history:
        raise ValueError(f"{code} has no visits yet: there is no visit to report")
    n = len(history) if args.visit is None else args.visit
    if not 1 <= n <= len(history):
        raise ValueError(f"--visit must be 1–{len(history)} (the patient's visits), got {n}")
    return collect_handover(db, code, session_id=history[n - 1].session_id, clinic=clinic,
                            protocols=protocols)
# --- end handover report -------------------------------------------------------------------
