"""emgfeedback progress CODE --report OUT.pdf|html: the handover report of a visit from the session
database, under the overwrite policy, with one-line errors."""

import datetime as dt
import io
import re
import stat

import pytest
from pypdf import PdfReader

from emgfeedback.cli import main
from emgfeedback.storage.database import SessionDatabase


@pytest.fixture()
def db_file(tmp_path):
    path = tmp_path / "db.sqlite3"
    with SessionDatabase(path) as db:
        for day, lat in ((2, 45.0), (9, 5.0), (16, -40.0)):
            sid = db.start_session("P-0042", started_at=dt.datetime(2026, 3, day, 9, 0))
            db.add_session_protocol(sid, "prone_hip_extension")
            for i in range(5):
                db.add_rep(sid, i, i, i + 2.0, protocol="prone_hip_extension",
                           sides={"left": {"gmax_minus_es_ms": lat}, "right": {"gmax_minus_es_ms": lat}})
            db.set_session_notes(sid, pain=7 - day // 4, text=f"note of day {day}")
        db.patient_id("P-0007")  # a patient with no visit
    return path


def _text(path) -> str:
    return re.sub(r"\s+", " ", "".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages))


def test_report_of_the_latest_and_of_an_earlier_visit(db_file, tmp_path, capsys):
    out = tmp_path / "latest.pdf"
    assert main(["progress", "P-0042", "--db", str(db_file), "--report", str(out)]) == 0
    assert f"wrote {out}: handover report of the visit of 2026-03-16" in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = _text(out)
    assert "visit 3 of 3" in text and "note of day 16" in text and "5 of 5 reps on the left" in text
    html = tmp_path / "second.html"
    assert main(["progress", "P-0042", "--db", str(db_file), "--report", str(html), "--visit", "2"]) == 0
    page = html.read_text(encoding="utf-8")
    assert "visit 2 of 2" in page and "note of day 9" in page and "note of day 16" not in page


@pytest.mark.parametrize("extra,message", [
    (["--visit", "4"], "--visit must be 1–3 (the patient's visits), got 4"),
    (["--visit", "0"], "--visit must be 1–3 (the patient's visits), got 0"),
    (["--clinic", "nothere.toml"], "nothere.toml: file not found"),
])
def test_bad_report_options_are_one_line(db_file, tmp_path, capsys, extra, message):
    out = tmp_path / "r.pdf"
    assert main(["progress", "P-0042", "--db", str(db_file), "--report", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("emgfeedback progress: error: ") and message in err and err.count("\n") == 1
    assert not out.exists()


def test_report_refuses_to_replace_without_force(db_file, tmp_path, capsys):
    out = tmp_path / "r.pdf"
    out.write_bytes(b"old")
    assert main(["progress", "P-0042", "--db", str(db_file), "--report", str(out)]) == 2
    assert "already exists; choose another name or add --force" in capsys.readouterr().err
    assert out.read_bytes() == b"old"
    assert main(["progress", "P-0042", "--db", str(db_file), "--report", str(out), "--force"]) == 0
    assert out.read_bytes().startswith(b"%PDF-")


def test_a_patient_without_visits_and_visit_without_report(db_file, tmp_path, capsys):
    assert main(["progress", "P-0007", "--db", str(db_file), "--report", str(tmp_path / "r.pdf")]) == 2
    assert "P-0007 has no visits yet: there is no visit to report" in capsys.readouterr().err
    assert main(["progress", "P-0042", "--db", str(db_file), "--visit", "1"]) == 2
    assert "give --report OUT.pdf too" in capsys.readouterr().err
