"""Spectral fatigue indicators: median frequency per window and its slope per minute.

During a sustained contraction the sEMG spectrum compresses towards lower frequencies as
muscle-fibre conduction velocity falls; the median frequency (MDF) and its rate of decline are
the standard indicators (Merletti, Knaflitz & De Luca 1990; De Luca 1997).
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from emgfeedback.dsp._checks import check_fs, check_positive, check_signal

__all__ = ["median_frequency", "mdf_slope_pct_per_min"]


def median_frequency(
    x: np.ndarray, fs: float, *, window_s: float = 1.0, step_s: float = 0.5,
    low: float = 20.0, high: float = 450.0,
) -> "tuple[np.ndarray, np.ndarray]":
    """Median frequency of the Welch spectrum in consecutive windows.

    Parameters
    ----------
    x : ndarray, shape (n_samples,) or (n_channels, n_samples)
        Band-passed sEMG, µV.
    fs : float
        Sample rate, Hz.
    window_s, step_s : float
        Analysis window and hop, s. Each window's spectrum is a Welch estimate with 250 ms
        Hann segments, 50 % overlap.
    low, high : float
        Band the median is taken in, Hz (``high`` is capped at fs/2).

    Returns
    -------
    times : ndarray, shape (n_windows,)
        Centre of each window, s from the start of ``x``.
    mdf : ndarray, shape (n_windows,) or (n_channels, n_windows)
        Frequency splitting the in-band power in two halves, Hz (NaN for a silent window).
    """
    fs = check_fs(fs)
    xx = check_signal(x, "x")
    w = int(round(check_positive(window_s, "window_s", "s") * fs))
    hop = max(1, int(round(check_positive(step_s, "step_s", "s") * fs)))
    n = xx.shape[-1]
    if w < 16 or w > n:
        raise ValueError(
            f"window_s={window_s:g} s must span at least 16 samples and fit in x "
            f"({n / fs:.3f} s); pass a shorter window or a longer recording"
        )
    starts = np.arange(0, n - w + 1, hop)
    frames = np.stack([xx[..., s : s + w] for s in starts], axis=-2)  # (..., n_win, w)
    nper = min(w, max(16, int(round(0.25 * fs))))
    f, p = signal.welch(frames, fs=fs, nperseg=nper, axis=-1)
    band = (f >= low) & (f <= min(high, fs / 2))
    pb = p[..., band]
    cum = np.cumsum(pb, axis=-1)
    total = cum[..., -1:]
    idx = np.argmax(cum >= 0.5 * total, axis=-1)
    mdf = f[band][idx]
    mdf = np.where(total[..., 0] > 0, mdf, np.nan)
    return (starts + w / 2) / fs, mdf


def mdf_slope_pct_per_min(times_s: np.ndarray, mdf_hz: np.ndarray) -> "float | np.ndarray":
    """Least-squares slope of median frequency, % of its initial value per minute.

    The initial value is the fitted line at the first window, so a slope of −20 %/min means
    the MDF falls by a fifth of its starting value every minute (fatigue).

    Parameters
    ----------
    times_s : ndarray, shape (n_windows,)
        Window times, s.
    mdf_hz : ndarray, shape (n_windows,) or (n_channels, n_windows)
        Median frequencies, Hz (NaN windows are ignored per channel).

    Returns
    -------
    float or ndarray
        Slope, %/min (NaN with fewer than two valid windows).
    """
    t = np.asarray(times_s, dtype=np.float64)
    y2 = np.atleast_2d(np.asarray(mdf_hz, dtype=np.float64))
    if y2.shape[-1] != t.size:
        raise ValueError(f"times_s has {t.size} windows but mdf_hz has {y2.shape[-1]}")
    out = np.full(y2.shape[0], np.nan)
    for i, y in enumerate(y2):  # a handful of channels, offline only
        ok = np.isfinite(y)
        if ok.sum() < 2:
            continue
        slope, icpt = np.polyfit(t[ok], y[ok], 1)
        start = icpt + slope * t[ok][0]
        out[i] = slope * 60.0 / start * 100.0 if start > 0 else np.nan
    return float(out[0]) if np.ndim(mdf_hz) == 1 else out
