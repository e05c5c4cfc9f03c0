"""A patient's history read back from the session database: every visit summarised
(:class:`~emgfeedback.measures.progress.SessionProgress`), the plan in force and the targets the
visits are judged against.

The targets in force for an exercise are the plan's; an exercise the plan does not list is
judged on its template's feedback target (``calibration/protocols/<id>.toml``). Each visit is
judged against the plan as it stood then: the newest version saved before the visit ended (the
first version for visits older than any plan — a plan is often written after the first
assessment), so tightening a goal in week 3 does not rewrite what weeks 1 and 2 achieved.
"""

from __future__ import annotations

from typing import Mapping

from emgfeedback.calibration.protocols import Protocol
from emgfeedback.measures.progress import SessionProgress, session_progress
from emgfeedback.measures.targets import Target, targets_from_protocol
from emgfeedback.session.plan import ExercisePlan, plan_from_json
from emgfeedback.storage.database import SessionDatabase
from emgfeedback.storage.deidentify import validate_patient_code

__all__ = ["patient_history", "patient_plan", "plan_at", "plan_versions", "targets_in_force"]


def patient_plan(db: SessionDatabase, code: str) -> "ExercisePlan | None":
    """The patient's plan in force (newest stored), None without one.

    Raises
    ------
    ValueError
        One line when the stored plan cannot be read (naming the patient).
    """
    code = validate_patient_code(code)
    text = db.plan(code)
    if text is None:
        return None
    try:
        return plan_from_json(text)
    except ValueError as err:
        raise ValueError(f"the stored plan of {code} cannot be read: {err}") from None


def plan_versions(db: SessionDatabase, code: str) -> list[tuple[str, ExercisePlan]]:
    """Every stored version of the patient's plan, oldest first: (saved at, plan)."""
    code = validate_patient_code(code)
    out = []
    for saved_at, text in db.plan_history(code):
        try:
            out.append((saved_at, plan_from_json(text)))
        except ValueError as err:
            raise ValueError(f"a stored plan of {code} (saved {saved_at}) cannot be read: {err}") from None
    return out


def plan_at(versions: "list[tuple[str, ExercisePlan]]", ended_at: "str | None") -> "ExercisePlan | None":
    """The plan a visit that ended at ``ended_at`` (ISO text; None: under way) was done under:
    the newest version saved before it ended, else the first version; None without any."""
    if not versions:
        return None
    if ended_at is None:
        return versions[-1][1]
    before = [plan for saved_at, plan in versions if saved_at <= ended_at]
    return before[-1] if before else versions[0][1]


def targets_in_force(plan: "ExercisePlan | None",
                     protocols: "Mapping[str, Protocol] | None" = None) -> dict[str, tuple[Target, ...]]:
    """Targets per protocol id: the plan's, else the template's feedback target."""
    out = {pid: targets_from_protocol(p) for pid, p in (protocols or {}).items()}
    if plan is not None:
        out.update(plan.targets())
    return out


def patient_history(db: SessionDatabase, code: str, *,
                    protocols: "Mapping[str, Protocol] | None" = None) -> list[SessionProgress]:
    """Every visit of a patient, oldest first, summarised from the stored reps.

    Parameters
    ----------
    db : SessionDatabase
    code : str
        De-identified patient code (an unknown code has no visits: ``[]``).
    protocols : mapping, optional
        The protocol templates (``load_protocols()``): targets of exercises the plan does not list.

    Raises
    ------
    ValueError
        One line naming the visit when its stored data cannot be read (a damaged database).
    """
    versions = plan_versions(db, code)
    history = []
    for row in db.sessions(code):
        targets = targets_in_force(plan_at(versions, row.ended_at), protocols)
        mvc = db.session_mvc_record(row.id)
        try:
            history.append(session_progress(
                row.id, row.started_at, db.reps(row.id), protocols=db.session_protocols(row.id),
                mvc=None if mvc is None else mvc[0], mvc_measured_at=None if mvc is None else mvc[1],
                notes=db.session_notes(row.id), targets=targets, recordings=db.recordings(row.id)))
        except (TypeError, ValueError) as err:  # a damaged or hand-edited database
            raise ValueError(f"visit {row.id} of {row.patient_code} in {db.path} cannot be read: {err}") from None
    return history
