"""Timing, ratios, symmetry, fatigue and MVC metrics."""

import math

import numpy as np
import pytest

from emgfeedback.dsp.fatigue import mdf_slope_pct_per_min, median_frequency
from emgfeedback.dsp.mvc import mvc_from_trial, normalize_mvc
from emgfeedback.dsp.ratios import gluteal_to_tfl_index, symmetry_index, tfl_to_glute_ratio
from emgfeedback.dsp.timing import firing_order, group_reps, onset_latency_ms
from emgfeedback.model import Muscle, Onset, Side

FS = 2000.0


def two_reps():
    return [
        Onset(1.00, 2.0, "glute_max_left"), Onset(1.05, 2.1, "lumbar_es_left"),
        Onset(1.01, 2.0, "glute_max_right"),
        Onset(5.08, 6.0, "glute_max_left"), Onset(5.00, 6.1, "lumbar_es_left"),
    ]


def test_group_reps_splits_on_rest():
    reps = group_reps(two_reps())
    assert [len(r) for r in reps] == [3, 2]
    assert reps[1][0].channel == "lumbar_es_left"  # sorted by onset inside a rep


def test_open_burst_keeps_rep_open():
    reps = group_reps([Onset(1.0, None, "a"), Onset(9.0, 10.0, "b")])
    assert len(reps) == 1


def test_latency_and_firing_order_per_rep():
    lat = onset_latency_ms(two_reps(), "lumbar_es_left", "glute_max_left")
    np.testing.assert_allclose(lat, [50.0, -80.0])
    orders = firing_order(two_reps(), Side.LEFT)
    assert [o.first for o in orders] == [Muscle.GLUTE_MAX, Muscle.LUMBAR_ES]
    assert orders[1].latency_ms(Muscle.GLUTE_MAX, Muscle.LUMBAR_ES) == pytest.approx(80.0)
    # the right side has only glute max: no order unless one muscle is enough
    assert firing_order(two_reps(), Side.RIGHT) == []
    assert len(firing_order(two_reps(), Side.RIGHT, min_muscles=1)) == 1


def test_latency_nan_when_a_channel_is_silent():
    lat = onset_latency_ms(two_reps(), "glute_max_right", "lumbar_es_left")
    assert lat[0] == pytest.approx(-40.0) and math.isnan(lat[1])


def test_tfl_to_glute_ratio_over_active_samples():
    tfl = np.r_[np.full(100, 5.0), np.full(100, 150.0)]
    gmed = np.r_[np.full(100, 5.0), np.full(100, 100.0)]
    active = np.r_[np.zeros(100, bool), np.ones(100, bool)]
    assert tfl_to_glute_ratio(tfl, gmed, active=active) == pytest.approx(1.5)
    assert tfl_to_glute_ratio(tfl, gmed) == pytest.approx(155 / 105)
    assert math.isnan(tfl_to_glute_ratio(tfl, np.zeros(200)))
    with pytest.raises(ValueError, match="same length"):
        tfl_to_glute_ratio(tfl, gmed[:10])


def test_gta_index_formula_and_ordering():
    # ((50-15) + (55-15))/2 × 52.5/15 = 37.5 × 3.5
    assert gluteal_to_tfl_index(50, 55, 15) == pytest.approx(131.25)
    # more TFL for the same gluteal activity lowers the index; equal activity gives 0
    assert gluteal_to_tfl_index(50, 55, 30) < gluteal_to_tfl_index(50, 55, 15)
    assert gluteal_to_tfl_index(40, 40, 40) == 0.0
    assert math.isnan(gluteal_to_tfl_index(40, 40, 0))


def test_symmetry_index():
    assert symmetry_index(60.0, 100.0) == pytest.approx(-50.0)
    assert symmetry_index(100.0, 100.0) == 0.0
    np.testing.assert_allclose(symmetry_index(np.array([1.0, 3.0]), np.array([1.0, 1.0])), [0.0, 100.0])
    assert math.isnan(symmetry_index(0.0, 0.0))


def _tone_noise(f0, n, rng):
    """Noise band-limited around f0 (Hz), so its median frequency is near f0."""
    spec = np.zeros(n // 2 + 1, complex)
    f = np.fft.rfftfreq(n, 1 / FS)
    band = np.abs(f - f0) < 10
    spec[band] = rng.normal(size=band.sum()) + 1j * rng.normal(size=band.sum())
    return np.fft.irfft(spec, n)


def test_median_frequency_tracks_a_falling_spectrum():
    rng = np.random.default_rng(0)
    n = int(4 * FS)
    x = np.concatenate([_tone_noise(f, n, rng) for f in (120, 110, 100, 90, 80)])  # 20 s
    t, mdf = median_frequency(x, FS, window_s=1.0, step_s=1.0)
    assert mdf[0] == pytest.approx(120, abs=6) and mdf[-1] == pytest.approx(80, abs=6)
    slope = mdf_slope_pct_per_min(t, mdf)
    # 120 → 80 Hz over ~18 s is about −110 %/min of the start value
    assert -140 < slope < -80
    t2, mdf2 = median_frequency(np.vstack([x, x]), FS)
    assert mdf2.shape == (2, t2.size)


def test_median_frequency_window_too_long():
    with pytest.raises(ValueError, match="window_s=5 s must"):
        median_frequency(np.zeros(2000), FS, window_s=5.0)


def test_mvc_from_trial_and_normalisation():
    rng = np.random.default_rng(0)
    n = int(5 * FS)
    amp = np.r_[np.full(n // 2, 50.0), np.full(n - n // 2, 200.0)]  # plateau 200 µV RMS
    x = rng.normal(size=(2, n)) * amp
    mvc = mvc_from_trial(x, FS)
    weak = mvc_from_trial(x[:, : n // 2], FS)
    # the peak 0.5 s average comes from the 200 µV plateau: 4 × the 50 µV part
    assert mvc.shape == (2,) and np.allclose(mvc / weak, 4.0, rtol=0.1)
    pct = normalize_mvc(np.full((2, 3), 80.0), mvc)
    np.testing.assert_allclose(pct, np.repeat(100 * 80.0 / mvc[:, None], 3, axis=1))
    with pytest.raises(ValueError, match="mvc_uv must be positive"):
        normalize_mvc(np.ones(3), 0.0)
    with pytest.raises(ValueError, match="give one MVC per row"):
        normalize_mvc(np.ones((3, 4)), np.ones(2))
    with pytest.raises(ValueError, match="shorter than window_s"):
        mvc_from_trial(x[:, :100], FS)
