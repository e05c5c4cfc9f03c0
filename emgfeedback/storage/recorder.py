"""Blocks into a crash-safe EDF+/BDF+ file.

:class:`BlockWriter` is the per-block part every recording uses: the live session
(:class:`emgfeedback.session.LiveSession`, behind ``emgfeedback record`` and the dashboard, which
also annotates onsets, reps, cues and its settings) writes through it. :class:`Recorder` is the
storage layer's plain copier for library use (no DSP: it measures nothing): it reads
``SampleBlock``s from a started :class:`~emgfeedback.devices.Device`,
writes them with :class:`~emgfeedback.storage.edf.EdfWriter` (complete records go to disk as soon
as they fill; ``fsync`` at least once a second of wall time), and annotates what happened:

- ``gap N samples lost`` where the transport lost samples (they are filled in by the device) or
  where the recorder fell behind and the device dropped blocks (filled here with the last value,
  so the file stays continuous EDF+C and times stay true);
- anything given to :meth:`Recorder.annotate` (``rep 3``, ``cue squeeze``, ``marker …``), which is
  safe to call from another thread.

An optional LSL outlet receives every block and every annotation as it is written.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from emgfeedback.errors import RecordingError
from emgfeedback.model import SampleBlock
from emgfeedback.storage._gaps import lost_runs
from emgfeedback.storage.annotations import onset_text
from emgfeedback.storage.deidentify import validate_patient_code
from emgfeedback.storage.edf import EdfWriter

__all__ = ["BlockWriter", "Recorder", "RecordingProgress", "wants_bdf"]


def wants_bdf(info: Any) -> bool:
    """True when a stream's ADC has more than 16 bits (``StreamInfo.adc_bits``, from the board
    file or the board's DEVICE_INFO): its samples keep their resolution only in BDF+ (24-bit)."""
    bits = getattr(info, "adc_bits", None)
    return bits is not None and bits > 16


@dataclass(frozen=True)
class RecordingProgress:
    """Where a recording stands (also its final summary).

    Parameters
    ----------
    elapsed_s : float
        Wall time since recording started, s.
    samples : int
        Samples per channel in the file (filled-in ones included).
    lost_samples : int
        Samples lost in transport or dropped because the recorder fell behind (filled in).
    clipped_samples : int
        Sample instants where a channel exceeded the file's physical range.
    file_bytes : int
        Size of the file's complete part, bytes.
    fs : float
        Sample rate, Hz.
    stopped_by : str
        ``""`` while running, then ``duration``, ``stop`` or ``end of stream``.
    """

    elapsed_s: float
    samples: int
    lost_samples: int
    clipped_samples: int
    file_bytes: int
    fs: float
    stopped_by: str = ""

    @property
    def recorded_s(self) -> float:
        """Signal time in the file, s."""
        return self.samples / self.fs

    def line(self) -> str:
        """One progress line: elapsed, samples, lost samples, file size."""
        return (f"elapsed {self.elapsed_s:7.1f} s  samples {self.samples:9d}  "
                f"lost {self.lost_samples:6d}  file {self.file_bytes / 1e6:8.2f} MB")


