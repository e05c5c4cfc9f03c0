"""Reduce long signals to a few hundred points per channel for plots (min/max per bin)."""

from __future__ import annotations

import numpy as np

__all__ = ["bin_edges", "reduce_bins"]


def bin_edges(start: int, stop: int, n_bins: int) -> np.ndarray:
    """Sample indices splitting ``[start, stop)`` into at most ``n_bins`` equal bins."""
    n = max(stop - start, 0)
    k = max(1, min(n_bins, n))
    return start + (np.arange(k + 1) * n) // k


def reduce_bins(x: np.ndarray, edges: np.ndarray, how: str) -> np.ndarray:
    """Minimum, maximum or mean of ``x`` (n_channels, n_samples) in each bin of ``edges``.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_samples)
        Signal.
    edges : ndarray of int, shape (n_bins + 1,)
        Bin boundaries (sample indices, increasing, each bin non-empty).
    how : {"min", "max", "mean"}
        Reduction.

    Returns
    -------
    ndarray, shape (n_channels, n_bins)
    """
    starts = edges[:-1]
    if starts.size == 0 or edges[-1] <= edges[0]:
        return np.zeros((x.shape[0], 0))
    seg = x[:, edges[0]: edges[-1]]
    rel = starts - edges[0]
    if how == "min":
        return np.minimum.reduceat(seg, rel, axis=1)
    if how == "max":
        return np.maximum.reduceat(seg, rel, axis=1)
    if how == "mean":
        return np.add.reduceat(seg, rel, axis=1) / np.diff(edges)
    raise ValueError(f"how must be 'min', 'max' or 'mean', got {how!r}")
