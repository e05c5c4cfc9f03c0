"""Spoken cues: with speech loaded, the phase cues and the rep count are played from the spoken
words (the count of each rep: "two" for rep 2) at the moments the tones would have been; the
words come from espeak-ng (skipped where it is missing, a failure under EMGFEEDBACK_REQUIRE_ALL);
without a synthesiser the cues stay tonal."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

from emgfeedback.audio import AudioFeedback, load_speech, render_updates
from emgfeedback.audio.speech import MAX_SPOKEN_COUNT, SPOKEN_WORDS, speech_program, spoken_key
from emgfeedback.calibration import load_protocols
from emgfeedback.measures import RepMetrics
from emgfeedback.model import Side
from emgfeedback.session.runner import Phase, PhaseEvent

FS = 44100
SQUEEZE = load_protocols()["glute_squeeze"]


def _tone(hz: float, s: float = 0.25) -> np.ndarray:
    t = np.arange(int(s * FS)) / FS
    return np.sin(2 * np.pi * hz * t).astype(np.float32)


#: Stand-in words, each a tone of its own pitch, so the test can tell which one played.
WORDS = {"hold": _tone(300), "rest": _tone(350), "done": _tone(400),
         **{spoken_key(n): _tone(500 + 50 * n) for n in range(1, 4)}}


def _rep(i: int) -> RepMetrics:
    return RepMetrics(index=i, start_s=0.0, end_s=1.0, core_s=(0.2, 0.8), rep_number=i + 1,
                      gmax_minus_es_ms={Side.LEFT: math.nan})


def test_phase_cues_and_rep_counts_are_spoken_when_speech_is_loaded(tools):
    ev = {1.0: [PhaseEvent(1.0, Phase.HOLD, 1, 1, None, "")], 2.0: [PhaseEvent(2.0, Phase.REST, 1, 1, None, "")]}
    reps = {2.5: _rep(1), 3.5: _rep(4)}  # rep 2 spoken; rep 5 has no word here: the click
    drive = [(tools.update(t, {}, events=ev.get(t, ()), reps=[reps[t]] if t in reps else []), SQUEEZE)
             for t in np.round(np.arange(0.01, 4.5, 0.01), 2)]
    fb = AudioFeedback(sample_rate=FS)
    fb.configure(SQUEEZE.id, ("cues",))
    fb.set_speech(WORDS)
    x = render_updates(fb, drive, block=256)

    def hz(t0: float) -> float:
        return tools.dominant_hz(x[int((t0 + 0.03) * FS): int((t0 + 0.2) * FS)], FS)

    assert hz(1.0) == pytest.approx(300, rel=0.01)  # "hold"
    assert hz(2.0) == pytest.approx(350, rel=0.01)  # "rest"
    assert hz(2.5) == pytest.approx(600, rel=0.01)  # "two"
    assert tools.dominant_hz(x[int(3.505 * FS): int(3.535 * FS)], FS) == pytest.approx(1760, rel=0.02)  # click
    assert [k for k, _ in fb.log] == ["hold", "rest", "rep", "rep"]  # the same cues, spoken or not
    fb.set_speech(None)
    assert not fb.spoken


def test_espeak_words_are_loaded_trimmed_and_at_the_output_rate() -> None:
    if speech_program() is None:
        why = "espeak-ng is missing (Debian: apt-get install espeak-ng): spoken cues untested"
        if os.environ.get("EMGFEEDBACK_REQUIRE_ALL"):
            pytest.fail(why + "; EMGFEEDBACK_REQUIRE_ALL is set, so this is a failure")
        pytest.skip(why)
    words = load_speech(FS)
    assert words is not None
    assert set(words) == {*SPOKEN_WORDS, *(spoken_key(n) for n in range(1, MAX_SPOKEN_COUNT + 1))}
    for key in ("hold", spoken_key(3)):
        w = words[key]
        assert w.dtype == np.float32 and 0.15 < len(w) / FS < 1.0  # a word, not a sentence of silence
        assert np.max(np.abs(w)) == pytest.approx(1.0)
        assert np.max(np.abs(w[: int(0.01 * FS)])) > 0.01  # the silence espeak pads with is trimmed


def test_no_synthesiser_means_tonal_cues(monkeypatch) -> None:
    load_speech.cache_clear()
    monkeypatch.setattr("emgfeedback.audio.speech.speech_program", lambda: None)
    assert load_speech(FS) is None
    load_speech.cache_clear()
