"""Crash-safe EDF+/BDF+ writer: records appended as they fill, header record count kept current.

Why not a library: pyedflib's ``EdfWriter`` (EDFlib) leaves the header's record count at -1 and
holds every annotation in memory until ``close()`` (checked: after three records the file says
``-1`` and has no annotation bytes), so a killed recording loses all annotations and pyedflib
itself rejects the file; edfio writes a whole ``Edf`` object at once. EDF+ is a simple format,
so this module writes it directly (and :mod:`emgfeedback.storage.edf_reader` reads it back).

Crash safety: each complete data record (``record_duration_s`` ≤ 1 s, 0.5 s when the rate
allows) is written with ``os.write`` as soon as it fills, then the header's record count is
rewritten in place (``os.pwrite``), and the file is ``fsync``-ed at least every
``sync_interval_s``. A process killed at any moment leaves at most one record's worth of samples
unwritten, plus at most a partial record at the end that :func:`~emgfeedback.storage.edf_repair.repair_edf`
(or the reader, on open) cuts off.

In use: the writer holds an advisory lock on its file while it is open
(:mod:`emgfeedback.storage._filelock`: ``flock``; ``msvcrt.locking`` on Windows, best effort
elsewhere), so ``repair`` and ``replay://`` leave a file being recorded alone and ``analyze``
reads only its complete records. A start that fails (or a recording that gets no sample) leaves
no file behind.
"""

from __future__ import annotations

import datetime as dt
import errno
import math
import os
import time
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from emgfeedback.errors import RecordingError
from emgfeedback.storage._edf_header import (
    N_RECORDS_OFFSET,
    EdfHeader,
    SignalHeader,
    build_header,
    edfplus_recording_field,
)
from emgfeedback.storage._filelock import lock_for_writing
from emgfeedback.storage._gaps import hold_nonfinite, lost_runs
from emgfeedback.storage.annotations import Annotation, encode_tal, record_tals
from emgfeedback.storage.deidentify import edf_patient_field

__all__ = ["EdfWriter", "write_edf", "choose_record_duration", "DEFAULT_RANGE_UV"]

#: Default physical range, ±µV: EDF (16 bit) resolves 0.15 µV; BDF (24 bit) a Cyton's full scale.
DEFAULT_RANGE_UV = {False: 5000.0, True: 187500.0}
_DIGITAL = {False: (-32768, 32767), True: (-8388608, 8388607)}
_MAX_RECORD_BYTES = 61440  # the EDF spec's recommended maximum record size


def choose_record_duration(fs: float, n_channels: int, bytes_per_sample: int = 2) -> float:
    """Longest record duration ≤ 0.5 s (else 1 s) holding a whole number of samples, s.

    Raises
    ------
    ValueError
        If no duration in 0.01–1 s gives a whole number of samples at ``fs``.
    """
    candidates = (0.5, 1.0, 0.25, 0.2, 0.125, 0.1, 0.05, 0.04, 0.025, 0.02, 0.01)
    fitting = [d for d in candidates if abs(fs * d - round(fs * d)) < 1e-9 * max(1.0, fs)
               and round(fs * d) >= 1]
    if not fitting:
        raise ValueError(f"fs={fs!r} Hz cannot be stored in EDF: no record duration of 0.01-1 s "
                         f"holds a whole number of samples; resample to a rational rate")
    small = [d for d in fitting if round(fs * d) * n_channels * bytes_per_sample <= _MAX_RECORD_BYTES]
    return (small or fitting[-1:])[0]


