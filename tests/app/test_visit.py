"""The clinician's visit end to end, through the real window on a simulated patient who follows
the cues: a returning patient (code typed as ``p0042``), placement, the stored MVC offered and
used, Record then Start prone hip extension (5 reps x 1 set each side), Stop, clamshell stopped
early, the report; then a reconnect and another patient. Asserted on what is shown, what is
stored in the session database and what the report says — the same counts everywhere."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest

from emgfeedback.app.main_window import MainWindow
from emgfeedback.storage.database import SessionDatabase

URL = "sim://?scenario=lbp-lumbar-first&realtime=0&block=200&follow=1"
STORED = {"glute_max_left": 180.0, "glute_max_right": 170.0, "lumbar_es_left": 90.0, "lumbar_es_right": 95.0}


@pytest.fixture()
def window(tmp_path, monkeypatch, open_dashboard):
    monkeypatch.setenv("EMGFEEDBACK_DB", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("EMGFEEDBACK_RECORDINGS", str(tmp_path / "rec"))
    with SessionDatabase() as db:  # the patient's first visit, two weeks ago
        sid = db.start_session("P-0042")
        db.add_mvc(sid, STORED, "2026-11-12T10:15:00")
        db.end_session(sid)
    win = open_dashboard(URL)
    yield win
    win.bridge.disconnect_device()


def counted(win: MainWindow) -> int:
    return sum(not r.artefact for r in win.reps)


def test_a_whole_visit_counts_alike_on_screen_in_the_database_and_in_the_report(qtbot, window) -> None:
    win = window
    screen = os.environ.get("EMGFEEDBACK_VISIT_SCREEN")  # under Xvfb: the window fits that screen
    if screen:
        w, h = (int(v) for v in screen.split("x"))
        assert win.screen().geometry().width() == w and win.screen().geometry().height() == h
        assert win.screen().availableGeometry().contains(win.frameGeometry())
    # a returning patient: the code is normalised, the stored MVC is offered with its date
    qtbot.keyClicks(win.patient.code, "p0042")
    assert win.patient.patient_code() == "P-0042"
    qtbot.waitUntil(lambda: win.mvc_controls.stored is not None, timeout=5_000)
    assert win.mvc_controls.stored[1].startswith("2026-11-12")
    win.show_view("placement")
    assert "glute" in win.tabs.currentWidget().toPlainText().lower()
    win.mvc_controls.use_stored()
    assert win.mvc_controls.in_use.describe() == "MVC from 2026-11-12 (stored)"
    qtbot.waitUntil(lambda: win.bridge.live.engine.mvc_uv == STORED, timeout=5_000)

    # Record, then Start: one visit holds both
    win.show_view("live")
    win.patient.record.click()
    qtbot.waitUntil(lambda: win.recording.live is not None, timeout=5_000)
    win.start_protocol("prone_hip_extension")
    qtbot.waitUntil(lambda: win.protocol_panel.display.phase_text == "DONE", timeout=90_000)
    qtbot.waitUntil(lambda: counted(win) == 10, timeout=20_000)
    assert win.protocol_panel.display.counter_text.startswith("Rep 5 / 5   ·   Set 1 / 1")
    assert "5 reps × 1 set each side" in win.protocol_panel.position.text()
    sides = [(r.set_number, r.rep_number, r.side.value) for r in win.reps if not r.artefact]
    assert sides == [(1, k, "left") for k in range(1, 6)] + [(2, k, "right") for k in range(1, 6)]
    summary = win.summary_page.headline.text()
    assert summary.startswith("10 reps") and "ES first in" in summary  # the lumbar-first patient
    win.patient.record.click()  # stop recording
    qtbot.waitUntil(lambda: win.patient.record.text() == "● Record", timeout=10_000)
    recording = win.recording.last_recording
    assert recording is not None and recording.exists()
    shown_after_stop = counted(win)

    # clamshell, stopped early: nothing counts after Stop
    win.start_protocol("clamshell")
    assert win.reps == [] and win.summary_page.table.rowCount() == 0  # a new exercise starts clean
    qtbot.waitUntil(lambda: counted(win) >= 2, timeout=60_000)
    win.protocol_panel.stop.click()
    qtbot.waitUntil(lambda: win.protocol_panel.display.phase_text == "DONE", timeout=10_000)
    qtbot.wait(2000)  # a contraction under way at Stop still finishes; it may count, later ones not
    stopped_s = win.bridge.live.engine.counter.ended_s
    assert all(r.start_s < stopped_s for r in win.reps if not r.artefact)
    assert any(r.artefact == "after the protocol ended" for r in win.reps) or win.reps[-1].start_s < stopped_s
    clam_counted = counted(win)

    # the database: this visit (the second of P-0042) holds its MVC, protocols, reps and recording
    with SessionDatabase() as db:
        first, visit = db.sessions("P-0042")
        assert db.session_protocols(visit.id) == ["prone_hip_extension", "clamshell"]
        assert db.session_mvc(visit.id) == STORED
        reps = db.reps(visit.id)
        prone = [r for r in reps if r["protocol"] == "prone_hip_extension" and r["artefact"] is None]
        clam = [r for r in reps if r["protocol"] == "clamshell" and r["artefact"] is None]
        (rec_row,) = db.recording_rows(visit.id)
        assert Path(rec_row["path"]) == recording.resolve() and rec_row["ended_at"] is not None
    assert len(prone) == 10 == shown_after_stop
    assert len(clam) == clam_counted
    assert [r["set_number"] for r in prone] == [1] * 5 + [2] * 5
    assert {r["recording_id"] for r in prone} == {1}  # recorded: times are times in the file

    # the report of the recording counts the same reps, names the MVC used
    opened: list[str] = []
    win.recording.open_url = lambda url: opened.append(url.toLocalFile()) or True
    win.summary_page.report.click()
    qtbot.waitUntil(lambda: bool(opened), timeout=60_000)
    text = html.unescape(re.sub(r"<[^>]+>", " ", Path(opened[0]).read_text(encoding="utf-8")))
    assert re.search(r"· 10 reps\b", text), text[:2000]
    assert "2026-11-12" in text  # the MVC used, with its date

    # reconnect: the new stream starts clean, the same patient's MVC is kept
    win.bridge.disconnect_device()
    qtbot.waitUntil(lambda: not win.bridge.is_connected, timeout=10_000)
    win.connect_device()
    qtbot.waitUntil(lambda: win.info is not None and win.bridge.live is not None
                    and win.bridge.live.engine is not None, timeout=20_000)
    assert win.reps == [] and win.summary_page.headline.text() == "No reps yet."
    assert win.protocol_panel.display.phase_text == "READY"
    qtbot.waitUntil(lambda: win.bridge.live.engine.mvc_uv == STORED, timeout=5_000)

    # another patient: the visit ends, the MVC is not carried over
    win.patient.code.clear()
    qtbot.keyClicks(win.patient.code, "P-0077")
    assert win.visit is None or win.visit.patient_code == "P-0077"
    qtbot.waitUntil(lambda: win.mvc_controls.in_use is None, timeout=5_000)
    qtbot.waitUntil(lambda: win.bridge.live.engine.mvc_uv == {}, timeout=5_000)
    with SessionDatabase() as db:
        assert db.sessions("P-0042")[-1].ended_at is not None


@pytest.mark.parametrize("screen", ["1366x768", "1600x1000"])
def test_the_visit_on_a_real_x_screen(screen: str, xvfb_run: str) -> None:
    """The same visit on an X server (Xvfb) of a laptop's and a desktop's size, not only on
    Qt's offscreen platform."""
    import subprocess
    import sys

    env = dict(os.environ, QT_QPA_PLATFORM="xcb", EMGFEEDBACK_VISIT_SCREEN=screen)
    cmd = [xvfb_run, "-a", "-s", f"-screen 0 {screen}x24", sys.executable, "-m", "pytest", "-q", "-p",
           "no:cacheprovider", f"{__file__}::test_a_whole_visit_counts_alike_on_screen_in_the_database_and_in_the_report"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert re.search(r"\b1 passed", proc.stdout), proc.stdout
