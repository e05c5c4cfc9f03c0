"""A patient's history read back from the session database: sessions with protocols, MVC and
its date, reps, recordings and notes; reps judged on the plan's targets, else the template's."""

from __future__ import annotations

import datetime as dt

import pytest

from emgfeedback.calibration import load_protocols
from emgfeedback.session.history import patient_history, patient_plan, targets_in_force
from emgfeedback.session.plan import ExercisePlan, PlanItem, plan_to_json
from emgfeedback.storage.database import SessionDatabase


@pytest.fixture()
def db(tmp_path):
    with SessionDatabase(tmp_path / "db.sqlite3") as database:
        yield database


def _visit(db, day: int, ratio: float, lat: float) -> int:
    sid = db.start_session("P-0042", started_at=dt.datetime(2026, 3, day, 9, 0))
    db.add_session_protocol(sid, "clamshell")
    db.add_mvc(sid, {"glute_med_left": 150.0}, measured_at=f"2026-03-{day:02d}T09:02:00")
    db.add_recording(sid, f"/rec/{day}.edf", 2000.0, 60.0)
    for i in range(4):
        db.add_rep(sid, i, i, i + 2.0, side="left", protocol="clamshell", rep_number=i + 1,
                   sides={"left": {"tfl_to_glute_ratio": ratio + 0.1 * (i - 1.5), "gmax_minus_es_ms": lat}})
    db.add_rep(sid, 4, 9.0, 9.2, side="left", protocol="clamshell", artefact="too short",
               sides={"left": {"tfl_to_glute_ratio": 9.0}})
    return sid


def test_history_reads_every_visit_oldest_first(db) -> None:
    first = _visit(db, 2, 0.9, 40.0)
    _visit(db, 16, 0.4, -30.0)
    _visit(db, 9, 0.62, 5.0)
    db.set_session_notes(first, pain=5, rpe=4, text="TFL dominant")
    history = patient_history(db, "p0042", protocols=load_protocols())
    assert [h.date for h in history] == ["2026-03-02", "2026-03-09", "2026-03-16"]
    h0 = history[0]
    assert h0.protocols == ("clamshell",) and (h0.n_reps, h0.n_artefacts) == (4, 1)
    assert h0.mvc == {"glute_med_left": 150.0} and h0.mvc_measured_at == "2026-03-02T09:02:00"
    assert h0.recordings[0].endswith("2.edf")
    assert (h0.notes["pain"], h0.notes["rpe"], h0.notes["text"]) == (5, 4.0, "TFL dominant")
    assert [round(h.tfl_to_gmed["clamshell"]["left"], 3) for h in history] == [0.9, 0.62, 0.4]
    # no plan: judged on the template (clamshell: TFL:GMed ≤ 0.6); visit 2: 0.47, 0.57, 0.67, 0.77
    assert [h.on_target_pct["clamshell"] for h in history] == [0.0, 50.0, 100.0]
    assert patient_history(db, "P-0099") == []


def test_the_plans_targets_replace_the_templates(db) -> None:
    _visit(db, 9, 0.62, 5.0)
    item = PlanItem("clamshell", 10, 2, 3.0, 3.0, "each", targets=("TFL:GMed ≤ 0.8",))
    db.set_plan("P-0042", plan_to_json(ExercisePlan((item,))))
    assert patient_plan(db, "P-0042").item("clamshell").targets[0].text == "TFL:GMed ≤ 0.8"
    (h,) = patient_history(db, "P-0042", protocols=load_protocols())
    assert h.on_target_pct["clamshell"] == 100.0
    targets = targets_in_force(patient_plan(db, "P-0042"), load_protocols())
    assert [t.text for t in targets["clamshell"]] == ["TFL:GMed ≤ 0.8"]
    assert [t.text for t in targets["prone_hip_extension"]] == ["glute max first"]  # from the template


def test_each_visit_is_judged_against_the_plan_as_it_stood_then(db) -> None:
    def plan(limit: float) -> str:
        return plan_to_json(ExercisePlan((PlanItem("clamshell", 10, 2, 3.0, 3.0, "each",
                                                   targets=(f"TFL:GMed ≤ {limit}",)),)))

    first, second, third = (_visit(db, d, r, 0.0) for d, r in ((2, 0.62), (9, 0.62), (16, 0.62)))
    for sid in (first, second, third):  # ratios 0.47, 0.57, 0.67, 0.77 in each visit
        db._db.execute("UPDATE sessions SET ended_at = ? WHERE id = ?",
                       (db.sessions("P-0042")[sid - first].started_at.replace("09:00", "10:00"), sid))
    db.set_plan("P-0042", plan(0.8))
    db._db.execute("UPDATE plans SET created_at = '2026-03-01T08:00:00'")  # before the first visit
    db.set_plan("P-0042", plan(0.5))
    db._db.execute("UPDATE plans SET created_at = '2026-03-12T08:00:00' WHERE id = (SELECT MAX(id) FROM plans)")
    history = patient_history(db, "P-0042", protocols=load_protocols())
    # visits 1 and 2 under "≤ 0.8" (4 of 4), visit 3 under the tightened "≤ 0.5" (1 of 4)
    assert [h.on_target_pct["clamshell"] for h in history] == [100.0, 100.0, 25.0]
    db._db.execute("UPDATE plans SET created_at = '2026-03-05T08:00:00' WHERE id = (SELECT MIN(id) FROM plans)")
    history = patient_history(db, "P-0042", protocols=load_protocols())
    assert history[0].on_target_pct["clamshell"] == 100.0  # older than any plan: the first plan


def test_a_damaged_stored_plan_is_one_line_naming_the_patient(db) -> None:
    db.set_plan("P-0042", '{"format": 1, "items": [{"protocol": "clamshell", "reps": 0}]}')
    with pytest.raises(ValueError, match="^the stored plan of P-0042 cannot be read: clamshell: missing"):
        patient_plan(db, "P-0042")
    with pytest.raises(ValueError, match=r"^a stored plan of P-0042 \(saved .*\) cannot be read: clamshell: missing"):
        patient_history(db, "P-0042")


def test_unreadable_stored_reps_are_one_line_naming_the_visit(db) -> None:
    sid = _visit(db, 2, 0.9, 40.0)
    db._db.execute("UPDATE rep_sides SET gmax_minus_es_ms = 'abc'")
    with pytest.raises(ValueError, match=f"^visit {sid} of P-0042 in .* cannot be read: could not convert"):
        patient_history(db, "P-0042")