class Recorder:
    """Record a device to an EDF+/BDF+ file.

    Parameters
    ----------
    device : Device
        An open (or openable) device; :meth:`run` starts it and closes it at the end.
    path : str or Path
        The ``.edf`` or ``.bdf`` file to create (BDF+ when the suffix is ``.bdf``).
    patient_code : str, optional
        De-identified patient code; None (default) writes EDF+'s unknown ``X``.
    duration_s : float, optional
        Stop after this much signal, s; None records until :meth:`stop` or the source ends.
    bdf : bool, optional
        Force BDF+ (True) or EDF+ (False). Default: BDF+ for a ``.bdf`` path and for
        streams of more than 16 ADC bits (:func:`wants_bdf`), whose ``FILE.edf`` then becomes ``FILE.bdf``
        (``path`` is updated when :meth:`run` starts).
    physical_range_uv : float, optional
        File range, ±µV (see :class:`EdfWriter`).
    outlet : object, optional
        LSL outlet with ``push_block(block)`` and ``push_marker(text, onset_s)``.
    writer_options
        Passed to :class:`EdfWriter` (e.g. ``sync_interval_s``, ``overwrite``).
    """

    def __init__(self, device: Any, path: "str | Path", *, patient_code: "str | None" = None,
                 duration_s: "float | None" = None, bdf: "bool | None" = None,
                 physical_range_uv: "float | None" = None,
                 outlet: Any = None, **writer_options: Any) -> None:
        if duration_s is not None and not (duration_s > 0):
            raise ValueError(f"duration_s must be a positive number of seconds, got {duration_s!r}")
        self.device = device
        self.path = Path(path)
        if self.path.suffix.lower() not in (".edf", ".bdf"):
            raise ValueError(f"the recording file must end in .edf or .bdf, got {self.path.name!r}")
        self.patient_code = patient_code
        self.duration_s = duration_s
        self._bdf = bdf if bdf is not None else (True if self.path.suffix.lower() == ".bdf" else None)
        self._range = physical_range_uv
        self.outlet = outlet
        self._writer_options = writer_options
        self._writer: "EdfWriter | None" = None
        self._stop = threading.Event()
        self._pending: list[tuple[float, str, "float | None"]] = []
        self._lock = threading.Lock()
        self._sink: "BlockWriter | None" = None
        self._t_start = 0.0
        if patient_code is not None:
            self.patient_code = validate_patient_code(patient_code)

    # ----------------------------------------------------------------- public API
    def stop(self) -> None:
        """Ask :meth:`run` to finish the file and return (safe from any thread or a signal handler)."""
        self._stop.set()

    def annotate(self, text: str, onset_s: "float | None" = None, duration_s: "float | None" = None) -> None:
        """Add an annotation (``rep 3``, ``cue squeeze``, ``marker …``); thread-safe.

        Parameters
        ----------
        text : str
            What happened.
        onset_s : float, optional
            Time in the recording, s; default: the end of the signal written so far.
        duration_s : float, optional
            Length, s.
        """
        with self._lock:
            self._pending.append((onset_s if onset_s is not None else -1.0, str(text), duration_s))

    def progress(self, stopped_by: str = "") -> RecordingProgress:
        """A snapshot of the counters."""
        w = self._writer
        return RecordingProgress(
            elapsed_s=time.monotonic() - self._t_start if self._t_start else 0.0,
            samples=0 if w is None else w.samples_written,
            lost_samples=0 if self._sink is None else self._sink.lost_samples,
            clipped_samples=0 if w is None else w.clipped_samples,
            file_bytes=0 if w is None else w.file_bytes,
            fs=w.fs if w is not None else 1.0, stopped_by=stopped_by)

    def run(self, on_progress: "Callable[[RecordingProgress], None] | None" = None,
            progress_interval_s: float = 0.5) -> RecordingProgress:
        """Record until the duration is reached, :meth:`stop` is called or the source ends.

        Returns
        -------
        RecordingProgress
            The final counters (``stopped_by`` says why it ended).

        Raises
        ------
        RecordingError
            Writing failed (disk full…); the file keeps what was written and stays readable.
        EmgFeedbackError
            The device failed; the file is finished cleanly first.
        """
        dev = self.device
        dev.start()
        info = dev.info
        bdf = self._bdf if self._bdf is not None else wants_bdf(info)
        if bdf and self.path.suffix.lower() == ".edf":
            # a 24-bit board asked for FILE.edf: keep its resolution in BDF+, named as such
            self.path = self.path.with_suffix(".bdf")
        try:
            self._writer = EdfWriter(self.path, info.fs, info.montage.labels, patient_code=self.patient_code,
                                     bdf=bdf, physical_range_uv=self._range, **self._writer_options)
        except BaseException:
            dev.close()  # a failed start leaves neither a file nor an open device
            raise
        self._sink = BlockWriter(self._writer, outlet=self.outlet)
        self._t_start = time.monotonic()
        last_report = self._t_start
        limit = None if self.duration_s is None else int(round(self.duration_s * info.fs))
        stopped_by = "end of stream"
        try:
            for block in self._blocks(dev):
                if block is not None:
                    if limit is not None and self._writer.samples_written + block.n_samples >= limit:
                        self._write_block(_head(block, limit - self._writer.samples_written))
                        stopped_by = "duration"
                        break
                    self._write_block(block)
                self._drain_annotations()
                self._sink.flush_due(1.0)
                now = time.monotonic()
                if on_progress is not None and now - last_report >= progress_interval_s:
                    on_progress(self.progress())
                    last_report = now
                if self._stop.is_set():
                    stopped_by = "stop"
                    break
            self._drain_annotations()
            self._sink.finish()
        finally:
            try:
                dev.close()
            finally:
                self._writer.close()
        return self.progress(stopped_by)

    # ----------------------------------------------------------------- internals
    def _blocks(self, dev: Any):
        """Blocks from the device, or None every ~0.1 s when none came (to notice stop())."""
        while True:
            block = dev.read(timeout=0.1)
            if block is None and not dev.is_streaming:
                # drain what is queued, then the source has ended
                while (block := dev.read(timeout=0)) is not None:
                    yield block
                return
            yield block

    def _write_block(self, block: SampleBlock) -> None:
        assert self._sink is not None
        self._sink.write(block)

    def _drain_annotations(self) -> None:
        assert self._sink is not None
        with self._lock:
            pending, self._pending = self._pending, []
        for onset, text, dur in pending:
            self._sink.add(text, onset if onset >= 0 else None, dur)


