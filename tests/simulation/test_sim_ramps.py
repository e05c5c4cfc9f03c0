"""Recruitment ramps: the amplitude rises as A·((t − onset)/ramp)^p from the true onset, with
per-muscle, per-scenario ramps; ``ramp="fast"`` keeps the old short linear rises."""

from __future__ import annotations

import numpy as np
import pytest
from simhelpers import envelope, ramp_profile

from emgfeedback.model import Muscle, Onset, Side
from emgfeedback.simulation import (
    Artefacts,
    GroundTruth,
    LiveSimulator,
    Ramp,
    get_scenario,
    list_scenarios,
    parse_ramp,
    simulate,
)

_QUIET = Artefacts.none()


def _ramp_model(windows: list, p: float) -> np.ndarray:
    """Relative power the ramp model predicts in each window: mean of u^(2p) over its samples."""
    return np.asarray([[np.mean(u ** (2 * p)) for u in burst] for burst in windows])


def _fitted_exponent(measured: np.ndarray, windows: list) -> float:
    """Exponent p whose model power best matches the measured power (pooled over bursts, log error)."""
    grid = np.arange(0.5, 3.0001, 0.01)
    m = measured.sum(axis=0)
    err = [np.sum(np.log(m / _ramp_model(windows, p).sum(axis=0)) ** 2) for p in grid]
    return float(grid[int(np.argmin(err))])


@pytest.mark.parametrize(
    ("name", "channels"),
    [
        ("lbp-lumbar-first", ["glute_max_left", "glute_max_right", "lumbar_es_left"]),
        ("tfl-dominant-clamshell", ["glute_med_left", "glute_med_right", "tfl_left"]),
    ],
)
def test_burst_envelope_follows_the_ramp_shape(name: str, channels: list[str]) -> None:
    # 60 dB: the noise floor is negligible, the windowed power is the envelope squared
    rec = simulate(name, duration_s=150.0, snr_db=60.0, artefacts=_QUIET, seed=5)  # 14–28 bursts per channel
    for ch in channels:
        # windows of ≥ 12 ms: sixths of the slow ramps, thirds of the fast (35–40 ms) ones
        n_windows = 6 if np.mean(rec.truth.ramp_s_for(ch)) >= 0.1 else 3
        measured, windows = ramp_profile(rec, ch, n_windows)
        (p_true,) = {r.exponent for r in rec.truth.ramps_for(ch)}
        expected = _ramp_model(windows, p_true)
        # pooled over the bursts: RMS in each window of the ramp as the model says, ±20 %
        ratio = np.sqrt(measured.sum(axis=0) / expected.sum(axis=0))
        assert np.all(np.abs(ratio - 1.0) < 0.2), (ch, ratio.round(3))
        # the shape exponent can be read back from the samples
        assert _fitted_exponent(measured, windows) == pytest.approx(p_true, abs=0.3), ch


def test_slow_ramp_is_not_at_plateau_where_a_fast_one_is() -> None:
    """Measured RMS 60–100 ms after the true onset, relative to the plateau: the lbp glute max
    (220 ms convex ramp) is still low; with ``ramp="fast"`` (≤ 60 ms) it is at its plateau."""

    def early_level(ramp: str) -> float:
        rec = simulate("lbp-lumbar-first", snr_db=60.0, artefacts=_QUIET, seed=4, ramp=ramp)
        row, fs = rec.montage.index("glute_max_left"), rec.fs
        x = rec.data[row]
        levels = []
        for o in rec.truth.onsets_for("glute_max_left"):
            early = x[int((o.onset_s + 0.06) * fs) : int((o.onset_s + 0.10) * fs)]
            plateau = x[int((o.onset_s + 0.6) * fs) : int((o.onset_s + 1.6) * fs)]
            levels.append(np.sqrt(np.mean(early**2) / np.mean(plateau**2)))
        return float(np.median(levels))

    assert early_level("scenario") < 0.3  # ≈ ((0.08/0.22)^1.8 ≈ 0.16)
    assert early_level("fast") > 0.85


# -- scenario values ------------------------------------------------------------------------


def _ramp(name: str, muscle: Muscle, side: Side = Side.LEFT) -> tuple[float, float]:
    act = get_scenario(name).activation_of(muscle, side)
    assert act is not None
    return act.ramp_s, act.ramp_p


