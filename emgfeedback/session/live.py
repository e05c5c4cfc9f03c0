"""The live session loop: device → pipeline → engine on a worker thread, so the UI thread
only copies ring buffers and drains a bounded queue of updates.

The worker owns the device, the engine and an optional recording: it opens the device (a serial
or BLE handshake may take seconds, so it never happens on the caller's thread when started with
:meth:`LiveSession.start_async`), runs every block through the engine, feeds the recording, and
closes everything when it stops. Other threads talk to it only through :meth:`LiveSession.call`
(run a function on the worker between blocks) and read snapshots (:attr:`state`,
:attr:`recording_status`) that the worker replaces whole.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any, Callable

from emgfeedback.errors import EmgFeedbackError
from emgfeedback.model import StreamInfo
from emgfeedback.session.engine import Pipeline, SessionEngine, SessionUpdate
from emgfeedback.session.recording import LiveRecording, RecordingStatus
from emgfeedback.session.ringbuffer import RingBuffer

__all__ = ["LiveSession", "default_pipeline", "CONNECTING", "STREAMING", "STOPPED"]

log = logging.getLogger(__name__)

#: :attr:`LiveSession.state` values.
CONNECTING, STREAMING, STOPPED = "connecting", "streaming", "stopped"


def default_pipeline(info: StreamInfo) -> Pipeline:
    """The project's live DSP pipeline for a stream (``dsp.pipeline.OnlinePipeline``)."""
    from emgfeedback.dsp.pipeline import OnlinePipeline

    return OnlinePipeline(info.fs, info.montage)


