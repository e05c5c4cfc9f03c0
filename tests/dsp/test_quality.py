"""Signal quality on simulated channels with known faults."""

import time

import numpy as np
import pytest

from emgfeedback.dsp.quality import assess_quality
from emgfeedback.simulation import simulate

FS = 2000.0
IDS = ("glute_max_left", "glute_med_left", "tfl_left", "lumbar_es_left")


def window(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(0, 5, (4, int(FS)))


def test_clean_channels_have_no_problems():
    q = assess_quality(window(), FS, IDS)
    assert [c.channel for c in q] == list(IDS)
    assert all(c.ok and not c.flat for c in q)
    assert all(2.0 < c.noise_floor_uv < 6.0 for c in q)


def test_each_fault_named_for_the_clinician():
    x = window()
    t = np.arange(x.shape[1]) / FS
    x[0] += 100 * np.sin(2 * np.pi * 50 * t)  # hum
    x[1] = 0.0  # lead-off
    x[2] = np.clip(x[2] * 40, -150, 150)  # clipping: P(|N(0, 200)| > 150) = 0.45
    x[3] *= 10  # noisy contact (50 µV RMS)
    q = assess_quality(x, FS, IDS)
    assert q[0].powerline_ratio > 0.9
    assert "GMax L: strong 50 Hz mains hum" in q[0].problems[0] and "reference electrode" in q[0].problems[0]
    assert q[1].flat and "GMed L: no signal (flat or lead-off)" in q[1].problems[0] and len(q[1].problems) == 1
    assert 0.4 < q[2].clipping_fraction < 0.5 and "TFL L: signal clipping" in q[2].problems[0]
    assert "ES L: high noise floor" in q[3].problems[0]


def test_adc_range_and_60_hz():
    x = window()
    x[0, :50] = 1000.0
    q = assess_quality(x, FS, IDS, mains=60.0, adc_range_uv=1000.0)
    assert q[0].clipping_fraction == pytest.approx(50 / x.shape[1])


def test_simulated_lead_off_is_flagged():
    rec = simulate("healthy", duration_s=4.0, lead_off="tfl_left", seed=0)
    q = {c.channel: c for c in assess_quality(rec.data[:, : int(2 * FS)], rec.fs, rec.montage)}
    assert q["tfl_left"].flat and not q["glute_max_left"].flat


def test_cheap_enough_for_once_a_second():
    x = np.random.default_rng(0).normal(0, 5, (8, int(FS)))
    ids = [f"c{i}" for i in range(8)]
    assess_quality(x, FS, ids)
    t = time.perf_counter()
    for _ in range(20):
        assess_quality(x, FS, ids)
    assert (time.perf_counter() - t) / 20 < 0.02  # ≪ 1 s budget, even on a shared CPU


def test_bad_arguments():
    with pytest.raises(ValueError, match="channels names 2 channel"):
        assess_quality(window(), FS, IDS[:2])
    with pytest.raises(ValueError, match="mains must be 50.0 or 60.0"):
        assess_quality(window(), FS, IDS, mains=55.0)
