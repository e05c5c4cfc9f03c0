"""Widgets show what they are given: lights, bars, gauges, patient code, record button."""

from __future__ import annotations

import math

import pytest

from emgfeedback.measures import RepPlan

from emgfeedback.app.indicators import MvcBars, QualityLights, RatioGauge, SymmetryView
from emgfeedback.app.panels import RECORD_TOOLTIP, PatientBar, ProtocolPanel
from emgfeedback.app.timeline import FiringTimeline, order_text
from emgfeedback.app.theme import BAD, GOOD, MUTED, WARN
from emgfeedback.calibration import load_protocols
from emgfeedback.model import ChannelQuality, FiringOrder, Montage, Muscle, Side
from emgfeedback.measures import RepMetrics
from emgfeedback.session import Phase, RunnerState

IDS = Montage.default().ids


def test_quality_lights_colours_and_tooltip(qtbot) -> None:
    w = QualityLights(IDS)
    qtbot.addWidget(w)
    assert w.color_of("tfl_left") == MUTED
    w.set_quality([
        ChannelQuality("tfl_left", 0.01, 0.0, False, 3.0),
        ChannelQuality("glute_max_left", 0.6, 0.0, False, 3.0, ("GMax L: strong 50 Hz hum: check the electrode contact",)),
        ChannelQuality("lumbar_es_right", 0.0, 0.0, True, 0.0, ("ES R: flat: electrode off?",)),
    ])
    assert (w.color_of("tfl_left"), w.color_of("glute_max_left"), w.color_of("lumbar_es_right")) == (GOOD, WARN, BAD)
    assert "50 Hz hum" in w.toolTip() and "flat" in w.toolTip()
    assert "GMax L: GMax L" not in w.toolTip() and "ES R: flat" in w.toolTip()  # the label once
    w.grab()  # paints without error


def test_bars_gauge_symmetry_paint(qtbot) -> None:
    bars = MvcBars(IDS)
    qtbot.addWidget(bars)
    bars.set_targets({"glute_max_left": (20.0, 60.0)})
    bars.set_values([45, 10, 5, 5, 2, 3, 70, math.nan], percent=True)
    assert bars.percent and bars.values[0] == 45
    bars.grab()
    bars.set_values([100.0] * 8, percent=False)
    assert bars._scale >= 120.0
    g = RatioGauge(Side.LEFT)
    qtbot.addWidget(g)
    g.set_value(0.4, max_ratio=0.8)
    assert (g.value, g.max_ratio) == (0.4, 0.8)
    g.grab()
    s = SymmetryView()
    qtbot.addWidget(s)
    s.set_values({Muscle.GLUTE_MAX: 25.0}, limit=15.0)
    s.grab()


def test_timeline_words(qtbot) -> None:
    fo = FiringOrder(Side.LEFT, (Muscle.LUMBAR_ES, Muscle.GLUTE_MAX), (1.000, 1.085), 0)
    rep = RepMetrics(0, 1.0, 3.0, (1.5, 2.5), firing_order={Side.LEFT: fo})
    assert order_text(rep, Side.LEFT) == "ES first by 85 ms"
    assert order_text(rep, Side.RIGHT) == "no onset"
    t = FiringTimeline(max_reps=2)
    qtbot.addWidget(t)
    t.add_reps([rep, rep, rep])
    assert len(t.reps) == 2
    t.grab()


