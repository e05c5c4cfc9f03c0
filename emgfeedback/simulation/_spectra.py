"""Filters that shape white Gaussian noise into sEMG, baseline noise and motion wander.

The sEMG spectrum follows the model of Shwedyk, Balasubramanian & Scott (1977, "A nonstationary
model for the electromyogram", IEEE Trans. Biomed. Eng. 24(5):417-424), widely used to simulate
surface EMG for onset-detection studies::

    P(f) = k · fh⁴ · f² / ((f² + fl²) · (f² + fh²)²)

i.e. white noise through one high-pass pole at ``fl`` and a double low-pass pole at ``fh``.
With ``fl = 60 Hz`` and ``fh = 120 Hz`` the median frequency is ~96 Hz and ~59 % of the power
lies in 50–150 Hz. Fatigue compresses the spectrum in frequency (equivalently, stretches the
motor-unit action potentials in time): scaling both ``fl`` and ``fh`` by ``s`` scales the median
frequency by exactly ``s``.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

__all__ = [
    "SHWEDYK_FL_HZ",
    "SHWEDYK_FH_HZ",
    "shwedyk_psd",
    "emg_sos",
    "noise_floor_sos",
    "motion_sos",
    "unit_variance_gain",
]

#: Low and high corner frequencies of the default sEMG spectrum, Hz.
SHWEDYK_FL_HZ = 60.0
SHWEDYK_FH_HZ = 120.0


def shwedyk_psd(f_hz: np.ndarray, fl_hz: float = SHWEDYK_FL_HZ, fh_hz: float = SHWEDYK_FH_HZ) -> np.ndarray:
    """Shwedyk sEMG power spectral density (unnormalised) at frequencies ``f_hz``, Hz."""
    f2 = np.asarray(f_hz, dtype=float) ** 2
    return fh_hz**4 * f2 / ((f2 + fl_hz**2) * (f2 + fh_hz**2) ** 2)


def emg_sos(fs: float, scale: float = 1.0) -> np.ndarray:
    """Digital filter (second-order sections) realising the Shwedyk spectrum.

    Parameters
    ----------
    fs : float
        Sample rate, Hz.
    scale : float
        Frequency scale of the spectrum (1 = fresh muscle, 0.8 = median frequency 20 % lower).

    Returns
    -------
    ndarray, shape (n_sections, 6)
        Filter whose output, fed unit white noise, has the Shwedyk shape (not unit variance;
        see :func:`unit_variance_gain`).
    """
    wl = 2 * np.pi * SHWEDYK_FL_HZ * scale
    wh = 2 * np.pi * SHWEDYK_FH_HZ * scale
    # H(s) = s / ((s + wl) (s + wh)^2): |H|^2 ∝ f^2 / ((f^2+fl^2)(f^2+fh^2)^2)
    z, p, k = signal.bilinear_zpk([0.0], [-wl, -wh, -wh], 1.0, fs)
    return signal.zpk2sos(z, p, k)


def noise_floor_sos(fs: float) -> np.ndarray:
    """Band-pass shaping the baseline noise: 10 Hz to 500 Hz (or 0.45·fs if lower), 2nd order.

    Electrode and amplifier noise is broadband; the upper edge stands for the board's
    anti-aliasing filter, so the noise power (and hence the SNR) hardly depends on ``fs``.
    """
    high = min(500.0, 0.45 * fs)
    return signal.butter(2, [10.0, high], btype="bandpass", fs=fs, output="sos")


def motion_sos(fs: float) -> np.ndarray:
    """Low-pass (3 Hz, 2nd order) shaping baseline wander from cable and skin movement."""
    return signal.butter(2, 3.0, btype="lowpass", fs=fs, output="sos")


def unit_variance_gain(sos: np.ndarray) -> float:
    """Factor that makes the filter's output unit-variance when fed unit white noise.

    Uses Parseval: output variance = mean of ``|H|²`` over ``[0, π)`` on a dense grid.
    """
    _, h = signal.sosfreqz(sos, worN=1 << 16)
    power = float(np.mean(np.abs(h) ** 2))
    return 1.0 / np.sqrt(power)
