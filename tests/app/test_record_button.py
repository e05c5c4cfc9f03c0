"""The record button: EDF+ to the recordings folder, reps into the session database, the
indicator, a full disk shown in the window, and "Open report" (analysis → HTML → openUrl)."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from emgfeedback.app.pages import REPORT_TOOLTIP
from emgfeedback.storage import SessionDatabase, read_edf

URL = "sim://?scenario=lbp-lumbar-first&realtime=0&block=200&follow=1"  # the simulated patient follows the cues


@pytest.fixture(autouse=True)
def _private_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("EMGFEEDBACK_DB", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("EMGFEEDBACK_RECORDINGS", str(tmp_path / "rec"))




def test_record_stop_database_and_report(qtbot, tmp_path, open_dashboard) -> None:
    win = open_dashboard(URL)
    bar = win.patient
    assert not bar.record.isEnabled()  # no code yet
    assert not win.summary_page.report.isEnabled()
    assert win.summary_page.report.toolTip() == REPORT_TOOLTIP["none"]
    qtbot.keyClicks(bar.code, "P-0042")
    assert bar.record.isEnabled()
    bar.record.click()
    assert bar.record.text() == "■ Stop" and bar.code.isReadOnly()
    win.start_protocol("prone_hip_extension")
    # (the fast simulator runs ahead of the window: count reps in the recording itself)
    qtbot.waitUntil(lambda: win.recording.live.recording_status is not None
                    and win.recording.live.recording_status.reps >= 2, timeout=60_000)
    qtbot.waitUntil(lambda: bar.indicator.text.startswith("REC 00:"), timeout=5_000)
    assert "MB" in bar.indicator.text
    bar.record.click()  # stop
    qtbot.waitUntil(lambda: bar.record.text() == "● Record", timeout=10_000)
    path = win.recording.last_recording
    assert path is not None and path.parent == tmp_path / "rec" and path.name.startswith("P-0042_")
    assert bar.message.text().startswith("saved (") and bar.message.toolTip() == str(path)
    assert bar.indicator.text == "" and win.statusBar().currentMessage().startswith(f"saved {path} (")
    win.bridge.disconnect_device()
    rec = read_edf(path)
    assert path.read_bytes()[8:88].decode("ascii").startswith("P-0042 X X X")  # EDF+ patient field
    texts = [a.text for a in rec.annotations]
    assert any(t.startswith("rep 1") for t in texts) and any(t.startswith("cue ") for t in texts)
    assert any(t.startswith("onset GMax L") for t in texts)
    with SessionDatabase() as db:
        (session,) = db.sessions("P-0042")
        assert session.protocol == "prone_hip_extension"
        assert db.recordings(session.id) == [str(path.resolve())]
        reps = db.reps(session.id)
    assert len(reps) >= 2
    assert reps[0]["sides"]["left"]["first_to_fire"] == "lumbar_es"
    # the report: made off the UI thread, then opened with the desktop's viewer
    opened = []
    win.recording.open_url = lambda url: opened.append(url.toLocalFile()) or True
    assert win.summary_page.report.isEnabled()
    win.summary_page.report.click()
    qtbot.waitUntil(lambda: bool(opened) or "no report" in win.summary_page.report_message.text(),
                    timeout=60_000)
    assert opened == [str(path.with_suffix(".html"))], win.summary_page.report_message.text()
    html = Path(opened[0]).read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and path.stem in html
    assert win.summary_page.report_message.text() == f"report: {opened[0]}"


def test_full_disk_stops_recording_with_a_message_in_the_window(qtbot, tmp_path, monkeypatch, open_dashboard) -> None:
    import emgfeedback.storage.edf as edf

    real_write = edf.os.write
    budget = {"bytes": 150_000}

    def limited_write(fd, data):
        if budget["bytes"] <= 0 and len(data) > 1000:
            raise OSError(errno.ENOSPC, "No space left on device")
        budget["bytes"] -= len(data)
        return real_write(fd, data)

    monkeypatch.setattr(edf.os, "write", limited_write)
    win = open_dashboard(URL)
    qtbot.keyClicks(win.patient.code, "P-17")
    assert win.start_recording()
    qtbot.waitUntil(lambda: win.patient.record.text() == "● Record", timeout=20_000)
    msg = win.patient.message.text()
    assert msg.startswith("recording stopped: writing ") and "(the disk is full)" in msg and msg.endswith("is readable")
    assert win.statusBar().currentMessage() == msg  # the whole line where there is room
    assert win.bridge.is_connected  # the live view goes on
    path = win.recording.last_recording
    win.bridge.disconnect_device()
    assert path is not None and read_edf(path).data.shape[1] > 0


def test_recording_refuses_without_code_and_disconnect_finishes_the_file(qtbot, tmp_path, open_dashboard) -> None:
    win = open_dashboard(URL)
    assert not win.start_recording()
    assert win.patient.message.text() == "enter a de-identified patient code (e.g. P-0042) to record"
    qtbot.keyClicks(win.patient.code, "P-3")
    assert win.start_recording()
    qtbot.waitUntil(lambda: win.patient.indicator.text != "", timeout=10_000)
    win.bridge.disconnect_device()  # e.g. the window closes: the worker finishes the file
    assert win.patient.record.text() == "● Record" and not win.patient.record.isEnabled()
    path = win.recording.last_recording
    assert path is not None and read_edf(path).recovered == ""
