"""The clinician's shortcuts on the real dashboard and on the patient view: start/stop, next set,
marker, record, patient view, help; pedal keys (single keys) never fire while typing in a text
field; one action fires once however fast a pedal bounces."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtGui import QKeySequence

from emgfeedback.app.shortcuts import PEDAL, SHORTCUTS, is_single_key, shortcuts_html
from emgfeedback.session import Phase

URL = "sim://?scenario=healthy&realtime=0&block=200&follow=1"


@pytest.fixture()
def window(tmp_path, monkeypatch, open_dashboard):
    monkeypatch.setenv("EMGFEEDBACK_DB", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("EMGFEEDBACK_RECORDINGS", str(tmp_path / "rec"))
    win = open_dashboard(URL)
    win.shortcuts.debounce_s = 0.0
    win.tabs.setFocus()  # not in a text field
    yield win
    win.bridge.disconnect_device()


def press(qtbot, widget, keys: str) -> None:
    """Press ``keys`` (a QKeySequence text) with the focus where it is in ``widget``'s window."""
    combo = QKeySequence(keys)[0]
    target = widget.focusWidget() or widget
    qtbot.keyClick(target, combo.key(), combo.keyboardModifiers())


def running(win) -> bool:
    return win.runner_state is not None and win.runner_state.phase not in (Phase.IDLE, Phase.DONE)


def test_the_table_and_the_pedal() -> None:
    keys = [k for sc in SHORTCUTS for k in sc.keys]
    assert len(keys) == len(set(keys))  # no key bound twice (Qt would fire neither)
    assert {a for _, _, a in PEDAL} <= {sc.action for sc in SHORTCUTS}
    for _, key, action in PEDAL:  # each pedal key is a single key of its action
        assert is_single_key(key) and key in next(sc.keys for sc in SHORTCUTS if sc.action == action)
    assert not is_single_key("Ctrl+M") and is_single_key("PgDown") and is_single_key("?")
    html = shortcuts_html()
    assert "PgDown" in html and "Ctrl+M" in html and "middle pedal" in html


def test_start_stop_and_next_set_from_the_keyboard(qtbot, window) -> None:
    win = window
    p = dataclasses.replace(win.protocols["prone_hip_extension"], reps=1, set_rest_s=600.0)
    win.protocol_panel.protocols[p.id] = p  # a set break of 10 minutes: only "next set" ends it
    win.protocol_panel.select(p.id)
    press(qtbot, win, "Space")
    qtbot.waitUntil(lambda: running(win), timeout=10_000)
    assert win.protocol.id == p.id
    press(qtbot, win, "PgDown")  # not in a set break: nothing happens
    assert "set break" in win.statusBar().currentMessage()
    qtbot.waitUntil(lambda: win.runner_state.phase is Phase.SET_REST, timeout=30_000)
    at = win.bridge.live.stream_t_s
    press(qtbot, win, "PgDown")
    qtbot.waitUntil(lambda: win.runner_state.phase is not Phase.SET_REST, timeout=10_000)
    assert win.runner_state.set == 2 and win.bridge.live.stream_t_s < at + 60.0
    press(qtbot, win, "F5")  # Space and F5 both stop
    qtbot.waitUntil(lambda: win.runner_state.phase is Phase.DONE, timeout=10_000)


def test_single_keys_do_not_fire_while_typing(qtbot, window) -> None:
    win = window
    marks: list[str] = []
    win.patient.marker_requested.connect(lambda note, _t: marks.append(note))
    win.patient.code.setFocus()
    qtbot.keyClicks(win.patient.code, "P-0042")
    for keys in ("Space", "PgDown", "PgUp", "F5", "F11", "F1"):
        press(qtbot, win, keys)
    qtbot.wait(300)
    assert marks == [] and not running(win) and win.patient_view is None and win.shortcuts.dialog is None
    assert win.patient.code.text().startswith("P-0042")
    win.patient.note.setFocus()
    qtbot.keyClicks(win.patient.note, "knee")
    press(qtbot, win, "Ctrl+M")  # with Ctrl: fires while typing
    assert marks == ["knee"]
    win.tabs.setFocus()
    press(qtbot, win, "PgUp")  # the left pedal, outside the text fields
    assert marks == ["knee", ""]


def test_record_and_help_from_the_keyboard(qtbot, window) -> None:
    win = window
    press(qtbot, win, "Ctrl+R")  # no patient code: says why
    assert win.recording.live is None and "Cannot record" in win.statusBar().currentMessage()
    qtbot.keyClicks(win.patient.code, "P-0042")
    win.tabs.setFocus()
    press(qtbot, win, "F9")
    qtbot.waitUntil(lambda: win.recording.live is not None, timeout=5_000)
    press(qtbot, win, "Ctrl+R")
    qtbot.waitUntil(lambda: win.patient.record.text() == "● Record", timeout=10_000)
    press(qtbot, win, "F1")
    assert win.shortcuts.dialog is not None and win.shortcuts.dialog.isVisible()
    assert "right pedal" in win.shortcuts.dialog.text.text()


def test_the_keys_work_in_the_patient_view(qtbot, window) -> None:
    win = window
    p = dataclasses.replace(win.protocols["prone_hip_extension"], reps=1, set_rest_s=600.0)
    win.protocol_panel.protocols[p.id] = p  # still running at the second press
    win.protocol_panel.select(p.id)
    press(qtbot, win, "Ctrl+P")
    view = win.patient_view
    assert view is not None and view.isVisible()
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow, timeout=5_000)
    press(qtbot, view, "Space")  # the pedal, with the patient's screen in front
    qtbot.waitUntil(lambda: running(win), timeout=10_000)
    qtbot.waitUntil(lambda: view.state is not None and view.state.phase is not Phase.IDLE, timeout=10_000)
    press(qtbot, view, "Space")
    qtbot.waitUntil(lambda: win.runner_state.phase is Phase.DONE, timeout=10_000)
    press(qtbot, view, "F11")  # closes it again
    assert not view.isVisible()


def test_a_bouncing_pedal_fires_once(qtbot, window) -> None:
    win = window
    win.shortcuts.debounce_s = 0.4
    assert win.shortcuts.trigger("next_set", single=True)
    assert not win.shortcuts.trigger("next_set", single=True)  # 0.4 s have not passed
    qtbot.wait(450)
    assert win.shortcuts.trigger("next_set", single=True)
