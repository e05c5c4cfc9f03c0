"""Filling the handover report (:class:`~emgfeedback.analysis.handover.HandoverData`) from the
session database, or from analysed recordings alone, and writing it as HTML or PDF (0600).

From the database (:func:`collect_handover`): the patient's visits up to the one reported
(:func:`~emgfeedback.session.history.patient_history`), the plan in force (else the protocol
templates), this visit's reps judged against the plan's targets, its MVC and notes, and the
trends across visits. From recordings (:func:`recording_handover`): what the files hold —
patient code and date from the header, the protocols run with their template goals, the
recordings' medians; no plan, earlier visits or notes.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from emgfeedback.analysis.handover import (
    HandoverData,
    PlannedExercise,
    exercise_verdicts,
    render_handover_html,
    render_handover_pdf,
)
from emgfeedback.calibration import Protocol, load_protocols
from emgfeedback.measures.progress import trend_series
from emgfeedback.measures.targets import Target
from emgfeedback.model import Muscle, Side
from emgfeedback.session.history import patient_history, plan_at, plan_versions, targets_in_force
from emgfeedback.session.plan import ExercisePlan, PlanItem, plan_item_from_protocol
from emgfeedback.storage.deidentify import normalise_patient_code, validate_patient_code
from emgfeedback.storage.private_files import write_output

if TYPE_CHECKING:  # pragma: no cover
    from emgfeedback.calibration.clinic import Clinic
    from emgfeedback.storage.database import SessionDatabase

__all__ = ["collect_handover", "recording_handover", "database_handover", "recordings_patient", "recordings_date",
           "reps_from_record", "dose_text", "render_handover", "write_handover", "write_visit_handover",
           "HANDOVER_SUFFIXES"]

#: File endings :func:`write_handover` knows.
HANDOVER_SUFFIXES = (".pdf", ".html", ".htm")
_SIDES = {"both": "both sides together", "left": "left side", "right": "right side",
          "each": "each side in turn"}


def dose_text(item: PlanItem) -> str:
    """An exercise's dose in words, e.g. ``3 sets × 10 reps, hold 5 s, rest 10 s, both sides together``."""
    sets = f"{item.sets} set{'s' if item.sets != 1 else ''}"
    return f"{sets} × {item.reps} reps, hold {item.hold_s:g} s, rest {item.rest_s:g} s, {_SIDES[item.sides]}"


def _exercises(plan: "ExercisePlan | None", run: Sequence[str], protocols: Mapping[str, Protocol]
               ) -> "tuple[tuple[PlannedExercise, ...], dict[str, tuple[Target, ...]], dict[str, str]]":
    """The plan's exercises, then those run but not planned (as their templates): rows, targets
    per protocol id and display names."""
    items: dict[str, PlanItem] = {i.protocol: i for i in plan.items} if plan else {}
    for pid in run:
        if pid not in items and pid in protocols:
            items[pid] = plan_item_from_protocol(protocols[pid])
    names = {pid: protocols[pid].name if pid in protocols else pid for pid in {*items, *run}}
    targets = {pid: item.targets for pid, item in items.items()}
    rows = tuple(PlannedExercise(names[pid], dose_text(item), tuple(t.plain for t in item.targets), pid in run)
                 for pid, item in items.items())
    return rows, targets, names


def collect_handover(db: "SessionDatabase", code: str, *, session_id: "int | None" = None,
                     clinic: "Clinic | None" = None,
                     protocols: "Mapping[str, Protocol] | None" = None) -> HandoverData:
    """The handover report of one visit from the session database.

    Parameters
    ----------
    db : SessionDatabase
    code : str
        De-identified patient code.
    session_id : int, optional
        The visit (default the patient's latest).
    clinic : Clinic, optional
        Named at the top.
    protocols : mapping, optional
        Protocol templates by id (default :func:`~emgfeedback.calibration.load_protocols`).

    Raises
    ------
    ValueError
        One line: a bad code, a patient with no visits, a visit not of this patient.
    """
    code = validate_patient_code(code)
    protocols = load_protocols() if protocols is None else protocols
    history = patient_history(db, code, protocols=protocols)
    if not history:
        raise ValueError(f"patient {code} has no visits in {getattr(db, 'path', 'the database')}")
    ids = [h.session_id for h in history]
    if session_id is not None and session_id not in ids:
        raise ValueError(f"visit {session_id} is not a visit of patient {code}")
    upto = history[:ids.index(session_id) + 1] if session_id is not None else history
    this = upto[-1]
    ended = {row.id: row.ended_at for row in db.sessions(code)}[this.session_id]
    plan = plan_at(plan_versions(db, code), ended)  # the plan as it stood at that visit
    rows, _, names = _exercises(plan, this.protocols, protocols)
    targets = targets_in_force(plan, protocols)
    return HandoverData(
        patient_code=code, visit_date=this.date, visit_dates=tuple(h.date for h in upto), clinic=clinic,
        exercises=rows, mvc_uv=dict(this.mvc), mvc_date=this.mvc_measured_at or "",
        verdicts=exercise_verdicts(db.reps(this.session_id), targets, names),
        trends=tuple(trend_series(upto, targets, names)), notes=dict(this.notes),
        remarks=() if plan else ("No exercise plan is stored: the goals are the protocol templates'.",))


