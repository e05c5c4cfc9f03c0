"""The dashboard passes its processing settings (60 Hz mains from the connect bar) to the live
session, and shows every rep even when its frames fall behind."""

from __future__ import annotations

import time

from emgfeedback.app.bridge import SessionBridge
from emgfeedback.app.main_window import MainWindow
from emgfeedback.app.panels import RecentDevices
from emgfeedback.settings import ProcessingSettings

URL = "sim://?scenario=lbp-lumbar-first&realtime=0&block=200"


def _window(qtbot, tmp_path, **kw) -> MainWindow:
    win = MainWindow(URL, bridge=SessionBridge(fps=60.0, max_updates=kw.pop("max_updates", 4096)),
                     recent=RecentDevices(tmp_path / "recent.json"), scenarios=[], **kw)
    qtbot.addWidget(win)
    win.show()
    return win


def test_mains_choice_reaches_the_pipeline(qtbot, tmp_path) -> None:
    win = _window(qtbot, tmp_path, settings=ProcessingSettings(onset_method="tkeo"))
    assert win.connect_panel.mains.currentText() == "50 Hz mains"
    win.connect_panel.mains.setCurrentText("60 Hz mains")
    assert win.connect_device()
    qtbot.waitUntil(lambda: win.info is not None, timeout=20_000)
    live = win.bridge.live
    assert live.settings.mains_hz == 60.0 and live.settings.onset_method == "tkeo"
    assert live.engine.pipeline.settings.mains_hz == 60.0
    win.bridge.disconnect_device()
    win.connect_panel.mains.setCurrentText("no notch")
    assert win.connect_device()
    qtbot.waitUntil(lambda: win.info is not None, timeout=20_000)
    assert win.bridge.live.engine.pipeline.settings.mains_hz is None
    win.bridge.disconnect_device()
    win2 = _window(qtbot, tmp_path, settings=ProcessingSettings(mains_hz=60.0))
    assert win2.connect_panel.mains.currentText() == "60 Hz mains"


def test_every_rep_reaches_the_window_when_frames_are_dropped(qtbot, tmp_path) -> None:
    win = _window(qtbot, tmp_path, max_updates=1)
    assert win.connect_device()
    qtbot.waitUntil(lambda: win.info is not None, timeout=20_000)
    win.start_protocol("prone_hip_extension")
    win.bridge.timer.stop()  # the UI falls behind: no frame for a while
    live = win.bridge.live
    deadline = time.monotonic() + 60
    while len(live.engine.results) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    win.bridge._on_timer()  # one late frame
    assert live.dropped_updates > 10
    assert len(win.reps) >= 3
    assert [r.index for r in win.reps] == [r.index for r in live.engine.results[: len(win.reps)]]
    win.bridge.disconnect_device()


def test_registered_detectors_are_offered_and_the_choice_reaches_the_pipeline(qtbot, tmp_path) -> None:
    from emgfeedback.dsp.detectors import detector_spec, register_detector, unregister_detector

    hodges = detector_spec("hodges")
    register_detector("toy", hodges.factory, hodges.default_k, description="hodges under another name")
    try:
        win = _window(qtbot, tmp_path)
        items = [win.connect_panel.method.itemText(i) for i in range(win.connect_panel.method.count())]
        assert {"hodges", "tkeo", "bonato", "toy"} <= set(items)
        assert win.connect_panel.onset_method() == "hodges"
        win.connect_panel.method.setCurrentText("toy")
        assert win.connect_device()
        qtbot.waitUntil(lambda: win.info is not None, timeout=20_000)
        assert win.bridge.live.engine.pipeline.detector.method == "toy"
        win.bridge.disconnect_device()
    finally:
        unregister_detector("toy")