class LiveSession:
    """Run a device through the session engine on a worker thread.

    Parameters
    ----------
    device : object, optional
        A device from ``open_device(url)``: ``start()``, ``close()``, ``info`` and
        ``read(timeout) -> SampleBlock | None``.
    opener : callable, optional
        ``() -> device``, called on the worker (give this or ``device``): the handshake then
        happens off the caller's thread.
    pipeline_factory : callable, optional
        ``StreamInfo -> Pipeline``; default :func:`default_pipeline`.
    window_s : float
        Length of the trace ring buffers, s.
    max_updates : int
        Capacity of the update queue; when the UI falls behind, the oldest updates are
        dropped and counted in :attr:`dropped_updates` (the ring buffers still get every sample).
    lsl : bool
        Also publish the raw channels and onset markers as Lab Streaming Layer streams
        (opt-in: an LSL outlet announces itself on the local network).
    **engine_options
        Passed to :class:`SessionEngine` (``protocol``, ``mvc_uv``, ``history_s``).
    """

    def __init__(self, device: Any = None, *, opener: "Callable[[], Any] | None" = None,
                 pipeline_factory: "Callable[[StreamInfo], Pipeline] | None" = None,
                 window_s: float = 10.0, max_updates: int = 4096, lsl: bool = False,
                 **engine_options: Any) -> None:
        if window_s <= 0:
            raise ValueError(f"window_s must be a positive number of seconds, got {window_s!r}")
        if max_updates < 1:
            raise ValueError(f"max_updates must be at least 1, got {max_updates!r}")
        if (device is None) == (opener is None):
            raise ValueError("give exactly one of device (an opened device) or opener (() -> device)")
        self.device = device
        self._opener = opener
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
        self._ready = threading.Event()
        self._thread: "threading.Thread | None" = None
        self._recording: "LiveRecording | None" = None
        self._lsl = bool(lsl)
        self.outlet: Any = None
        self.state = STOPPED
        self.stream_info: "StreamInfo | None" = None
        self.error: "BaseException | None" = None
        self.recording_status: "RecordingStatus | None" = None
        self.dropped_updates = 0
        self.blocks = 0
        self.stream_t_s = 0.0

    @property
    def info(self) -> StreamInfo:
        """The device's stream info (once connected)."""
        if self.stream_info is None:
            raise RuntimeError("the device is not connected yet")
        return self.stream_info

    @property
    def running(self) -> bool:
        """True while the worker thread runs (connecting or streaming)."""
        return self._thread is not None and self._thread.is_alive()

    def start_async(self) -> None:
        """Start the worker: it opens (if needed) and starts the device, then streams.

        Returns at once; :attr:`state` goes ``connecting`` → ``streaming`` (or ``stopped`` with
        :attr:`error` set when the device cannot be opened).
        """
        if self.running:
            return
        self._halt.clear()
        self._ready.clear()
        self.error = None
        self.state = CONNECTING
        self._thread = threading.Thread(target=self._run, name="emgfeedback-session", daemon=True)
        self._thread.start()

    def start(self, timeout_s: "float | None" = None) -> StreamInfo:
        """Start and wait until the device streams; returns the info.

        Raises
        ------
        EmgFeedbackError, ValueError, OSError
            When the device cannot be opened (re-raised here, on the caller's thread).
        """
        if self.state == STREAMING and self.running:
            return self.info
        self.start_async()
        self._ready.wait(timeout_s)
        if self.error is not None:
            raise self.error
        return self.info

    def stop(self, wait: bool = True) -> None:
        """Stop the worker (it finishes any recording and closes the device); idempotent.

        Parameters
        ----------
        wait : bool
            Wait (up to 5 s) for the worker to end. ``False`` returns at once, e.g. while a
            handshake is still running: the worker closes the device when it returns.
        """
        self._halt.set()
        if self._thread is None:
            if self.device is not None:
                self._close_device()
            return
        if wait:
            self._thread.join(timeout=5.0)
            if not self._thread.is_alive():
                self._thread = None

    def call(self, fn: Callable[[SessionEngine], Any]) -> None:
        """Run ``fn(engine)`` on the worker before its next block (e.g. start a protocol)."""
        self._calls.put(fn)

    def drain(self) -> list[SessionUpdate]:
        """Take all updates queued since the last drain (oldest first)."""
        with self._lock:
            out = list(self._updates)
            self._updates.clear()
        return out

    # ------------------------------------------------------------------ recording
    def start_recording(self, path: "str | Path", patient_code: str, *, db_path: "str | Path | None" = None,
                        use_db: bool = True) -> None:
        """Start recording on the worker (file created there); see :attr:`recording_status`.

        Parameters
        ----------
        path : str or Path
            The ``.edf`` file to create (``.bdf`` for 24-bit boards).
        patient_code : str
            De-identified patient code (validated; names are refused).
        db_path : str or Path, optional
            Session database (default ``storage.default_db_path()``).
        use_db : bool
            Store per-rep results, MVC values and the recording's path in the database.
        """
        def begin(engine: SessionEngine) -> None:
            if self._recording is not None:
                return
            try:
                rec = LiveRecording(engine.info, path, patient_code, db_path=db_path, use_db=use_db,
                                    protocol=engine.protocol.id if engine.protocol else None,
                                    mvc_uv=engine.mvc_uv)
            except (EmgFeedbackError, ValueError, OSError) as err:
                self.recording_status = RecordingStatus.failed(Path(path), str(err))
                return
            self._recording = rec
            self.recording_status = rec.status

        self.call(begin)

    def stop_recording(self) -> None:
        """Finish the file (and the database session) on the worker."""
        self.call(lambda engine: self._end_recording())

    def _end_recording(self) -> None:
        rec, self._recording = self._recording, None
        if rec is not None:
            self.recording_status = rec.stop()

    # ------------------------------------------------------------------ the worker
    def _close_device(self) -> None:
        try:
            self.device.close()
        except EmgFeedbackError as err:
            log.warning("closing %s: %s", getattr(self.device, "url", "device"), err)

    def _connect(self) -> SessionEngine:
        if self.device is None:
            assert self._opener is not None
            self.device = self._opener()
        self.device.start()
        info = self.device.info
        n = max(int(round(self.window_s * info.fs)), 1)
        self.filtered = RingBuffer(info.n_channels, n)
        self.envelope = RingBuffer(info.n_channels, n)
        self.engine = SessionEngine(info, self._factory(info), **self._engine_options)
        if self._lsl:
            from emgfeedback.storage.lsl_outlet import LslOutlet

            self.outlet = LslOutlet(info)
        self.stream_info = info
        return self.engine

    def _run(self) -> None:
        try:
            try:
                engine = self._connect()
            except (EmgFeedbackError, ValueError, OSError) as err:
                log.error("cannot open the device: %s", err)
                self.error = err
                return
            self.state = STREAMING
            self._ready.set()
            self._loop(engine)
        finally:
            self._end_recording()
            if self.outlet is not None:
                self.outlet.close()
            if self.device is not None:
                self._close_device()
            self.state = STOPPED
            self._ready.set()

    def _loop(self, engine: SessionEngine) -> None:
        assert self.filtered is not None and self.envelope is not None
        try:
            while not self._halt.is_set():
                while not self._calls.empty():
                    self._calls.get_nowait()(engine)
                block = self.device.read(timeout=0.1)
                rec = self._recording
                if block is None:
                    if rec is not None:
                        self._feed(rec, None, None)
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
                if rec is not None:
                    self._feed(rec, block, update)
                if self.outlet is not None:
                    self.outlet.push_live(block, update.frame.onsets)
                self.blocks += 1
                self.stream_t_s = block.t_end
        except (EmgFeedbackError, ValueError, OSError) as err:
            log.error("live session stopped: %s", err)
            self.error = err

    def _feed(self, rec: LiveRecording, block: Any, update: "SessionUpdate | None") -> None:
        rec.feed(block, update, self.engine)
        self.recording_status = rec.status
        if not rec.active:  # a write error ended it: the file is finished, say why
            self._recording = None