# ----------------------------------------------------------------------------- recordings only
def reps_from_record(record: Mapping) -> list[dict]:
    """The reps of one analysed file (``analyze --json``'s record) shaped as
    ``SessionDatabase.reps()`` returns them (no peak %MVC: the record has none)."""
    out = []
    for r in record.get("reps", ()):
        sides = {}
        for s in Side:
            lat = (r.get("gmax_minus_es_ms") or {}).get(s.value)
            ratio = (r.get("tfl_to_glute_ratio") or {}).get(s.value)
            if lat is not None or ratio is not None:
                sides[s.value] = {"gmax_minus_es_ms": lat, "tfl_to_glute_ratio": ratio}
        out.append({"index": r.get("rep", 0) - 1, "protocol": r.get("protocol"), "artefact": r.get("artefact"),
                    "side": None if r.get("side") in (None, "both") else r["side"], "sides": sides,
                    "channels": {}, "symmetry": dict(r.get("symmetry_index") or {})})
    return out


def _measured(records: Sequence[Mapping]) -> tuple[tuple[str, str], ...]:
    rows = []
    for rec in records:
        name = Path(str(rec.get("file", ""))).name
        rows.append((f"{name}: reps counted", f"{rec.get('n_reps', 0)} (+{rec.get('n_artefacts', 0)} not counted)"))
        for s in Side:
            ss = (rec.get("summary") or {}).get(s.value) or {}
            if ss.get("gmax_minus_es_onset_ms") is not None:
                rows.append((f"{name}: glute max − lower back timing, {s.value} (median)",
                             f"{ss['gmax_minus_es_onset_ms']:+.0f} ms"))
            if ss.get("glute_first_pct") is not None:
                rows.append((f"{name}: glute max first, {s.value}", f"{ss['glute_first_pct']:.0f} % of reps"))
            if ss.get("tfl_to_glute_ratio") is not None:
                rows.append((f"{name}: TFL : gluteus medius, {s.value} (median)", f"{ss['tfl_to_glute_ratio']:.2f}"))
        for m in Muscle:
            v = ((rec.get("summary") or {}).get(m.value) or {}).get("symmetry_index")
            if v is not None and math.isfinite(v):
                rows.append((f"{name}: left/right difference, {m.full_name}", f"{v:+.0f} %"))
    return tuple(rows)


def recording_handover(records: Sequence[Mapping], *, code: "str | None", date: str,
                       mvc_uv: "Mapping[str, float] | None" = None, mvc_note: str = "",
                       clinic: "Clinic | None" = None,
                       protocols: "Mapping[str, Protocol] | None" = None) -> HandoverData:
    """The report of analysed recordings without a database (``analyze FILE --report OUT.pdf``).

    ``records``: one ``analyze --json`` record per file; ``code``: the header's patient code
    (None: unknown); ``date``: the recordings' ISO date; ``mvc_note``: where the MVC came from.
    """
    protocols = load_protocols() if protocols is None else protocols
    reps = [r for rec in records for r in reps_from_record(rec)]
    run = list(dict.fromkeys(str(r["protocol"]) for r in reps if r.get("protocol")))
    rows, targets, names = _exercises(None, run, protocols)
    remarks = ["No session database: this report holds what the recordings hold (no plan, earlier visits "
               "or notes; goals are the protocol templates')."]
    if mvc_note:
        remarks.append(f"MVC: {mvc_note}.")
    return HandoverData(patient_code=code or "unknown (the recording names no patient)", visit_date=date,
                        clinic=clinic, exercises=rows, mvc_uv=dict(mvc_uv or {}),
                        verdicts=exercise_verdicts(reps, targets, names), measured=_measured(records),
                        remarks=tuple(remarks))