def test_scenario_ramps_differ_by_muscle_as_specified() -> None:
    # low back pain: inhibited glute max slow, guarding lumbar ES fast
    gmax, es = _ramp("lbp-lumbar-first", Muscle.GLUTE_MAX), _ramp("lbp-lumbar-first", Muscle.LUMBAR_ES)
    assert 0.150 <= gmax[0] <= 0.300 and 0.020 <= es[0] <= 0.050
    assert gmax[1] > es[1]
    # healthy muscles 30–100 ms
    for name in ("healthy", "healthy-clamshell"):
        for act in get_scenario(name).activations:
            assert 0.030 <= act.ramp_s <= 0.100, (name, act)
    # TFL-dominant: TFL fast, gluteus medius slow
    tfl, gmed = _ramp("tfl-dominant-clamshell", Muscle.TFL), _ramp("tfl-dominant-clamshell", Muscle.GLUTE_MED)
    assert tfl[0] <= 0.050 and gmed[0] >= 0.150
    # left gluteal inhibition: the inhibited side ramps slower than the other
    for muscle in (Muscle.GLUTE_MAX, Muscle.GLUTE_MED):
        assert _ramp("left-glute-inhibition", muscle, Side.LEFT)[0] >= 2 * _ramp("left-glute-inhibition", muscle, Side.RIGHT)[0]
    for name in list_scenarios():
        for act in get_scenario(name).activations:
            assert 0.020 <= act.ramp_s <= 0.300 and 1.0 <= act.ramp_p <= 2.0, (name, act)


def _t_half_ms(rec, channel: str) -> float:
    """Median time from the true onset to where the smoothed envelope first reaches half its
    plateau, ms (measured on the samples)."""
    row, fs = rec.montage.index(channel), rec.fs
    env = envelope(rec.data[row], fs, cutoff_hz=40.0)
    times = []
    for o in rec.truth.onsets_for(channel):
        a = int(o.onset_s * fs)
        plateau = np.median(env[a + int(0.6 * fs) : a + int(1.6 * fs)])
        times.append(np.argmax(env[a:] > 0.5 * plateau) / fs)
    return float(np.median(times) * 1000)


def test_measured_recruitment_speed_differs_by_muscle(clean) -> None:
    lbp = clean("lbp-lumbar-first")
    assert _t_half_ms(lbp, "glute_max_left") > 100.0  # 220 ms · 0.5^(1/1.8) ≈ 150 ms
    assert _t_half_ms(lbp, "lumbar_es_left") < 40.0  # 35 ms · 0.5 ≈ 18 ms
    tfl = clean("tfl-dominant-clamshell")
    assert _t_half_ms(tfl, "glute_med_left") > _t_half_ms(tfl, "tfl_left") + 60.0


def test_each_burst_draws_its_ramp_near_the_scenario_value(clean) -> None:
    rec = clean("lbp-lumbar-first")
    sc = get_scenario("lbp-lumbar-first")
    for ch, muscle in (("glute_max_left", Muscle.GLUTE_MAX), ("lumbar_es_right", Muscle.LUMBAR_ES)):
        act = sc.activation_of(muscle, Side.LEFT)
        ramps = np.asarray(rec.truth.ramp_s_for(ch))
        assert len(ramps) == len(rec.truth.onsets_for(ch)) == sc.n_reps
        assert np.all(ramps >= act.ramp_s * (1 - sc.ramp_spread) - 1e-12)
        assert np.all(ramps <= act.ramp_s * (1 + sc.ramp_spread) + 1e-12)
        assert np.ptp(ramps) > 0.05 * act.ramp_s  # they vary from rep to rep
        assert {r.exponent for r in rec.truth.ramps_for(ch)} == {act.ramp_p}
    # seeded: same seed same ramps, another seed other ramps
    again = simulate("lbp-lumbar-first", artefacts=_QUIET, seed=3)
    assert again.truth.ramps == rec.truth.ramps
    other = simulate("lbp-lumbar-first", duration_s=20.0, artefacts=_QUIET, seed=4)
    assert other.truth.ramp_s_for("glute_max_left")[0] != rec.truth.ramp_s_for("glute_max_left")[0]


# -- the ramp option ---------------------------------------------------------------------------


def test_fast_reproduces_short_linear_ramps(clean) -> None:
    rec = clean("lbp-lumbar-first", ramp="fast")
    sc = get_scenario("lbp-lumbar-first")
    assert rec.truth.ramp == "fast"
    assert rec.truth.ramps
    for r in rec.truth.ramps:
        assert sc.rise_s[0] <= r.ramp_s <= sc.rise_s[1] and r.exponent == 1.0
    # measured: the slow glute max of the scenario is at half its plateau within ~30 ms
    assert _t_half_ms(rec, "glute_max_left") < 45.0


def test_ramp_choice_changes_only_the_ramps() -> None:
    """Onsets, offsets, reps and every sample outside the rising ramps are the same whatever the
    ramp; the samples differ only on [onset, onset + longer ramp) of each burst."""
    recs = {r: simulate("tfl-dominant-clamshell", duration_s=25.0, seed=2, ramp=r) for r in ("scenario", "fast", 2.0)}
    base = recs["scenario"]
    for ramp, rec in recs.items():
        assert rec.truth.onsets == base.truth.onsets and rec.truth.reps == base.truth.reps, ramp
    fs = base.fs
    for ramp in ("fast", 2.0):
        diff = recs[ramp].data != base.data
        for ch in base.montage.ids:
            row = base.montage.index(ch)
            allowed = np.zeros(diff.shape[1], dtype=bool)
            for a, b in zip(base.truth.ramps_for(ch), recs[ramp].truth.ramps_for(ch), strict=True):
                allowed[int(np.floor(a.onset_s * fs)) : int(np.ceil((a.onset_s + max(a.ramp_s, b.ramp_s)) * fs)) + 1] = True
            assert not np.any(diff[row] & ~allowed), (ramp, ch)
            assert np.any(diff[row]) == bool(base.truth.onsets_for(ch)), (ramp, ch)


