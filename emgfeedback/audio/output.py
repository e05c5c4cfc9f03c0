"""AudioOutput: an :class:`AudioFeedback` played through a real audio output (sounddevice).

sounddevice (PortAudio) opens a callback stream with small blocks (256 samples at 44.1 kHz,
5.8 ms) and a 50 ms output buffer; the callback pulls the next block from the feedback. 50 ms
keeps block-to-sound under 100 ms and does not underrun on a busy machine: PortAudio's
``'low'`` (12 ms through PulseAudio) and 30 ms both underran on the shared test machine, and an
underrun through PulseAudio's ALSA plugin stalls the stream for about 2 s (benchmarks/bench_audio.py). When PortAudio or an output device is missing, or the stream
cannot be opened, :attr:`status` is one line ("no audio output: …; audio feedback off") and nothing else happens: the session goes on.

``device="null"`` renders the same blocks on a thread paced by the clock, with no sound card
(benchmarks on machines without audio; the CPU cost is the same).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from typing import Any

import numpy as np

from emgfeedback.audio.feedback import AudioFeedback
from emgfeedback.validation import check_int

__all__ = ["AudioOutput", "NULL_DEVICE", "no_output_message"]

log = logging.getLogger(__name__)

#: ``device`` value of the paced renderer without a sound card.
NULL_DEVICE = "null"


def no_output_message(reason: str) -> str:
    """The one line shown when there is no audio output."""
    reason = " ".join(str(reason).split()) or "unknown error"
    return f"no audio output: {reason}; audio feedback off"


class AudioOutput:
    """Play an :class:`AudioFeedback` through the default (or a chosen) output device.

    Parameters
    ----------
    feedback : AudioFeedback
        What to play; its ``sample_rate`` is the stream's.
    device : int, str or None
        PortAudio device (index or name substring; None: the system default, e.g. the
        PulseAudio/PipeWire default sink), or ``"null"`` for no sound card.
    blocksize : int
        Samples per callback (256 at 44.1 kHz: 5.8 ms).
    latency : float or str
        Output buffer PortAudio is asked for, s (or ``"low"`` / ``"high"``).
    """

    def __init__(self, feedback: AudioFeedback, *, device: "int | str | None" = None, blocksize: int = 256,
                 latency: "float | str" = 0.05) -> None:
        self.feedback = feedback
        self.device = device
        self.blocksize = check_int(blocksize, "blocksize", lo=16, hi=8192)
        self.latency = latency
        self.status = "audio off"
        #: Name of the device playing (empty when none).
        self.device_name = ""
        #: Output latency PortAudio reports for the stream, s (NaN when none is playing).
        self.reported_latency_s = math.nan
        #: Measured: block arrival → first sample of a sound leaving the callback + reported
        #: output latency, ms (one value per sound started).
        self.latency_ms: deque[float] = deque(maxlen=2000)
        self.callbacks = 0
        self.underruns = 0
        self._stream: Any = None
        self._thread: "threading.Thread | None" = None
        self._halt = threading.Event()

    @property
    def active(self) -> bool:
        """True while sound is being produced (device or null)."""
        if self._thread is not None:
            return self._thread.is_alive()
        return self._stream is not None and bool(self._stream.active)

    def start(self) -> bool:
        """Open and start the output; False (and :attr:`status` says why) when it cannot."""
        if self.active:
            return True
        self.close()
        if self.device == NULL_DEVICE:
            return self._start_null()
        try:
            import sounddevice as sd
        except (ImportError, OSError) as err:  # OSError: the PortAudio library is missing
            return self._fail(f"PortAudio is not available ({err}); on Debian/Ubuntu: apt-get install libportaudio2")
        try:
            info = sd.query_devices(self.device, kind="output")
            stream = sd.OutputStream(samplerate=self.feedback.sample_rate, blocksize=self.blocksize,
                                     device=self.device, channels=1, dtype="float32", latency=self.latency,
                                     callback=self._callback)
            stream.start()
        except (sd.PortAudioError, ValueError, OSError, RuntimeError) as err:
            return self._fail(str(err) if str(err) else type(err).__name__)
        self._stream = stream
        self.device_name = str(info.get("name", "")) if isinstance(info, dict) else str(self.device)
        self.reported_latency_s = float(stream.latency)
        self.status = (f"audio: {self.device_name}, {self.feedback.sample_rate:g} Hz, "
                       f"output latency {1000 * self.reported_latency_s:.0f} ms (reported)")
        return True

    def _fail(self, reason: str) -> bool:
        self.status = no_output_message(reason)
        log.info("%s", self.status)
        return False

    def _start_null(self) -> bool:
        self._halt.clear()
        self.device_name = "null output (no sound card)"
        self.reported_latency_s = 0.0
        self._thread = threading.Thread(target=self._pace, name="emgfeedback-audio-null", daemon=True)
        self._thread.start()
        self.status = f"audio: {self.device_name}, {self.feedback.sample_rate:g} Hz"
        return True

    def _pace(self) -> None:
        period = self.blocksize / self.feedback.sample_rate
        t_next = time.monotonic()
        while not self._halt.is_set():
            self._pull(np.empty(self.blocksize, np.float32))
            t_next += period
            self._halt.wait(max(t_next - time.monotonic(), 0.0))

    def _callback(self, outdata: np.ndarray, frames: int, _time: Any, status: Any) -> None:
        if status and getattr(status, "output_underflow", False):
            self.underruns += 1
        self._pull(outdata[:, 0], frames)

    def _pull(self, out: np.ndarray, frames: "int | None" = None) -> None:
        """Fill ``out`` from the feedback; note the latency of every sound that starts in it."""
        n = len(out) if frames is None else frames
        first = self.feedback.samples
        out[:n] = self.feedback.render(n)
        self.callbacks += 1
        now = time.monotonic()
        for _kind, arrival, sample in self.feedback.block_starts:
            if math.isfinite(arrival):
                lat = now - arrival + (sample - first) / self.feedback.sample_rate + self.reported_latency_s
                self.latency_ms.append(1000.0 * lat)

    def latency_text(self) -> str:
        """``audio latency p50 23 ms, p95 31 ms (n=40)`` from the sounds played so far ("" before)."""
        if not self.latency_ms:
            return ""
        lat = np.asarray(self.latency_ms)
        return (f"audio latency p50 {np.percentile(lat, 50):.0f} ms, p95 {np.percentile(lat, 95):.0f} ms "
                f"(n={lat.size})")

    def close(self) -> None:
        """Stop and close the output; idempotent."""
        self._halt.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception as err:  # noqa: BLE001 - a vanished device must not stop the session
                log.info("closing the audio output: %s", err)
        self.status = "audio off"
        self.device_name = ""
