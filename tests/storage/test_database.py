"""The SQLite session database: private file, codes only, migrations from older schemas."""

import math
import os
import sqlite3
import stat

import pytest

from emgfeedback.errors import RecordingError
from emgfeedback.storage._schema import MIGRATIONS
from emgfeedback.storage.database import SCHEMA_VERSION, SessionDatabase, default_db_path


def test_default_path_follows_env_and_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("EMGFEEDBACK_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db_path() == tmp_path / "xdg" / "emgfeedback" / "sessions.sqlite3"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_db_path() == tmp_path / "home" / ".local/share/emgfeedback/sessions.sqlite3"
    monkeypatch.setenv("EMGFEEDBACK_DB", str(tmp_path / "mine.db"))
    assert default_db_path() == tmp_path / "mine.db"


def test_file_is_created_owner_only_in_a_private_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("EMGFEEDBACK_DB", str(tmp_path / "new" / "s.sqlite3"))
    old = os.umask(0)  # a permissive umask must not matter: modes are explicit
    try:
        with SessionDatabase() as db:
            db.start_session("P001")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "new" / "s.sqlite3").stat().st_mode)
    assert mode == 0o600
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700


def test_existing_world_readable_file_is_made_private(tmp_path):
    p = tmp_path / "s.sqlite3"
    p.touch(mode=0o644)
    p.chmod(0o644)
    SessionDatabase(p).close()
    assert stat.S_IMODE(p.stat().st_mode) == 0o600


def test_sessions_mvc_reps_and_recordings(tmp_path):
    with SessionDatabase(tmp_path / "s.sqlite3") as db:
        assert db.version == SCHEMA_VERSION
        sid = db.start_session("P-017", protocol="prone-hip-extension")
        db.add_mvc(sid, {"glute_max_left": 210.0, "GMax R": 190.0})
        db.add_recording(sid, tmp_path / "a.edf", 2000.0, 61.5)
        db.add_rep(sid, 0, 3.0, 5.5, set_number=1,
                   sides={"left": {"first_to_fire": "lumbar_es", "gmax_minus_es_ms": 84.0,
                                   "tfl_to_glute_ratio": math.nan}},
                   channels={"GMax L": {"mean_uv": 80.0, "peak_uv": 150.0, "peak_pct_mvc": 71.4}})
        db.end_session(sid)
        sid2 = db.start_session("P-017", protocol="prone-hip-extension")
        db.add_mvc(sid2, {"glute_max_left": 230.0})
        assert db.patients() == ["P-017"]
        rows = db.sessions("P-017")
        assert [r.id for r in rows] == [sid, sid2] and rows[0].protocol == "prone-hip-extension"
        assert rows[0].ended_at is not None and rows[1].ended_at is None
        assert db.latest_mvc("P-017") == {"glute_max_left": 230.0, "glute_max_right": 190.0}
        assert db.recordings(sid) == [str((tmp_path / "a.edf").resolve())]
        (rep,) = db.reps(sid)
        assert rep["index"] == 0 and rep["set_number"] == 1
        assert rep["sides"]["left"] == {"first_to_fire": "lumbar_es", "gmax_minus_es_ms": 84.0,
                                        "tfl_to_glute_ratio": None, "firing_order": None,
                                        "gluteal_to_tfl_index": None}
        assert rep["symmetry"] == {}
        assert rep["channels"]["glute_max_left"]["peak_pct_mvc"] == pytest.approx(71.4)


def test_bad_input_is_refused_and_leaves_nothing(tmp_path):
    with SessionDatabase(tmp_path / "s.sqlite3") as db:
        with pytest.raises(ValueError, match="may be a name"):
            db.start_session("Miller")
        assert db.patients() == []
        sid = db.start_session("P2")
        with pytest.raises(ValueError, match="MVC for glute_med_left must be a positive number of µV"):
            db.add_mvc(sid, {"glute_max_left": 100.0, "GMed L": -3})
        assert db.latest_mvc("P2") == {}  # the whole call rolled back
        with pytest.raises(ValueError, match=r"unknown key\(s\) \['ratio'\]"):
            db.add_rep(sid, 0, 0.0, 1.0, sides={"left": {"ratio": 1.0}})
        with pytest.raises(ValueError, match="unknown channel 'Biceps'"):
            db.add_rep(sid, 0, 0.0, 1.0, channels={"Biceps": {"mean_uv": 1.0}})
        assert db.reps(sid) == []
        db.add_rep(sid, 0, 0.0, 1.0)
        with pytest.raises(sqlite3.IntegrityError):
            db.add_rep(sid, 0, 0.0, 1.0)  # one row per rep index


