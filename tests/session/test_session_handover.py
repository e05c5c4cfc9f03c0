"""The handover report filled from a real session database with three visits whose glute timing
improves, and from analysed recordings alone; written owner-only."""

from __future__ import annotations

import datetime as dt
import io
import re
import stat

import pytest
from pypdf import PdfReader

from emgfeedback.calibration import load_protocols
from emgfeedback.calibration.clinic import Clinic
from emgfeedback.session.handover import (
    collect_handover,
    database_handover,
    dose_text,
    recording_handover,
    recordings_patient,
    reps_from_record,
    write_handover,
)
from emgfeedback.session.plan import ExercisePlan, PlanItem, plan_to_json
from emgfeedback.storage.database import SessionDatabase

PROTOCOLS = load_protocols()


@pytest.fixture()
def db(tmp_path):
    with SessionDatabase(tmp_path / "db.sqlite3") as database:
        yield database


def _visit(db, day: int, lat_left: float, ratio: float, *, mvc_day: int, pain: int) -> int:
    """One visit: 10 prone hip extension reps (left GMax − ES around ``lat_left`` ms) and 10
    right clamshells (TFL:GMed ``ratio``)."""
    sid = db.start_session("P-0042", started_at=dt.datetime(2026, 3, day, 9, 0))
    db.add_session_protocol(sid, "prone_hip_extension")
    db.add_session_protocol(sid, "clamshell")
    db.add_mvc(sid, {"glute_max_left": 240.0, "lumbar_es_left": 170.0}, measured_at=f"2026-03-{mvc_day:02d}T09:02:00")
    db.add_recording(sid, f"/rec/P-0042-{day}.edf", 2000.0, 60.0)
    for i in range(10):
        db.add_rep(sid, i, i * 5.0, i * 5.0 + 3, protocol="prone_hip_extension", rep_number=i + 1,
                   sides={"left": {"gmax_minus_es_ms": lat_left + 10.0 * (i % 3 - 1)},
                          "right": {"gmax_minus_es_ms": 30.0}})
    for i in range(10):
        db.add_rep(sid, 10 + i, 60 + i * 5.0, 63 + i * 5.0, side="right", protocol="clamshell", rep_number=i + 1,
                   sides={"right": {"tfl_to_glute_ratio": ratio}})
    db.set_session_notes(sid, pain=pain, rpe=5, text=f"visit on day {day}")
    return sid


def _three_visits(db):
    ids = [_visit(db, 2, 45.0, 1.1, mvc_day=2, pain=6), _visit(db, 9, 12.0, 0.9, mvc_day=2, pain=4),
           _visit(db, 16, -25.0, 0.8, mvc_day=16, pain=2)]
    item = PlanItem("prone_hip_extension", 10, 3, 5.0, 10.0, "both", targets=("glute max first",))
    clam = PlanItem("clamshell", 10, 2, 3.0, 5.0, "right", targets=("TFL:GMed ≤ 0.6",))
    db.set_plan("P-0042", plan_to_json(ExercisePlan((item, clam))))
    return ids


def test_collector_fills_the_report_of_the_latest_visit(db):
    _three_visits(db)
    d = collect_handover(db, "p0042", clinic=Clinic("Hip & Back"), protocols=PROTOCOLS)
    assert (d.patient_code, d.visit_date) == ("P-0042", "2026-03-16")
    assert d.visit_dates == ("2026-03-02", "2026-03-09", "2026-03-16")
    assert [x.name for x in d.exercises] == [PROTOCOLS["prone_hip_extension"].name, PROTOCOLS["clamshell"].name]
    assert d.exercises[1].dose == "2 sets × 10 reps, hold 3 s, rest 5 s, right side"
    assert d.mvc_uv == {"glute_max_left": 240.0, "lumbar_es_left": 170.0} and d.mvc_date == "2026-03-16T09:02:00"
    assert d.notes["pain"] == 2 and d.notes["text"] == "visit on day 16"
    outcome = {v.text.rsplit(" (goal", 1)[0]: v.outcome for v in d.verdicts}
    name = PROTOCOLS["prone_hip_extension"].name
    assert outcome[f"{name}: glute max fired before the lower back in 10 of 10 reps on the left"] == "goal met"
    assert outcome[f"{name}: glute max fired before the lower back in 0 of 10 reps on the right"] == "not yet"
    clam = [v for v in d.verdicts if v.exercise == PROTOCOLS["clamshell"].name]
    assert len(clam) == 1 and "0.80 ×" in clam[0].text and clam[0].outcome == "not yet"
    lat = next(c for c in d.comparisons if c.label.startswith("GMax − ES latency, left"))
    assert (lat.first, lat.previous, lat.this) == (45.0, 12.0, -25.0)
    assert lat.words == "better than the previous visit; better than the first"
    assert not d.remarks  # a plan is stored


def test_collector_reports_an_earlier_visit_with_only_what_came_before(db):
    ids = _three_visits(db)
    d = collect_handover(db, "P-0042", session_id=ids[1], protocols=PROTOCOLS)
    assert d.visit_dates == ("2026-03-02", "2026-03-09") and d.mvc_date == "2026-03-02T09:02:00"
    assert all(len(t.values) == 2 for t in d.trends)
    with pytest.raises(ValueError, match="^visit 999 is not a visit of patient P-0042$"):
        collect_handover(db, "P-0042", session_id=999, protocols=PROTOCOLS)
    with pytest.raises(ValueError, match="^patient P-0099 has no visits in "):
        collect_handover(db, "P-0099", protocols=PROTOCOLS)