class BlockWriter:
    """The per-block part of recording, shared by :class:`Recorder` and the dashboard: blocks
    into an :class:`EdfWriter` with gaps filled and annotated, onsets and other annotations,
    an optional LSL outlet. Not thread-safe: call it from the thread that reads the blocks.

    Parameters
    ----------
    writer : EdfWriter
        The open file.
    outlet : object, optional
        LSL outlet with ``push_block(block)`` and ``push_marker(text, onset_s)``.
    origin_s : float or None
        Stream time of the file's first sample, s (onset times are shifted by it); None takes
        the first block's ``t0``.
    """

    def __init__(self, writer: EdfWriter, *, outlet: Any = None, origin_s: "float | None" = 0.0) -> None:
        self.writer = writer
        self.outlet = outlet
        self.origin_s = origin_s
        self.lost_samples = 0
        self._next_seq: "int | None" = None
        self._seen_onsets: set[tuple[str, float]] = set()
        self._open_onsets: dict[tuple[str, float], Any] = {}
        self._last_sync = time.monotonic()

    def file_time(self, stream_t_s: float) -> float:
        """Time in the file, s, of stream time ``stream_t_s``."""
        return stream_t_s - (self.origin_s or 0.0)

    def write(self, block: SampleBlock) -> None:
        """Append a block: dropped blocks (a jump in ``seq``) and samples lost in transport are
        filled and annotated as ``gap N samples lost`` so times in the file stay true.

        Raises
        ------
        RecordingError
            Writing failed (disk full…); the file keeps what was written and stays readable.
        """
        w = self.writer
        if self.origin_s is None:
            self.origin_s = block.t0
        if self._next_seq is not None and block.seq > self._next_seq:
            # the device dropped blocks because we fell behind: keep time true, fill and say so
            missing = block.seq - self._next_seq
            t = w.samples_written / w.fs
            w.write(np.repeat(block.data[:, :1], missing, axis=1))
            w.annotate(t, f"gap {missing} samples lost", missing / w.fs)
            self.lost_samples += missing
        if block.n_lost:
            t0 = w.samples_written / w.fs
            for s, e in zip(*lost_runs(block.lost)):  # one annotation per run of lost samples
                w.annotate(t0 + s / w.fs, f"gap {e - s} samples lost", (e - s) / w.fs)
            self.lost_samples += block.n_lost
        unmeasured = w.nonfinite_samples
        w.write(block.data)  # NaN/inf samples are recorded as lost there
        self.lost_samples += w.nonfinite_samples - unmeasured
        self._next_seq = block.seq + block.n_samples
        if self.outlet is not None:
            self.outlet.push_block(block)

    def add_onsets(self, onsets: Iterable[Any]) -> None:
        """Annotate ``onset LABEL`` for detected bursts (stream times); a burst still open is
        held until its offset is known (or :meth:`finish`)."""
        for o in onsets:
            key = (o.channel, round(o.onset_s, 6))
            if key in self._seen_onsets:
                continue
            if o.offset_s is None:
                self._open_onsets[key] = o
                continue
            self._seen_onsets.add(key)
            self._open_onsets.pop(key, None)
            self.add(onset_text(o.channel), self.file_time(o.onset_s), o.offset_s - o.onset_s)

    def add(self, text: str, onset_s: "float | None" = None, duration_s: "float | None" = None) -> None:
        """Annotate ``text`` at ``onset_s`` (time in the file, s; default: the end of the signal
        written so far)."""
        w = self.writer
        t = onset_s if onset_s is not None else w.samples_written / w.fs
        try:
            w.annotate(t, text, duration_s)
        except ValueError as err:
            raise RecordingError(f"cannot annotate {text!r}: {err}") from err
        if self.outlet is not None:
            self.outlet.push_marker(text, t)

    def flush_due(self, interval_s: float = 1.0) -> None:
        """``fsync`` if ``interval_s`` of wall time passed since the last time (also when the
        device is silent)."""
        now = time.monotonic()
        if now - self._last_sync >= interval_s:
            self.writer.flush()
            self._last_sync = now

    def finish(self) -> None:
        """Annotate bursts still open at the end (without duration); the caller closes the writer."""
        for key, o in sorted(self._open_onsets.items(), key=lambda kv: kv[1].onset_s):
            if key not in self._seen_onsets:
                self.add(onset_text(o.channel), self.file_time(o.onset_s), None)
        self._open_onsets.clear()


def _head(block: SampleBlock, n: int) -> SampleBlock:
    n = max(0, n)
    return SampleBlock(t0=block.t0, fs=block.fs, data=block.data[:, :n], seq=block.seq,
                       lost=None if block.lost is None else block.lost[:n], channels=block.channels)