def test_patient_code_and_record_button(qtbot) -> None:
    bar = PatientBar()
    qtbot.addWidget(bar)
    assert not bar.record.isEnabled() and bar.record.toolTip() == RECORD_TOOLTIP["no_device"]
    bar.set_streaming(True)
    assert not bar.record.isEnabled() and bar.record.toolTip() == RECORD_TOOLTIP["no_code"]
    qtbot.keyClicks(bar.code, "JohnSmith")
    assert bar.patient_code() is None and "may be a name" in bar.message.toolTip()
    assert bar.code.property("invalid") is True and not bar.record.isEnabled()
    bar.code.clear()
    qtbot.keyClicks(bar.code, "P-0042")
    assert bar.patient_code() == "P-0042" and bar.message.text() == ""
    assert bar.record.isEnabled() and bar.record.toolTip() == RECORD_TOOLTIP["ready"]
    bar.set_recording(True)
    assert bar.record.text() == "■ Stop" and bar.code.isReadOnly()
    bar.indicator.set_text("REC 00:03 · 0.1 MB")
    bar.grab()
    bar.set_recording(False)
    assert bar.record.text() == "● Record" and bar.indicator.text == "" and not bar.code.isReadOnly()
    bar.set_streaming(False)
    assert not bar.record.isEnabled()


def test_protocol_panel_state_and_select(qtbot) -> None:
    panel = ProtocolPanel(load_protocols())
    qtbot.addWidget(panel)
    panel.select("clamshell")
    assert panel.current().id == "clamshell" and "60°" in panel.position.text()
    panel.show_state(RunnerState(Phase.HOLD, 3, 12, 2, 4, Side.RIGHT, 1.0, 2.04, "Lift the top knee"))
    assert panel.display.phase_text == "HOLD" and panel.display.timer_text == " 2.0 s"
    assert panel.display.counter_text == "Rep 3 / 12   ·   Set 2 / 4   ·   right side"
    each = RunnerState(Phase.SET_REST, 12, 12, 1, 4, Side.LEFT, 1.0, 40.0, "Rest, then change sides",
                       next_side=Side.RIGHT, plan=RepPlan.of(panel.current()))
    panel.show_state(each)  # sets counted per side; the set break names the side to change to
    assert panel.display.counter_text == "Rep 12 / 12   ·   Set 1 / 2   ·   next: right side"
    with pytest.raises(ValueError, match="unknown protocol 'yoga'; expected one of: glute_squeeze"):
        panel.select("yoga")


def test_traces_decimate_to_the_plot_width_and_stay_in_their_lanes(qtbot) -> None:
    import numpy as np

    from emgfeedback.app.traces import DISPLAY_POINTS, LANE_CLIP, MIN_POINTS, TracePanel

    t = TracePanel(IDS, 2000.0, 10.0)
    qtbot.addWidget(t)
    t.resize(900, 600)
    t.show()
    qtbot.waitExposed(t)
    data = np.zeros((8, 20000))
    data[0, 5000] = 1e6  # an artefact far beyond the lane's scale
    t.redraw(data)
    n = t.curves[0].xData.size
    assert MIN_POINTS <= n <= min(DISPLAY_POINTS, 2 * 900) and n == 2 * int(t.getPlotItem().getViewBox().width())
    top = t.curves[0].yData
    assert top.max() == pytest.approx(7 + LANE_CLIP)  # clipped into its lane, not over the others
    assert t.curves[0].dataBounds(1) == (7 - LANE_CLIP, 7 + LANE_CLIP)


def test_bars_repaint_only_when_a_pixel_or_number_changes(qtbot) -> None:
    bars = MvcBars(IDS)
    qtbot.addWidget(bars)
    bars.resize(400, 300)
    calls = []
    bars.update = lambda *a: calls.append(1)
    bars.set_values([40.0] * 8, percent=True)
    bars.set_values([40.001] * 8, percent=True)
    assert len(calls) == 1
    bars.set_values([60.0] * 8, percent=True)
    assert len(calls) == 2


def test_scenario_picker_gives_a_patient_who_follows_the_cues(qtbot, tmp_path) -> None:
    from emgfeedback.app.panels import ConnectPanel, RecentDevices

    panel = ConnectPanel(["healthy", "lbp-lumbar-first"], RecentDevices(tmp_path / "r.json"))
    qtbot.addWidget(panel)
    panel.scenario.activated.emit(2)
    assert panel.url.currentText() == "sim://?scenario=lbp-lumbar-first&follow=1"
