"""Tone synthesis: no clicks across blocks (phase carried over, gain faded), the pitch mapping."""

from __future__ import annotations

import numpy as np
import pytest

from emgfeedback.audio.synth import FADE_S, Voice, cue_sound, pitch_hz

FS = 44100


def test_a_voice_changing_pitch_and_gain_between_blocks_never_clicks():
    rng = np.random.default_rng(0)
    v = Voice(FS, 440.0)
    out = []
    for k in range(200):
        v.freq_hz = float(rng.uniform(220, 880))
        v.target_gain = 0.0 if k % 40 >= 30 else 1.0  # on, off, on …
        out.append(v.render(int(rng.integers(32, 600))))
    x = np.concatenate(out)
    # a sine of amplitude 1 at 880 Hz moves at most 2π·880/fs per sample; a gain step or a
    # phase jump would move up to 2
    assert np.max(np.abs(np.diff(x))) <= 2 * np.pi * 880 / FS + 1 / (FADE_S * FS) + 1e-6


def test_a_voice_fades_in_over_fade_s():
    v = Voice(FS, 1000.0)
    v.target_gain = 1.0
    x = v.render(FS // 10)
    n = int(FADE_S * FS)
    assert np.max(np.abs(x[: n // 4])) < 0.3
    assert np.max(np.abs(x[n: n + 100])) > 0.95


def test_pitch_is_log_scaled_and_clipped():
    assert pitch_hz(0.0, 100.0) == pytest.approx(220.0)
    assert pitch_hz(50.0, 100.0) == pytest.approx(440.0)
    assert pitch_hz(100.0, 100.0) == pytest.approx(880.0)
    assert pitch_hz(250.0, 100.0) == pytest.approx(880.0)
    assert pitch_hz(float("nan"), 100.0) == pytest.approx(220.0)


def test_cue_sounds_start_and_end_silent():
    for name in ("hold", "rest", "done", "rep", "warning"):
        x = cue_sound(name, FS)
        assert abs(x[0]) < 0.05 and abs(x[-1]) < 0.05, name
        assert 0.5 < np.max(np.abs(x)) <= 1.0, name
    with pytest.raises(ValueError, match="sound must be one of"):
        cue_sound("bell", FS)
