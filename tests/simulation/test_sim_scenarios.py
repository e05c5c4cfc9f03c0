"""Each scenario's defining property, measured from its raw samples, and its stated truth."""

from __future__ import annotations

import math

import numpy as np
import pytest
from simhelpers import envelope, median_frequency, plateau_samples

from emgfeedback.model import Muscle, Side
from emgfeedback.simulation import describe, list_scenarios

NAMES = [
    "healthy",
    "lbp-lumbar-first",
    "tfl-dominant-clamshell",
    "healthy-clamshell",
    "left-glute-inhibition",
    "glute-fatigue",
]


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x * x)))


def test_list_scenarios_names_them_all() -> None:
    assert list_scenarios() == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_describe_states_the_truth(name: str) -> None:
    text = describe(name)
    assert text.startswith(f"{name}: ")
    assert "rest" in text and "µV" in text


def _onset_lag_ms(rec, early: str, late: str) -> float:
    """Median lag of ``late`` behind ``early``, ms: per rep, when each channel's envelope first
    reaches 25 % of its plateau level (reps located from truth, onsets from the samples)."""
    fs = rec.fs
    rows = [rec.montage.index(early), rec.montage.index(late)]
    env = envelope(rec.data[rows], fs, cutoff_hz=30.0)
    lags = []
    for rep in rec.truth.reps:
        lo, hi = int((rep.start_s - 0.3) * fs), int((rep.end_s - 0.3) * fs)
        crossings = []
        for e in env[:, lo:hi]:
            level = np.median(e[int(0.5 * fs) :])
            crossings.append(np.argmax(e > 0.25 * level) / fs)
        lags.append(crossings[1] - crossings[0])
    return float(np.median(lags) * 1000)


@pytest.mark.parametrize("side", ["left", "right"])
def test_lbp_lumbar_es_fires_about_80_ms_before_glute_max(clean, side: str) -> None:
    # the true onset lag, read from 25 % crossings: needs the short ramps of ramp="fast"
    rec = clean("lbp-lumbar-first", ramp="fast")
    lag = _onset_lag_ms(rec, f"lumbar_es_{side}", f"glute_max_{side}")
    assert lag == pytest.approx(80.0, abs=20.0)
    assert rec.truth.first_to_fire[Side(side)] is Muscle.LUMBAR_ES


@pytest.mark.parametrize("side", ["left", "right"])
def test_lbp_slow_glute_max_ramp_makes_a_threshold_see_it_late(clean, side: str) -> None:
    """With the scenario's ramps (GMax 220 ms, p = 1.8; ES 35 ms linear) a 25 % threshold finds
    glute max ≈ 0.25^(1/1.8)·220 ms ≈ 100 ms after its true onset: the lag looks ≈ 170 ms."""
    rec = clean("lbp-lumbar-first")
    lag = _onset_lag_ms(rec, f"lumbar_es_{side}", f"glute_max_{side}")
    assert lag == pytest.approx(170.0, abs=30.0)
    assert rec.truth.first_to_fire[Side(side)] is Muscle.LUMBAR_ES


@pytest.mark.parametrize("side", ["left", "right"])
def test_healthy_glute_max_fires_about_50_ms_before_lumbar_es(clean, side: str) -> None:
    rec = clean("healthy", ramp="fast")
    lag = _onset_lag_ms(rec, f"glute_max_{side}", f"lumbar_es_{side}")
    assert lag == pytest.approx(50.0, abs=20.0)
    assert rec.truth.first_to_fire[Side(side)] is Muscle.GLUTE_MAX


@pytest.mark.parametrize(("name", "ratio"), [("tfl-dominant-clamshell", 1.5), ("healthy-clamshell", 0.5)])
def test_clamshell_tfl_to_glute_med_ratio(clean, name: str, ratio: float) -> None:
    rec = clean(name)
    for side in Side:
        measured = _rms(plateau_samples(rec, f"tfl_{side.value}")) / _rms(
            plateau_samples(rec, f"glute_med_{side.value}")
        )
        assert measured == pytest.approx(ratio, rel=0.10), side
        assert rec.truth.tfl_to_glute_ratio[side] == pytest.approx(ratio)
    # one side works per rep, alternating; lumbar ES rests
    assert [r.side for r in rec.truth.reps[:4]] == [Side.LEFT, Side.RIGHT, Side.LEFT, Side.RIGHT]
    assert not rec.truth.onsets_for("lumbar_es_left")


def test_left_glute_inhibition_left_is_60_percent_of_right(clean) -> None:
    rec = clean("left-glute-inhibition")
    for muscle in ("glute_max", "glute_med"):
        left = _rms(plateau_samples(rec, f"{muscle}_left"))
        right = _rms(plateau_samples(rec, f"{muscle}_right"))
        assert left / right == pytest.approx(0.6, rel=0.10), muscle
    es = _rms(plateau_samples(rec, "lumbar_es_left")) / _rms(plateau_samples(rec, "lumbar_es_right"))
    assert es == pytest.approx(1.0, rel=0.10)
    assert math.isnan(rec.truth.tfl_to_glute_ratio[Side.LEFT])


def test_glute_fatigue_median_frequency_falls_20_percent_and_amplitude_rises(clean) -> None:
    rec = clean("glute-fatigue")
    (burst,) = rec.truth.onsets_for("glute_max_left")
    assert burst.offset_s - burst.onset_s == pytest.approx(60.0, abs=0.5)
    row = rec.montage.index("glute_max_left")
    fs = rec.fs
    first = rec.data[row, int((burst.onset_s + 0.5) * fs) : int((burst.onset_s + 5.5) * fs)]
    last = rec.data[row, int((burst.offset_s - 5.5) * fs) : int((burst.offset_s - 0.5) * fs)]
    change = 100 * (median_frequency(last, fs) / median_frequency(first, fs) - 1)
    assert change == pytest.approx(-20.0, abs=4.0)
    assert _rms(last) / _rms(first) == pytest.approx(1.25, rel=0.08)
    assert rec.truth.median_freq_change_pct["glute_max_left"] == -20.0
    assert rec.truth.median_freq_change_pct["lumbar_es_left"] == 0.0
    # the fall is gradual: the middle of the hold sits in between
    mid_t = 0.5 * (burst.onset_s + burst.offset_s)
    mid = rec.data[row, int((mid_t - 2.5) * fs) : int((mid_t + 2.5) * fs)]
    assert median_frequency(last, fs) < median_frequency(mid, fs) < median_frequency(first, fs)
