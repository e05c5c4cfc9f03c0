"""The patient's visit while the dashboard runs: one database session per visit, holding its
MVC, protocols, reps and recordings (:class:`~emgfeedback.session.Visit`), and the stream's reps
written into it once attached."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from emgfeedback.app.bridge import SessionBridge
from emgfeedback.app.panels import PatientBar
from emgfeedback.errors import EmgFeedbackError
from emgfeedback.session import Visit, validate_patient_code

__all__ = ["VisitControls"]


class VisitControls:
    """Owns the visit under way (``visit``; None before anything is stored or after it ended).

    Parameters
    ----------
    bridge : SessionBridge
        Its live session gets the visit attached.
    patient : PatientBar
        The patient code on screen.
    db_path : str or Path, optional
        Session database (default ``storage.default_db_path()``; ``$EMGFEEDBACK_DB``).
    """

    def __init__(self, bridge: SessionBridge, patient: PatientBar, db_path: "str | Path | None" = None) -> None:
        self.bridge, self.patient, self.db_path = bridge, patient, db_path
        self.visit: "Visit | None" = None

    def visit_for(self, code: str) -> Visit:
        """The visit of patient ``code`` (a new one when the patient changed)."""
        code = validate_patient_code(code)
        if self.visit is None or self.visit.patient_code != code:
            self.end()
            self.visit = Visit(code, self.db_path)
        return self.visit

    def session_of(self, code: str) -> "int | None":
        """The database session of ``code``'s visit under way, None when there is none."""
        v = self.visit
        return v.session_id if v is not None and v.patient_code == code else None

    def end(self) -> bool:
        """End the visit under way (its end time stored) and stop writing the stream's reps into
        it; False when there was none."""
        if self.visit is None:
            return False
        self.visit.end()
        self.visit = None
        if self.bridge.live is not None:
            self.bridge.live.set_visit(None)
        return True

    def attach(self) -> None:
        """From now on every rep of the stream is stored in the visit of the patient on screen."""
        code = self.patient.patient_code()
        live = self.bridge.live
        if code is not None and live is not None:
            live.set_visit(self.visit_for(code), self.db_path)

    def note_protocol(self, protocol_id: str) -> "str | None":
        """Note that ``protocol_id`` runs in the visit (and attach it); the problem in one line,
        None when stored or when no patient code is entered."""
        code = self.patient.patient_code()
        if code is None:
            return None
        try:
            self.visit_for(code).note_protocol(protocol_id)
            problem = None
        except (EmgFeedbackError, ValueError, sqlite3.Error) as err:
            problem = f"protocol not noted in the session database: {err}"
        self.attach()
        return problem

    def store_mvc(self, values: dict, measured_at: str) -> "str | None":
        """Store the MVC in use with the visit (and attach it); the problem in one line, None
        when stored or when there is nothing to store."""
        code = self.patient.patient_code()
        if code is None or not values:
            return None
        try:
            self.visit_for(code).store_mvc(values, measured_at)
            problem = None
        except (EmgFeedbackError, ValueError, sqlite3.Error) as err:
            problem = f"MVC not stored in the session database: {err}"
        self.attach()
        return problem
