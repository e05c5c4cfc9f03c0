"""The live session loop: device → pipeline → engine on a worker thread, so the UI thread
only copies ring buffers and drains a bounded queue of updates.

The worker owns the device and the engine; other threads talk to the engine only through
:meth:`LiveSession.call`, which runs a function on the worker between blocks.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from typing import Any, Callable

from emgfeedback.errors import EmgFeedbackError
from emgfeedback.model import StreamInfo
from emgfeedback.session.engine import Pipeline, SessionEngine, SessionUpdate
from emgfeedback.session.ringbuffer import RingBuffer

__all__ = ["LiveSession", "default_pipeline"]

log = logging.getLogger(__name__)


def default_pipeline(info: StreamInfo) -> Pipeline:
    """The project's live DSP pipeline for a stream (``dsp.pipeline.OnlinePipeline``)."""
    from emgfeedback.dsp.pipeline import OnlinePipeline

    return OnlinePipeline(info.fs, info.montage)


class LiveSession:
    """Run a device through the session engine on a worker thread.

    Parameters
    ----------
    device : object
        An opened-or-not device from ``open_device(url)``: ``start()``, ``close()``,
        ``info`` and ``read(timeout) -> SampleBlock | None``.
    pipeline_factory : callable, optional
        ``StreamInfo -> Pipeline``; default :func:`default_pipeline`.
    window_s : float
        Length of the trace ring buffers, s.
    max_updates : int
        Capacity of the update queue; when the UI falls behind, the oldest updates are
        dropped and counted in :attr:`dropped_updates` (the ring buffers still get every sample).
    **engine_options
        Passed to :class:`SessionEngine` (``protocol``, ``mvc_uv``, ``history_s``).
    """

    def __init__(self, device: Any, *, pipeline_factory: "Callable[[StreamInfo], Pipeline] | None" = None,
                 window_s: float = 10.0, max_updates: int = 4096, **engine_options: Any) -> None:
        if window_s <= 0:
            raise ValueError(f"window_s must be a positive number of seconds, got {window_s!r}")
        if max_updates < 1:
            raise ValueError(f"max_updates must be at least 1, got {max_updates!r}")
        self.device = device
        self._factory = pipeline_factory or default_pipeline
        self._engine_options = engine_options
        self.window_s = float(window_s)
        self.engine: "SessionEngine | None" = None
        self.filtered: "RingBuffer | None" = None
        self.envelope: "RingBuffer | None" = None
        self._updates: deque[SessionUpdate] = deque(maxlen=max_updates)
        self._calls: "queue.SimpleQueue[Callable[[SessionEngine], Any]]" = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self._thread: "threading.Thread | None" = None
        self.error: "BaseException | None" = None
        self.dropped_updates = 0
        self.blocks = 0
        self.stream_t_s = 0.0

    @property
    def info(self) -> StreamInfo:
        """The device's stream info (after :meth:`start`)."""
        return self.device.info

    @property
    def running(self) -> bool:
        """True while the worker thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> StreamInfo:
        """Open and start the device, build the engine, start the worker; returns the info.

        Raises
        ------
        EmgFeedbackError
            When the device cannot be opened (raised here, on the caller's thread).
        """
        if self.running:
            return self.info
        self.device.start()
        info = self.device.info
        n = max(int(round(self.window_s * info.fs)), 1)
        self.filtered = RingBuffer(info.n_channels, n)
        self.envelope = RingBuffer(info.n_channels, n)
        self.engine = SessionEngine(info, self._factory(info), **self._engine_options)
        self._halt.clear()
        self.error = None
        self._thread = threading.Thread(target=self._run, name="emgfeedback-session", daemon=True)
        self._thread.start()
        return info

    def stop(self) -> None:
        """Stop the worker and close the device; idempotent."""
        self._halt.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
        try:
            self.device.close()
        except EmgFeedbackError as err:
            log.warning("closing %s: %s", getattr(self.device, "url", "device"), err)

    def call(self, fn: Callable[[SessionEngine], Any]) -> None:
        """Run ``fn(engine)`` on the worker before its next block (e.g. start a protocol)."""
        self._calls.put(fn)

    def drain(self) -> list[SessionUpdate]:
        """Take all updates queued since the last drain (oldest first)."""
        with self._lock:
            out = list(self._updates)
            self._updates.clear()
        return out

    def _run(self) -> None:
        engine = self.engine
        assert engine is not None and self.filtered is not None and self.envelope is not None
        try:
            while not self._halt.is_set():
                while not self._calls.empty():
                    self._calls.get_nowait()(engine)
                block = self.device.read(timeout=0.1)
                if block is None:
                    if not getattr(self.device, "is_streaming", True):
                        break
                    continue
                arrival = time.monotonic()
                update = engine.process(block, arrival_s=arrival)
                self.filtered.write(update.frame.filtered_uv)
                self.envelope.write(update.frame.envelope_uv)
                with self._lock:
                    if len(self._updates) == self._updates.maxlen:
                        self.dropped_updates += 1
                    self._updates.append(update)
                self.blocks += 1
                self.stream_t_s = block.t_end
        except (EmgFeedbackError, ValueError, OSError) as err:
            log.error("live session stopped: %s", err)
            self.error = err
