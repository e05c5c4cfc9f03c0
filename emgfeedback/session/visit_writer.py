"""The session worker's side of a patient's visit: every rep of the stream, recorded or not,
and the running protocol, into the visit's database session (:class:`~emgfeedback.session.Visit`
gives it; a recording of the same patient writes through the same store, with times in its
file). Runs on the live session's worker thread only."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

from emgfeedback.errors import EmgFeedbackError
from emgfeedback.session.store import SessionStore
from emgfeedback.storage.database import SessionDatabase
from emgfeedback.storage.deidentify import validate_patient_code

__all__ = ["VisitWriter"]

log = logging.getLogger(__name__)


class VisitWriter:
    """Reps of a live stream into the visit it is attached to (none: nothing is written).

    A database problem stops the writing and is kept as :attr:`warning`; the stream goes on.
    """

    def __init__(self) -> None:
        self.visit: Any = None
        self.store: "SessionStore | None" = None
        #: Why the visit's database was not updated ("" when it was).
        self.warning = ""

    def attach(self, visit: Any, db_path: "str | Path | None", recording: Any) -> None:
        """Write into ``visit`` from now on (None: stop); the store of a running ``recording``
        stays open for it."""
        if visit is not None and visit is self.visit and self.store is not None:
            return  # already writing into this visit
        self.visit = visit
        old, self.store = self.store, None
        if old is not None and (recording is None or recording.store is not old):
            old.close(end=False)
        if visit is None:
            return
        try:
            self.store = SessionStore(SessionDatabase(db_path if db_path is not None else visit.db_path),
                                      visit.patient_code, session_id=visit.ensure)
        except (EmgFeedbackError, sqlite3.Error, OSError) as err:
            self._failed(err)

    def store_for(self, patient_code: "str | None") -> "SessionStore | None":
        """The visit's store when a recording of ``patient_code`` should write through it."""
        if self.store is None or patient_code is None:
            return None
        return self.store if self.store.patient_code == validate_patient_code(patient_code) else None

    def write(self, engine: Any, update: Any, recording: Any) -> None:
        """Reps and the running protocol of ``update`` (when no recording writes them itself,
        with times in its file: here they are stream seconds)."""
        store = self.store
        if store is None or (recording is not None and recording.store is store):
            return
        try:
            protocol = engine.protocol.id if engine.protocol is not None else None
            if update.reps or protocol != store.protocol:
                store.set_protocol(protocol)
            for r in update.reps:
                store.add_rep(r, r.start_s, r.end_s)
        except (EmgFeedbackError, sqlite3.Error, ValueError, OSError) as err:
            self._failed(err)
            self.store = None
            try:
                store.db.close()
            except sqlite3.Error:
                pass

    def close(self) -> None:
        """The stream ended: leave the visit open for the next one, close the connection."""
        store, self.store = self.store, None
        if store is not None:
            try:
                store.close(end=False)
            except sqlite3.Error as err:
                log.error("session database: %s", err)

    def _failed(self, err: Exception) -> None:
        log.error("session database: %s", err)
        self.warning = f"session database not updated: {err}"
