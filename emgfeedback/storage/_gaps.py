"""Lost samples in a recording: runs of them, and NaN/inf held at the last measured value."""

from __future__ import annotations

import numpy as np

__all__ = ["lost_runs", "hold_nonfinite"]


def lost_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) indices of each run of True in a 1-D ``mask``."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return idx, idx
    breaks = np.flatnonzero(np.diff(idx) > 1)
    return np.r_[idx[0], idx[breaks + 1]], np.r_[idx[breaks], idx[-1]] + 1


def hold_nonfinite(x: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Replace NaN/inf in ``x`` (n_channels, n_samples), µV, by the channel's last finite value.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_samples)
        Samples, µV.
    last : ndarray, shape (n_channels,)
        Each channel's value before ``x`` (held when ``x`` starts with NaN/inf), µV.

    Returns
    -------
    held : ndarray, shape (n_channels, n_samples)
        A copy with every non-finite sample replaced.
    lost : ndarray of bool, shape (n_samples,)
        True where any channel was not finite.
    """
    bad = ~np.isfinite(x)
    held = np.array(x, dtype=np.float64, copy=True)
    for ch in np.flatnonzero(bad.any(axis=1)):
        mask = bad[ch]
        src = np.where(mask, 0, np.arange(mask.size))
        np.maximum.accumulate(src, out=src)  # index of the last good sample at or before
        held[ch] = np.where(mask, np.where(mask[src], last[ch], x[ch][src]), x[ch])
    return held, bad.any(axis=0)
