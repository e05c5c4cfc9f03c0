"""Filter design and offline filters: frequency response, clamping, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from emgfeedback.dsp import filters as F
from emgfeedback.dsp._checks import check_block, check_fs, check_signal

FS = 2000.0


def _gain_db(sos: np.ndarray, f: float, fs: float = FS) -> float:
    _, h = signal.sosfreqz(sos, worN=[f], fs=fs)
    return float(20 * np.log10(abs(h[0]) + 1e-300))


def _tone(f: float, seconds: float = 2.0, fs: float = FS, amp: float = 100.0) -> np.ndarray:
    t = np.arange(int(seconds * fs)) / fs
    return amp * np.sin(2 * np.pi * f * t)


class TestDesign:
    def test_bandpass_passes_emg_band_and_stops_outside(self) -> None:
        sos = F.design_bandpass(FS)
        assert sos.shape == (4, 6)
        for f in (60.0, 100.0, 200.0):
            assert abs(_gain_db(sos, f)) < 0.5
        assert _gain_db(sos, 20.0) == pytest.approx(-3.0, abs=0.1)
        assert _gain_db(sos, 450.0) == pytest.approx(-3.0, abs=0.1)
        assert _gain_db(sos, 2.0) < -40
        assert _gain_db(sos, 900.0) < -20

    def test_high_edge_is_clamped_to_045_fs(self) -> None:
        sos = F.design_bandpass(500.0, 20.0, 450.0)
        assert F.effective_high(500.0, 450.0) == pytest.approx(225.0)
        assert _gain_db(sos, 225.0, fs=500.0) == pytest.approx(-3.0, abs=0.1)
        assert np.all(np.abs(np.roots([1.0, *sos[0, 4:]])) < 1)  # still stable

    @pytest.mark.parametrize("fs", [50.0, 60.0, 80.0])
    def test_empty_band_names_fs(self, fs: float) -> None:
        with pytest.raises(ValueError, match=rf"fs={fs:g} Hz is too low.*Record at fs ≥ 89 Hz"):
            F.design_bandpass(fs)

    @pytest.mark.parametrize(
        ("kwargs", "pattern"),
        [
            ({"low": 300.0, "high": 100.0}, "low must be below high"),
            ({"low": -1.0}, "low must be a positive"),
            ({"order": 0}, "order must be an integer from 1 to 12"),
        ],
    )
    def test_bad_band_arguments(self, kwargs: dict, pattern: str) -> None:
        with pytest.raises(ValueError, match=pattern):
            F.design_bandpass(FS, **kwargs)

    @pytest.mark.parametrize("mains", [50.0, 60.0])
    def test_notch_kills_mains_and_harmonics(self, mains: float) -> None:
        sos = F.design_notch(FS, mains, max_freq=450.0)
        freqs = F.notch_frequencies(FS, mains, max_freq=450.0)
        assert freqs[0] == mains and all(f <= 450.0 for f in freqs)
        assert len(freqs) == int(450.0 // mains)
        assert sos.shape == (len(freqs), 6)
        for f in freqs:
            assert _gain_db(sos, f) < -40
        assert abs(_gain_db(sos, mains * 1.5)) < 0.5  # between harmonics untouched

    def test_notch_without_harmonics_and_count(self) -> None:
        assert F.notch_frequencies(FS, 50.0, harmonics=False) == [50.0]
        assert F.notch_frequencies(FS, 60.0, n_harmonics=3) == [60.0, 120.0, 180.0]
        # all harmonics up to 0.45·fs when no max_freq
        assert F.notch_frequencies(1000.0, 50.0)[-1] == 450.0

    def test_notch_rejects_odd_mains_and_low_fs(self) -> None:
        with pytest.raises(ValueError, match=r"mains must be 50.0 or 60.0 Hz.*got 55"):
            F.design_notch(FS, 55.0)
        with pytest.raises(ValueError, match=r"fs=100 Hz is too low to notch 60 Hz mains"):
            F.design_notch(100.0, 60.0)

    def test_lowpass(self) -> None:
        sos = F.design_lowpass(FS, 6.0)
        assert _gain_db(sos, 6.0) == pytest.approx(-3.0, abs=0.1)
        assert _gain_db(sos, 100.0) < -40
        with pytest.raises(ValueError, match=r"cutoff must be below fs/2 = 5 Hz"):
            F.design_lowpass(10.0, 6.0)

    def test_conditioning_stacks_bandpass_and_notch(self) -> None:
        sos = F.design_conditioning(FS, mains=50.0)
        bp = F.design_bandpass(FS)
        assert sos.shape == (4 + 9, 6)
        np.testing.assert_array_equal(sos[:4], bp)
        assert _gain_db(sos, 50.0) < -40 and _gain_db(sos, 150.0) < -40
        np.testing.assert_array_equal(F.design_conditioning(FS, mains=None), bp)


class TestOffline:
    def test_bandpass_removes_offset_and_drift(self) -> None:
        x = _tone(100.0) + 500.0 + _tone(1.0, amp=300.0)
        y = F.bandpass(x, FS)
        steady = y[2000:]
        assert np.sqrt(np.mean(steady**2)) == pytest.approx(100 / np.sqrt(2), rel=0.05)

    def test_notch_removes_powerline(self) -> None:
        x = _tone(50.0) + _tone(150.0, amp=30.0)
        y = F.notch(x, FS, 50.0)
        assert np.sqrt(np.mean(y[2000:] ** 2)) < 2.0

    def test_condition_equals_bandpass_then_notch_response(self) -> None:
        rng = np.random.default_rng(1)
        x = rng.normal(0, 50, (3, 4000))
        y = F.condition(x, FS)
        sos = F.design_conditioning(FS)
        np.testing.assert_allclose(y, signal.sosfilt(sos, x), rtol=1e-12, atol=1e-9)

    def test_envelope_of_sine_is_mean_rectified(self) -> None:
        y = F.envelope(_tone(100.0), FS)
        assert y[2000:].mean() == pytest.approx(2 / np.pi * 100.0, rel=0.02)

    def test_zero_phase_envelope_has_no_delay(self) -> None:
        x = np.zeros(8000)
        x[3000:5000] = _tone(100.0, seconds=1.0)
        causal = F.envelope(x, FS)
        zp = F.envelope(x, FS, zero_phase=True)
        half = 0.5 * (2 / np.pi * 100.0)
        t_causal = np.argmax(causal > half)
        t_zp = np.argmax(zp > half)
        assert abs(t_zp - 3000) < 60
        assert t_causal > t_zp + 20

    def test_zero_phase_too_short_says_so(self) -> None:
        with pytest.raises(ValueError, match=r"too few for zero-phase band-pass"):
            F.bandpass(np.ones(10), FS, zero_phase=True)

    def test_moving_rms_of_sine_and_ramp(self) -> None:
        y = F.moving_rms(_tone(100.0), FS, 0.1)
        assert y[200:].mean() == pytest.approx(100 / np.sqrt(2), rel=0.01)
        const = F.moving_rms(np.full(400, 3.0), FS, 0.1)
        assert const[0] == pytest.approx(3.0 / np.sqrt(200))  # zeros before the start
        np.testing.assert_allclose(const[199:], 3.0)

    def test_moving_rms_matches_direct_definition(self) -> None:
        rng = np.random.default_rng(2)
        x = rng.normal(0, 10, (2, 300))
        w = 7
        y = F.moving_rms(x, 1000.0, w / 1000.0)
        padded = np.concatenate([np.zeros((2, w - 1)), x], axis=1)
        ref = np.sqrt(np.stack([np.mean(padded[:, i : i + w] ** 2, axis=1) for i in range(300)], 1))
        np.testing.assert_allclose(y, ref, rtol=1e-9)

    def test_axis_argument(self) -> None:
        rng = np.random.default_rng(3)
        x = rng.normal(0, 1, (1000, 2))
        np.testing.assert_allclose(F.bandpass(x, FS, axis=0), F.bandpass(x.T, FS).T)


class TestChecks:
    def test_nan_names_sample_and_channel(self) -> None:
        x = np.zeros((3, 200))
        x[2, 123] = np.nan
        with pytest.raises(ValueError, match=r"x contains NaN at sample 123 of channel 2; fill"):
            F.bandpass(x, FS)

    def test_inf_and_count(self) -> None:
        x = np.zeros(50)
        x[[4, 9]] = np.inf
        with pytest.raises(ValueError, match=r"\+inf at sample 4 \(2 non-finite values in all\)"):
            check_signal(x)

    @pytest.mark.parametrize(
        ("x", "pattern"),
        [
            (np.zeros((2, 2, 2)), r"must have shape \(n_samples,\) or \(n_channels, n_samples\)"),
            (np.zeros((2, 0)), r"needs at least 1 sample"),
            (np.array(3.0), r"got shape \(\)"),
        ],
    )
    def test_bad_shapes(self, x: np.ndarray, pattern: str) -> None:
        with pytest.raises(ValueError, match=pattern):
            F.envelope(x, FS)

    def test_not_numeric(self) -> None:
        with pytest.raises(TypeError, match="x must be a numeric array"):
            check_signal(["a", "b"])

    @pytest.mark.parametrize("fs", [0, -5.0, float("nan"), float("inf")])
    def test_bad_fs(self, fs: float) -> None:
        with pytest.raises(ValueError, match="fs must be a positive, finite sample rate"):
            check_fs(fs)
        with pytest.raises(ValueError, match="fs must be a positive"):
            F.bandpass(np.zeros(100), fs)

    def test_fs_type(self) -> None:
        with pytest.raises(TypeError, match="fs must be a number of Hz"):
            check_fs("2000")

    def test_int_signal_becomes_float64(self) -> None:
        out = check_signal(np.arange(5, dtype=np.int16))
        assert out.dtype == np.float64

    def test_block_channel_mismatch(self) -> None:
        with pytest.raises(ValueError, match=r"block has 3 channel\(s\) but this stream has 8"):
            check_block(np.zeros((3, 4)), n_channels=8)
        assert check_block(np.zeros(0)).shape == (1, 0)
