"""The session database schema as numbered migrations (``PRAGMA user_version`` = how many ran).

Migration ``i`` takes a database from version ``i`` to ``i + 1``. Never edit a released migration;
add a new one. Version 1 stored the protocol as text in ``sessions``; version 2 moved it into a
``protocols`` table and added per-side and per-channel rep results; version 3 stores every
number of the measurement core's rep (firing order, GTA index, %MVC, onsets, symmetry per muscle).
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]

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

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3)
SCHEMA_VERSION = len(MIGRATIONS)
