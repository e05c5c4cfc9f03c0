"""One patient visit as the dashboard keeps it: a database session for the patient code on
screen that holds the visit's MVC, protocols, reps and recordings, whatever the clinician does
in between (record, stop, start another exercise, reconnect the device).

The visit opens the database only for a moment on each write (the session worker opens its own
connection for a recording), so it can live on the UI thread.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Mapping

from emgfeedback.errors import RecordingError
from emgfeedback.session.store import SessionStore
from emgfeedback.storage.database import SessionDatabase
from emgfeedback.storage.deidentify import validate_patient_code

__all__ = ["Visit"]


class Visit:
    """A patient's visit in the session database (started with the first thing stored).

    Parameters
    ----------
    patient_code : str
        De-identified code (normalised: ``p0042`` → ``P-0042``).
    db_path : str or Path, optional
        Session database (default ``storage.default_db_path()``, ``$EMGFEEDBACK_DB``).
    """

    def __init__(self, patient_code: str, db_path: "str | Path | None" = None) -> None:
        self.patient_code = validate_patient_code(patient_code)
        self.db_path = db_path
        self.session_id: "int | None" = None
        self._lock = threading.Lock()  # the UI and the session worker may both start it

    def _open(self) -> SessionDatabase:
        return SessionDatabase(self.db_path)

    def ensure(self) -> int:
        """The visit's session id (the session is created on first use, once, from any thread)."""
        with self._lock:
            if self.session_id is None:
                with self._open() as db:
                    self.session_id = db.start_session(self.patient_code)
            return self.session_id

    def store_mvc(self, values_uv: Mapping[str, float], measured_at: "str | None" = None) -> None:
        """Store the MVC set in use with the visit (once: not again when the visit has it)."""
        if not values_uv:
            return
        store = SessionStore(self._open(), self.patient_code, session_id=self.ensure())
        try:  # the store's rule: stored once, not again when the visit already has these values
            store.add_mvc(values_uv, measured_at)
        finally:
            store.close(end=False)

    def note_protocol(self, protocol: str) -> None:
        """A protocol started in this visit."""
        sid = self.ensure()
        with self._open() as db:
            db.add_session_protocol(sid, protocol)

    def end(self) -> None:
        """Mark the visit's end time (now); a later write moves it on."""
        if self.session_id is None:
            return
        try:
            with self._open() as db:
                db.end_session(self.session_id)
        except (RecordingError, sqlite3.Error):
            pass
