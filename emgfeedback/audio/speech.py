"""Spoken phase cues: "hold", "rest", "done" and the rep count ("three"), made once by the
espeak-ng speech synthesiser (a maintained, offline, open-source program in every Linux
distribution, also for macOS and Windows) and played like the tonal cues.

Where espeak-ng (or the older espeak) is not installed, :func:`load_speech` returns None and the
cues stay tonal: nothing else changes.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from functools import lru_cache
from math import gcd
from typing import Mapping

import numpy as np
from scipy.signal import resample_poly

__all__ = ["SPOKEN_WORDS", "MAX_SPOKEN_COUNT", "load_speech", "speech_program", "spoken_key"]

#: Phase words spoken (the cue names of :mod:`emgfeedback.audio.synth`).
SPOKEN_WORDS = {"hold": "hold", "rest": "rest", "done": "done, well done"}
#: Rep counts spoken up to this number (a longer set goes on with the rep click).
MAX_SPOKEN_COUNT = 30


def spoken_key(rep_number: int) -> str:
    """The key of a spoken rep count in :func:`load_speech`'s result (``"rep 3"``)."""
    return f"rep {int(rep_number)}"


def speech_program() -> "str | None":
    """Path of espeak-ng (or espeak), None when neither is installed."""
    return shutil.which("espeak-ng") or shutil.which("espeak")


def _wav_to_float(blob: bytes) -> tuple[np.ndarray, int]:
    with wave.open(io.BytesIO(blob)) as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"expected 16-bit speech, got {8 * w.getsampwidth()}-bit")
        fs = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
        if w.getnchannels() > 1:
            x = x.reshape(-1, w.getnchannels()).mean(axis=1)
    return x, fs


def _say(program: str, text: str, sample_rate: float, timeout_s: float) -> np.ndarray:
    out = subprocess.run([program, "--stdout", "-v", "en", "-s", "170", text], capture_output=True,
                         timeout=timeout_s, check=True).stdout
    x, fs = _wav_to_float(out)
    nz = np.flatnonzero(np.abs(x) > 1e-3)  # espeak pads with silence: trim it (latency)
    x = x[nz[0]:nz[-1] + 1] if nz.size else x[:0]
    rate = int(round(sample_rate))
    g = gcd(rate, fs)
    y = resample_poly(x, rate // g, fs // g).astype(np.float32)
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    return y / peak if peak > 0 else y


@lru_cache(maxsize=4)  # once per process and rate: every window shares the words (read-only)
def load_speech(sample_rate: float, *, program: "str | None" = None,
                timeout_s: float = 5.0) -> "Mapping[str, np.ndarray] | None":
    """The spoken cues as float32 samples at ``sample_rate`` (peak 1), keyed by cue name
    (``hold``, ``rest``, ``done``) and :func:`spoken_key` for counts 1–:data:`MAX_SPOKEN_COUNT`;
    None when no speech synthesiser is installed or it fails (the cues stay tonal).

    Takes about a second (one synthesiser run per word): call it off the GUI thread.
    """
    program = program or speech_program()
    if program is None:
        return None
    texts = {**SPOKEN_WORDS, **{spoken_key(n): str(n) for n in range(1, MAX_SPOKEN_COUNT + 1)}}
    try:
        words = {key: _say(program, text, sample_rate, timeout_s) for key, text in texts.items()}
    except (OSError, subprocess.SubprocessError, ValueError, EOFError, wave.Error):
        return None
    return words if all(w.size for w in words.values()) else None