def test_scale_factor_multiplies_every_ramp() -> None:
    base = simulate("healthy", duration_s=20.0, seed=6)
    for scale in (0.5, 2.0, 4.0):
        rec = simulate("healthy", duration_s=20.0, seed=6, ramp=scale)
        assert rec.truth.ramp == f"x{scale:g}"
        for a, b in zip(base.truth.ramps, rec.truth.ramps, strict=True):
            assert b.ramp_s == pytest.approx(scale * a.ramp_s, rel=1e-12) and b.exponent == a.exponent
    assert simulate("healthy", duration_s=20.0, seed=6, ramp="1").truth.ramps == base.truth.ramps
    assert base.truth.ramp == "scenario"


@pytest.mark.parametrize("bad", ["slow", "", "scenario2", 0, 0.05, 5, float("nan"), True, None, [1.0]])
def test_bad_ramp_is_one_line_naming_option_allowed_and_value(bad) -> None:
    for call in (lambda: simulate("healthy", duration_s=5.0, ramp=bad), lambda: LiveSimulator("healthy", ramp=bad),
                 lambda: parse_ramp(bad)):
        with pytest.raises(ValueError) as info:
            call()
        msg = str(info.value)
        assert "\n" not in msg
        assert msg.startswith("ramp must be 'scenario', 'fast' or a scale factor between 0.1 and 4, got ")
        assert msg.endswith(repr(bad))


def test_parse_ramp_accepts_names_numbers_and_numeric_text() -> None:
    assert parse_ramp("scenario") == 1.0 and parse_ramp(" Fast ") is None
    assert parse_ramp("0.5") == 0.5 and parse_ramp(2) == 2.0 and parse_ramp(4.0) == 4.0


# -- one engine for simulate and LiveSimulator -----------------------------------------------


@pytest.mark.parametrize("ramp", ["scenario", "fast", 2.5])
def test_simulate_equals_live_stream_with_ramps(ramp) -> None:
    rec = simulate("lbp-lumbar-first", duration_s=20.0, seed=9, ramp=ramp)
    live = LiveSimulator("lbp-lumbar-first", seed=9, ramp=ramp, n_reps=len(rec.truth.reps))
    n = rec.data.shape[1]
    parts, got, sizes, i = [], 0, [1, 333, 1000, 4097, 7], 0
    while got < n:
        k = min(sizes[i % len(sizes)], n - got)
        parts.append(live.read(k))
        got, i = got + k, i + 1
    assert np.array_equal(np.concatenate(parts, axis=1), rec.data)
    truth = live.ground_truth(0.0, n / rec.fs)
    assert truth == rec.truth
    assert truth.ramps == rec.truth.ramps and truth.ramp == rec.truth.ramp == live.ramp


# -- truth -------------------------------------------------------------------------------------


def test_ramps_are_parallel_to_onsets(clean) -> None:
    truth = clean("left-glute-inhibition").truth
    assert len(truth.ramps) == len(truth.onsets)
    for o, r in zip(truth.onsets, truth.ramps, strict=True):
        assert (r.channel, r.onset_s) == (o.channel, o.onset_s)
    for ch in ("glute_max_left", "glute_max_right", "lumbar_es_left"):
        onsets, ramps = truth.onsets_for(ch), truth.ramp_s_for(ch)
        assert len(ramps) == len(onsets) > 0
        assert [r.onset_s for r in truth.ramps_for(ch)] == [o.onset_s for o in onsets]
    assert truth.ramp_s_for("tfl_left") == []
    # the inhibited left glute max ramps slower than the right, burst for burst
    assert min(truth.ramp_s_for("glute_max_left")) > max(truth.ramp_s_for("glute_max_right"))


def test_ground_truth_rejects_ramps_that_are_not_parallel() -> None:
    onsets = (Onset(1.0, 2.0, "glute_max_left"),)
    GroundTruth("healthy", onsets, (), ramps=(Ramp("glute_max_left", 1.0, 0.05, 1.0),))
    with pytest.raises(ValueError, match="parallel to onsets"):
        GroundTruth("healthy", onsets, (), ramps=(Ramp("glute_max_right", 1.0, 0.05, 1.0),))


def test_truth_docstring_says_the_onset_is_the_start_of_the_ramp() -> None:
    doc = " ".join((GroundTruth.__doc__ or "").split())
    assert "start of the burst's recruitment ramp" in doc and "first instant its EMG amplitude is above 0" in doc
