"""Measuring helpers for the simulator tests (imported as ``simhelpers``)."""

from __future__ import annotations

import numpy as np
from scipy import signal

from emgfeedback.simulation import SimulatedRecording


def plateau_samples(rec: SimulatedRecording, channel: str, margin_s: float = 0.2) -> np.ndarray:
    """All samples of ``channel`` on the plateaus of its true bursts (margins cut off)."""
    row = rec.montage.index(channel)
    parts = [
        rec.data[row, int((o.onset_s + margin_s) * rec.fs) : int((o.offset_s - margin_s) * rec.fs)]
        for o in rec.truth.onsets_for(channel)
    ]
    return np.concatenate(parts)


def lead_in_samples(rec: SimulatedRecording, channel: str) -> np.ndarray:
    """Samples of ``channel`` in the rest before the first rep (0.5 s to 2 s)."""
    row = rec.montage.index(channel)
    return rec.data[row, int(0.5 * rec.fs) : int(2.0 * rec.fs)]


def median_frequency(x: np.ndarray, fs: float) -> float:
    """Median frequency of ``x`` (Welch PSD, 0.25 s segments), Hz."""
    f, p = signal.welch(x, fs, nperseg=int(fs / 4))
    c = np.cumsum(p)
    return float(f[np.searchsorted(c, c[-1] / 2)])


def envelope(x: np.ndarray, fs: float, cutoff_hz: float = 20.0) -> np.ndarray:
    """Zero-phase RMS envelope: band-pass 20–450 Hz, square, low-pass, square root, µV."""
    bp = signal.butter(4, [20.0, min(450.0, 0.45 * fs)], btype="bandpass", fs=fs, output="sos")
    lp = signal.butter(2, cutoff_hz, fs=fs, output="sos")
    y = signal.sosfiltfilt(bp, x, axis=-1)
    return np.sqrt(np.maximum(signal.sosfiltfilt(lp, y * y, axis=-1), 0.0))
