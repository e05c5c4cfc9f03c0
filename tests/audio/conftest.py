"""Synthetic session updates with known levels, reps and phase events, and a pitch estimator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from emgfeedback.model import FeedbackFrame, Montage
from emgfeedback.session.engine import SessionUpdate

IDS = Montage.default().ids
FRAME_S = 0.01  # one update per 10 ms block, as sim:// at 2 kHz with 20-sample blocks


def update(t_s, pct=None, *, uv=None, events=(), reps=(), runner=None) -> SessionUpdate:
    """An update at stream time ``t_s``: ``pct`` / ``uv`` map channel ids to the level (%MVC
    for every channel when ``pct`` is given, else no MVC)."""
    n = len(IDS)
    level = np.array([(uv or {}).get(c, 1.0) for c in IDS], float)
    percent = None if pct is None else np.array([pct.get(c, 0.0) for c in IDS], float)
    frame = FeedbackFrame(t_s=t_s, channels=IDS, envelope_uv=np.zeros((n, 1)), filtered_uv=np.zeros((n, 1)),
                          level_uv=level, percent_mvc=percent)
    return SessionUpdate(frame=frame, percent_mvc=percent, runner=runner, events=tuple(events), reps=tuple(reps),
                         rep_active=False, mvc=None, arrival_s=math.nan)


def level_updates(level_of_t, duration_s, *, channel="glute_max_left", protocol=None, pct=True):
    """``(update, protocol)`` every 10 ms with ``channel`` at ``level_of_t(t)`` (%MVC or µV)."""
    out = []
    for k in range(1, int(round(duration_s / FRAME_S)) + 1):
        t = k * FRAME_S
        v = float(level_of_t(t))
        out.append((update(t, {channel: v}) if pct else update(t, uv={channel: v}), protocol))
    return out


def dominant_hz(x: np.ndarray, fs: float) -> float:
    """The strongest frequency of ``x`` (Hann window, parabolic interpolation of the peak), Hz."""
    w = np.hanning(len(x))
    spec = np.abs(np.fft.rfft(x * w, n=8 * len(x)))
    k = int(np.argmax(spec[1:-1])) + 1
    a, b, c = np.log(spec[k - 1: k + 2] + 1e-12)
    shift = 0.5 * (a - c) / (a - 2 * b + c)
    return (k + shift) * fs / (8 * len(x))


def onsets_offsets(x: np.ndarray, fs: float, threshold: float, win_s: float = 0.001):
    """Times (s) the 1 ms peak envelope of ``x`` rises above / falls below ``threshold``."""
    n = int(round(win_s * fs))
    m = len(x) // n
    env = np.abs(x[: m * n]).reshape(m, n).max(axis=1)
    on = env > threshold
    edges = np.diff(on.astype(int))
    rises = (np.flatnonzero(edges == 1) + 1) * n / fs
    falls = (np.flatnonzero(edges == -1) + 1) * n / fs
    return rises, falls


@pytest.fixture()
def tools():
    """The helpers above, for tests in this folder."""
    import types

    return types.SimpleNamespace(update=update, level_updates=level_updates, dominant_hz=dominant_hz,
                                 onsets_offsets=onsets_offsets, FRAME_S=FRAME_S, IDS=IDS)
