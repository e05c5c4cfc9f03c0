"""emgfeedback patients: the patient list of the session database; bad databases are one line."""

import datetime as dt

from emgfeedback.cli import main
from emgfeedback.storage.database import SessionDatabase


def _one_line_error(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"emgfeedback {argv[0]}: error: ") and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_lists_codes_visits_last_visit_and_plan(tmp_path, capsys):
    path = tmp_path / "db.sqlite3"
    with SessionDatabase(path) as db:
        db.start_session("P-0042", started_at=dt.datetime(2026, 3, 2, 9, 0))
        db.start_session("P-0042", started_at=dt.datetime(2026, 3, 16, 10, 30))
        db.set_plan("P-0007", '{"format": 1, "items": []}')
    assert main(["patients", "--db", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["code", "visits", "last", "visit", "plan"]
    assert lines[1].split() == ["P-0007", "0", "—", "yes"]
    assert lines[2].split() == ["P-0042", "2", "2026-03-16", "10:30", "no"]
    assert lines[3] == f"2 patients in {path}"


def test_default_database_is_emgfeedback_db(tmp_path, capsys, monkeypatch):
    path = tmp_path / "env.sqlite3"
    monkeypatch.setenv("EMGFEEDBACK_DB", str(path))
    SessionDatabase(path).close()
    assert main(["patients"]) == 0
    assert capsys.readouterr().out == f"no patients in {path}\n"


def test_missing_foreign_or_damaged_databases_are_one_line(tmp_path, capsys):
    missing = tmp_path / "nope.sqlite3"
    _one_line_error(capsys, ["patients", "--db", str(missing)], f"no session database at {missing}")
    assert not missing.exists()  # a command that reads creates nothing
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"\x00garbage" * 500)
    _one_line_error(capsys, ["patients", "--db", str(junk)], "is not a usable emgfeedback database")
    damaged = tmp_path / "damaged.sqlite3"
    with SessionDatabase(damaged) as db:
        db.start_session("P-0001")
    import sqlite3

    con = sqlite3.connect(damaged)
    con.execute("DROP TABLE plans")
    con.commit()
    con.close()
    _one_line_error(capsys, ["patients", "--db", str(damaged)], "the session database is damaged (no such table: plans)")
