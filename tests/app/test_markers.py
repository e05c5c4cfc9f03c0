"""The dashboard's Marker button, Enter in its note and Ctrl+M: ``marker TEXT`` in the recording
at the moment of the click (stream time), and bad ``--markers`` URLs refused before any window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from emgfeedback.storage import read_edf

URL = "sim://?scenario=healthy&block=20"  # real time: the moment of a click is a stream time


@pytest.fixture(autouse=True)
def _private_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("EMGFEEDBACK_DB", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("EMGFEEDBACK_RECORDINGS", str(tmp_path / "rec"))


def test_marker_button_note_and_shortcut_annotate_the_recording(qtbot, open_dashboard) -> None:
    win = open_dashboard(URL)
    bar = win.patient
    qtbot.keyClicks(bar.code, "P-0043")
    bar.record.click()
    live = win.bridge.live
    qtbot.waitUntil(lambda: live.stream_t_s > 1.0, timeout=10_000)
    qtbot.keyClicks(bar.note, "heel strike")
    at_click = live.stream_t_s
    bar.mark.click()
    assert bar.note.text() == "" and bar.message.text().startswith("marker at ")
    qtbot.waitUntil(lambda: live.stream_t_s > at_click + 1.0, timeout=10_000)
    qtbot.keyClicks(bar.note, "squat")
    at_enter = live.stream_t_s
    qtbot.keyClick(bar.note, Qt.Key.Key_Return)  # Enter in the note marks too
    qtbot.waitUntil(lambda: live.stream_t_s > at_click + 1.5, timeout=10_000)
    bar.note.setFocus()
    qtbot.keyClick(bar.note, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: win.markers.count == 3, timeout=5_000)
    qtbot.waitUntil(lambda: live.stream_t_s > at_click + 2.0, timeout=10_000)
    bar.record.click()
    qtbot.waitUntil(lambda: win.recording.last_recording is not None, timeout=10_000)
    win.bridge.disconnect_device()
    marks = [a for a in read_edf(win.recording.last_recording).annotations if a.kind == "marker"]
    assert [m.text for m in marks] == ["marker heel strike", "marker squat", "marker"]
    # each at its moment (the file starts with the stream time Record was clicked at, so compare
    # intervals): within a 10 ms block plus the UI's latency
    assert abs((marks[1].onset_s - marks[0].onset_s) - (at_enter - at_click)) <= 0.05
    assert marks[0].onset_s < marks[1].onset_s < marks[2].onset_s


def test_bad_marker_url_is_refused_before_the_window(capsys) -> None:
    from emgfeedback.cli import main

    assert main(["dashboard", "--markers", "lsl://Trig?wait=1", "--exit-after", "1"]) == 2
    assert "unknown marker-stream option 'wait'" in capsys.readouterr().err
