"""Read EDF(+)/BDF(+) recordings into this project's data contract, recovering cut files.

:func:`read_edf` returns an :class:`EdfRecording` (``(n_channels, n_samples)`` float64 µV, fs,
labels, annotations). :class:`EdfReader` reads record ranges on demand (for replay of long files).

A file still being recorded (its writer holds the lock, :mod:`._filelock`) is read up to the
records complete when it was opened, and ``recovered`` says so.

Recovery on open (the file is not modified): a file cut by a crash may end in a partial record
or carry a header record count that lags the data (or is -1). The reader uses every complete
record and ignores a partial one, and says so in ``EdfRecording.recovered``; ``emgfeedback repair``
fixes the file itself so that strict readers (pyedflib) accept it too.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from emgfeedback.errors import RecordingError
from emgfeedback.model import Montage
from emgfeedback.storage._edf_header import EdfHeader, parse_header
from emgfeedback.storage._filelock import in_use
from emgfeedback.storage.annotations import Annotation, parse_tals, settings_from_annotations

__all__ = ["EdfReader", "EdfRecording", "read_edf", "read_edf_header", "recording_settings"]

_MAX_FS = 1e6  # Hz: beyond any EMG (or EEG) amplifier
_UNIT_TO_UV = {"uv": 1.0, "µv": 1.0, "μv": 1.0, "mv": 1e3, "v": 1e6, "nv": 1e-3}


@dataclass(frozen=True, eq=False)
class EdfRecording:
    """A recording read from an EDF(+)/BDF(+) file.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        Samples, µV (converted from mV/V where the file says so).
    fs : float
        Sample rate, Hz.
    labels : tuple of str
        Channel labels as in the file.
    annotations : tuple of Annotation
        All annotations in time order (onset s from the start).
    start : datetime
        Start date and time from the header.
    patient : str
        The header's patient field (``CODE X X X`` in files written here).
    bdf : bool
        True for a 24-bit BDF(+) file.
    path : str
        Where it was read from.
    recovered : str
        Empty when the file was intact; else what the reader had to ignore (a partial record,
        a header record count that did not match the data).
    """

    data: np.ndarray
    fs: float
    labels: tuple[str, ...]
    annotations: tuple[Annotation, ...]
    start: dt.datetime
    patient: str
    bdf: bool
    path: str
    recovered: str = ""

    @property
    def duration_s(self) -> float:
        """Length, s."""
        return self.data.shape[1] / self.fs

    @property
    def patient_code(self) -> str:
        """First subfield of the EDF+ patient field (the de-identified code, or ``X``)."""
        return self.patient.split(" ", 1)[0] if self.patient else "X"

    @property
    def montage(self) -> Montage:
        """The montage named by the labels (``GMax L`` …).

        Raises
        ------
        RecordingError
            If a label is not one of this project's channel labels (the message lists them).
        """
        try:
            return Montage.from_names(list(self.labels))
        except ValueError as err:
            raise RecordingError(f"{self.path}: channel labels {list(self.labels)} are not all "
                                 f"emgfeedback channels ({err})") from None


class EdfReader:
    """An open EDF(+)/BDF(+) file, read a range of records at a time.

    Parameters
    ----------
    path : str or Path
        The file.

    Raises
    ------
    RecordingError
        Missing file, not EDF/BDF, header cut short, no complete data record, data signals at
        different rates or in an unknown unit.
    """

    def __init__(self, path: "str | Path") -> None:
        self.path = str(path)
        p = Path(path)
        if not p.is_file():
            raise RecordingError(f"no such recording: {p}")
        try:
            self._fh = open(p, "rb")
        except OSError as err:
            raise RecordingError(f"cannot open {p}: {err.strerror}") from err
        try:
            #: True when another program is recording to this file (its writer holds the lock):
            #: only the records complete when it was opened are read
            self.in_use = in_use(self._fh.fileno())
            size = os.fstat(self._fh.fileno()).st_size
            self.header: EdfHeader = parse_header(self._fh.read(256), self._fh.read, self.path, size)
            self._setup(size)
        except BaseException:
            self._fh.close()
            raise

    def _setup(self, size: int) -> None:
        h = self.header
        body = size - h.header_bytes
        self.n_records = max(body, 0) // h.record_bytes
        tail = max(body, 0) - self.n_records * h.record_bytes
        notes = []
        if self.in_use:
            notes.append(f"still being recorded by another program: read the {self.n_records} "
                         f"records complete so far ({self.n_records * h.record_duration_s:.1f} s)")
        elif tail:
            notes.append(f"ignored a partial last record ({tail} bytes)")
        if h.n_records != self.n_records and not self.in_use:
            notes.append(f"header says {h.n_records} records, the file holds {self.n_records}")
        self.recovered = "; ".join(notes)
        if self.n_records == 0:
            if self.in_use:
                raise RecordingError(f"{self.path} is being recorded and holds no complete data record "
                                     f"yet; try again in a few seconds")
            raise RecordingError(f"{self.path} holds no complete data record (the recording stopped "
                                 f"within its first {h.record_duration_s:g} s or the file is cut short)")
        self._ann = [k for k, s in enumerate(h.signals) if s.is_annotation]
        self._data = [k for k, s in enumerate(h.signals) if not s.is_annotation]
        if not self._data:
            raise RecordingError(f"{self.path} holds annotations only, no signal")
        sprs = {h.signals[k].samples_per_record for k in self._data}
        if len(sprs) != 1:
            raise RecordingError(f"{self.path}: its signals have different sample rates; "
                                 f"emgfeedback reads only files with one rate for all channels")
        self.samples_per_record = sprs.pop()
        if h.record_duration_s <= 0:
            raise RecordingError(f"{self.path}: record duration {h.record_duration_s} s is not positive")
        self.fs = self.samples_per_record / h.record_duration_s
        if not self.fs <= _MAX_FS:
            raise RecordingError(f"{self.path}: {self.samples_per_record} samples per record of "
                                 f"{h.record_duration_s:g} s is a sample rate beyond {_MAX_FS:g} Hz")
        self._scale = []
        for k in self._data:
            s = h.signals[k]
            factor = _UNIT_TO_UV.get(s.unit.strip().lower())
            if factor is None:
                raise RecordingError(f"{self.path}: signal {s.label!r} is in {s.unit!r}; expected "
                                     f"uV, mV or V")
            self._scale.append((s.gain * factor, (s.physical_min - s.digital_min * s.gain) * factor))
        bps = h.bytes_per_sample
        offsets = np.cumsum([0] + [s.samples_per_record * bps for s in h.signals])
        self._offsets = [int(o) for o in offsets]

    @property
    def labels(self) -> tuple[str, ...]:
        """Data channel labels."""
        return tuple(self.header.signals[k].label for k in self._data)

    @property
    def n_samples(self) -> int:
        """Samples per channel in the complete records."""
        return self.n_records * self.samples_per_record

    def read_records(self, start: int, count: int) -> tuple[np.ndarray, list[Annotation]]:
        """Samples (µV, shape (n_channels, count·samples_per_record)) and annotations of records
        ``start`` … ``start + count - 1`` (clamped to the file)."""
        h = self.header
        start = max(0, int(start))
        count = max(0, min(int(count), self.n_records - start))
        self._fh.seek(h.header_bytes + start * h.record_bytes)
        raw = self._fh.read(count * h.record_bytes)
        count = len(raw) // h.record_bytes
        buf = np.frombuffer(raw[: count * h.record_bytes], dtype=np.uint8).reshape(count, h.record_bytes)
        out = np.empty((len(self._data), count * self.samples_per_record))
        for row, k in enumerate(self._data):
            part = buf[:, self._offsets[k]: self._offsets[k + 1]]
            dig = self._decode(part).ravel()
            gain, offset = self._scale[row]
            out[row] = dig * gain + offset
        anns: list[Annotation] = []
        for k in self._ann:
            part = buf[:, self._offsets[k]: self._offsets[k + 1]]
            for r in range(count):
                anns.extend(parse_tals(part[r].tobytes())[1])
        return out, anns

    def _decode(self, part: np.ndarray) -> np.ndarray:
        if not self.header.bdf:
            return np.ascontiguousarray(part).view("<i2").astype(np.float64)
        b = part.reshape(part.shape[0], -1, 3).astype(np.int32)
        v = b[:, :, 0] | (b[:, :, 1] << 8) | (b[:, :, 2] << 16)
        return ((v ^ 0x800000) - 0x800000).astype(np.float64)

    def read_annotations(self, chunk_records: int = 512) -> list[Annotation]:
        """All annotations of the file, in time order (the samples are not decoded)."""
        h = self.header
        anns: list[Annotation] = []
        if not self._ann:
            return anns
        for start in range(0, self.n_records, chunk_records):
            self._fh.seek(h.header_bytes + start * h.record_bytes)
            raw = self._fh.read(min(chunk_records, self.n_records - start) * h.record_bytes)
            count = len(raw) // h.record_bytes
            buf = np.frombuffer(raw[: count * h.record_bytes], dtype=np.uint8).reshape(count, h.record_bytes)
            for k in self._ann:
                part = buf[:, self._offsets[k]: self._offsets[k + 1]]
                for r in range(count):
                    anns.extend(parse_tals(part[r].tobytes())[1])
        return sorted(anns, key=lambda a: a.onset_s)

    def end_sample(self, annotations: "list[Annotation] | tuple[Annotation, ...]") -> int:
        """Samples per channel before the last ``recording end`` annotation (the padding of the
        last record written by :class:`~emgfeedback.storage.edf.EdfWriter` cut off), else all."""
        ends = [a.onset_s for a in annotations if a.text == "recording end"]
        return _samples_before(max(ends), self.fs, self.n_samples) if ends else self.n_samples

    def iter_samples(self, stop: int, chunk_records: int = 64) -> "Iterator[np.ndarray]":
        """The samples ``0 … stop − 1`` (µV, float64) as consecutive ``(n_channels, m)`` blocks of
        at most ``chunk_records`` records each: memory holds one block, not the file.

        Parameters
        ----------
        stop : int
            Samples per channel to read (e.g. :meth:`end_sample`), clamped to the file.
        chunk_records : int
            Records per block (≥ 1).
        """
        if chunk_records < 1:
            raise ValueError(f"chunk_records must be ≥ 1, got {chunk_records}")
        stop = max(0, min(int(stop), self.n_samples))
        spr = self.samples_per_record
        for start in range(0, -(-stop // spr), chunk_records):
            block = self.read_records(start, chunk_records)[0]
            yield block[:, : stop - start * spr]

    def close(self) -> None:
        """Close the file; idempotent."""
        self._fh.close()

    def __enter__(self) -> "EdfReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_edf_header(path: "str | Path") -> EdfHeader:
    """Only the header of an EDF/BDF file (no data read, no recovery)."""
    p = Path(path)
    if not p.is_file():
        raise RecordingError(f"no such recording: {p}")
    with open(p, "rb") as fh:
        return parse_header(fh.read(256), fh.read, str(p), os.fstat(fh.fileno()).st_size)


def read_edf(path: "str | Path", *, trim_padding: bool = True) -> EdfRecording:
    """Read a whole EDF(+)/BDF(+) file.

    Parameters
    ----------
    path : str or Path
        The file.
    trim_padding : bool
        Cut the samples after a ``recording end`` annotation (the padding of the last record
        written by :class:`~emgfeedback.storage.edf.EdfWriter`).

    Raises
    ------
    RecordingError
        See :class:`EdfReader`.
    """
    with EdfReader(path) as r:
        data, anns = r.read_records(0, r.n_records)
        anns.sort(key=lambda a: a.onset_s)
        if trim_padding:
            ends = [a.onset_s for a in anns if a.text == "recording end"]
            if ends:
                data = data[:, :_samples_before(ends[-1], r.fs, data.shape[1])]
        return EdfRecording(data=np.ascontiguousarray(data), fs=r.fs, labels=r.labels,
                            annotations=tuple(anns), start=r.header.start, patient=r.header.patient,
                            bdf=r.header.bdf, path=r.path, recovered=r.recovered)


def _samples_before(t_s: float, fs: float, n: int) -> int:
    """Samples before time ``t_s`` (s), within 0..n (a foreign file may put the end anywhere)."""
    return int(round(min(max(t_s * fs, 0.0), float(n))))


def recording_settings(path: "str | Path"):
    """The :class:`~emgfeedback.settings.ProcessingSettings` that made a recording's annotations
    (its ``settings {json}`` annotation at 0 s), or None for files without one (other tools,
    older recordings, simulations).

    Raises
    ------
    RecordingError
        The file cannot be read (see :class:`EdfReader`).
    ValueError
        The settings annotation is there but damaged.
    """
    with EdfReader(path) as r:
        # written first, so it is in the first record; look further only if it is not
        found = settings_from_annotations(r.read_records(0, min(r.n_records, 4))[1])
        if found is None and r.n_records > 4:
            found = settings_from_annotations(r.read_annotations())
        return found