def test_migrates_a_version_1_database_keeping_its_data(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(MIGRATIONS[0])
    old.execute("PRAGMA user_version = 1")
    old.execute("INSERT INTO patients (code, created_at) VALUES ('P5', '2023-01-01T10:00:00')")
    old.execute("INSERT INTO patients (code, created_at) VALUES ('p-5', '2023-02-01T10:00:00')")  # same patient
    old.execute("INSERT INTO patients (code, created_at) VALUES ('2024_s12', '2023-02-01T10:00:00')")  # old format
    old.execute("INSERT INTO sessions (patient_id, started_at, protocol) VALUES (1, '2023-01-01T10:05:00', 'clamshell')")
    old.execute("INSERT INTO sessions (patient_id, started_at, protocol) VALUES (2, '2023-01-08T10:05:00', NULL)")
    old.execute("INSERT INTO mvc (session_id, channel, value_uv, measured_at) VALUES (1, 'tfl_left', 99.0, '2023-01-01T10:06:00')")
    old.execute("INSERT INTO reps (session_id, rep_index, start_s, end_s, side) VALUES (1, 0, 1.0, 2.0, 'left')")
    old.commit()
    old.close()
    with SessionDatabase(path) as db:
        assert db.version == SCHEMA_VERSION == 5
        # codes normalised on migration: 'P5' and 'p-5' were one patient, now P-5 with both sessions
        assert db.patients() == ["2024_s12", "P-5"]
        rows = db.sessions("p5")
        assert [r.protocol for r in rows] == ["clamshell", None]
        assert db.latest_mvc("P5") == {"tfl_left": 99.0}
        (rep,) = db.reps(rows[0].id)
        assert rep["side"] == "left" and rep["set_number"] == 0 and rep["sides"] == {}
        sid = db.start_session("P5", protocol="clamshell")  # new tables work after migrating
        db.add_rep(sid, 0, 0.0, 1.0, sides={"right": {"tfl_to_glute_ratio": 1.4}})
    cols = [r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(sessions)")]
    assert "protocol" not in cols and "protocol_id" in cols


def test_newer_or_foreign_files_are_refused(tmp_path):
    newer = tmp_path / "newer.sqlite3"
    con = sqlite3.connect(newer)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(RecordingError, match="newer than this emgfeedback understands"):
        SessionDatabase(newer)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(RecordingError, match="is not a usable emgfeedback database"):
        SessionDatabase(junk)


def test_every_number_of_a_rep_round_trips(tmp_path):
    with SessionDatabase(tmp_path / "s.sqlite3") as db:
        sid = db.start_session("P018")
        db.add_rep(sid, 0, 1.0, 3.0,
                   sides={"left": {"first_to_fire": "glute_max", "firing_order": "glute_max>lumbar_es",
                                   "gmax_minus_es_ms": -62.5, "tfl_to_glute_ratio": 0.5,
                                   "gluteal_to_tfl_index": 41.0}},
                   channels={"glute_max_left": {"onset_s": 1.0, "pct_mvc": 38.0}},
                   symmetry={"glute_med": -12.5})
        (rep,) = db.reps(sid)
    assert rep["sides"]["left"]["firing_order"] == "glute_max>lumbar_es"
    assert rep["sides"]["left"]["gluteal_to_tfl_index"] == 41.0
    assert rep["channels"]["glute_max_left"]["onset_s"] == 1.0
    assert rep["channels"]["glute_max_left"]["pct_mvc"] == 38.0
    assert rep["symmetry"] == {"glute_med": -12.5}


def test_a_symlinked_database_is_refused_and_its_target_left_alone(tmp_path):
    target = tmp_path / "elsewhere.sqlite3"
    target.write_bytes(b"")
    target.chmod(0o644)
    link = tmp_path / "db.sqlite3"
    link.symlink_to(target)
    with pytest.raises(RecordingError, match="is a symbolic link; set EMGFEEDBACK_DB to the real file"):
        SessionDatabase(link)
    assert target.stat().st_mode & 0o777 == 0o644  # never chmod-ed through the link
    assert target.read_bytes() == b""
