"""The live session loop: device → pipeline → engine → reps → writer on a worker thread. It is
the one acquisition loop: ``emgfeedback record``, ``emgfeedback monitor`` and the dashboard all
run it, so every recording carries the same onset, rep, cue and settings annotations.

The worker owns the device, the engine and an optional recording: it opens the device (a serial
or BLE handshake may take seconds, so it never happens on the caller's thread when started with
:meth:`LiveSession.start_async`), runs every block through the engine, feeds the recording, and
closes everything when it stops. Other threads talk to it only through :meth:`LiveSession.call`
(run a function on the worker between blocks) and read snapshots (:attr:`state`,
:attr:`recording_status`) that the worker replaces whole.

Two queues leave the worker:

- display updates (:meth:`LiveSession.drain`): bounded; when the reader falls behind the oldest
  are dropped and counted (:attr:`LiveSession.dropped_updates`). Their ``reps`` and ``events``
  are empty: results never travel on a queue that drops;
- results (:meth:`LiveSession.drain_results`): every update that finished a rep or began a
  protocol phase, in order, never dropped.

:meth:`LiveSession.drain_all` gives both (results first), which is what a display wants.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any, Callable

from emgfeedback.devices.lsl_clock import StreamClock
from emgfeedback.devices.markers import marker_text
from emgfeedback.errors import EmgFeedbackError
from emgfeedback.model import SampleBlock, StreamInfo
from emgfeedback.session.engine import Pipeline, SessionEngine, SessionUpdate
from emgfeedback.session.mvc import MvcStep
from emgfeedback.session.runner import Phase
from emgfeedback.session.recording import LiveRecording, RecordingStatus
from emgfeedback.session.visit_writer import VisitWriter
from emgfeedback.session.ringbuffer import RingBuffer
from emgfeedback.settings import ProcessingSettings

__all__ = ["LiveSession", "default_pipeline", "CONNECTING", "STREAMING", "STOPPED"]

log = logging.getLogger(__name__)

#: :attr:`LiveSession.state` values.
CONNECTING, STREAMING, STOPPED = "connecting", "streaming", "stopped"


def default_pipeline(info: StreamInfo, settings: "ProcessingSettings | None" = None) -> Pipeline:
    """The project's live DSP pipeline for a stream (``dsp.pipeline.OnlinePipeline``) with
    ``settings`` (default ``ProcessingSettings()``)."""
    from emgfeedback.dsp.pipeline import OnlinePipeline

    return OnlinePipeline(info.fs, info.montage, settings=settings)


def _head(block: SampleBlock, n: int) -> SampleBlock:
    """The first ``n`` samples of ``block``."""
    n = max(0, n)
    return SampleBlock(t0=block.t0, fs=block.fs, data=block.data[:, :n], seq=block.seq,
                       lost=None if block.lost is None else block.lost[:n], channels=block.channels)


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
    settings : ProcessingSettings, optional
        Band, mains, onset detector, baseline and rep rules for the pipeline and the engine
        (default ``ProcessingSettings()``); recordings name them in a ``settings`` annotation.
    pipeline_factory : callable, optional
        ``(StreamInfo, ProcessingSettings) -> Pipeline``; default :func:`default_pipeline`.
    window_s : float
        Length of the trace ring buffers, s.
    max_updates : int
        Capacity of the display-update queue; when the UI falls behind, the oldest updates are
        dropped and counted in :attr:`dropped_updates` (the ring buffers still get every sample,
        and reps and phase events are kept on the results queue, see :meth:`drain_results`).
    lsl : bool
        Also publish the raw channels and onset markers as Lab Streaming Layer streams
        (opt-in: an LSL outlet announces itself on the local network).
    stop_after_s : float, optional
        End the session after this much signal, s, counted from the first block (the block
        that crosses it is cut): ``emgfeedback record --duration``. :attr:`stopped_by` says
        why the session ended.
    **engine_options
        Passed to :class:`SessionEngine` (``protocol``, ``mvc_uv``, ``history_s``).
    """

    def __init__(self, device: Any = None, *, opener: "Callable[[], Any] | None" = None,
                 settings: "ProcessingSettings | None" = None,
                 pipeline_factory: "Callable[[StreamInfo, ProcessingSettings], Pipeline] | None" = None,
                 window_s: float = 10.0, max_updates: int = 4096, lsl: bool = False,
                 stop_after_s: "float | None" = None, **engine_options: Any) -> None:
        if window_s <= 0:
            raise ValueError(f"window_s must be a positive number of seconds, got {window_s!r}")
        if max_updates < 1:
            raise ValueError(f"max_updates must be at least 1, got {max_updates!r}")
        if stop_after_s is not None and not stop_after_s > 0:
            raise ValueError(f"stop_after_s must be a positive number of seconds, got {stop_after_s!r}")
        if (device is None) == (opener is None):
            raise ValueError("give exactly one of device (an opened device) or opener (() -> device)")
        if settings is not None and not isinstance(settings, ProcessingSettings):
            raise TypeError(f"settings must be a ProcessingSettings, got {type(settings).__name__}")
        self.device = device
        self._opener = opener
        self.settings = ProcessingSettings() if settings is None else settings
        self._factory = pipeline_factory or default_pipeline
        self._engine_options = engine_options
        self.window_s = float(window_s)
        self.stop_after_s = stop_after_s
        self.engine: "SessionEngine | None" = None
        self.filtered: "RingBuffer | None" = None
        self.envelope: "RingBuffer | None" = None
        self._updates: deque[SessionUpdate] = deque(maxlen=max_updates)
        self._results: deque[SessionUpdate] = deque()  # unbounded: never drops a rep
        self._calls: "queue.SimpleQueue[Callable[[SessionEngine], Any]]" = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self._ready = threading.Event()
        self._thread: "threading.Thread | None" = None
        self._recording: "LiveRecording | None" = None
        self._visit = VisitWriter()  # every rep into the patient's visit, once attached
        self._mvc_step: "MvcStep | None" = None  # the MVC wizard's step at the last block
        #: ``fn(update, engine)`` called on the worker with every update (audio feedback);
        #: replaced whole, never changed in place, so other threads may add and remove.
        self._listeners: tuple[Callable[[SessionUpdate, SessionEngine], Any], ...] = ()
        self._lsl = bool(lsl)
        self.outlet: Any = None
        self.state = STOPPED
        self.stream_info: "StreamInfo | None" = None
        self.error: "BaseException | None" = None
        self.recording_status: "RecordingStatus | None" = None
        self.dropped_updates = 0
        self._last_update: "SessionUpdate | None" = None
        self.blocks = 0
        self.stream_t_s = 0.0
        #: Monotonic clock ↔ stream seconds (the device's own when it has one, e.g. ``lsl://``).
        self.clock = StreamClock()
        self._own_clock = True
        #: Why the worker ended: ``""`` while running, then ``stop``, ``duration``,
        #: ``end of stream`` or ``error``.
        self.stopped_by = ""

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
        self.stopped_by = ""
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

    def wait(self, timeout_s: float) -> bool:
        """Block until the worker ends by itself (end of stream, ``stop_after_s``, an error), at
        most ``timeout_s`` s; True when it has ended."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout=max(0.0, float(timeout_s)))
        return not self.running

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

    def add_listener(self, fn: Callable[[SessionUpdate, SessionEngine], Any]) -> None:
        """Call ``fn(update, engine)`` on the worker with every update, the moment its block is
        processed (before the display queue: audio feedback cannot wait for a UI frame). It must
        return fast; an exception removes it (logged once). Safe from any thread."""
        self._listeners = self._listeners + (fn,)

    def remove_listener(self, fn: Callable[[SessionUpdate, SessionEngine], Any]) -> None:
        """Stop calling ``fn`` (no-op when it is not a listener)."""
        self._listeners = tuple(f for f in self._listeners if f is not fn)

    def add_marker(self, text: str = "", t_s: "float | None" = None) -> None:
        """Annotate ``marker TEXT`` in the recording (and send it on the LSL outlet) at stream
        time ``t_s`` (s; default: the latest sample); safe from any thread."""
        def mark(engine: SessionEngine) -> None:
            t = self.stream_t_s if t_s is None else max(float(t_s), 0.0)
            rec = self._recording
            if rec is not None:
                rec.annotate(marker_text(text), t)
                self.recording_status = rec.status
            if self.outlet is not None:
                self.outlet.push_marker(marker_text(text), t)

        self.call(mark)

    def stream_time(self, t_monotonic: float) -> "float | None":
        """Stream time (s) of a moment on the monotonic clock; None before the first block."""
        return self.clock.stream_time(t_monotonic)

    def drain(self) -> list[SessionUpdate]:
        """Take the display updates queued since the last drain (oldest first).

        Bounded: updates the reader was too slow to take were dropped (counted in
        :attr:`dropped_updates`). Their ``reps`` and ``events`` are always empty — results come
        from :meth:`drain_results`, which never drops.
        """
        with self._lock:
            out = list(self._updates)
            self._updates.clear()
        return out

    def drain_results(self) -> list[SessionUpdate]:
        """Take every update that finished a rep or began a protocol phase since the last call
        (oldest first), with its ``reps`` and ``events``. Never dropped, however late the reader."""
        with self._lock:
            out = list(self._results)
            self._results.clear()
        return out

    def drain_all(self) -> list[SessionUpdate]:
        """:meth:`drain_results` then :meth:`drain`: every rep and event once, and the latest
        display state last (what a display takes each frame)."""
        with self._lock:
            out = list(self._results) + list(self._updates)
            self._results.clear()
            self._updates.clear()
        return out

    # ------------------------------------------------------------------ recording
    def start_recording(self, path: "str | Path", patient_code: "str | None", *,
                        db_path: "str | Path | None" = None, use_db: bool = True,
                        physical_range_uv: "float | None" = None, session_id: "int | None" = None) -> None:
        """Start recording on the worker (file created there); see :attr:`recording_status`.

        Called before :meth:`start`, the recording begins with the stream's first block.

        Parameters
        ----------
        path : str or Path
            The ``.edf`` file to create (``.bdf`` for streams of more than 16 ADC bits).
        patient_code : str or None
            De-identified patient code (validated; names are refused); None records an
            unknown patient (``X``) and stores nothing in the database.
        db_path : str or Path, optional
            Session database (default ``storage.default_db_path()``).
        use_db : bool
            Store per-rep results, MVC values and the recording's path in the database.
        physical_range_uv : float, optional
            File range, ±µV (default 5000 for EDF+, 187500 for BDF+).
        session_id : int, optional
            The patient's visit in the database to add this recording to (the dashboard's
            :class:`~emgfeedback.session.Visit`); None starts a visit for the recording.
        """
        def begin(engine: SessionEngine) -> None:
            if self._recording is not None:
                return
            store = self._visit.store_for(patient_code) if use_db else None
            try:
                rec = LiveRecording(engine.info, path, patient_code, db_path=db_path, use_db=use_db,
                                    protocol=engine.protocol.id if engine.protocol else None,
                                    mvc_uv=engine.mvc_uv, settings=self.settings,
                                    physical_range_uv=physical_range_uv, session_id=session_id, store=store)
            except (EmgFeedbackError, ValueError, OSError) as err:
                self.recording_status = RecordingStatus.failed(Path(path), str(err))
                return
            self._recording = rec
            self.recording_status = rec.status

        self.call(begin)

    def set_visit(self, visit: "Any | None", db_path: "str | Path | None" = None) -> None:
        """Store every rep of this stream (recorded or not) in a patient's visit: ``visit`` is a
        :class:`~emgfeedback.session.Visit` (its ``ensure`` gives the database session); None
        stops storing. While recording, reps carry their recording and times in its file; else
        stream seconds."""
        self.call(lambda engine: self._visit.attach(visit, db_path, self._recording))

    @property
    def visit_warning(self) -> str:
        """Why the visit's database was not updated ("" when it was)."""
        return self._visit.warning

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
        own = getattr(self.device, "stream_clock", None)
        self._own_clock = not isinstance(own, StreamClock)
        self.clock = StreamClock() if self._own_clock else own
        n = max(int(round(self.window_s * info.fs)), 1)
        self.filtered = RingBuffer(info.n_channels, n)
        self.envelope = RingBuffer(info.n_channels, n)
        self.engine = SessionEngine(info, self._factory(info, self.settings), settings=self.settings,
                                    **self._engine_options)
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
                # reported by start() / error (one line); no log record on stderr twice
                log.info("cannot open the device: %s", err)
                self.error = err
                self.stopped_by = "error"
                return
            self.state = STREAMING
            self._ready.set()
            self._loop(engine)
            if self.stopped_by != "error":
                self._finish_reps(engine)
        finally:
            self._end_recording()
            self._visit.close()
            if self.outlet is not None:
                self.outlet.close()
            if self.device is not None:
                self._close_device()
            self.state = STOPPED
            self._ready.set()

    def _loop(self, engine: SessionEngine) -> None:
        info = engine.info
        limit = None if self.stop_after_s is None else max(int(round(self.stop_after_s * info.fs)), 1)
        first_seq: "int | None" = None
        try:
            while not self._halt.is_set():
                while not self._calls.empty():
                    self._calls.get_nowait()(engine)
                block = self.device.read(timeout=0.1)
                if block is None:
                    if not getattr(self.device, "is_streaming", True):
                        # the source ended: take what is still queued, then stop
                        while (block := self.device.read(timeout=0)) is not None:
                            self._step(engine, block)
                        self.stopped_by = "end of stream"
                        return
                    rec = self._recording
                    if rec is not None:
                        self._feed(rec, None, None)
                    continue
                if limit is not None:
                    first_seq = block.seq if first_seq is None else first_seq
                    if block.seq + block.n_samples - first_seq >= limit:
                        self._step(engine, _head(block, limit - (block.seq - first_seq)))
                        self.stopped_by = "duration"
                        return
                self._step(engine, block)
            self.stopped_by = "stop"
        except (EmgFeedbackError, ValueError, OSError) as err:
            log.info("live session stopped: %s", err)  # reported through .error
            self.error = err
            self.stopped_by = "error"

    def _finish_reps(self, engine: SessionEngine) -> None:
        """The stream ended (or was stopped): reps still waiting for late bursts are measured
        now, queued as results and written to the recording before it is closed."""
        reps = engine.finish()
        last = self._last_update
        if not reps or last is None:
            return
        update = dataclasses.replace(last, reps=tuple(reps), events=())
        with self._lock:
            self._results.append(update)
        rec = self._recording
        if rec is not None:
            rec.add_results(update, engine)
            self.recording_status = rec.status
        self._visit.write(engine, update, self._recording)

    def _step(self, engine: SessionEngine, block: SampleBlock) -> None:
        """One block through the engine, into the rings, the queues, the recording and LSL."""
        assert self.filtered is not None and self.envelope is not None
        if self._own_clock:
            self.clock.observe(block.t_end, time.monotonic())
        update = engine.process(block, arrival_s=time.monotonic())
        self._last_update = update
        for fn in self._listeners:
            try:
                fn(update, engine)
            except Exception:  # noqa: BLE001 - a listener must never stop the acquisition
                log.exception("session listener %r failed; removed", fn)
                self.remove_listener(fn)
        self._cue_device(engine, update)
        self._visit.write(engine, update, self._recording)
        self.filtered.write(update.frame.filtered_uv)
        self.envelope.write(update.frame.envelope_uv)
        has_results = bool(update.reps or update.events)
        display = dataclasses.replace(update, reps=(), events=()) if has_results else update
        with self._lock:
            if len(self._updates) == self._updates.maxlen:
                self.dropped_updates += 1
            self._updates.append(display)
            if has_results:
                self._results.append(update)
        rec = self._recording
        if rec is not None:
            self._feed(rec, block, update)
        if self.outlet is not None:
            self.outlet.push_live(block, update.frame.onsets)
        self.blocks += 1
        self.stream_t_s = block.t_end

    def _cue_device(self, engine: SessionEngine, update: SessionUpdate) -> None:
        """Hold cues, and the MVC wizard's "contract now", to a device that can act on them (the
        simulated patient with ``follow=1``: ``cue_hold(t_s, side, hold_s)``)."""
        cue = getattr(self.device, "cue_hold", None)
        if cue is None:
            return
        mvc = update.mvc
        step = None if mvc is None else mvc.step
        if step is MvcStep.CONTRACT and self._mvc_step is not MvcStep.CONTRACT:  # "contract now"
            cue(update.frame.t_s, None, max(mvc.remaining_s, 1.0))
        self._mvc_step = step
        if engine.protocol is None:
            return
        for e in update.events:
            if e.phase is Phase.HOLD:
                cue(e.t_s, e.side, engine.protocol.hold_s)

    def _feed(self, rec: LiveRecording, block: Any, update: "SessionUpdate | None") -> None:
        rec.feed(block, update, self.engine)
        self.recording_status = rec.status
        if not rec.active:  # a write error ended it: the file is finished, say why
            self._recording = None
