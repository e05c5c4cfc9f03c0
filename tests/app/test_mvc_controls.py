"""The MVC page driven in the real window on the simulated patient (fast clock): a muscle that
does not contract is rejected and shown with its reason, Cancel keeps the MVC in use, Redo
repeats a trial, and a returning patient's stored MVC is offered with its date and applied."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from emgfeedback.app.bridge import SessionBridge
from emgfeedback.app.main_window import MainWindow
from emgfeedback.app.panels import RecentDevices
from emgfeedback.calibration import load_mvc_procedures
from emgfeedback.model import Muscle
from emgfeedback.storage import SessionDatabase

URL = "sim://?scenario=healthy&realtime=0&block=200"  # GMax and ES work in every rep, GMed and TFL rest
PROCS = load_mvc_procedures()


def proc(muscle: Muscle, **kw):
    return dataclasses.replace(PROCS[muscle], **kw)


def make_window(qtbot, tmp_path: Path) -> MainWindow:
    win = MainWindow(URL, bridge=SessionBridge(fps=60.0), recent=RecentDevices(tmp_path / "recent.json"),
                     scenarios=["healthy"], recordings_dir=tmp_path, db_path=tmp_path / "sessions.sqlite3")
    qtbot.addWidget(win)
    win.show()
    assert win.connect_device(URL)
    qtbot.waitUntil(lambda: win.info is not None, timeout=20_000)
    return win


def engine_mvc(win: MainWindow) -> dict:
    return win.bridge.live.engine.mvc_uv


def cell(win: MainWindow, row: int, col: int) -> str:
    item = win.mvc_page.trials.item(row, col)
    return item.text() if item is not None else ""


def test_a_muscle_that_does_not_contract_is_rejected_and_shown(qtbot, tmp_path) -> None:
    win = make_window(qtbot, tmp_path)
    changed = []
    win.mvc_controls.on_mvc_changed = lambda *args: changed.append(args)
    win.mvc_controls.procedures = [proc(Muscle.GLUTE_MAX, trials=1, contraction_s=8.0, rest_s=0.0),
                                   proc(Muscle.GLUTE_MED, trials=1, contraction_s=4.0, rest_s=0.0)]
    win.mvc_page.start.click()
    assert win.tabs.currentWidget() is win.mvc_page
    qtbot.waitUntil(lambda: win.mvc_page.step.text().startswith("DONE"), timeout=60_000)
    page = win.mvc_page
    assert page.trials.rowCount() == 2
    assert [cell(win, r, 0) for r in range(2)] == ["GMax", "GMed"]
    assert cell(win, 0, 5) == "accepted"
    assert re.fullmatch(r"rejected: GMed L trial 1: peak \d+ µV is not above rest \d+ µV — muscle did not "
                        r"contract; redo\nGMed R trial 1: peak \d+ µV is not above rest \d+ µV — muscle did "
                        r"not contract; redo", cell(win, 1, 5)), cell(win, 1, 5)
    assert "No MVC for GMed L, GMed R (no accepted trial)" in page.text.text()
    # the engine uses the accepted channels only: GMed gets no MVC (never its rest level)
    values = engine_mvc(win)
    assert set(values) == {"glute_max_left", "glute_max_right"} and min(values.values()) > 50.0
    assert page.table.item(1, 2).text() == "–" and float(page.table.item(0, 2).text()) > 50.0
    assert len(changed) == 1 and changed[0][0] == values and changed[0][2] == "measured"
    assert re.fullmatch(r"MVC in use: MVC measured today \d\d:\d\d", page.in_use.text())
    assert page.plot.isVisible() and page.curves[0].getData()[0].size > 0  # the last trial's trace
    assert page.peak.text().startswith("Peak (best 0.5 s): GMed L ")
    win.bridge.disconnect_device()


def test_cancel_keeps_the_mvc_in_use(qtbot, tmp_path) -> None:
    win = make_window(qtbot, tmp_path)
    before = {"glute_max_left": 321.0, "glute_med_left": 123.0}
    win.bridge.call(lambda e: e.replace_mvc(before))
    win.mvc_controls.procedures = [proc(Muscle.GLUTE_MAX, trials=3, contraction_s=30.0, rest_s=30.0)]
    win.mvc_page.start.click()
    qtbot.waitUntil(lambda: "PUSH!" in win.mvc_page.step.text(), timeout=30_000)
    assert win.mvc_page.cancel.isEnabled() and not win.mvc_page.start.isEnabled()
    win.mvc_page.cancel.click()
    qtbot.waitUntil(lambda: win.mvc_page.step.text() == "CANCELLED", timeout=30_000)
    assert "the MVC in use before stays" in win.mvc_page.text.text()
    assert engine_mvc(win) == before
    assert win.mvc_page.start.isEnabled() and not win.mvc_page.cancel.isEnabled()
    win.bridge.disconnect_device()


def test_redo_repeats_the_last_trial(qtbot, tmp_path) -> None:
    win = make_window(qtbot, tmp_path)
    win.mvc_controls.procedures = [proc(Muscle.GLUTE_MAX, trials=2, contraction_s=8.0, rest_s=30.0)]
    win.mvc_page.start.click()
    qtbot.waitUntil(lambda: win.mvc_page.trials.rowCount() == 1, timeout=60_000)
    assert win.mvc_page.redo.isEnabled()
    win.mvc_page.redo.click()  # in the rest after trial 1: trial 1 is discarded and done again
    qtbot.waitUntil(lambda: win.mvc_page.trials.rowCount() == 0, timeout=30_000)
    assert win.mvc_page.step.text() in ("GET READY  GMax trial 1/2", "PUSH!  GMax trial 1/2")
    qtbot.waitUntil(lambda: win.mvc_page.step.text().startswith("DONE"), timeout=90_000)
    assert [cell(win, r, 1) for r in range(win.mvc_page.trials.rowCount())] == ["1", "2"]
    win.bridge.disconnect_device()


def test_a_returning_patients_stored_mvc_is_offered_and_applied(qtbot, tmp_path) -> None:
    stored = {"glute_max_left": 250.0, "glute_max_right": 240.0, "glute_med_left": 90.0}
    with SessionDatabase(tmp_path / "sessions.sqlite3") as db:
        db.add_mvc(db.start_session("P-0042"), stored, measured_at="2026-11-12T10:15:00")
    win = make_window(qtbot, tmp_path)
    changed = []
    win.mvc_controls.on_mvc_changed = lambda *args: changed.append(args)
    page = win.mvc_page
    assert page.use_stored.isHidden()
    win.patient.code.setText("P-0042")
    qtbot.waitUntil(lambda: not page.use_stored.isHidden(), timeout=5_000)
    assert page.use_stored.text() == "Use stored MVC from 2026-11-12"
    page.use_stored.click()
    assert page.in_use.text() == "MVC in use: MVC from 2026-11-12 (stored)"
    assert changed == [(stored, "2026-11-12T10:15:00", "stored")]
    qtbot.waitUntil(lambda: engine_mvc(win) == stored, timeout=10_000)
    # the session report names it (RecordingControls asks the MVC page when a recording ends)
    assert win.recording.mvc_note() == ("MVC from 2026-11-12 (the patient's stored MVC, measured 2026-11-12 "
                                        "10:15), not re-measured in this session")
    # the device reconnects: same patient, same MVC on the new session
    win.bridge.disconnect_device()
    assert win.connect_device(URL)
    qtbot.waitUntil(lambda: win.bridge.live is not None and win.bridge.live.engine is not None
                    and engine_mvc(win) == stored, timeout=20_000)
    # another patient: their MVC is not this one
    win.patient.code.setText("P-0043")
    qtbot.waitUntil(lambda: page.in_use.text() == "MVC in use: none (bars show µV)", timeout=5_000)
    qtbot.waitUntil(lambda: engine_mvc(win) == {}, timeout=10_000)
    assert page.use_stored.isHidden()
    win.bridge.disconnect_device()


def test_the_session_report_names_the_stored_mvc_used(qtbot, tmp_path) -> None:
    stored = {"glute_max_left": 250.0, "glute_max_right": 240.0, "lumbar_es_left": 180.0, "lumbar_es_right": 170.0}
    with SessionDatabase(tmp_path / "sessions.sqlite3") as db:
        db.add_mvc(db.start_session("P-0042"), stored, measured_at="2026-11-12T10:15:00")
    win = make_window(qtbot, tmp_path)
    win.patient.code.setText("P-0042")
    qtbot.waitUntil(lambda: not win.mvc_page.use_stored.isHidden(), timeout=5_000)
    win.mvc_page.use_stored.click()
    qtbot.waitUntil(lambda: engine_mvc(win) == stored, timeout=10_000)
    win.patient.record.click()
    qtbot.waitUntil(lambda: win.recording.live.recording_status is not None
                    and win.recording.live.recording_status.recorded_s > 12.0, timeout=60_000)
    win.patient.record.click()  # stop
    qtbot.waitUntil(lambda: win.patient.record.text() == "● Record", timeout=10_000)
    opened = []
    win.recording.open_url = lambda url: opened.append(url.toLocalFile()) or True
    win.summary_page.report.click()
    qtbot.waitUntil(lambda: bool(opened) or "no report" in win.summary_page.report_message.text(), timeout=60_000)
    assert opened, win.summary_page.report_message.text()
    page = Path(opened[0]).read_text(encoding="utf-8")
    assert "MVC from 2026-11-12 (the patient&#x27;s stored MVC, measured 2026-11-12 10:15)" in page
    assert "<td class=l>GMax L</td><td>250</td>" in page
    win.bridge.disconnect_device()
