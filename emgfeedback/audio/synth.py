"""Tone synthesis for audio feedback: pure numpy, float32 mono blocks, no device.

A :class:`Voice` is a continuous tone whose pitch and loudness change between blocks without
clicks: its phase carries over from block to block and its gain moves toward the wanted gain at
most full scale per ``fade_s``. :func:`cue_sound` gives the short one-shot sounds (phase cues,
rep click, warning), each faded in and out.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from emgfeedback.validation import check_option, check_positive

__all__ = ["SAMPLE_RATE_HZ", "FADE_S", "TONE_HZ", "PITCH_RANGE_HZ", "SOUNDS", "Voice", "pitch_hz",
           "segments", "cue_sound"]

#: Default output sample rate, Hz.
SAMPLE_RATE_HZ = 44100
#: Fade in / out of every tone, s (short enough to be heard as instant, long enough not to click).
FADE_S = 0.005
#: The target tone's pitch, Hz (C5).
TONE_HZ = 523.25
#: Pitch range of the ``pitch`` mode, Hz: two octaves, A3 to A5.
PITCH_RANGE_HZ = (220.0, 880.0)
#: One-shot sounds by name (see :func:`cue_sound`).
SOUNDS = ("hold", "rest", "done", "rep", "warning")


class Voice:
    """A continuous tone, rendered block by block without clicks.

    Parameters
    ----------
    fs : float
        Sample rate, Hz.
    freq_hz : float
        Starting pitch, Hz.
    harmonics : sequence of float
        Amplitudes of harmonics 1, 2, 3 … (default a pure sine).
    fade_s : float
        Time the gain takes to go from 0 to 1 (or back), s.
    """

    def __init__(self, fs: float, freq_hz: float = TONE_HZ, *, harmonics: Sequence[float] = (1.0,),
                 fade_s: float = FADE_S) -> None:
        self.fs = check_positive(fs, "fs", "Hz")
        self.freq_hz = check_positive(freq_hz, "freq_hz", "Hz")
        self.fade_s = check_positive(fade_s, "fade_s", "s")
        h = np.asarray(harmonics, dtype=np.float64)
        self._harmonics = h / max(float(np.sum(np.abs(h))), 1e-12)
        self.gain = 0.0  # now
        self.target_gain = 0.0  # wanted
        self._phase = 0.0
        self._last_hz = self.freq_hz

    @property
    def sounding(self) -> bool:
        """True while the voice is audible or fading."""
        return self.gain > 0.0 or self.target_gain > 0.0

    def render(self, n: int) -> np.ndarray:
        """The next ``n`` samples (float32, shape ``(n,)``); the pitch glides from the last
        block's to :attr:`freq_hz` over this block."""
        if not self.sounding:
            self._last_hz = self.freq_hz
            return np.zeros(n, np.float32)
        i = np.arange(1, n + 1, dtype=np.float64)
        hz = self._last_hz + (self.freq_hz - self._last_hz) * i / n
        phase = self._phase + np.cumsum(2.0 * math.pi * hz / self.fs)
        delta = self.target_gain - self.gain
        step = 1.0 / (self.fade_s * self.fs)
        gain = self.gain + math.copysign(1.0, delta) * np.minimum(abs(delta), i * step)
        wave = sum(a * np.sin(k * phase) for k, a in enumerate(self._harmonics, start=1) if a)
        self._phase = float(phase[-1] % (2.0 * math.pi))
        self._last_hz = self.freq_hz
        self.gain = float(gain[-1])
        return (gain * wave).astype(np.float32)


def pitch_hz(value: float, full_scale: float, lo_hz: float = PITCH_RANGE_HZ[0],
             hi_hz: float = PITCH_RANGE_HZ[1]) -> float:
    """Pitch for an activation level on a log (musical) scale.

    Parameters
    ----------
    value : float
        Activation (%MVC or µV; NaN and negative give ``lo_hz``).
    full_scale : float
        Activation that gives ``hi_hz`` (same unit; higher values are clipped).
    lo_hz, hi_hz : float
        Pitch at zero and at full scale, Hz.

    Returns
    -------
    float
        ``lo_hz · (hi_hz / lo_hz) ** (value / full_scale)``, Hz: equal steps of activation are
        equal musical intervals (0–100 %MVC over 220–880 Hz: one octave per 50 %MVC).
    """
    x = value / full_scale if math.isfinite(value) and full_scale > 0 else 0.0
    return lo_hz * (hi_hz / lo_hz) ** min(max(x, 0.0), 1.0)


def segments(parts: Sequence[tuple[float, float]], fs: float, *, harmonics: Sequence[float] = (1.0,),
             gap_s: float = 0.0, fade_s: float = FADE_S) -> np.ndarray:
    """Tones one after another, each faded in and out: ``parts`` are ``(freq_hz, duration_s)``
    (a frequency of 0 is silence), separated by ``gap_s`` of silence. Float32, peak ≤ 1."""
    out = []
    for hz, dur in parts:
        n = max(int(round(dur * fs)), 1)
        if hz <= 0:
            out.append(np.zeros(n, np.float32))
            continue
        v = Voice(fs, hz, harmonics=harmonics, fade_s=fade_s)
        v.target_gain = 1.0
        body = v.render(n)
        k = min(int(round(fade_s * fs)), n // 2)
        if k:
            body[-k:] *= np.linspace(1.0, 0.0, k, dtype=np.float32)
        out.append(body)
        if gap_s > 0:
            out.append(np.zeros(int(round(gap_s * fs)), np.float32))
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def cue_sound(name: str, fs: float) -> np.ndarray:
    """A one-shot sound (float32, peak ≤ 1).

    ``hold``: rising two-tone 660 → 880 Hz (2 × 90 ms); ``rest``: falling 880 → 660 Hz;
    ``done``: falling three-tone 880 → 660 → 440 Hz; ``rep``: a 40 ms click at 1760 Hz;
    ``warning``: two 120 ms buzzes at 311 Hz with odd harmonics (a square-like timbre no other
    sound has), 60 ms apart.
    """
    check_option(name, "sound", SOUNDS)
    if name == "hold":
        return segments([(660.0, 0.09), (880.0, 0.09)], fs)
    if name == "rest":
        return segments([(880.0, 0.09), (660.0, 0.09)], fs)
    if name == "done":
        return segments([(880.0, 0.1), (660.0, 0.1), (440.0, 0.16)], fs)
    if name == "rep":
        return segments([(1760.0, 0.04)], fs, fade_s=0.003)
    return segments([(311.0, 0.12), (311.0, 0.12)], fs, harmonics=(1.0, 0.0, 0.5, 0.0, 0.3), gap_s=0.06)
