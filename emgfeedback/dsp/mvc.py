"""Maximum voluntary contraction (MVC) reference and normalisation to %MVC.

Amplitudes are made comparable between muscles, electrodes and days by dividing by the
amplitude of a maximal voluntary (isometric) contraction of the same muscle recorded with the
same electrodes (SENIAM; Burden 2010). Here the MVC reference of a trial is the peak of the
moving average of its linear envelope over ``window_s`` (0.5 s by default, a common choice
that ignores brief spikes).
"""

from __future__ import annotations

import numpy as np

from emgfeedback.dsp._checks import check_fs, check_positive, check_signal
from emgfeedback.dsp.filters import condition, envelope

__all__ = ["mvc_from_trial", "normalize_mvc", "percent_of_mvc", "peak_window_mean"]


def mvc_from_trial(
    x: np.ndarray, fs: float, window_s: float = 0.5, *, envelope_hz: float = 6.0,
    mains: "float | None" = 50.0,
) -> "float | np.ndarray":
    """MVC reference amplitude of a raw MVC trial, µV.

    Steps: band-pass 20–450 Hz and notch (zero-phase), full-wave rectify, low-pass at
    ``envelope_hz`` (zero-phase), moving average over ``window_s``; the MVC is the largest
    value of that average.

    Parameters
    ----------
    x : ndarray, shape (n_samples,) or (n_channels, n_samples)
        Raw MVC trial, µV, at least ``window_s`` long.
    fs : float
        Sample rate, Hz.
    window_s : float
        Averaging window, s.
    envelope_hz : float
        Envelope low-pass cut-off, Hz.
    mains : {50.0, 60.0} or None
        Powerline frequency to notch.

    Returns
    -------
    float or ndarray, shape (n_channels,)
        MVC reference per channel, µV (same scale as a linear envelope).
    """
    fs = check_fs(fs)
    xx = check_signal(x, "x")
    w = max(1, int(round(check_positive(window_s, "window_s", "s") * fs)))
    if xx.shape[-1] < max(w, 64):
        raise ValueError(
            f"the MVC trial ({xx.shape[-1] / fs:.3f} s) is shorter than window_s={window_s:g} s; "
            "record a 3–5 s maximal contraction"
        )
    env = envelope(condition(xx, fs, mains=mains, zero_phase=True), fs, envelope_hz, zero_phase=True)
    peak = peak_window_mean(np.atleast_2d(env), fs, w / fs)
    return float(peak[0]) if env.ndim == 1 else peak


def peak_window_mean(envelope: np.ndarray, fs: float, window_s: float) -> np.ndarray:
    """Highest mean over any ``window_s`` stretch, per row (the one MVC peak rule).

    Parameters
    ----------
    envelope : ndarray, shape (n_channels, n_samples)
        Envelope, µV.
    fs : float
        Sample rate, Hz.
    window_s : float
        Window, s; a recording shorter than the window gives its overall mean.

    Returns
    -------
    ndarray, shape (n_channels,)
        µV.
    """
    x = np.asarray(envelope, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] == 0:
        raise ValueError(f"envelope must have shape (n_channels, n_samples>0), got {x.shape}")
    w = min(max(int(round(window_s * fs)), 1), x.shape[1])
    c = np.cumsum(np.pad(x, ((0, 0), (1, 0))), axis=1)
    return np.max((c[:, w:] - c[:, :-w]) / w, axis=1)


def normalize_mvc(x: np.ndarray, mvc_uv: "float | np.ndarray") -> np.ndarray:
    """Express an envelope as %MVC: ``100 · x / mvc_uv``.

    Parameters
    ----------
    x : ndarray, shape (n_samples,) or (n_channels, n_samples)
        Envelope, µV.
    mvc_uv : float or ndarray, shape (n_channels,)
        MVC reference per channel, µV (> 0), e.g. from :func:`mvc_from_trial`.

    Returns
    -------
    ndarray
        Envelope, %MVC (100 = the MVC level; may exceed 100).
    """
    xx = np.asarray(x, dtype=np.float64)
    mvc = np.asarray(mvc_uv, dtype=np.float64)
    if not np.all(np.isfinite(mvc)) or np.any(mvc <= 0):
        raise ValueError(
            f"mvc_uv must be positive, finite µV values (one per channel), got {mvc_uv!r}; "
            "record an MVC trial for every channel first"
        )
    if mvc.ndim == 1:
        if xx.ndim != 2 or xx.shape[0] != mvc.size:
            raise ValueError(
                f"mvc_uv has {mvc.size} value(s) but x has shape {xx.shape}; give one MVC per row"
            )
    elif mvc.ndim > 1:
        raise ValueError(f"mvc_uv must be a number or a 1-D array, got shape {mvc.shape}")
    return percent_of_mvc(xx, mvc)


def percent_of_mvc(level_uv: np.ndarray, mvc_uv: np.ndarray) -> np.ndarray:
    """The one %MVC formula: ``100 · level / MVC`` per channel (rows, or the last axis of a
    1-D ``level_uv`` with one MVC per element), NaN where the MVC is unknown (NaN or ≤ 0).

    Parameters
    ----------
    level_uv : ndarray, shape (n_channels,) or (n_channels, n_samples)
        Envelope level(s), µV.
    mvc_uv : ndarray, shape (n_channels,)
        MVC per channel, µV.
    """
    level = np.asarray(level_uv, dtype=np.float64)
    mvc = np.asarray(mvc_uv, dtype=np.float64)
    if level.ndim == 2 and mvc.ndim == 1:
        mvc = mvc[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mvc > 0, 100.0 * level / np.where(mvc > 0, mvc, 1.0), np.nan)
