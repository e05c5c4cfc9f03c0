"""The session database: one SQLite file, patients by de-identified code only.

Default location: ``$EMGFEEDBACK_DB`` if set, else ``$XDG_DATA_HOME/emgfeedback/sessions.sqlite3``
(``~/.local/share/emgfeedback/sessions.sqlite3``). The file is created owner-only (0600) in a
0700 folder. The schema is versioned (``PRAGMA user_version``) and migrated forward on open, in
one transaction; a database from a newer emgfeedback is refused rather than damaged.

A patient is a code (``P017``); sessions hold times, the protocols, MVC values, per-rep results,
the paths of their recordings and the clinician's notes; each patient has an exercise plan
(every version kept). The one free-text field, a session's note, is the clinician's and must
never hold the patient's name (:mod:`emgfeedback.storage._records`).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from emgfeedback.errors import RecordingError
from emgfeedback.model import Channel, Muscle, Side
from emgfeedback.storage._records import MAX_NOTE_CHARS, PatientOverview, PatientRecords
from emgfeedback.storage._schema import MIGRATIONS, PY_MIGRATIONS, SCHEMA_VERSION
from emgfeedback.storage.deidentify import validate_patient_code

__all__ = ["SessionDatabase", "SessionRow", "PatientOverview", "default_db_path", "SCHEMA_VERSION", "MAX_NOTE_CHARS"]

_SIDE_KEYS = ("first_to_fire", "gmax_minus_es_ms", "tfl_to_glute_ratio", "firing_order", "gluteal_to_tfl_index")
_CHANNEL_KEYS = ("mean_uv", "peak_uv", "peak_pct_mvc", "onset_s", "pct_mvc")


def default_db_path() -> Path:
    """Where the database lives: ``$EMGFEEDBACK_DB``, else the XDG user data directory."""
    env = os.environ.get("EMGFEEDBACK_DB")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "emgfeedback" / "sessions.sqlite3"


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


@dataclass(frozen=True)
class SessionRow:
    """One session as stored (times ISO 8601, local)."""

    id: int
    patient_code: str
    started_at: str
    ended_at: "str | None"
    protocol: "str | None"


class SessionDatabase(PatientRecords):
    """Open (creating and migrating as needed) the session database.

    Parameters
    ----------
    path : str or Path, optional
        Database file; :func:`default_db_path` by default.

    Raises
    ------
    RecordingError
        The file is not an emgfeedback database, is from a newer version, or cannot be created.
    """

    def __init__(self, path: "str | Path | None" = None) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        self._create_private()
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as err:
            raise RecordingError(f"{self.path} is not a usable emgfeedback database: {err}") from err

    def _create_private(self) -> None:
        try:
            if not self.path.parent.exists():
                self.path.parent.mkdir(parents=True, mode=0o700)
            if self.path.is_symlink():  # never chmod (or write) whatever a link points at
                raise RecordingError(f"the session database {self.path} is a symbolic link; "
                                     f"set EMGFEEDBACK_DB to the real file ({os.path.realpath(self.path)})")
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
            try:
                if os.fstat(fd).st_mode & 0o077:
                    if hasattr(os, "fchmod"):
                        os.fchmod(fd, 0o600)  # patient data: owner only
                    else:  # Windows before 3.13
                        os.chmod(self.path, 0o600)
            finally:
                os.close(fd)
        except OSError as err:
            raise RecordingError(f"cannot create the session database {self.path}: {err.strerror}") from err

    @property
    def version(self) -> int:
        """Schema version of the open file."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        have = self.version
        if have > SCHEMA_VERSION:
            raise RecordingError(f"{self.path} has schema version {have}, newer than this emgfeedback "
                                 f"understands ({SCHEMA_VERSION}); upgrade emgfeedback")
        if have == SCHEMA_VERSION:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for version in range(have, SCHEMA_VERSION):
                for statement in MIGRATIONS[version].split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                if version in PY_MIGRATIONS:
                    PY_MIGRATIONS[version](self._db)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    # ----------------------------------------------------------------- patients, protocols
    def patient_id(self, code: str, *, create: bool = True) -> int:
        """Row id of the patient with ``code`` (normalised; created if new and ``create``)."""
        code = validate_patient_code(code)
        row = self._db.execute("SELECT id FROM patients WHERE code = ?", (code,)).fetchone()
        if row is not None:
            return int(row[0])
        if not create:
            raise KeyError(f"no patient with code {code!r} in {self.path}")
        cur = self._db.execute("INSERT INTO patients (code, created_at) VALUES (?, ?)", (code, _now()))
        return int(cur.lastrowid)

    def patients(self) -> list[str]:
        """All patient codes, sorted."""
        return [r[0] for r in self._db.execute("SELECT code FROM patients ORDER BY code")]

    def protocol_id(self, name: str, definition: str = "") -> int:
        """Row id of the protocol ``name`` (created if new; ``definition`` e.g. its TOML text)."""
        if not name or not isinstance(name, str):
            raise ValueError(f"protocol name must be non-empty text, got {name!r}")
        row = self._db.execute("SELECT id FROM protocols WHERE name = ?", (name,)).fetchone()
        if row is not None:
            return int(row[0])
        cur = self._db.execute("INSERT INTO protocols (name, definition) VALUES (?, ?)", (name, definition))
        return int(cur.lastrowid)

    # ----------------------------------------------------------------- sessions
    def start_session(self, patient_code: str, protocol: "str | None" = None,
                      started_at: "dt.datetime | None" = None) -> int:
        """Create a session for a patient (created if new); returns its id."""
        pid = self.patient_id(patient_code)
        proto = None if protocol is None else self.protocol_id(protocol)
        when = (started_at or dt.datetime.now()).isoformat(timespec="seconds")
        cur = self._db.execute("INSERT INTO sessions (patient_id, started_at, protocol_id) VALUES (?, ?, ?)",
                               (pid, when, proto))
        sid = int(cur.lastrowid)
        if proto is not None:
            self._db.execute("INSERT INTO session_protocols VALUES (?, ?, ?)", (sid, proto, when))
        return sid

    def end_session(self, session_id: int) -> None:
        """Mark a session ended now."""
        self._db.execute("UPDATE sessions SET ended_at = ? WHERE id = ?", (_now(), session_id))

    def sessions(self, patient_code: "str | None" = None) -> list[SessionRow]:
        """Sessions (of one patient, or all), oldest first."""
        sql = ("SELECT s.id, p.code, s.started_at, s.ended_at, pr.name FROM sessions s "
               "JOIN patients p ON p.id = s.patient_id LEFT JOIN protocols pr ON pr.id = s.protocol_id")
        args: tuple = ()
        if patient_code is not None:
            sql += " WHERE p.code = ?"
            args = (validate_patient_code(patient_code),)
        return [SessionRow(*r) for r in self._db.execute(sql + " ORDER BY s.started_at, s.id", args)]

    def add_recording(self, session_id: int, path: "str | Path", fs_hz: float, duration_s: float) -> int:
        """Link a finished recording file (stored as an absolute path) to a session."""
        now = _now()
        cur = self._db.execute(
            "INSERT INTO recordings (session_id, path, fs_hz, duration_s, started_at, ended_at) "
            "VALUES (?, ?, ?, ?, ?, ?)", (session_id, str(Path(path).resolve()), float(fs_hz), float(duration_s), now, now))
        return int(cur.lastrowid)

    def start_recording(self, session_id: int, path: "str | Path", fs_hz: float) -> int:
        """Link a recording when it starts (duration 0, no end time until
        :meth:`finish_recording`): after a crash the session still names its file."""
        cur = self._db.execute(
            "INSERT INTO recordings (session_id, path, fs_hz, duration_s, started_at) VALUES (?, ?, ?, 0, ?)",
            (session_id, str(Path(path).resolve()), float(fs_hz), _now()))
        return int(cur.lastrowid)

    def finish_recording(self, recording_id: int, duration_s: float) -> None:
        """A recording stopped with ``duration_s`` s of signal in its file."""
        self._db.execute("UPDATE recordings SET duration_s = ?, ended_at = ? WHERE id = ?",
                         (float(duration_s), _now(), recording_id))

    def remove_recording(self, recording_id: int) -> None:
        """Forget a recording whose file was never kept (it got no sample); its reps stay, with
        stream times."""
        with self._transaction():
            self._db.execute("UPDATE reps SET recording_id = NULL WHERE recording_id = ?", (recording_id,))
            self._db.execute("DELETE FROM recordings WHERE id = ?", (recording_id,))

    def recording_rows(self, session_id: int) -> list[dict]:
        """A session's recordings: ``path``, ``fs_hz``, ``duration_s``, ``started_at`` and
        ``ended_at`` (None: the recording never stopped cleanly — see ``emgfeedback repair``)."""
        cols = ("path", "fs_hz", "duration_s", "started_at", "ended_at")
        return [dict(zip(cols, r)) for r in self._db.execute(
            f"SELECT {', '.join(cols)} FROM recordings WHERE session_id = ? ORDER BY id", (session_id,))]

    def add_session_protocol(self, session_id: int, protocol: str) -> None:
        """Note that ``protocol`` ran in a session (a visit runs several)."""
        pid = self.protocol_id(protocol)
        self._db.execute("INSERT OR IGNORE INTO session_protocols (session_id, protocol_id, started_at) "
                         "VALUES (?, ?, ?)", (session_id, pid, _now()))
        self._db.execute("UPDATE sessions SET protocol_id = COALESCE(protocol_id, ?) WHERE id = ?", (pid, session_id))

    def session_protocols(self, session_id: int) -> list[str]:
        """Protocols run in a session, in the order they started (each once)."""
        rows = self._db.execute(
            "SELECT pr.name, MIN(sp.rowid) AS k FROM session_protocols sp JOIN protocols pr ON pr.id = sp.protocol_id "
            "WHERE sp.session_id = ? GROUP BY pr.name ORDER BY k", (session_id,))
        return [r[0] for r in rows]

    def next_rep_index(self, session_id: int) -> int:
        """The next free rep number of a session (reps of a visit are numbered across its
        recordings)."""
        row = self._db.execute("SELECT MAX(rep_index) FROM reps WHERE session_id = ?", (session_id,)).fetchone()
        return 0 if row[0] is None else int(row[0]) + 1

    def session_mvc(self, session_id: int) -> dict[str, float]:
        """The MVC set stored last in a session (per channel id, µV; empty if none)."""
        record = self.session_mvc_record(session_id)
        return {} if record is None else record[0]

    def session_mvc_record(self, session_id: int) -> "tuple[dict[str, float], str] | None":
        """The MVC set stored last in a session and when it was measured (ISO text); None if none."""
        row = self._db.execute("SELECT measured_at FROM mvc WHERE session_id = ? ORDER BY id DESC LIMIT 1",
                               (session_id,)).fetchone()
        if row is None:
            return None
        return dict(self._db.execute("SELECT channel, value_uv FROM mvc WHERE session_id = ? AND measured_at = ? "
                                     "ORDER BY id", (session_id, row[0]))), str(row[0])

    def recordings(self, session_id: int) -> list[str]:
        """Paths of a session's recordings."""
        return [r[0] for r in self._db.execute(
            "SELECT path FROM recordings WHERE session_id = ? ORDER BY id", (session_id,))]

    # ----------------------------------------------------------------- MVC and reps
    def add_mvc(self, session_id: int, values_uv: Mapping[str, float], measured_at: "str | None" = None) -> None:
        """Store one MVC set: envelope levels per channel (id or label), µV, measured at
        ``measured_at`` (ISO text; default now; one time stamp for the whole set)."""
        when = measured_at or _now()
        rows = []
        for key, value in values_uv.items():
            ch = Channel.parse(str(key)).id
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"MVC for {ch} must be a positive number of µV, got {value!r}")
            rows.append((session_id, ch, float(value), when))
        with self._transaction():
            self._db.executemany("INSERT INTO mvc (session_id, channel, value_uv, measured_at) "
                                 "VALUES (?, ?, ?, ?)", rows)

    def latest_mvc(self, patient_code: str) -> dict[str, float]:
        """Most recent MVC per channel id for a patient, µV (empty if none)."""
        rows = self._db.execute(
            "SELECT m.channel, m.value_uv FROM mvc m JOIN sessions s ON s.id = m.session_id "
            "JOIN patients p ON p.id = s.patient_id WHERE p.code = ? ORDER BY m.measured_at, m.id",
            (validate_patient_code(patient_code),))
        return {ch: v for ch, v in rows}

    def latest_mvc_record(self, patient_code: str) -> "tuple[dict[str, float], str] | None":
        """The patient's most recently stored MVC set: (value per channel id in µV, when it
        was measured as ISO text); None when the patient has none.

        One set is the values stored together with the latest ``measured_at`` (one MVC
        procedure); channels measured only in earlier procedures are not mixed in.
        """
        code = validate_patient_code(patient_code)
        row = self._db.execute(
            "SELECT m.measured_at FROM mvc m JOIN sessions s ON s.id = m.session_id "
            "JOIN patients p ON p.id = s.patient_id WHERE p.code = ? ORDER BY m.measured_at DESC, m.id DESC "
            "LIMIT 1", (code,)).fetchone()
        if row is None:
            return None
        values = dict(self._db.execute(
            "SELECT m.channel, m.value_uv FROM mvc m JOIN sessions s ON s.id = m.session_id "
            "JOIN patients p ON p.id = s.patient_id WHERE p.code = ? AND m.measured_at = ? ORDER BY m.id",
            (code, row[0])))
        return values, str(row[0])

    def add_rep(self, session_id: int, index: int, start_s: float, end_s: float, *,
                set_number: int = 0, side: "str | None" = None, protocol: "str | None" = None,
                rep_number: int = 0, artefact: "str | None" = None, recording_id: "int | None" = None,
                sides: "Mapping[str, Mapping[str, object]] | None" = None,
                channels: "Mapping[str, Mapping[str, float]] | None" = None,
                symmetry: "Mapping[str, float] | None" = None) -> int:
        """Store one rep's results.

        Parameters
        ----------
        session_id, index : int
            Session and 0-based rep number.
        start_s, end_s : float
            Rep times in the recording, s.
        set_number : int
            Protocol set.
        side : {"left", "right"} or None
            Working side of a one-sided exercise.
        protocol : str, optional
            Protocol the rep was counted against.
        rep_number : int
            1-based rep within its set (0 without a protocol).
        artefact : str, optional
            Why the rep was not counted (too short, outside a hold …); None for a counted rep.
        recording_id : int, optional
            The recording the rep is in (``start_s``/``end_s`` are then times in that file;
            without one they are seconds of the live stream).
        sides : mapping
            Per side (``left``/``right``): ``first_to_fire`` (muscle id), ``gmax_minus_es_ms``
            (negative: glute max first), ``tfl_to_glute_ratio``, ``firing_order`` (muscle ids
            joined by ``>``), ``gluteal_to_tfl_index``.
        channels : mapping
            Per channel id: ``mean_uv``, ``peak_uv``, ``peak_pct_mvc``, ``onset_s``, ``pct_mvc``.
        symmetry : mapping
            Per muscle id: left/right symmetry index, %.
        """
        side = None if side is None else Side(side).value
        side_rows, channel_rows = [], []
        for s, values in (sides or {}).items():
            _check_keys(values, _SIDE_KEYS, f"sides[{s!r}]")
            first = values.get("first_to_fire")
            order = values.get("firing_order")
            side_rows.append((Side(s).value, None if first is None else Muscle(first).value,
                              _num(values.get("gmax_minus_es_ms")), _num(values.get("tfl_to_glute_ratio")),
                              None if order is None else ">".join(Muscle(m).value for m in str(order).split(">")),
                              _num(values.get("gluteal_to_tfl_index"))))
        for ch, values in (channels or {}).items():
            _check_keys(values, _CHANNEL_KEYS, f"channels[{ch!r}]")
            channel_rows.append((Channel.parse(ch).id, *(_num(values.get(k)) for k in _CHANNEL_KEYS)))
        with self._transaction():
            proto = None if not protocol else self.protocol_id(protocol)
            cur = self._db.execute("INSERT INTO reps (session_id, rep_index, start_s, end_s, side, set_number, "
                                   "protocol_id, rep_number, artefact, recording_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                   (session_id, int(index), float(start_s), float(end_s), side, int(set_number),
                                    proto, int(rep_number), artefact or None, recording_id))
            rep_id = int(cur.lastrowid)
            self._db.executemany(f"INSERT INTO rep_sides (rep_id, side, {', '.join(_SIDE_KEYS)}) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?)", [(rep_id, *r) for r in side_rows])
            self._db.executemany(f"INSERT INTO rep_channels (rep_id, channel, {', '.join(_CHANNEL_KEYS)}) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?)", [(rep_id, *r) for r in channel_rows])
            self._db.executemany("INSERT INTO rep_muscles VALUES (?, ?, ?)",
                                 [(rep_id, Muscle(m).value, _num(v)) for m, v in (symmetry or {}).items()])
        return rep_id

    def reps(self, session_id: int) -> list[dict]:
        """A session's reps as plain dicts (``sides`` and ``channels`` nested), by rep index."""
        out = []
        for rid, idx, start, end, side, set_no, proto, rep_no, artefact, rec_id in self._db.execute(
                "SELECT r.id, r.rep_index, r.start_s, r.end_s, r.side, r.set_number, pr.name, r.rep_number, r.artefact, "
                "r.recording_id "
                "FROM reps r LEFT JOIN protocols pr ON pr.id = r.protocol_id WHERE r.session_id = ? "
                "ORDER BY r.rep_index", (session_id,)):
            sides = {r[0]: dict(zip(_SIDE_KEYS, r[1:])) for r in self._db.execute(
                f"SELECT side, {', '.join(_SIDE_KEYS)} FROM rep_sides WHERE rep_id = ?", (rid,))}
            chans = {r[0]: dict(zip(_CHANNEL_KEYS, r[1:])) for r in self._db.execute(
                f"SELECT channel, {', '.join(_CHANNEL_KEYS)} FROM rep_channels WHERE rep_id = ?", (rid,))}
            sym = dict(self._db.execute("SELECT muscle, symmetry_pct FROM rep_muscles WHERE rep_id = ?", (rid,)))
            out.append(dict(index=idx, start_s=start, end_s=end, side=side, set_number=set_no,
                            protocol=proto, rep_number=rep_no, artefact=artefact, recording_id=rec_id,
                            sides=sides, channels=chans, symmetry=sym))
        return out

    # ----------------------------------------------------------------- plumbing
    def _transaction(self):
        db = self._db

        class _Tx:
            def __enter__(self_inner):
                db.execute("BEGIN")

            def __exit__(self_inner, exc_type, *_):
                db.execute("ROLLBACK" if exc_type else "COMMIT")
        return _Tx()

    def close(self) -> None:
        """Close the connection; idempotent."""
        self._db.close()

    def __enter__(self) -> "SessionDatabase":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_keys(values: Mapping[str, object], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValueError(f"{where} has unknown key(s) {unknown}; allowed: {', '.join(allowed)}")


def _num(value: object) -> "float | None":
    """A finite float, or None for missing/NaN (SQLite has no NaN)."""
    if value is None:
        return None
    v = float(value)  # type: ignore[arg-type]
    return v if math.isfinite(v) else None
