"""What an electrode picks up besides EMG: powerline hum, ECG, motion wander (levels and waveforms)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Artefacts", "Powerline", "EcgTrain"]


@dataclass(frozen=True)
class Artefacts:
    """Levels of everything besides EMG and the baseline noise floor.

    Parameters
    ----------
    mains_uv : float
        Peak amplitude of the powerline fundamental on an average channel, µV (each channel
        gets 0.5–1.5 × this, with its own phase).
    mains_harmonics : tuple of (int, float)
        (harmonic number, amplitude relative to the fundamental); harmonics at or above
        0.45·fs are left out.
    ecg_uv : float
        R-peak amplitude of the ECG bleeding into the left lumbar ES channel, µV (the right
        one gets 70 % of it). 0 turns ECG off.
    heart_rate_hz : float
        Mean heart rate, Hz (beat-to-beat interval SD 3 %).
    motion_uv : float
        RMS of the low-frequency (< 3 Hz) baseline wander from cable and skin motion on every
        channel, µV; each rep also adds two slow half-sine bumps (limb lift just after the
        muscles fire, and lowering at the end of the hold; 0.3–0.6 s long) of peak
        ``2·motion_uv·N(0, 1)`` per channel.
    """

    mains_uv: float = 10.0
    mains_harmonics: tuple[tuple[int, float], ...] = ((1, 1.0), (2, 0.05), (3, 0.3), (5, 0.1))
    ecg_uv: float = 20.0
    heart_rate_hz: float = 1.1
    motion_uv: float = 10.0

    def __post_init__(self) -> None:
        for name in ("mains_uv", "ecg_uv", "motion_uv"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite level ≥ 0 µV, got {value!r}")
        if not (0.5 <= self.heart_rate_hz <= 3.0):
            raise ValueError(f"heart_rate_hz must be between 0.5 and 3 Hz, got {self.heart_rate_hz!r}")

    @classmethod
    def none(cls) -> "Artefacts":
        """No powerline, ECG or motion: EMG and the noise floor only."""
        return cls(mains_uv=0.0, ecg_uv=0.0, motion_uv=0.0)


class Powerline:
    """Powerline hum for consecutive tiles of ``tile`` samples.

    Parameters
    ----------
    fs, mains_hz : float
        Sample rate and powerline frequency, Hz.
    harmonics : tuple of (int, float)
        Harmonic numbers (their relative levels are already in ``amp_phase``).
    amp_phase : ndarray, shape (n_channels, n_harmonics, 2)
        Per channel and harmonic: peak amplitude, µV, and phase, rad.
    tile : int
        Samples per tile.
    """

    def __init__(
        self, fs: float, mains_hz: float, harmonics: tuple[tuple[int, float], ...], amp_phase: np.ndarray, tile: int
    ) -> None:
        self._cycles_per_sample = np.array([h * mains_hz / fs for h, _ in harmonics])
        k = np.arange(tile)
        w = 2 * np.pi * self._cycles_per_sample[:, None] * k
        # tile-local cos and sin of every harmonic, stacked (2·n_harmonics, tile)
        self._basis = np.concatenate([np.cos(w), np.sin(w)])
        amp, phase = amp_phase[..., 0], amp_phase[..., 1]
        self._amp, self._phase = amp, phase

    def tile(self, n0: int) -> np.ndarray:
        """Hum of the tile starting at sample ``n0``, shape (n_channels, tile), µV.

        ``a·sin(θ0 + ωk + φ) = a·sin(θ0+φ)·cos ωk + a·cos(θ0+φ)·sin ωk``; ``θ0`` is reduced
        modulo one cycle from the integer sample index, so it stays exact for hours.
        """
        theta0 = 2 * np.pi * np.mod(n0 * self._cycles_per_sample, 1.0)
        start = theta0[None, :] + self._phase
        weights = np.concatenate([self._amp * np.sin(start), self._amp * np.cos(start)], axis=1)
        return weights @ self._basis


def _qrs(t: np.ndarray) -> np.ndarray:
    """Unit-R-peak QRS complex with a T wave, times ``t`` s relative to the R peak."""
    return (
        -0.15 * np.exp(-0.5 * ((t + 0.025) / 0.008) ** 2)
        + 1.0 * np.exp(-0.5 * (t / 0.009) ** 2)
        - 0.30 * np.exp(-0.5 * ((t - 0.025) / 0.008) ** 2)
        + 0.20 * np.exp(-0.5 * ((t - 0.25) / 0.04) ** 2)
    )


_QRS_BEFORE_S = 0.06
_QRS_AFTER_S = 0.40


class EcgTrain:
    """Heartbeats generated in time order from their own random stream (bounded state).

    Parameters
    ----------
    rng : numpy.random.Generator
        Stream for beat-to-beat intervals; consumed one beat at a time, in order.
    heart_rate_hz : float
        Mean heart rate, Hz.
    """

    def __init__(self, rng: np.random.Generator, heart_rate_hz: float) -> None:
        self._rng = rng
        self._rr = 1.0 / heart_rate_hz
        self._beats: list[float] = [float(rng.uniform(0.0, self._rr))]

    def _next_interval(self) -> float:
        return self._rr * (1.0 + 0.03 * float(np.clip(self._rng.standard_normal(), -3, 3)))

    def waveform(self, t0: float, t: np.ndarray) -> np.ndarray:
        """Unit ECG at times ``t`` s (consecutive calls must move forward; ``t0 = t[0]``)."""
        t_end = float(t[-1]) if t.size else t0
        while self._beats[-1] < t_end + _QRS_BEFORE_S:
            self._beats.append(self._beats[-1] + self._next_interval())
        # forget beats that can no longer reach this or later samples
        self._beats = [b for b in self._beats[:-1] if b + _QRS_AFTER_S >= t0] + self._beats[-1:]
        out = np.zeros_like(t)
        for beat in self._beats:
            lo = np.searchsorted(t, beat - _QRS_BEFORE_S)
            hi = np.searchsorted(t, beat + _QRS_AFTER_S)
            if hi > lo:
                out[lo:hi] += _qrs(t[lo:hi] - beat)
        return out
