"""Trace lanes share one µV range per muscle pair (rest looks like rest beside a working side),
rise at once, fall slowly, can be scaled lane by lane, and name their range in the label."""

from __future__ import annotations

import numpy as np
import pytest

from emgfeedback.app.bridge import SessionBridge
from emgfeedback.app.main_window import MainWindow
from emgfeedback.app.panels import RecentDevices
from emgfeedback.app.traces import DECAY_PER_RESCALE, MIN_RANGE_UV, TracePanel, lane_ranges, nice_range
from emgfeedback.model import Montage, Muscle

IDS = list(Montage.default().ids)
FS = 2000.0


def _signal(amplitude_uv: dict[str, float], seconds: float = 10.0, seed: int = 0) -> np.ndarray:
    """Gaussian sEMG-like noise per channel with the given peak (about 3.3 SD), µV."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    return np.stack([rng.normal(0.0, amplitude_uv.get(c, 6.0) / 3.3, n) for c in IDS])


@pytest.fixture
def panel(qtbot) -> TracePanel:
    t = TracePanel(IDS, FS, 10.0)
    qtbot.addWidget(t)
    return t


def test_nice_range_rounds_up_with_a_floor() -> None:
    assert nice_range(3.0) == MIN_RANGE_UV == 50.0
    assert nice_range(51.0) == 75.0 and nice_range(340.0) == 500.0 and nice_range(12_345.0) == 13_000.0


def test_lane_ranges_pair_left_and_right() -> None:
    muscles = [Muscle.GLUTE_MAX, Muscle.GLUTE_MAX, Muscle.GLUTE_MED, Muscle.GLUTE_MED]
    env = np.array([340.0, 12.0, 30.0, 25.0])
    assert list(lane_ranges(env, muscles)) == [500.0, 500.0, 50.0, 50.0]
    assert list(lane_ranges(env, muscles, per_lane=True)) == [500.0, 50.0, 50.0, 50.0]


def test_resting_side_shares_its_pairs_range_and_label(panel) -> None:
    # left glute max works (±340 µV), its right side and both glute meds rest
    panel.rescale(_signal({"glute_max_left": 340.0}))
    gmax_l, gmax_r = panel.lane_range("glute_max_left"), panel.lane_range("glute_max_right")
    gmed_l, gmed_r = panel.lane_range("glute_med_left"), panel.lane_range("glute_med_right")
    assert gmax_l == gmax_r >= 340.0
    assert gmed_l == gmed_r == MIN_RANGE_UV < gmax_l
    assert panel.lane_label(IDS.index("glute_med_left")) == "GMed L ±50 µV"
    ticks = panel.getPlotItem().getAxis("left")._tickLevels[0]
    assert f"GMax R ±{gmax_l:.0f} µV" in [label for _, label in ticks]
    # on the shared scale the resting right side draws a thin line, a tenth of the working side
    panel.redraw(_signal({"glute_max_left": 340.0}, seed=1))
    spread = {c: np.ptp(panel.curves[IDS.index(c)].yData) for c in ("glute_max_left", "glute_max_right")}
    assert spread["glute_max_right"] < 0.1 * spread["glute_max_left"]


def test_each_lane_separately(panel) -> None:
    panel.rescale(_signal({"glute_max_left": 340.0}))
    panel.set_per_lane(True)
    assert panel.lane_range("glute_max_right") == MIN_RANGE_UV < panel.lane_range("glute_max_left")
    assert panel.lane_label(IDS.index("glute_max_right")) == "GMax R ±50 µV"
    panel.set_per_lane(False)
    assert panel.lane_range("glute_max_right") == panel.lane_range("glute_max_left")


def test_range_rises_at_once_and_falls_slowly(panel) -> None:
    panel.rescale(_signal({"glute_max_left": 340.0}))
    working = panel.lane_range("glute_max_left")
    rest = _signal({})
    panel.rescale(rest)  # the rest between two reps: the scale stays
    assert panel.lane_range("glute_max_left") == working
    seconds = int(np.ceil(np.log(MIN_RANGE_UV / 400.0) / np.log(DECAY_PER_RESCALE)))
    for _ in range(seconds):
        panel.rescale(rest)
    assert panel.lane_range("glute_max_left") == MIN_RANGE_UV  # a long rest: back to the floor
    panel.rescale(_signal({"glute_max_left": 340.0}))
    assert panel.lane_range("glute_max_left") == working  # the next rep: at once


def test_window_checkbox_scales_lanes_separately(qtbot, tmp_path) -> None:
    """In the running window, a resting side shares its working pair's range, a muscle resting on
    both sides has a smaller one; the checkbox gives every lane its own."""
    win = MainWindow("sim://", bridge=SessionBridge(fps=60.0), recent=RecentDevices(tmp_path / "r.json"),
                     scenarios=[], recordings_dir=tmp_path, db_path=tmp_path / "s.sqlite")
    qtbot.addWidget(win)
    win.show()
    # follow=1: the simulated patient works on the cued side and cannot run ahead of the window
    assert win.connect_device("sim://?scenario=tfl-dominant-clamshell&realtime=0&block=200&follow=1")
    qtbot.waitUntil(lambda: win.info is not None, timeout=20_000)
    win.start_protocol("clamshell")  # one side at a time: its glute med and TFL work, the rest rests
    # three counted reps: the last 10 s hold only cued reps of set 1's side (none of the
    # scenario's own reps before the first cue, which alternate sides)
    qtbot.waitUntil(lambda: sum(not r.artefact for r in win.reps) >= 3, timeout=60_000)
    buf = win.traces.snapshot_buffer()
    win.bridge.live.filtered.snapshot(buf.shape[1], out=buf)  # the last 10 s, with the rep
    win.bridge.disconnect_device()
    last = win.reps[-1]  # the rep in the last 10 s
    side, other = last.side.value, {"left": "right", "right": "left"}[last.side.value]
    win.traces.rescale(buf)
    r = win.traces.lane_range
    # the resting side's glute med shares the working side's range; resting ES on both sides is smaller
    assert r(f"glute_med_{other}") == r(f"glute_med_{side}") > r("lumbar_es_left") == r("lumbar_es_right")
    assert r(f"tfl_{other}") == r(f"tfl_{side}") > MIN_RANGE_UV
    win.per_lane.setChecked(True)  # the checkbox: every lane on its own signal
    assert win.traces.per_lane and r(f"glute_med_{other}") < r(f"glute_med_{side}")
    assert win.traces.lane_label(IDS.index(f"glute_med_{other}")).endswith(f"±{r(f'glute_med_{other}'):.0f} µV")
    win.per_lane.setChecked(False)
    assert r(f"glute_med_{other}") == r(f"glute_med_{side}")
