"""The independent sEMG generator (tests/independent_semg.py) does what its docstring says."""

import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import butter, sosfiltfilt, welch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from independent_semg import (  # noqa: E402
    MODELS, Burst, Trial, burst_trial, envelope_of, order_pair_trial, shwedyk_psd, synthesize,
)


def _masks(tr: Trial, c: int = 0):
    n = tr.x.shape[1]
    t = np.arange(n) / tr.fs
    plateau = np.zeros(n, bool)
    for b in tr.bursts[c]:
        plateau |= (t >= b.onset_s + b.ramp_s) & (t < b.offset_s - b.ramp_s)
    rest = envelope_of(tr.bursts[c], n, tr.fs) == 0
    return plateau, rest


def _measured_snr_db(tr: Trial, c: int = 0) -> float:
    plateau, rest = _masks(tr, c)
    ps, pn = np.mean(tr.x[c, plateau] ** 2), np.mean(tr.x[c, rest] ** 2)
    return 10 * np.log10((ps - pn) / pn)


def test_shwedyk_spectrum_peaks_between_fl_and_fh():
    f = np.linspace(1, 500, 5000)
    peak = f[np.argmax(shwedyk_psd(f))]
    assert 50 < peak < 120


@pytest.mark.parametrize("model", MODELS)
def test_spectrum_peak_in_emg_band(model):
    tr = burst_trial(model=model, snr_db=30.0, seed=3)
    plateau, _ = _masks(tr)
    f, p = welch(tr.x[0, plateau], tr.fs, nperseg=512)
    assert 50.0 <= f[np.argmax(p)] <= 150.0
    # and most of the power is in 20-300 Hz
    band = (f >= 20) & (f <= 300)
    assert p[band].sum() / p.sum() > 0.75


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("snr", [30.0, 20.0, 10.0, 0.0])
def test_snr_measured_on_output(model, snr):
    tr = burst_trial(model=model, snr_db=snr, seed=1)
    assert _measured_snr_db(tr) == pytest.approx(snr, abs=1.0)


def test_snr_pink_noise_and_pairs():
    tr = burst_trial(snr_db=20.0, noise="pink", seed=2)
    assert _measured_snr_db(tr) == pytest.approx(20.0, abs=1.0)
    pr = order_pair_trial(snr_db=10.0, seed=2)
    for c in range(2):
        assert _measured_snr_db(pr, c) == pytest.approx(10.0, abs=1.0)


def test_plateau_amplitude():
    tr = burst_trial(amplitude_uv=150.0, snr_db=40.0, seed=4)
    plateau, _ = _masks(tr)
    assert np.sqrt(np.mean(tr.x[0, plateau] ** 2)) == pytest.approx(150.0, rel=0.02)


def _rms_envelope(x, fs, hz=15.0):
    sos = butter(2, hz, fs=fs, output="sos")
    return np.sqrt(np.maximum(sosfiltfilt(sos, x**2), 0.0))


@pytest.mark.parametrize("p", [1.0, 2.0])
def test_noise_envelope_follows_the_ramp(p):
    # a long ramp, no noise: the RMS envelope tracks A·((t-onset)/R)^p
    b = Burst(onset_s=1.0, offset_s=4.0, ramp_s=1.0, p=p)
    fs = 2000.0
    tr = synthesize([[b]], int(5 * fs), fs=fs, snr_db=80.0, model="noise", amplitude_uv=100.0, seed=5)
    env = _rms_envelope(tr.x[0], fs, 5.0)
    t = np.arange(env.size) / fs
    for frac in (0.3, 0.5, 0.7, 0.9):
        i = (t > 1.0 + frac - 0.05) & (t < 1.0 + frac + 0.05)
        assert env[i].mean() == pytest.approx(100.0 * frac**p, rel=0.25, abs=5.0), frac
    assert env[(t > 0.2) & (t < 0.9)].max() < 1.0  # nothing before the onset
    assert env[(t > 2.2) & (t < 2.8)].mean() == pytest.approx(100.0, rel=0.15)


