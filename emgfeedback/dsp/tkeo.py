"""The Teager–Kaiser energy operator (Kaiser 1990), used to condition EMG for onset detection.

Solnik et al. (2010) showed that TKEO conditioning before a threshold improves EMG onset
detection: it emphasises the sharp, high-frequency motor-unit action potentials that start a
contraction over slower baseline noise.

References
----------
Kaiser JF. On a simple algorithm to calculate the 'energy' of a signal. ICASSP 1990:381–384.
Solnik S, Rider P, Steinweg K, DeVita P, Hortobágyi T. Teager–Kaiser energy operator signal
conditioning improves EMG onset detection. Eur J Appl Physiol 2010;110(3):489–498.
"""

from __future__ import annotations

import numpy as np

from emgfeedback.dsp._checks import check_signal

__all__ = ["tkeo"]


def tkeo(x: np.ndarray) -> np.ndarray:
    """Teager–Kaiser energy ``ψ[n] = x[n]² − x[n−1]·x[n+1]`` along the last axis.

    Parameters
    ----------
    x : ndarray, shape (n_samples,) or (n_channels, n_samples)
        Band-passed signal, µV.

    Returns
    -------
    ndarray
        Energy, µV², same shape; the first and last samples repeat their neighbours.
    """
    x = check_signal(x, min_samples=3)
    out = np.empty_like(x)
    out[..., 1:-1] = x[..., 1:-1] ** 2 - x[..., :-2] * x[..., 2:]
    out[..., 0] = out[..., 1]
    out[..., -1] = out[..., -2]
    return out