class EdfWriter:
    """Append samples and annotations to an EDF+ (16-bit) or BDF+ (24-bit) file as they come.

    Parameters
    ----------
    path : str or Path
        File to create; refused if it exists unless ``overwrite``.
    fs : float
        Sample rate, Hz (written exactly: samples per record / record duration).
    labels : sequence of str
        Channel labels, e.g. ``("GMax L", ...)``, at most 16 characters each.
    patient_code : str or None
        De-identified code (``P017``); None writes EDF+'s unknown ``X``; names are refused.
    bdf : bool
        Write BDF+ (24-bit samples) instead of EDF+ (16-bit).
    physical_range_uv : float, optional
        Samples are stored in ±this range, µV; beyond it they clip (counted in
        ``clipped_samples``). Default 5000 µV (EDF) or 187500 µV (BDF).
    record_duration_s : float, optional
        Data record length, s (≤ 1 s for crash safety); chosen from ``fs`` by default.
    sync_interval_s : float
        Longest time between ``fsync`` calls, s; 0 syncs after every record.
    annotation_bytes : int
        Room for annotations in each record, bytes; more annotations wait for the next record.
    start : datetime, optional
        Recording start (local time); now by default.
    equipment : str
        Equipment subfield of the EDF+ recording field (no spaces).
    overwrite : bool
        Replace an existing file (refused while another program records to it).

    Attributes
    ----------
    locked : bool
        True when the "being recorded" lock is held (False where the file system has no locks).
    nonfinite_samples : int
        Sample instants given as NaN/inf, recorded as lost (see :meth:`write`).
    removed : bool
        True when the file was deleted because nothing was recorded into it.
    """

    def __init__(
        self,
        path: "str | Path",
        fs: float,
        labels: Sequence[str],
        *,
        patient_code: "str | None" = None,
        bdf: bool = False,
        physical_range_uv: "float | None" = None,
        record_duration_s: "float | None" = None,
        sync_interval_s: float = 1.0,
        annotation_bytes: int = 512,
        start: "dt.datetime | None" = None,
        equipment: str = "emgfeedback",
        transducer: str = "sEMG surface electrodes",
        prefilter: str = "",
        overwrite: bool = False,
    ) -> None:
        if not (isinstance(fs, (int, float)) and math.isfinite(fs) and fs > 0):
            raise ValueError(f"fs must be a positive number of Hz, got {fs!r}")
        labels = tuple(str(x) for x in labels)
        if not labels or len(set(labels)) != len(labels) or any(len(x) > 16 or not x for x in labels):
            raise ValueError(f"labels must be 1-16 unique, non-empty names of at most 16 characters, "
                             f"got {labels!r}")
        rng = DEFAULT_RANGE_UV[bool(bdf)] if physical_range_uv is None else float(physical_range_uv)
        if not (math.isfinite(rng) and rng > 0):
            raise ValueError(f"physical_range_uv must be a positive number of µV, got {physical_range_uv!r}")
        bps = 3 if bdf else 2
        dur = choose_record_duration(fs, len(labels), bps) if record_duration_s is None else float(record_duration_s)
        spr = round(fs * dur)
        if not (0 < dur <= 1.0) or spr < 1 or abs(spr - fs * dur) > 1e-6:
            raise ValueError(f"record_duration_s must be in (0, 1] s and hold a whole number of samples "
                             f"at {fs:g} Hz, got {record_duration_s!r}")
        if sync_interval_s < 0 or sync_interval_s > 1.0:
            raise ValueError(f"sync_interval_s must be between 0 and 1 s, got {sync_interval_s!r}")
        if annotation_bytes < 64:
            raise ValueError(f"annotation_bytes must be at least 64, got {annotation_bytes!r}")
        patient = edf_patient_field(patient_code)
        self.path = Path(path)
        self.fs = float(fs)
        self.labels = labels
        self.bdf = bool(bdf)
        self.record_duration_s = dur
        self.samples_per_record = spr
        self.sync_interval_s = float(sync_interval_s)
        self._dmin, self._dmax = _DIGITAL[self.bdf]
        self._pmin, self._pmax = -rng, rng
        self._gain = (self._pmax - self._pmin) / (self._dmax - self._dmin)
        self._ann_samples = -(-annotation_bytes // bps)
        self._ann_bytes = self._ann_samples * bps
        start = (start or dt.datetime.now()).replace(microsecond=0)
        digital = dict(digital_min=self._dmin, digital_max=self._dmax)
        signals = [SignalHeader(label=x, samples_per_record=spr, physical_min=self._pmin,
                                physical_max=self._pmax, unit="uV", transducer=transducer,
                                prefilter=prefilter, **digital) for x in labels]
        signals.append(SignalHeader(label="BDF Annotations" if self.bdf else "EDF Annotations",
                                    samples_per_record=self._ann_samples, physical_min=-1,
                                    physical_max=1, unit="", **digital))
        self.header = EdfHeader(bdf=self.bdf, patient=patient,
                                recording=edfplus_recording_field(start, equipment), start=start,
                                n_records=0, record_duration_s=dur, signals=tuple(signals),
                                reserved="BDF+C" if self.bdf else "EDF+C")
        self.record_bytes = self.header.record_bytes
        self.n_records = 0
        self.samples_written = 0  # real samples per channel accepted (padding excluded)
        self.clipped_samples = 0
        self._pending: list[np.ndarray] = []
        self._pending_n = 0
        self._annotations: list[Annotation] = []
        self._last = np.zeros(len(labels))
        self._hold = np.zeros(len(labels))  # last value accepted per channel, µV
        self.nonfinite_samples = 0  # sample instants with NaN/inf, recorded as lost (see write)
        self.removed = False  # True once an empty file was deleted (nothing was recorded)
        self._failed: "RecordingError | None" = None
        self._closed = False
        self._fd = self._create(overwrite)
        self._last_sync = time.monotonic()
        try:
            self._write_all(build_header(self.header))
            os.fsync(self._fd)
        except OSError as err:
            self._remove()  # a header-only file would only block a retry
            os.close(self._fd)
            raise RecordingError(f"cannot start recording to {self.path}: {_reason(err)}; "
                                 f"no file was left") from err

    # ----------------------------------------------------------------- public API
    @property
    def n_channels(self) -> int:
        """Number of data channels."""
        return len(self.labels)

    @property
    def file_bytes(self) -> int:
        """Bytes written so far (header and complete records)."""
        return self.header.header_bytes + self.n_records * self.record_bytes

    @property
    def duration_s(self) -> float:
        """Real samples written per channel, as seconds."""
        return self.samples_written / self.fs

    def annotate(self, onset_s: float, text: str, duration_s: "float | None" = None) -> None:
        """Queue an annotation (s since the start); it goes into the next record written."""
        ann = Annotation(float(onset_s), None if duration_s is None else float(duration_s), str(text))
        encode_tal(ann)  # validate now, not at write time
        self._annotations.append(ann)

    def write(self, data: np.ndarray) -> None:
        """Append samples, shape (n_channels, n_samples), µV; full records go to disk at once.

        NaN or ±inf (a sample the source could not measure) is not a value: it is recorded as
        a lost sample, as transport gaps are: held at the channel's last value and annotated
        ``gap N samples lost`` (counted in ``nonfinite_samples``).

        Raises
        ------
        ValueError
            Wrong shape.
        RecordingError
            The disk is full or writing failed; the file stays readable up to the last record.
        """
        self._check_open()
        x = np.asarray(data, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] != self.n_channels:
            raise ValueError(f"data must have shape ({self.n_channels}, n_samples), got {x.shape}")
        if x.shape[1] == 0:
            return
        if not np.isfinite(x).all():
            x = self._mark_nonfinite(x)
        self._hold = x[:, -1].copy()
        self._pending.append(x)
        self._pending_n += x.shape[1]
        self.samples_written += x.shape[1]
        if self._pending_n >= self.samples_per_record:
            self._write_full_records()

    def flush(self) -> None:
        """Write complete records and ``fsync`` now (a partial record stays buffered)."""
        self._check_open()
        self._write_full_records()
        self._sync(force=True)

    def close(self) -> None:
        """Write what is left (the last record padded with the last value and a ``recording end``
        annotation; queued annotations get extra padded records) and close; idempotent.

        A file that received no sample is deleted (``removed``): a header-only file holds
        nothing and would block a retry under the same name."""
        if self._closed:
            return
        try:
            if self._failed is None and self.samples_written == 0:
                self._remove()
            elif self._failed is None:
                self._write_full_records()
                real_end = self.samples_written / self.fs
                if self._pending_n or self._annotations:
                    # any padding (a partial record, or whole records that only carry queued
                    # annotations) is marked, so readers can cut it
                    self._annotations.append(Annotation(real_end, None, "recording end"))
                    self._pad_and_write()
                    while self._annotations:
                        self._pad_and_write()
                self._sync(force=True)
        finally:
            self._closed = True
            os.close(self._fd)

    def __enter__(self) -> "EdfWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- internals
    def _create(self, overwrite: bool) -> int:
        """Open the file for writing and take its "being recorded" lock (before any byte)."""
        flags = os.O_WRONLY | os.O_CREAT | (0 if overwrite else os.O_EXCL)
        try:
            fd = os.open(self.path, flags, 0o600)
        except FileExistsError:
            raise RecordingError(f"{self.path} already exists; choose another file name") from None
        except OSError as err:
            raise RecordingError(f"cannot create {self.path}: {_reason(err)}") from err
        try:
            self.locked = lock_for_writing(fd)
            if overwrite:
                os.ftruncate(fd, 0)
        except BlockingIOError:
            os.close(fd)
            raise RecordingError(f"{self.path} is being recorded by another program; choose another "
                                 f"file name") from None
        except OSError as err:
            os.close(fd)
            raise RecordingError(f"cannot create {self.path}: {_reason(err)}") from err
        return fd

    def _remove(self) -> None:
        try:
            os.unlink(self.path)
            self.removed = True
        except OSError:
            pass

    def _mark_nonfinite(self, x: np.ndarray) -> np.ndarray:
        """Hold NaN/inf at the channel's last value; annotate each run of such instants."""
        x, lost = hold_nonfinite(x, self._hold)
        for a, b in zip(*lost_runs(lost)):
            self.annotate((self.samples_written + a) / self.fs, f"gap {b - a} samples lost",
                          (b - a) / self.fs)
        self.nonfinite_samples += int(np.count_nonzero(lost))
        return x

    def _check_open(self) -> None:
        if self._failed is not None:
            raise self._failed
        if self._closed:
            raise RecordingError(f"{self.path} is closed")

    def _pad_and_write(self) -> None:
        need = self.samples_per_record - self._pending_n
        if need:
            last = self._pending[-1][:, -1] if self._pending else self._last
            self._pending.append(np.repeat(last[:, None], need, axis=1))
            self._pending_n += need
        self._write_full_records()

    def _write_full_records(self) -> None:
        spr = self.samples_per_record
        n_rec = self._pending_n // spr
        if n_rec == 0:
            return
        x = self._pending[0] if len(self._pending) == 1 else np.concatenate(self._pending, axis=1)
        body, rest = x[:, : n_rec * spr], x[:, n_rec * spr:]
        self._pending = [rest] if rest.shape[1] else []
        self._pending_n = rest.shape[1]
        self._last = body[:, -1].copy()
        digital = np.rint((body - self._pmin) / self._gain + self._dmin)
        over = (digital < self._dmin) | (digital > self._dmax)
        if over.any():
            self.clipped_samples += int(np.count_nonzero(over.any(axis=0)))
            np.clip(digital, self._dmin, self._dmax, out=digital)
        # (n_ch, n_rec, spr) -> (n_rec, n_ch, spr): EDF stores each record signal by signal
        recs = digital.astype("<i4").reshape(self.n_channels, n_rec, spr).transpose(1, 0, 2)
        if self.bdf:
            data_bytes = np.ascontiguousarray(recs).view(np.uint8).reshape(n_rec, -1, 4)[:, :, :3]
        else:
            data_bytes = np.ascontiguousarray(recs, dtype="<i2").view(np.uint8)  # any input layout
        buf = np.empty((n_rec, self.record_bytes), dtype=np.uint8)
        buf[:, : self.record_bytes - self._ann_bytes] = data_bytes.reshape(n_rec, -1)
        for r in range(n_rec):
            t = (self.n_records + r) * self.record_duration_s
            payload, used = record_tals(t, self._annotations, self._ann_bytes)
            del self._annotations[:used]
            buf[r, self.record_bytes - self._ann_bytes:] = np.frombuffer(payload, dtype=np.uint8)
        try:
            self._write_all(buf.tobytes())
            self.n_records += n_rec
            os.pwrite(self._fd, f"{self.n_records:<8d}".encode("ascii"), N_RECORDS_OFFSET)
        except OSError as err:
            self._fail(err)
        self._sync(force=False)

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)
            if n <= 0:
                raise OSError(errno.EIO, "write returned 0 bytes")
            view = view[n:]

    def _sync(self, force: bool) -> None:
        now = time.monotonic()
        if force or now - self._last_sync >= self.sync_interval_s:
            try:
                os.fsync(self._fd)
            except OSError as err:
                self._fail(err)
            self._last_sync = now

    def _fail(self, err: OSError) -> None:
        """Cut the file back to its last complete record, fix the count, and stop for good; the
        message says what is really on disk (an empty file is removed)."""
        if self.n_records == 0:
            self._remove()
            kept = "nothing had been recorded yet, so no file was left"
        else:
            cleaned = True
            try:
                os.ftruncate(self._fd, self.file_bytes)
                os.pwrite(self._fd, f"{self.n_records:<8d}".encode("ascii"), N_RECORDS_OFFSET)
                os.fsync(self._fd)
            except OSError:
                cleaned = False  # best effort: the reader and `emgfeedback repair` handle the rest
            try:
                size = os.fstat(self._fd).st_size
                on_disk = min(self.n_records, (size - self.header.header_bytes) // self.record_bytes)
            except OSError:
                on_disk = self.n_records
            kept = (f"the file keeps the first {on_disk * self.record_duration_s:.1f} s and is "
                    f"readable" + ("" if cleaned else " (run `emgfeedback repair` on it for other "
                                                      "EDF readers)"))
        self._failed = RecordingError(
            f"recording stopped: writing {self.path} failed ({_reason(err)}); {kept}")
        self._failed.__cause__ = err
        raise self._failed


def _reason(err: OSError) -> str:
    """What a clinician can act on, for an OS error."""
    if err.errno == errno.EFBIG:
        return "the file reached this system's file-size limit"
    if err.errno == errno.EDQUOT:
        return "the disk quota is used up"
    if err.errno == errno.ENOSPC:
        return "the disk is full"
    return err.strerror or str(err)


def write_edf(path: "str | Path", data: np.ndarray, fs: float, labels: Sequence[str],
              annotations: Iterable[Annotation] = (), **options) -> EdfWriter:
    """Write a whole recording at once (µV, shape (n_channels, n_samples)) with its annotations.

    ``options`` are those of :class:`EdfWriter`. Returns the closed writer (for its counters).
    """
    w = EdfWriter(path, fs, labels, **options)
    try:
        for a in sorted(annotations, key=lambda a: a.onset_s):
            w.annotate(a.onset_s, a.text, a.duration_s)
        w.write(data)
    finally:
        w.close()
    return w