def test_motor_unit_envelope_grows_monotonically_along_the_ramp():
    b = Burst(onset_s=1.0, offset_s=4.0, ramp_s=1.0, p=1.0)
    fs = 2000.0
    tr = synthesize([[b]], int(5 * fs), fs=fs, snr_db=80.0, model="motor_units", seed=6)
    x = tr.x[0]
    t = np.arange(x.size) / fs
    rms = [np.sqrt(np.mean(x[(t >= 1.0 + a) & (t < 1.0 + a + 0.2)] ** 2)) for a in (0.0, 0.2, 0.4, 0.6, 0.8)]
    assert all(np.diff(rms) > 0), rms
    # activity starts at the onset, not before (first unit recruited at the first non-zero excitation)
    assert np.abs(x[(t > 0.3) & (t < 0.99)]).max() < 0.5
    first = t[np.argmax(np.abs(x) > 1.0)]
    assert 1.0 <= first < 1.0 + 0.1
    assert np.sqrt(np.mean(x[(t >= 2.1) & (t < 2.9)] ** 2)) == pytest.approx(200.0, rel=0.15)


def test_burst_truth_and_ranges():
    tr = burst_trial(n_bursts=7, ramp_s=(0.05, 0.4), p=(1.0, 2.0), plateau_s=(1.0, 2.0), rest_s=(1.5, 3.0),
                     lead_in_s=2.0, seed=8)
    assert isinstance(tr, Trial) and tr.x.shape[0] == 1 and tr.channels == ("emg",)
    bs = tr.bursts[0]
    assert len(bs) == 7 and bs[0].onset_s == 2.0
    for a, b in zip(bs, bs[1:]):
        assert 1.5 <= b.onset_s - a.offset_s <= 3.0
    for b in bs:
        assert 0.05 <= b.ramp_s <= 0.4 and 1.0 <= b.p <= 2.0
        assert 1.0 <= b.offset_s - b.onset_s - 2 * b.ramp_s <= 2.0
    assert tr.x.shape[1] / tr.fs >= bs[-1].offset_s
    fixed = burst_trial(ramp_s=0.2, p=1.5, seed=8)
    assert all(b.ramp_s == 0.2 and b.p == 1.5 for b in fixed.bursts[0])


def test_truth_matches_signal_activity():
    tr = burst_trial(model="noise", snr_db=60.0, seed=9, ramp_s=0.01)
    env = _rms_envelope(tr.x[0], tr.fs, 20.0)
    t = np.arange(env.size) / tr.fs
    for b in tr.bursts[0]:
        assert env[(t > b.onset_s - 0.6) & (t < b.onset_s - 0.1)].max() < 5.0
        assert env[(t > b.onset_s + 0.2) & (t < b.offset_s - 0.2)].min() > 50.0


def test_order_pair_truth():
    tr = order_pair_trial(n_reps=10, lead_s=(0.02, 0.12), fast_ramp_s=(0.01, 0.04), slow_ramp_s=(0.1, 0.3),
                          seed=11)
    assert tr.channels == ("GMax_L", "ES_L") and tr.x.shape[0] == 2
    g, e = tr.bursts
    assert len(g) == len(e) == 10
    first_slow = 0
    firsts = set()
    for a, b in zip(g, e):
        lead = b.onset_s - a.onset_s
        assert 0.02 <= abs(lead) <= 0.12
        first, second = (a, b) if lead > 0 else (b, a)
        firsts.add(first is a)
        slow, fast = (first, second) if first.ramp_s > second.ramp_s else (second, first)
        assert 0.1 <= slow.ramp_s <= 0.3 and 0.01 <= fast.ramp_s <= 0.04
        first_slow += first is slow
    assert first_slow == 5  # half the reps: the first muscle ramps slowly
    assert firsts == {True, False}  # both muscles lead sometimes


@pytest.mark.parametrize("model", MODELS)
def test_seed_reproducibility(model):
    a = burst_trial(model=model, seed=5)
    b = burst_trial(model=model, seed=5)
    c = burst_trial(model=model, seed=6)
    np.testing.assert_array_equal(a.x, b.x)
    assert a.bursts == b.bursts
    assert a.bursts != c.bursts
    p1, p2 = order_pair_trial(model=model, seed=3), order_pair_trial(model=model, seed=3)
    np.testing.assert_array_equal(p1.x, p2.x)
    assert p1.bursts == p2.bursts


def test_mains_and_wander():
    tr = burst_trial(snr_db=30.0, mains_uv=100.0, wander_uv=300.0, seed=1)
    f, p = welch(tr.x[0], tr.fs, nperseg=4000)
    i50 = np.argmin(np.abs(f - 50.0))
    assert p[i50] > 20 * np.median(p[(f > 40) & (f < 60)])
    assert p[f < 1.0].max() > p[i50]


def test_generator_is_independent_of_the_package():
    src = (Path(__file__).resolve().parents[1] / "independent_semg.py").read_text()
    assert "emgfeedback" not in src.replace('"emgfeedback.simulation"', "").split('"""', 2)[2]
