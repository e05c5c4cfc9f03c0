"""Schema version 5: the patient list, exercise plans with their history, session notes, and a
version 4 database migrating with its data kept."""

import json
import sqlite3

import pytest

from emgfeedback.storage._schema import MIGRATIONS
from emgfeedback.storage.database import MAX_NOTE_CHARS, SCHEMA_VERSION, PatientOverview, SessionDatabase


def _plan(reps: int) -> str:
    return json.dumps({"format": 1, "items": [{"protocol": "clamshell", "reps": reps}]})


def test_patient_overview_lists_codes_visits_and_last_visit(tmp_path):
    import datetime as dt

    with SessionDatabase(tmp_path / "db.sqlite3") as db:
        assert db.patient_overview() == []
        db.start_session("P-0002", started_at=dt.datetime(2026, 3, 1, 9, 0))
        db.start_session("P-0002", started_at=dt.datetime(2026, 3, 15, 9, 30))
        db.start_session("P-0002", started_at=dt.datetime(2026, 3, 8, 9, 0))
        db.patient_id("P-0001")  # a patient with a plan but no visit yet
        rows = db.patient_overview()
    assert [r.code for r in rows] == ["P-0001", "P-0002"]
    assert (rows[0].n_sessions, rows[0].last_visit) == (0, None)
    assert (rows[1].n_sessions, rows[1].last_visit) == (3, "2026-03-15T09:30:00")
    assert isinstance(rows[1], PatientOverview) and rows[1].created_at


def test_plans_keep_their_history_and_the_newest_is_in_force(tmp_path):
    with SessionDatabase(tmp_path / "db.sqlite3") as db:
        assert db.plan("P-0001") is None
        db.set_plan("p0001", _plan(10))  # code normalised; patient created
        db.set_plan("P-0001", _plan(12))
        assert json.loads(db.plan("P-0001"))["items"][0]["reps"] == 12
        history = db.plan_history("P-0001")
        assert [json.loads(j)["items"][0]["reps"] for _, j in history] == [10, 12]
        assert all(when for when, _ in history)
        assert db.patients() == ["P-0001"]
        for bad in ("not json", "[1, 2]", 42, "[" * 50_000, "{}" + " " * 100_000):
            with pytest.raises(ValueError, match="plan must be"):
                db.set_plan("P-0001", bad)
        with pytest.raises(ValueError, match="patient code"):
            db.set_plan("John Smith", _plan(3))
        assert len(db.plan_history("P-0001")) == 2


def test_session_notes_round_trip_and_are_checked(tmp_path):
    with SessionDatabase(tmp_path / "db.sqlite3") as db:
        sid = db.start_session("P-0001")
        assert db.session_notes(sid) == {"pain": None, "rpe": None, "text": "", "updated_at": None}
        db.set_session_notes(sid, pain=3, rpe=4.5, text="  Less low-back pain on bridging.  ")
        notes = db.session_notes(sid)
        assert (notes["pain"], notes["rpe"], notes["text"]) == (3, 4.5, "Less low-back pain on bridging.")
        db.set_session_notes(sid, pain=None, rpe=2, text="")  # replaced, not added
        assert (db.session_notes(sid)["pain"], db.session_notes(sid)["rpe"]) == (None, 2.0)
        for kwargs, match in [({"pain": 11}, "pain must be a whole number 0–10, got 11"),
                              ({"pain": 2.5}, "pain must be a whole number 0–10"),
                              ({"rpe": 12}, "RPE must be 0–10 on the Borg CR10 scale"),
                              ({"rpe": 3.3}, "halves allowed"),
                              ({"text": "x" * (MAX_NOTE_CHARS + 1)}, f"at most {MAX_NOTE_CHARS} characters")]:
            with pytest.raises(ValueError, match=match):
                db.set_session_notes(sid, **kwargs)
        with pytest.raises(ValueError, match="no session 999"):
            db.set_session_notes(999, pain=1)
        assert db.session_notes(sid)["rpe"] == 2.0


def test_the_schema_itself_refuses_out_of_range_notes(tmp_path):
    with SessionDatabase(tmp_path / "db.sqlite3") as db:
        sid = db.start_session("P-0001")
        for sql in ("INSERT INTO session_notes VALUES (?, 11, NULL, '', 'now')",
                    f"INSERT INTO session_notes VALUES (?, NULL, NULL, '{'x' * (MAX_NOTE_CHARS + 1)}', 'now')"):
            with pytest.raises(sqlite3.IntegrityError):
                db._db.execute(sql, (sid,))


def test_migrates_a_version_4_database_keeping_its_data(tmp_path):
    path = tmp_path / "v4.sqlite3"
    old = sqlite3.connect(path)
    for script in MIGRATIONS[:4]:
        old.executescript(script)
    old.execute("PRAGMA user_version = 4")
    old.execute("INSERT INTO patients (code, created_at) VALUES ('P-0042', '2026-01-05T10:00:00')")
    old.execute("INSERT INTO protocols (name) VALUES ('clamshell')")
    old.execute("INSERT INTO sessions (patient_id, started_at, protocol_id) VALUES (1, '2026-01-05T10:05:00', 1)")
    old.execute("INSERT INTO session_protocols VALUES (1, 1, '2026-01-05T10:05:00')")
    old.execute("INSERT INTO reps (session_id, rep_index, start_s, end_s, side, protocol_id, rep_number) "
                "VALUES (1, 0, 1.0, 2.5, 'left', 1, 1)")
    old.execute("INSERT INTO rep_sides (rep_id, side, tfl_to_glute_ratio) VALUES (1, 'left', 0.55)")
    old.commit()
    old.close()
    with SessionDatabase(path) as db:
        assert db.version == SCHEMA_VERSION == 5
        (overview,) = db.patient_overview()
        assert (overview.code, overview.n_sessions, overview.last_visit) == ("P-0042", 1, "2026-01-05T10:05:00")
        (session,) = db.sessions("P-0042")
        assert db.session_protocols(session.id) == ["clamshell"]
        (rep,) = db.reps(session.id)
        assert rep["protocol"] == "clamshell" and rep["sides"]["left"]["tfl_to_glute_ratio"] == 0.55
        assert db.plan("P-0042") is None and db.session_notes(session.id)["text"] == ""
        db.set_plan("P-0042", _plan(8))
        db.set_session_notes(session.id, pain=2, rpe=3, text="first visit")
    with SessionDatabase(path) as db:  # reopening does not migrate again
        assert json.loads(db.plan("P-0042"))["items"][0]["reps"] == 8
        assert db.session_notes(session.id)["pain"] == 2
