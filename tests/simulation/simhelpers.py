"""Measuring helpers for the simulator tests (imported as ``simhelpers``)."""

from __future__ import annotations

import numpy as np
from scipy import signal

from emgfeedback.simulation import SimulatedRecording


def plateau_samples(rec: SimulatedRecording, channel: str, margin_s: float = 0.2) -> np.ndarray:
    """All samples of ``channel`` on the plateaus of its true bursts: from ``margin_s`` after the
    end of the recruitment ramp to ``margin_s`` before the true offset."""
    row = rec.montage.index(channel)
    parts = [
        rec.data[row, int((o.onset_s + r.ramp_s + margin_s) * rec.fs) : int((o.offset_s - margin_s) * rec.fs)]
        for o, r in zip(rec.truth.onsets_for(channel), rec.truth.ramps_for(channel), strict=True)
    ]
    return np.concatenate(parts)


def ramp_profile(rec: SimulatedRecording, channel: str, n_windows: int = 6) -> tuple[np.ndarray, list]:
    """Measured power in ``n_windows`` equal windows across each true recruitment ramp of
    ``channel``, relative to that burst's plateau power (0.1–1.0 s after the ramp).

    Returns
    -------
    (measured, windows)
        ``measured``: array (n_bursts, n_windows) of power ratios; ``windows``: per burst, the
        ramp-relative positions ``u = (t − onset)/ramp`` of the samples in each window (list of
        ``n_windows`` arrays), to compute what a model predicts for the same samples.
    """
    row, fs = rec.montage.index(channel), rec.fs
    x = rec.data[row]
    measured, windows = [], []
    for o, r in zip(rec.truth.onsets_for(channel), rec.truth.ramps_for(channel), strict=True):
        end = o.onset_s + r.ramp_s
        plateau = np.mean(x[int((end + 0.1) * fs) : int((end + 1.0) * fs)] ** 2)
        edges = np.ceil((o.onset_s + r.ramp_s * np.linspace(0.0, 1.0, n_windows + 1)) * fs).astype(int)
        measured.append([np.mean(x[a:b] ** 2) / plateau for a, b in zip(edges, edges[1:])])
        windows.append([(np.arange(a, b) / fs - o.onset_s) / r.ramp_s for a, b in zip(edges, edges[1:])])
    return np.asarray(measured), windows


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
