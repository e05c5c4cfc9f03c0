"""measure_rep: each metric's definition, and "no value" where a metric does not apply."""

import math

import numpy as np
import pytest

from emgfeedback.measures import ChannelMap, core_window, latency_text, measure_rep
from emgfeedback.model import Montage, Muscle, Onset, Side

FS = 1000.0
MONTAGE = Montage.default()
LAYOUT = ChannelMap.from_montage(MONTAGE)


def _env(levels: dict[str, float], n: int = 3000, rest: float = 1.0) -> np.ndarray:
    env = np.full((len(MONTAGE), n), rest)
    for cid, v in levels.items():
        env[MONTAGE.index(cid), 500:2500] = v
    return env


def test_core_window_trims_a_quarter_at_most_half_a_second() -> None:
    assert core_window(0.0, 1.0) == (0.25, 0.75)
    assert core_window(0.0, 10.0) == (0.5, 9.5)


def test_latency_sign_negative_when_glute_max_fires_first() -> None:
    bursts = [Onset(0.50, 2.5, "glute_max_left"), Onset(0.58, 2.5, "lumbar_es_left")]
    rep = measure_rep(0, bursts, _env({"glute_max_left": 100, "lumbar_es_left": 50}), FS, LAYOUT)
    assert rep.gmax_minus_es_ms[Side.LEFT] == pytest.approx(-80.0)
    assert rep.firing_order[Side.LEFT].order == (Muscle.GLUTE_MAX, Muscle.LUMBAR_ES)
    assert rep.latency_ms(Side.LEFT) == pytest.approx(-80.0)
    assert Side.RIGHT not in rep.gmax_minus_es_ms and Side.RIGHT not in rep.firing_order
    assert latency_text(-80.0) == "−80 ms (glute max first)"
    assert latency_text(70.0) == "+70 ms (lumbar ES first)"


def test_ratio_when_gmed_active_a_quiet_tfl_is_a_low_ratio() -> None:
    env = _env({"tfl_left": 60.0, "glute_med_left": 120.0, "lumbar_es_left": 80.0})
    both = measure_rep(0, [Onset(0.5, 2.5, "tfl_left"), Onset(0.5, 2.5, "glute_med_left")], env, FS, LAYOUT)
    assert both.tfl_to_glute_ratio[Side.LEFT] == pytest.approx(0.5)
    only_es = measure_rep(0, [Onset(0.5, 2.5, "lumbar_es_left")], env, FS, LAYOUT)
    assert only_es.tfl_to_glute_ratio == {}
    tfl_alone = measure_rep(0, [Onset(0.5, 2.5, "tfl_left")], env, FS, LAYOUT)
    assert tfl_alone.tfl_to_glute_ratio == {}  # GMed did not work: nothing to compare with
    quiet = _env({"glute_med_left": 120.0})  # TFL stays at rest (1 µV) while GMed works
    gmed_alone = measure_rep(0, [Onset(0.5, 2.5, "glute_med_left")], quiet, FS, LAYOUT)
    assert gmed_alone.tfl_to_glute_ratio[Side.LEFT] == pytest.approx(1.0 / 120.0)  # glute-led: judged


def test_symmetry_only_when_the_muscle_worked_on_both_sides() -> None:
    env = _env({"glute_med_left": 100.0, "glute_med_right": 60.0})
    one_sided = measure_rep(0, [Onset(0.5, 2.5, "glute_med_left")], env, FS, LAYOUT)
    assert one_sided.symmetry_pct == {}
    assert one_sided.side is Side.LEFT
    both = measure_rep(0, [Onset(0.5, 2.5, "glute_med_left"), Onset(0.5, 2.5, "glute_med_right")],
                       env, FS, LAYOUT)
    assert both.symmetry_pct[Muscle.GLUTE_MED] == pytest.approx((100 - 60) / 80 * 100)
    assert both.side is None


def test_percent_mvc_and_gta_need_mvc() -> None:
    env = _env({"glute_med_left": 50.0, "glute_max_left": 40.0, "tfl_left": 20.0})
    bursts = [Onset(0.5, 2.5, c) for c in ("glute_med_left", "glute_max_left", "tfl_left")]
    no_mvc = measure_rep(0, bursts, env, FS, LAYOUT)
    assert no_mvc.pct_mvc == {} and no_mvc.gluteal_to_tfl_index == {}
    mvc = np.full(len(MONTAGE), np.nan)
    for cid in ("glute_med_left", "glute_max_left", "tfl_left"):
        mvc[MONTAGE.index(cid)] = 100.0
    rep = measure_rep(0, bursts, env, FS, LAYOUT, mvc_uv=mvc)
    assert rep.pct_mvc["glute_med_left"] == pytest.approx(50.0)
    assert "glute_max_right" not in rep.pct_mvc  # unknown MVC: no value
    g = (50 + 40) / 2
    assert rep.gluteal_to_tfl_index[Side.LEFT] == pytest.approx(((50 - 20) + (40 - 20)) / 2 * g / 20)


def test_amplitudes_come_from_the_core_window_and_envelope_offset() -> None:
    env = _env({"glute_max_left": 100.0})
    env[MONTAGE.index("glute_max_left"), 500:700] = 1000.0  # a ramp-up spike outside the core
    rep = measure_rep(0, [Onset(0.5, 2.5, "glute_max_left")], env, FS, LAYOUT)
    assert rep.mean_uv["glute_max_left"] == pytest.approx(100.0)
    assert rep.peak_uv["glute_max_left"] == pytest.approx(1000.0)
    # the same rep measured on a window of the envelope that starts later
    part = measure_rep(0, [Onset(0.5, 2.5, "glute_max_left")], env[:, 400:], FS, LAYOUT, t0_s=0.4)
    assert part == rep


def test_median_frequency_with_the_filtered_signal() -> None:
    t = np.arange(3000) / FS
    filt = np.zeros((len(MONTAGE), 3000))
    filt[0] = np.sin(2 * np.pi * 120 * t)
    rep = measure_rep(0, [Onset(0.5, 2.5, MONTAGE.ids[0])], _env({MONTAGE.ids[0]: 10}), FS, LAYOUT, filtered=filt)
    assert rep.mdf_hz[MONTAGE.ids[0]] == pytest.approx(120.0, abs=3.0)
    assert len(rep.mdf_hz) == 1  # active channels only


def test_a_rep_needs_a_burst() -> None:
    with pytest.raises(ValueError, match="at least one burst"):
        measure_rep(0, [], _env({}), FS, LAYOUT)
    assert math.isnan(measure_rep(0, [Onset(0.5, 2.5, "tfl_left")], _env({}), FS, LAYOUT).latency_ms(Side.LEFT))
