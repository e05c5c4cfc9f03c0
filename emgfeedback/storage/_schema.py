"""The session database schema as numbered migrations (``PRAGMA user_version`` = how many ran).

Migration ``i`` takes a database from version ``i`` to ``i + 1``. Never edit a released migration;
add a new one. Version 1 stored the protocol as text in ``sessions``; version 2 moved it into a
``protocols`` table and added per-side and per-channel rep results; version 3 stores every
number of the measurement core's rep (firing order, GTA index, %MVC, onsets, symmetry per muscle);
version 4 makes a session one patient visit (several protocols, each rep naming its protocol, rep
in set, artefact reason and the recording it is in — its times are then times in that file, else
seconds of the stream; recordings linked when they start and completed when they stop) and
normalises patient codes (``p0042`` → ``P-0042``, merging patients that were two spellings of
one code); version 5 adds the patients' exercise plans (``plans``: JSON text, every version kept
with its time, the newest in force) and per-session notes (``session_notes``: pain 0–10, RPE on
the Borg CR10 scale 0–10, the clinician's note, at most 2000 characters). A migration may have a Python step (:data:`PY_MIGRATIONS`) run after its SQL in the
same transaction.
"""

from __future__ import annotations

import sqlite3
from typing import Callable

__all__ = ["MIGRATIONS", "PY_MIGRATIONS", "SCHEMA_VERSION"]

_V1 = """
CREATE TABLE patients (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    started_at TEXT NOT NULL,
    ended_at TEXT,
    protocol TEXT
);
CREATE TABLE recordings (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    path TEXT NOT NULL,
    fs_hz REAL NOT NULL,
    duration_s REAL NOT NULL
);
CREATE TABLE mvc (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    channel TEXT NOT NULL,
    value_uv REAL NOT NULL CHECK (value_uv > 0),
    measured_at TEXT NOT NULL
);
CREATE TABLE reps (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    rep_index INTEGER NOT NULL,
    start_s REAL NOT NULL,
    end_s REAL NOT NULL,
    side TEXT CHECK (side IN ('left', 'right')),
    UNIQUE (session_id, rep_index)
);
"""

_V2 = """
CREATE TABLE protocols (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    definition TEXT NOT NULL DEFAULT ''
);
INSERT INTO protocols (name) SELECT DISTINCT protocol FROM sessions WHERE protocol IS NOT NULL;
ALTER TABLE sessions ADD COLUMN protocol_id INTEGER REFERENCES protocols(id);
UPDATE sessions SET protocol_id = (SELECT id FROM protocols WHERE protocols.name = sessions.protocol);
ALTER TABLE sessions DROP COLUMN protocol;
ALTER TABLE reps ADD COLUMN set_number INTEGER NOT NULL DEFAULT 0;
CREATE TABLE rep_sides (
    rep_id INTEGER NOT NULL REFERENCES reps(id) ON DELETE CASCADE,
    side TEXT NOT NULL CHECK (side IN ('left', 'right')),
    first_to_fire TEXT,
    gmax_minus_es_ms REAL,
    tfl_to_glute_ratio REAL,
    PRIMARY KEY (rep_id, side)
);
CREATE TABLE rep_channels (
    rep_id INTEGER NOT NULL REFERENCES reps(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    mean_uv REAL,
    peak_uv REAL,
    peak_pct_mvc REAL,
    PRIMARY KEY (rep_id, channel)
);
CREATE INDEX sessions_by_patient ON sessions(patient_id);
CREATE INDEX recordings_by_session ON recordings(session_id);
"""

_V3 = """
ALTER TABLE rep_sides ADD COLUMN firing_order TEXT;
ALTER TABLE rep_sides ADD COLUMN gluteal_to_tfl_index REAL;
ALTER TABLE rep_channels ADD COLUMN onset_s REAL;
ALTER TABLE rep_channels ADD COLUMN pct_mvc REAL;
CREATE TABLE rep_muscles (
    rep_id INTEGER NOT NULL REFERENCES reps(id) ON DELETE CASCADE,
    muscle TEXT NOT NULL,
    symmetry_pct REAL,
    PRIMARY KEY (rep_id, muscle)
);
"""

_V4 = """
ALTER TABLE reps ADD COLUMN protocol_id INTEGER REFERENCES protocols(id);
ALTER TABLE reps ADD COLUMN rep_number INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reps ADD COLUMN artefact TEXT;
ALTER TABLE reps ADD COLUMN recording_id INTEGER REFERENCES recordings(id);
UPDATE reps SET protocol_id = (SELECT protocol_id FROM sessions WHERE sessions.id = reps.session_id);
ALTER TABLE recordings ADD COLUMN started_at TEXT;
ALTER TABLE recordings ADD COLUMN ended_at TEXT;
UPDATE recordings SET ended_at = (SELECT COALESCE(ended_at, started_at) FROM sessions WHERE sessions.id = recordings.session_id);
CREATE TABLE session_protocols (
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    protocol_id INTEGER NOT NULL REFERENCES protocols(id),
    started_at TEXT NOT NULL,
    PRIMARY KEY (session_id, protocol_id, started_at)
);
INSERT INTO session_protocols SELECT id, protocol_id, started_at FROM sessions WHERE protocol_id IS NOT NULL;
CREATE INDEX reps_by_session ON reps(session_id);
"""

_V5 = """
CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    created_at TEXT NOT NULL,
    plan_json TEXT NOT NULL
);
CREATE INDEX plans_by_patient ON plans(patient_id);
CREATE TABLE session_notes (
    session_id INTEGER PRIMARY KEY REFERENCES sessions(id),
    pain INTEGER CHECK (pain IS NULL OR pain BETWEEN 0 AND 10),
    rpe REAL CHECK (rpe IS NULL OR rpe BETWEEN 0 AND 10),
    text TEXT NOT NULL DEFAULT '' CHECK (length(text) <= 2000),
    updated_at TEXT NOT NULL
);
"""


def _normalise_codes(db: sqlite3.Connection) -> None:
    """Patient codes to the one normalised form; two spellings of one code become one patient
    (their sessions move to the first). Codes that are no longer valid are kept as they were."""
    from emgfeedback.storage.deidentify import normalise_patient_code

    rows = db.execute("SELECT id, code FROM patients ORDER BY id").fetchall()
    for pid, code in rows:
        normal = normalise_patient_code(code)
        if normal is None or normal == code:
            continue
        other = db.execute("SELECT id FROM patients WHERE code = ?", (normal,)).fetchone()
        if other is None:
            db.execute("UPDATE patients SET code = ? WHERE id = ?", (normal, pid))
        else:
            db.execute("UPDATE sessions SET patient_id = ? WHERE patient_id = ?", (other[0], pid))
            db.execute("DELETE FROM patients WHERE id = ?", (pid,))


MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5)
#: Python steps run after the SQL of migration ``i`` (same transaction).
PY_MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {3: _normalise_codes}
SCHEMA_VERSION = len(MIGRATIONS)
