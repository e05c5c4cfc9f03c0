"""The Plan tab of the real window: a patient's plan edited (add, reps, targets, audio, reorder,
remove), checked as typed (one line beside the field, nothing saved), saved in the session
database and played when the exercise starts; the visit's notes and "End visit"."""

from __future__ import annotations

import pytest

from emgfeedback.app.bridge import SessionBridge
from emgfeedback.app.main_window import MainWindow
from emgfeedback.app.panels import RecentDevices
from emgfeedback.session.plan import plan_from_json
from emgfeedback.storage.database import SessionDatabase

URL = "sim://?scenario=lbp-lumbar-first&realtime=0&block=200&follow=1"


@pytest.fixture()
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("EMGFEEDBACK_DB", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("EMGFEEDBACK_RECORDINGS", str(tmp_path / "rec"))
    win = MainWindow(URL, bridge=SessionBridge(fps=60.0), recent=RecentDevices(tmp_path / "recent.json"),
                     scenarios=[])
    qtbot.addWidget(win)
    win.show()
    yield win
    win.bridge.disconnect_device()


def stored_plan(code: str):
    with SessionDatabase() as db:
        text = db.plan(code)
    return None if text is None else plan_from_json(text)


def test_a_plan_is_edited_checked_as_typed_and_saved(qtbot, window) -> None:
    win, ed = window, window.plan_editor
    win.show_view("plan")
    assert win.tabs.currentWidget() is ed
    assert not ed.save_button.isEnabled()  # nobody's plan without a patient code
    qtbot.keyClicks(win.patient.code, "P-0101")
    assert ed.code == "P-0101" and ed.headline.text() == "Plan of P-0101"

    ed.add_exercise("prone_hip_extension")
    ed.add_exercise("clamshell")
    assert [i.protocol for i in ed.items] == ["prone_hip_extension", "clamshell"]
    assert ed.items[1].targets and ed.items[1].targets[0].text == "TFL:GMed ≤ 0.6"  # the template's goal
    ed.select("prone_hip_extension")
    ed.reps.setValue(6)
    ed.targets.setText("glute max first; GMax ≥ 40 %MVC")
    ed.audio["warning"].setChecked(True)
    assert ed.items[0].reps == 6 and [t.text for t in ed.items[0].targets] == ["glute max first", "GMax ≥ 40 %MVC"]
    assert ed.items[0].audio == ("warning",)
    assert "6 × 1 (each) — glute max first" in ed.list.item(0).text()

    # an unreadable target: one line beside the field, nothing saved
    ed.targets.setText("TFL:GMed <= lots")
    error = ed.field_errors["targets"].text()
    assert error.startswith("cannot read target 'TFL:GMed <= lots'") and "\n" not in error
    assert not ed.save() and stored_plan("P-0101") is None
    assert ed.message.text().startswith("Not saved: cannot read target")
    ed.targets.setText("glute max first")
    assert ed.field_errors["targets"].text() == ""
    # a number outside the plan's range: the same, beside its own field
    ed.reps.setValue(0)
    assert ed.field_errors["reps"].text() == "prone_hip_extension: reps must be a whole number 1–100, got 0"
    assert not ed.save()
    ed.reps.setValue(5)
    ed.hold.setValue(200.0)
    assert "hold_s must be" in ed.field_errors["hold_s"].text() and ed.field_errors["reps"].text() == ""
    ed.hold.setValue(3.0)

    # reorder and remove
    ed.select("clamshell")
    ed.move(-1)
    assert [i.protocol for i in ed.items] == ["clamshell", "prone_hip_extension"]
    ed.add_exercise("bridge")
    ed.remove_current()
    assert [i.protocol for i in ed.items] == ["clamshell", "prone_hip_extension"]

    ed.save_button.click()
    plan = stored_plan("P-0101")
    assert [i.protocol for i in plan.items] == ["clamshell", "prone_hip_extension"]
    prone = plan.item("prone_hip_extension")
    assert (prone.reps, prone.sets, prone.hold_s, prone.sides) == (5, 1, 3.0, "each")
    assert [t.text for t in prone.targets] == ["glute max first"] and prone.audio == ("warning",)
    assert ed.message.text() == "Plan of P-0101 saved (2 exercises)."

    # another patient has no plan; coming back loads the saved one
    win.patient.code.setText("P-0102")
    assert ed.items == [] and ed.list.count() == 0
    win.patient.code.setText("P-0101")
    assert [i.protocol for i in ed.items] == ["clamshell", "prone_hip_extension"]


def test_starting_an_exercise_plays_the_plans_numbers(qtbot, window) -> None:
    win = window
    with SessionDatabase() as db:
        from emgfeedback.session.plan import ExercisePlan, PlanItem, plan_to_json

        db.set_plan("P-0101", plan_to_json(ExercisePlan((PlanItem("prone_hip_extension", 2, 1, 1.5, 2.0, "left"),))))
    qtbot.keyClicks(win.patient.code, "P-0101")
    assert win.connect_device()
    qtbot.waitUntil(lambda: win.info is not None, timeout=20_000)
    win.start_protocol("prone_hip_extension")
    assert (win.protocol.reps, win.protocol.sets, win.protocol.hold_s, win.protocol.sides) == (2, 1, 1.5, "left")
    qtbot.waitUntil(lambda: win.protocol_panel.display.phase_text == "DONE", timeout=60_000)
    assert "2 reps × 1 set, left side" in win.protocol_panel.position.text() and "plan of P-0101" in win.protocol_panel.position.text()
    # an exercise the plan does not have runs its template
    win.start_protocol("bridge")
    assert (win.protocol.reps, win.protocol.sets) == (10, 3)


def test_notes_go_with_the_visit_and_end_visit_starts_a_new_one(qtbot, window) -> None:
    win, notes = window, window.plan_editor.notes
    assert not win.plan_editor.save_notes()  # no patient yet: one line, nothing stored
    assert notes.message.text() == "Enter a patient code first."
    qtbot.keyClicks(win.patient.code, "P-0101")
    notes.pain.setValue(3)
    notes.rpe.setValue(6.5)
    notes.text.setPlainText("left side felt stronger")
    notes.save.click()
    assert notes.message.text() == "Notes saved with this visit."
    first = win.visit.session_id
    with SessionDatabase() as db:
        stored = db.session_notes(first)
    assert (stored["pain"], stored["rpe"], stored["text"]) == (3, 6.5, "left side felt stronger")

    notes.end.click()
    assert win.visit is None and notes.values() == {"pain": None, "rpe": None, "text": ""}
    with SessionDatabase() as db:
        (row,) = db.sessions("P-0101")
        assert row.ended_at is not None
    notes.pain.setValue(1)
    notes.save.click()
    assert win.visit.session_id != first  # the next thing stored starts the next visit
    with SessionDatabase() as db:
        assert len(db.sessions("P-0101")) == 2 and db.session_notes(first)["pain"] == 3


def test_unsaved_edits_survive_retyping_the_patient_code(qtbot, window) -> None:
    win, ed = window, window.plan_editor
    qtbot.keyClicks(win.patient.code, "P-0101")
    ed.add_exercise("clamshell")
    ed.reps.setValue(7)
    win.patient.code.clear()  # the clinician retypes the code: every key changes the patient
    qtbot.keyClicks(win.patient.code, "P-0102")
    assert ed.code == "P-0102" and ed.items == []
    win.patient.code.clear()
    qtbot.keyClicks(win.patient.code, "P-0101")
    assert [(i.protocol, i.reps) for i in ed.items] == [("clamshell", 7)]  # the draft is back
    assert ed.message.text().startswith("Unsaved changes to the plan of P-0101 are back")
    assert stored_plan("P-0101") is None  # nothing stored until Save
    assert ed.save()
    win.patient.code.clear()
    qtbot.keyClicks(win.patient.code, "P-0101")
    assert ed.message.text() == "" and [i.reps for i in ed.items] == [7]  # saved: no draft