def test_the_pdf_of_three_visits_reads_as_a_handover(db, tmp_path):
    _three_visits(db)
    d = collect_handover(db, "P-0042", protocols=PROTOCOLS)
    pdf, html = write_handover(d, [tmp_path / "h.pdf", tmp_path / "h.html"])
    for p in (pdf, html):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    text = re.sub(r"\s+", " ", "\n".join(pg.extract_text() for pg in PdfReader(io.BytesIO(pdf.read_bytes())).pages))
    for s in ("Patient P-0042", "visit date 2026-03-16", "visit 3 of 3", "first visit 2026-03-02",
              "previous 2026-03-09", "measured 2026-03-16T09:02:00", "Pain: 2 / 10", "goal met", "not yet"):
        assert s in text, s
    assert "visit on day 16" in html.read_text(encoding="utf-8")


def test_write_handover_replaces_and_refuses_unknown_formats(tmp_path, db):
    _three_visits(db)
    d = collect_handover(db, "P-0042", protocols=PROTOCOLS)
    out = tmp_path / "h.html"
    out.write_text("old")
    write_handover(d, [out])
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError, match=r"ends in .pdf or .html, got '.docx'"):
        write_handover(d, [tmp_path / "h.docx"])
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_dose_in_words():
    assert dose_text(PlanItem("bridge", 12, 1, 2.5, 0.0, "each")) == \
        "1 set × 12 reps, hold 2.5 s, rest 0 s, each side in turn"


RECORD = {"file": "/x/P-0042_prone.edf", "n_reps": 3, "n_artefacts": 1,
          "summary": {"left": {"gmax_minus_es_onset_ms": -22.0, "glute_first_pct": 66.7, "tfl_to_glute_ratio": 0.71},
                      "right": {}, "glute_max": {"symmetry_index": 12.0}},
          "reps": [{"rep": i + 1, "protocol": "prone_hip_extension", "side": "both", "artefact": None,
                    "gmax_minus_es_ms": {"left": v, "right": None}, "tfl_to_glute_ratio": {},
                    "symmetry_index": {"glute_max": 12.0}} for i, v in enumerate((-30.0, -22.0, 15.0))]}


def test_reps_from_an_analysis_record_are_judged_like_stored_reps():
    (r, *_) = reps_from_record(RECORD)
    assert r["side"] is None and r["sides"] == {"left": {"gmax_minus_es_ms": -30.0, "tfl_to_glute_ratio": None}}
    d = recording_handover([RECORD], code="P-0042", date="2026-03-16", protocols=PROTOCOLS)
    (v,) = d.verdicts
    assert "2 of 3 reps on the left" in v.text and v.outcome == "not yet"  # 67 % < 70 %
    assert ("P-0042_prone.edf: glute max − lower back timing, left (median)", "-22 ms") in d.measured
    assert any("No session database" in r for r in d.remarks)


def _edf(path, code):
    import numpy as np

    from emgfeedback.storage import write_edf

    write_edf(path, np.zeros((1, 2000)), 2000.0, ["GMax L"], patient_code=code,
              start=dt.datetime(2026, 3, 16, 9, 0))
    return path


def test_the_recordings_patient_and_visit(tmp_path, db):
    a, b = _edf(tmp_path / "a.edf", "P-0042"), _edf(tmp_path / "b.edf", "P-0007")
    assert recordings_patient([a]) == "P-0042" and recordings_patient([_edf(tmp_path / "x.edf", None)]) is None
    with pytest.raises(ValueError, match=r"name different patients \(P-0007, P-0042\)"):
        recordings_patient([a, b])
    assert database_handover([a], db) is None  # the database does not know the patient
    ids = _three_visits(db)
    db.add_recording(ids[1], a, 2000.0, 1.0)
    assert database_handover([a], db, protocols=PROTOCOLS).visit_date == "2026-03-09"
    latest = database_handover([tmp_path / "x.edf"], db, protocols=PROTOCOLS)
    assert latest is None  # names no patient
    c = _edf(tmp_path / "c.edf", "P-0042")  # not in the database: the latest visit, said so
    d = database_handover([c], db, protocols=PROTOCOLS)
    assert d.visit_date == "2026-03-16" and "not in the session database" in d.remarks[-1]


def test_visit_handover_files_go_to_the_folder_named_by_patient_and_date(tmp_path, monkeypatch):
    from emgfeedback.session.handover import write_visit_handover

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no clinic.toml
    with pytest.raises(ValueError, match=r"^no visit of P-0042 is stored yet \(no session database at .*none.sqlite3\)$"):
        write_visit_handover("P-0042", db_path=tmp_path / "none.sqlite3", folder=tmp_path / "out")
    with SessionDatabase(tmp_path / "db.sqlite3") as db:
        _three_visits(db)
    pdf, html = write_visit_handover("P-0042", db_path=tmp_path / "db.sqlite3", folder=tmp_path / "out")
    assert (pdf.name, html.name) == ("P-0042_2026-03-16_handover.pdf", "P-0042_2026-03-16_handover.html")
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o700
