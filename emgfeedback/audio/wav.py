"""The audio feedback rendered without a sound card: in stream time, into an array or a WAV file.

:func:`render_updates` plays a session's updates through an :class:`AudioFeedback` as if the
sound card pulled ``block`` samples at a time in step with the stream: before each update, the
audio is rendered up to the update's stream time, so sample ``i`` of the result is stream time
``i / sample_rate`` s. A tone decided by the block ending at ``t`` starts at the first audio
block after ``t`` (at most one audio block late). Tests check tone timing and pitch on this.
"""

from __future__ import annotations

import os
import wave
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np

from emgfeedback.audio.feedback import AudioFeedback

if TYPE_CHECKING:  # pragma: no cover
    from emgfeedback.calibration import Protocol
    from emgfeedback.session.engine import SessionUpdate

__all__ = ["render_updates", "write_wav", "read_wav", "render_to_wav"]


def render_updates(feedback: AudioFeedback, updates: "Iterable[tuple[SessionUpdate, Protocol | None]]", *,
                   block: int = 256, tail_s: float = 0.5) -> np.ndarray:
    """Render ``(update, protocol)`` pairs (in stream order) to float32 mono samples.

    Parameters
    ----------
    feedback : AudioFeedback
        Fed with each update (its modes, volume and targets as configured).
    updates : iterable of (SessionUpdate, Protocol or None)
        What :meth:`LiveSession.add_listener` saw (``engine.protocol`` with each update).
    block : int
        Audio block size, samples (the sound card's callback size).
    tail_s : float
        Audio rendered after the last update, s (sounds under way finish).
    """
    fs = feedback.sample_rate
    chunks: list[np.ndarray] = []
    done = feedback.samples
    for update, protocol in updates:
        upto = int(np.ceil(update.frame.t_s * fs / block)) * block  # the audio block the update falls in ends here
        while done < upto:
            chunks.append(feedback.render(block))
            done += block
        feedback.on_update(update, protocol)
    for _ in range(int(np.ceil(tail_s * fs / block))):
        chunks.append(feedback.render(block))
    return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)


def write_wav(path: "str | Path", samples: np.ndarray, sample_rate: float) -> None:
    """Write mono float samples in [-1, 1] as a 16-bit PCM WAV file (mode 0600: it follows a
    patient's session)."""
    pcm = np.clip(np.asarray(samples, dtype=np.float64), -1.0, 1.0)
    data = (pcm * 32767.0).round().astype("<i2").tobytes()
    fd = os.open(os.fspath(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh, wave.open(fh, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(round(sample_rate)))
        w.writeframes(data)


def read_wav(path: "str | Path") -> tuple[np.ndarray, int]:
    """A 16-bit mono WAV as float32 samples in [-1, 1] and its sample rate, Hz."""
    with wave.open(os.fspath(path), "rb") as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise ValueError(f"{path}: expected 16-bit mono WAV, got {8 * w.getsampwidth()}-bit "
                             f"with {w.getnchannels()} channels")
        fs = w.getframerate()
        raw = w.readframes(w.getnframes())
    return np.frombuffer(raw, "<i2").astype(np.float32) / 32767.0, fs


def render_to_wav(path: "str | Path", feedback: AudioFeedback, updates: Iterable[Any], **options: Any) -> np.ndarray:
    """:func:`render_updates` then :func:`write_wav`; returns the samples."""
    samples = render_updates(feedback, updates, **options)
    write_wav(path, samples, feedback.sample_rate)
    return samples
