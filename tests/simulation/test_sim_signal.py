"""The simulated signal measured from its raw samples: spectrum, SNR, truth, artefacts."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal
from simhelpers import envelope, lead_in_samples, median_frequency, plateau_samples

from emgfeedback.simulation import Artefacts, simulate


@pytest.mark.parametrize("channel", ["glute_max_left", "lumbar_es_right"])
def test_spectrum_has_most_power_between_50_and_150_hz(clean, channel: str) -> None:
    rec = clean("healthy")
    x = plateau_samples(rec, channel)
    assert 60.0 <= median_frequency(x, rec.fs) <= 130.0
    f, p = signal.welch(x, rec.fs, nperseg=512)
    band = p[(f >= 50) & (f <= 150)].sum() / p.sum()
    assert band > 0.5


@pytest.mark.parametrize("snr_db", [10.0, 20.0, 30.0])
def test_snr_measured_on_output_matches_request(snr_db: float) -> None:
    rec = simulate("healthy", snr_db=snr_db, artefacts=Artefacts.none(), seed=8)
    for ch in ("glute_max_left", "glute_max_right", "lumbar_es_left", "lumbar_es_right"):
        p_plateau = plateau_samples(rec, ch).var()
        p_noise = lead_in_samples(rec, ch).var()
        measured = 10 * np.log10((p_plateau - p_noise) / p_noise)
        assert measured == pytest.approx(snr_db, abs=1.0), ch
    floor = rec.truth.noise_floor_uv["glute_max_left"]
    assert floor == pytest.approx(150.0 / 10 ** (snr_db / 20))


@pytest.mark.parametrize("ramp", ["scenario", "fast"])
def test_envelope_rises_at_every_true_onset(clean, ramp: str) -> None:
    rec = clean("lbp-lumbar-first", ramp=ramp)
    env = envelope(rec.data, rec.fs)
    assert rec.truth.onsets
    for o, r in zip(rec.truth.onsets, rec.truth.ramps, strict=True):
        row = rec.montage.index(o.channel)
        before = env[row, int((o.onset_s - 0.15) * rec.fs) : int((o.onset_s - 0.03) * rec.fs)].mean()
        top = o.onset_s + r.ramp_s  # end of the recruitment ramp
        after = env[row, int((top + 0.02) * rec.fs) : int((top + 0.14) * rec.fs)].mean()
        ended = env[row, int((o.offset_s + 0.05) * rec.fs) : int((o.offset_s + 0.2) * rec.fs)].mean()
        assert after > 5 * before, o
        assert ended < 0.3 * after, o


def test_quiet_channels_stay_at_the_noise_floor(clean) -> None:
    rec = clean("healthy")
    for ch in ("glute_med_left", "tfl_left", "glute_med_right", "tfl_right"):
        assert rec.truth.amplitude_uv[ch] == 0.0
        assert not rec.truth.onsets_for(ch)
        rms = rec.data[rec.montage.index(ch)].std()
        assert rms == pytest.approx(rec.truth.noise_floor_uv[ch], rel=0.1)


def test_reps_have_rest_before_and_between() -> None:
    rec = simulate("healthy", duration_s=120.0)
    reps = rec.truth.reps
    assert len(reps) > 10  # longer than natural: reps repeat
    assert reps[0].start_s >= 2.0
    assert all(b.start_s - a.end_s >= 1.5 for a, b in zip(reps, reps[1:]))
    assert reps[-1].end_s <= 120.0 - 1.5


def test_inter_muscle_jitter_is_a_few_ms(clean) -> None:
    truth = clean("healthy").truth
    for side in ("left", "right"):
        gm = truth.onsets_for(f"glute_max_{side}")
        es = truth.onsets_for(f"lumbar_es_{side}")
        lags = np.array([e.onset_s - g.onset_s for g, e in zip(gm, es)]) * 1000
        assert lags.mean() == pytest.approx(50.0, abs=3.0)
        assert lags.std() < 8.0


def _peak_over_neighbours(x: np.ndarray, fs: float, f0: float) -> float:
    f, p = signal.welch(x, fs, nperseg=int(fs))
    peak = p[np.argmin(np.abs(f - f0))]
    return float(peak / np.median(p[(np.abs(f - f0) > 3) & (np.abs(f - f0) < 15)]))


@pytest.mark.parametrize("mains_hz", [50.0, 60.0])
def test_powerline_peak_at_mains(mains_hz: float) -> None:
    rec = simulate("healthy", duration_s=6.0, mains_hz=mains_hz)
    other = 60.0 if mains_hz == 50.0 else 50.0
    for row in range(8):
        rest = rec.data[row, : int(2.5 * rec.fs)]
        assert _peak_over_neighbours(rest, rec.fs, mains_hz) > 20, row
        assert _peak_over_neighbours(rest, rec.fs, other) < 5, row


def test_powerline_harmonics_follow_their_levels() -> None:
    art = Artefacts(mains_uv=40.0, ecg_uv=0.0, motion_uv=0.0)
    rec = simulate("healthy", duration_s=6.0, artefacts=art)
    rest = rec.data[0, : int(2.5 * rec.fs)]
    assert _peak_over_neighbours(rest, rec.fs, 150.0) > 10
    assert _peak_over_neighbours(rest, rec.fs, 250.0) > 3
    assert _peak_over_neighbours(rest, rec.fs, 150.0) > _peak_over_neighbours(rest, rec.fs, 250.0)


def test_ecg_bleeds_into_lumbar_channels_only() -> None:
    art = Artefacts(mains_uv=0.0, motion_uv=0.0, ecg_uv=40.0)
    rec = simulate("healthy", duration_s=30.0, artefacts=art, seed=2)
    clean = simulate("healthy", duration_s=30.0, artefacts=Artefacts.none(), seed=2)
    diff = rec.data - clean.data
    es = rec.montage.index("lumbar_es_left")
    assert np.all(diff[[rec.montage.index(c) for c in ("glute_max_left", "tfl_right")]] == 0)
    peaks, _ = signal.find_peaks(diff[es], height=30.0, distance=int(0.4 * rec.fs))
    rate = len(peaks) / 30.0
    assert 0.95 <= rate <= 1.3
    assert np.max(diff[rec.montage.index("lumbar_es_right")]) < np.max(diff[es])


def test_motion_artefact_is_low_frequency() -> None:
    art = Artefacts(mains_uv=0.0, ecg_uv=0.0, motion_uv=20.0)
    rec = simulate("healthy", duration_s=20.0, artefacts=art, seed=2)
    clean = simulate("healthy", duration_s=20.0, artefacts=Artefacts.none(), seed=2)
    wander = (rec.data - clean.data)[:, int(2 * rec.fs) :]
    assert wander.std() == pytest.approx(20.0, rel=0.5)
    f, p = signal.welch(wander, rec.fs, nperseg=int(4 * rec.fs), axis=-1)
    assert p[:, f < 10].sum() / p.sum() > 0.97
    assert p[:, f > 20].sum() / p.sum() < 0.01


def test_movement_bumps_follow_each_rep() -> None:
    art = Artefacts(mains_uv=0.0, ecg_uv=0.0, motion_uv=20.0)
    rec = simulate("healthy", artefacts=art, seed=6)
    ref = simulate("healthy", artefacts=Artefacts.none(), seed=6)
    motion = rec.data - ref.data
    fs = rec.fs
    during, between = [], []
    for rep in rec.truth.reps:
        during.append(motion[:, int((rep.start_s + 0.1) * fs) : int((rep.start_s + 0.6) * fs)])
        between.append(motion[:, int((rep.start_s - 1.2) * fs) : int((rep.start_s - 0.7) * fs)])
    # the wander is shared, so compare deviations from a local straight baseline
    def bumpiness(parts: list[np.ndarray]) -> float:
        return float(np.mean([np.var(p - np.linspace(p[:, 0], p[:, -1], p.shape[1], axis=1)) for p in parts]))

    assert bumpiness(during) > 1.5 * bumpiness(between)  # measured ~2.3 with seed 6; ~1 without bumps


def test_clipping_holds_samples_at_the_rails() -> None:
    rec = simulate("healthy", duration_s=10.0, clip_uv=200.0)
    assert np.max(np.abs(rec.data)) <= 200.0
    row = rec.montage.index("glute_max_left")
    assert np.mean(np.abs(rec.data[row]) == 200.0) > 0.001


def test_lead_off_channel_is_flat_and_left_out_of_truth() -> None:
    rec = simulate("healthy", duration_s=10.0, lead_off="GMax L")
    row = rec.montage.index("glute_max_left")
    assert np.all(rec.data[row] == 0.0)
    assert rec.truth.lead_off == ("glute_max_left",)
    assert not rec.truth.onsets_for("glute_max_left")
    assert rec.truth.onsets_for("glute_max_right")
    assert np.std(rec.data[rec.montage.index("glute_max_right")]) > 10.0
