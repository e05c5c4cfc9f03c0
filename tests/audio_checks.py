"""Reading rendered feedback audio back in tests: how many warning buzzes a WAV holds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from emgfeedback.audio import read_wav


def warning_pulses(path: Path) -> int:
    """311 Hz pulses in a rendered WAV (20 ms Hann frames, band 280–340 Hz above a tenth of a
    full-scale sine): the warning sound is two of them."""
    x, fs = read_wav(path)
    n = int(0.02 * fs)
    frames = x[: len(x) // n * n].reshape(-1, n) * np.hanning(n)
    spec = np.abs(np.fft.rfft(frames, axis=1))
    f = np.fft.rfftfreq(n, 1 / fs)
    buzz = spec[:, (f > 280) & (f < 340)].max(axis=1) > 0.1 * n / 4
    return int(np.sum(np.diff(buzz.astype(int)) == 1))
