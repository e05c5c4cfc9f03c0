"""The patient-level records of the session database (schema version 5): the patient list with
last visits, exercise plans (every version kept) and session notes.

Session notes hold the clinician's note about the visit: pain (0–10 numeric rating scale), the
rating of perceived exertion on the Borg CR10 scale (0 = nothing at all, 10 = maximal; halves
allowed) and free text of at most :data:`MAX_NOTE_CHARS` characters. The text is stored like
every other field of the database, so it must never hold the patient's name or other
identifying details — the patient is the code only.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from dataclasses import dataclass
from typing import Callable

from emgfeedback.storage.deidentify import validate_patient_code

__all__ = ["PatientOverview", "PatientRecords", "MAX_NOTE_CHARS", "MAX_PLAN_CHARS"]

#: Longest session note, characters.
MAX_NOTE_CHARS = 2000
#: Longest plan JSON, characters (a plan of every protocol with targets is about 2 kB).
MAX_PLAN_CHARS = 100_000


@dataclass(frozen=True)
class PatientOverview:
    """One patient in the list: code, number of visits, last visit start and when the patient
    was first stored (ISO 8601 local times; ``last_visit`` None before the first visit)."""

    code: str
    n_sessions: int
    last_visit: "str | None"
    created_at: str


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


class PatientRecords:
    """Mixin of :class:`~emgfeedback.storage.database.SessionDatabase` (needs ``_db``,
    ``path`` and ``patient_id``)."""

    _db: sqlite3.Connection
    patient_id: Callable[..., int]

    def patient_overview(self) -> list[PatientOverview]:
        """Every patient by code with the number of visits and the last one, sorted by code."""
        rows = self._db.execute(
            "SELECT p.code, COUNT(s.id), MAX(s.started_at), p.created_at FROM patients p "
            "LEFT JOIN sessions s ON s.patient_id = p.id GROUP BY p.id ORDER BY p.code")
        return [PatientOverview(code, int(n), last, created) for code, n, last, created in rows]

    # ----------------------------------------------------------------- plans
    def set_plan(self, patient_code: str, plan_json: str) -> None:
        """Store a new version of a patient's exercise plan (the patient is created if new).

        Parameters
        ----------
        patient_code : str
            De-identified code.
        plan_json : str
            The plan as ``emgfeedback.session.plan.plan_to_json`` writes it (checked here only to
            be a JSON object; the session layer validates its content).
        """
        if not isinstance(plan_json, str) or len(plan_json) > MAX_PLAN_CHARS:
            raise ValueError(f"plan must be JSON text of at most {MAX_PLAN_CHARS} characters")
        try:
            ok = isinstance(json.loads(plan_json), dict)
        except (ValueError, RecursionError):  # RecursionError: hostile nesting
            ok = False
        if not ok:
            raise ValueError("plan must be a JSON object (see emgfeedback.session.plan.plan_to_json)")
        pid = self.patient_id(patient_code)
        self._db.execute("INSERT INTO plans (patient_id, created_at, plan_json) VALUES (?, ?, ?)",
                         (pid, _now(), plan_json))

    def plan(self, patient_code: str) -> "str | None":
        """The patient's plan in force (the newest stored), JSON text; None if none."""
        history = self.plan_history(patient_code)
        return history[-1][1] if history else None

    def plan_history(self, patient_code: str) -> list[tuple[str, str]]:
        """Every stored version of the patient's plan, oldest first: (created_at ISO, JSON)."""
        rows = self._db.execute(
            "SELECT pl.created_at, pl.plan_json FROM plans pl JOIN patients p ON p.id = pl.patient_id "
            "WHERE p.code = ? ORDER BY pl.id", (validate_patient_code(patient_code),))
        return [(str(c), str(j)) for c, j in rows]

    # ----------------------------------------------------------------- session notes
    def set_session_notes(self, session_id: int, pain: "int | None" = None, rpe: "float | None" = None,
                          text: str = "") -> None:
        """Store (replace) a session's notes.

        Parameters
        ----------
        session_id : int
            The visit.
        pain : int or None
            Pain on the 0–10 numeric rating scale (whole numbers).
        rpe : float or None
            Rating of perceived exertion, Borg CR10 scale 0–10 (halves allowed).
        text : str
            The clinician's note, at most :data:`MAX_NOTE_CHARS` characters; never the patient's
            name or other identifying details.

        Raises
        ------
        ValueError
            A value out of range, text too long, or no such session.
        """
        if pain is not None and (isinstance(pain, bool) or not isinstance(pain, int) or not 0 <= pain <= 10):
            raise ValueError(f"pain must be a whole number 0–10, got {pain!r}")
        if rpe is not None:
            ok = not isinstance(rpe, bool) and isinstance(rpe, (int, float)) and math.isfinite(rpe)
            if not ok or not 0 <= rpe <= 10 or float(rpe) * 2 != round(float(rpe) * 2):
                raise ValueError(f"RPE must be 0–10 on the Borg CR10 scale (halves allowed), got {rpe!r}")
            rpe = float(rpe)
        if not isinstance(text, str):
            raise TypeError(f"note text must be text, got {type(text).__name__}")
        text = text.strip()
        if len(text) > MAX_NOTE_CHARS:
            raise ValueError(f"note text must be at most {MAX_NOTE_CHARS} characters, got {len(text)}")
        if "\x00" in text:
            raise ValueError("note text must not contain NUL characters")
        if self._db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
            raise ValueError(f"no session {session_id!r} in {getattr(self, 'path', 'the database')}")
        self._db.execute(
            "INSERT INTO session_notes (session_id, pain, rpe, text, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(session_id) DO UPDATE SET pain = excluded.pain, rpe = excluded.rpe, "
            "text = excluded.text, updated_at = excluded.updated_at", (session_id, pain, rpe, text, _now()))

    def session_notes(self, session_id: int) -> dict:
        """A session's notes: ``pain`` (0–10 or None), ``rpe`` (Borg CR10 or None), ``text``
        (``""`` when none) and ``updated_at`` (None when none were stored)."""
        row = self._db.execute("SELECT pain, rpe, text, updated_at FROM session_notes WHERE session_id = ?",
                               (session_id,)).fetchone()
        if row is None:
            return {"pain": None, "rpe": None, "text": "", "updated_at": None}
        return dict(zip(("pain", "rpe", "text", "updated_at"), row))
