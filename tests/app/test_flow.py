"""Flow: the window connects to sim:// (fast clock), runs a protocol through reps, and the
widgets show onsets, firing order and ratios that match the scenario's truth."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from emgfeedback.app.bridge import SessionBridge
from emgfeedback.app.main_window import MainWindow
from emgfeedback.app.panels import RecentDevices
from emgfeedback.app.timeline import order_text
from emgfeedback.measures import RepPlan
from emgfeedback.model import Muscle, Side
from emgfeedback.session import Phase
from emgfeedback.simulation import LiveSimulator

FAST = "&realtime=0&block=200"


def make_window(qtbot, tmp_path: Path, url: str) -> MainWindow:
    win = MainWindow(url, bridge=SessionBridge(fps=60.0), recent=RecentDevices(tmp_path / "recent.json"),
                     scenarios=["healthy", "lbp-lumbar-first"])
    qtbot.addWidget(win)
    win.show()
    assert win.connect_device(url)
    qtbot.waitUntil(lambda: win.info is not None, timeout=20_000)  # opened on the worker
    return win


def run_reps(qtbot, win: MainWindow, protocol: str, n: int) -> None:
    win.start_protocol(protocol)
    qtbot.waitUntil(lambda: len(win.reps) >= n and win.protocol_panel.beeps >= 1, timeout=60_000)
    win.bridge.disconnect_device()


def counted_reps(qtbot, win: MainWindow, protocol: str, n: int) -> list:
    """Run ``protocol`` until ``n`` reps counted (the patient follows the cues)."""
    win.start_protocol(protocol)
    qtbot.waitUntil(lambda: sum(not r.artefact for r in win.reps) >= n, timeout=60_000)
    win.bridge.disconnect_device()
    return [r for r in win.reps if not r.artefact]


def truth_latency_ms(truth, rep, side: Side) -> float:
    on = {o.channel: o.onset_s for o in truth.onsets if rep.start_s - 0.6 <= o.onset_s <= rep.end_s}
    return (on[f"glute_max_{side.value}"] - on[f"lumbar_es_{side.value}"]) * 1000.0


@pytest.mark.parametrize("scenario, first, word", [("healthy", Muscle.GLUTE_MAX, "GMax"),
                                                    ("lbp-lumbar-first", Muscle.LUMBAR_ES, "ES")])
def test_firing_order_shown_matches_truth(qtbot, tmp_path, scenario, first, word) -> None:
    win = make_window(qtbot, tmp_path, f"sim://?scenario={scenario}{FAST}")
    run_reps(qtbot, win, "prone_hip_extension", 2)
    truth = LiveSimulator(scenario, seed=0).ground_truth(0.0, 30.0)
    shown = win.timeline.reps
    assert len(shown) >= 2
    for rep in shown:
        for side in Side:
            assert truth.first_to_fire[side] is first
            text = order_text(rep, side)
            assert text.startswith(f"{word} first by ")
            ms = float(text.split(" by ")[1].split()[0])
            assert ms == pytest.approx(abs(truth_latency_ms(truth, rep, side)), abs=40.0)
    # the summary tab shows the same words, one row per rep
    table = win.summary_page.table
    assert table.rowCount() == len(win.reps)
    assert table.item(0, 3).text().startswith(f"{word} first by")
    assert f"{word} first in" in win.summary_page.headline.text()
    # the protocol panel ran on the sample clock
    assert win.protocol_panel.display.phase_text in {"HOLD", "REST", "PREPARE", "SET BREAK", "DONE"}
    assert win.protocol_panel.beeps >= 1
    assert win.frames > 0 and win.ui_ms


def test_tfl_ratio_shown_matches_truth(qtbot, tmp_path) -> None:
    scenario = "tfl-dominant-clamshell"
    # the simulated patient follows the cues: each clamshell rep on the side the set asks for
    win = make_window(qtbot, tmp_path, f"sim://?scenario={scenario}{FAST}&follow=1")
    reps = counted_reps(qtbot, win, "clamshell", 2)
    truth = LiveSimulator(scenario, seed=0).ground_truth(0.0, 30.0)
    plan = RepPlan.of(win.protocol)
    for rep in reps:
        side = rep.side
        assert side is not None and rep.artefact == ""
        assert side is plan.side_of_set(rep.set_number) and rep.rep_number >= 1
        assert rep.tfl_to_glute_ratio[side] == pytest.approx(truth.tfl_to_glute_ratio[side], rel=0.2)
    # gauge of the last rep's side holds a ratio above the protocol's 0.6: amber, not green
    last = win.reps[-1]
    gauge = win.gauges[last.side]
    assert math.isfinite(gauge.value) and gauge.value > gauge.max_ratio == 0.6
    col = {"L": 5, "R": 6}[last.side.letter]
    assert float(win.summary_page.table.item(len(win.reps) - 1, col).text()) == pytest.approx(
        last.tfl_to_glute_ratio[last.side], abs=0.01)
    row = win.reps.index(reps[0])
    assert win.summary_page.table.item(row, 8).text() == "✘"  # TFL-dominant: off target


def test_connect_failure_is_shown_not_raised(qtbot, tmp_path) -> None:
    win = MainWindow("sim://", bridge=SessionBridge(), recent=RecentDevices(tmp_path / "r.json"), scenarios=[])
    qtbot.addWidget(win)
    assert win.connect_device("sim://?scenario=no-such-scenario")
    qtbot.waitUntil(lambda: win.connect_panel.button.text() == "Connect", timeout=10_000)
    text = win.connect_panel.status.text()
    assert text.startswith("cannot open sim://?scenario=no-such-scenario: ") and "\n" not in text
    assert "Traceback" not in text and not win.patient.record.isEnabled()


def test_slow_handshake_does_not_freeze_the_window(qtbot, tmp_path) -> None:
    """A serial handshake that times out: the UI thread keeps running frames meanwhile, shows
    "connecting…", then the one-line error."""
    import threading
    import time as _time

    from emgfeedback.errors import DeviceTimeoutError

    opened_on = {}

    def slow_open(url):
        opened_on["thread"] = threading.get_ident()
        _time.sleep(1.0)
        raise DeviceTimeoutError(f"{url}: no DEVICE_INFO answer within 1.0 s; is the board powered?")

    win = MainWindow("serial:///dev/ttyUSB9", bridge=SessionBridge(open_device=slow_open),
                     recent=RecentDevices(tmp_path / "r.json"), scenarios=[])
    qtbot.addWidget(win)
    t0 = _time.perf_counter()
    assert win.connect_device()
    assert _time.perf_counter() - t0 < 0.3
    assert win.connect_panel.status.text() == "connecting to serial:///dev/ttyUSB9…"
    assert win.connect_panel.button.text() == "Cancel"
    ticks = []
    timer_id = win.startTimer(20)
    win.timerEvent = lambda e: ticks.append(_time.perf_counter())
    qtbot.waitUntil(lambda: win.connect_panel.button.text() == "Connect", timeout=10_000)
    win.killTimer(timer_id)
    assert opened_on["thread"] != threading.get_ident()
    assert len(ticks) > 20 and max(np.diff(ticks)) < 0.5  # the event loop never stalled
    assert win.connect_panel.status.text() == ("cannot open serial:///dev/ttyUSB9: serial:///dev/ttyUSB9: "
                                               "no DEVICE_INFO answer within 1.0 s; is the board powered?")


def test_protocol_state_on_screen(qtbot, tmp_path) -> None:
    win = make_window(qtbot, tmp_path, f"sim://?scenario=healthy{FAST}")
    win.start_protocol("glute_squeeze")
    qtbot.waitUntil(lambda: "Rep 2 / 10" in win.protocol_panel.display.counter_text, timeout=30_000)
    win.bridge.disconnect_device()
    assert "Set 1 / 1" in win.protocol_panel.display.counter_text
    assert win.protocol_panel.display.cue_text in {win.protocols["glute_squeeze"].cues.hold,
                                             win.protocols["glute_squeeze"].cues.rest}
    assert RecentDevices(tmp_path / "recent.json").load()[0].startswith("sim://?scenario=healthy")
    assert Phase.HOLD.value == "hold"