def _headers(paths: Iterable["str | Path"]):
    from emgfeedback.errors import RecordingError
    from emgfeedback.storage import read_edf_header

    for p in paths:
        if Path(p).suffix.lower() not in (".edf", ".bdf"):
            continue
        try:
            yield p, read_edf_header(p)
        except (RecordingError, OSError, ValueError):
            continue  # a broken file is reported by the analysis itself


def recordings_patient(paths: Iterable["str | Path"]) -> "str | None":
    """The patient code the recordings' EDF+ headers name (None: none names one).

    Raises
    ------
    ValueError
        The recordings name different patients.
    """
    codes = {}
    for p, h in _headers(paths):
        code = normalise_patient_code(h.patient.split(" ", 1)[0])
        if code is not None:
            codes.setdefault(code, Path(p).name)
    if len(codes) > 1:
        raise ValueError(f"the recordings name different patients ({', '.join(sorted(codes))}); "
                         "a handover report is about one patient: give one patient's files")
    return next(iter(codes), None)


def recordings_date(paths: Iterable["str | Path"]) -> str:
    """The ISO date of the first recording (from its EDF+ header; "" when none has one)."""
    return min((h.start.date().isoformat() for _, h in _headers(paths)), default="")


def database_handover(paths: Sequence["str | Path"], db: "SessionDatabase | None", *,
                      clinic: "Clinic | None" = None,
                      protocols: "Mapping[str, Protocol] | None" = None) -> "HandoverData | None":
    """The handover report of the visit that holds ``paths`` when the database knows the patient
    they name (None otherwise). A recording the database does not list gives the patient's
    latest visit, with a remark saying so."""
    code = recordings_patient(paths)
    if db is None or code is None or code not in db.patients():
        return None
    wanted = {Path(p).resolve() for p in paths}
    found = [row.id for row in db.sessions(code) if wanted & {Path(r).resolve() for r in db.recordings(row.id)}]
    data = collect_handover(db, code, session_id=found[-1] if found else None, clinic=clinic, protocols=protocols)
    if found:
        return data
    from dataclasses import replace

    return replace(data, remarks=data.remarks + (
        f"The recordings are not in the session database: this is the patient's latest visit ({data.visit_date}).",))


# ----------------------------------------------------------------------------- writing
def render_handover(data: HandoverData, suffix: str) -> bytes:
    """The report in the format of ``suffix`` (``.pdf``, ``.html``/``.htm``), as bytes."""
    if suffix.lower() == ".pdf":
        return render_handover_pdf(data)
    if suffix.lower() in (".html", ".htm"):
        return render_handover_html(data).encode("utf-8")
    raise ValueError(f"a handover report ends in .pdf or .html, got {suffix!r}")


def write_handover(data: HandoverData, paths: Iterable["str | Path"]) -> list[Path]:
    """Write the report to each path (format by suffix), owner-only (0600), each atomically
    (a temporary file renamed into place), replacing files of the same name; returns the paths."""
    out = []
    for path in map(Path, paths):
        write_output(path, render_handover(data, path.suffix), force=True)
        out.append(path)
    return out


def write_visit_handover(code: str, *, session_id: "int | None" = None, db_path: "str | Path | None" = None,
                         folder: "str | Path | None" = None) -> list[Path]:
    """The dashboard's handover report: a visit of ``code`` (default the latest) from the session
    database, as ``CODE_DATE_handover.pdf`` and ``.html`` in ``folder`` (default the recordings
    folder, created 0700), with the clinic of ``clinic.toml`` when there is one. Making it again
    replaces the files of that visit. Returns the PDF and HTML paths.

    Raises
    ------
    ValueError, ConfigError, RecordingError, OSError
        One line: no database yet, no visit, a bad clinic file, a folder that cannot be written.
    """
    from emgfeedback.calibration.clinic import find_clinic
    from emgfeedback.session.recording import default_recordings_dir
    from emgfeedback.storage.database import SessionDatabase, default_db_path

    code = validate_patient_code(code)
    db_file = Path(db_path) if db_path is not None else default_db_path()
    if not db_file.is_file():
        raise ValueError(f"no visit of {code} is stored yet (no session database at {db_file})")
    clinic = find_clinic()
    with SessionDatabase(db_file) as db:
        data = collect_handover(db, code, session_id=session_id, clinic=clinic)
    out = Path(folder) if folder is not None else default_recordings_dir()
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    stem = f"{code}_{data.visit_date}_handover"
    return write_handover(data, [out / f"{stem}.pdf", out / f"{stem}.html"])
