"""``replay://`` — play a recording back as a live device, in real time or faster.

URL form: ``replay://FILE?speed=1&block=20&loop=0&montage=auto``. FILE is an EDF(+)/BDF(+)
file (``.edf``/``.bdf``, read a few records at a time), a text recording of another tool
(``.txt``/``.csv``: OpenBCI GUI raw data, UCI lower-limb EMG; read whole), a LabRecorder
``.xdf`` (its EMG stream; ``stream=NAME`` picks one by name) or a ``.c3d`` (its analog EMG
channels; ``channels=LABEL,LABEL`` picks them by label), both read whole. ``speed=0`` plays
as fast as the consumer reads. Markers and events of XDF/C3D files are not played (``analyze``
reads them as annotations); lost XDF samples are played as the held values that fill them.

Channel mapping (``montage``): ``auto`` uses an EDF, XDF or C3D file's labels (``GMax L``,
``EMG GMax L`` …) and maps a text file's channels in order onto the default montage (left GMax,
GMed, TFL, ES, then right);
``default`` forces the in-order mapping (for EDF files with other labels).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emgfeedback.devices._options import check_ranges, ranged
from emgfeedback.devices.base import Chunk, Device, EndOfStream
from emgfeedback.errors import RecordingError
from emgfeedback.model import Montage, StreamInfo

__all__ = ["ReplayDevice", "ReplayOptions"]

log = logging.getLogger(__name__)
_EDF_SUFFIXES = (".edf", ".bdf")
_TEXT_SUFFIXES = (".txt", ".csv")
_IMPORTED_SUFFIXES = (".xdf", ".c3d")


@dataclass(frozen=True)
class ReplayOptions:
    """Options of ``replay://``.

    Parameters
    ----------
    speed : float
        Playback speed: 1 = real time, 10 = ten times faster, 0 = as fast as read.
    block : int
        Samples per block (0: about 10 ms worth).
    loop : bool
        Start again at the end instead of ending the stream.
    montage : str
        ``auto`` or ``default`` (see the module docstring).
    stream : str
        XDF files: name (or type) of the EMG stream; empty: the one stream of type ``EMG``.
    channels : str
        C3D files: comma-separated analog labels of the EMG channels; empty: the glute channels,
        else those labelled ``EMG …``.
    """

    speed: float = ranged(1.0, 0.0, 1000.0)  # 1 = real time, 0 = as fast as read
    block: int = ranged(0, 0, 100_000, "samples")
    loop: bool = False
    montage: str = "auto"
    stream: str = ""
    channels: str = ""

    def __post_init__(self) -> None:
        check_ranges(self)
        if self.montage not in ("auto", "default"):
            raise ValueError(f"option montage must be auto or default, got {self.montage!r}")


def _in_order(n: int, path: str) -> tuple[Montage, int]:
    default = Montage.default()
    use = min(n, len(default))
    if n > use:
        log.warning("%s has %d channels; replaying the first %d as %s", path, n, use,
                    ", ".join(default.labels))
    return Montage(default.channels[:use]), use


def _by_labels(labels: "tuple[str, ...]", path: Path) -> Montage:
    try:
        return Montage.from_names(list(labels))
    except ValueError:
        raise RecordingError(f"{path}: channel labels {list(labels)} are not emgfeedback channels "
                             f"(GMax L, GMed L, TFL L, ES L, ... ); add ?montage=default to map them in "
                             f"order") from None


class ReplayDevice(Device):
    """A recording played back through the device interface (see the module docstring)."""

    scheme = "replay"
    url_form = ("replay://FILE.edf|.bdf|.txt|.csv|.xdf|.c3d?speed=1&block=SAMPLES&loop=0|1&montage=auto|default"
                "&stream=NAME&channels=LABEL,LABEL")
    Options = ReplayOptions

    def __init__(self, url: str, **options: Any) -> None:
        super().__init__(url, **options)
        if not self.target:
            raise ValueError(f"replay:// needs a file, e.g. replay://session.edf?speed=1, got {url!r}")
        self.path = Path(self.target)
        if self.path.suffix.lower() not in _EDF_SUFFIXES + _TEXT_SUFFIXES + _IMPORTED_SUFFIXES:
            raise ValueError(f"replay:// plays .edf, .bdf, .txt, .csv, .xdf or .c3d files, got {self.path.name!r}")
        self.backpressure = self.options.speed == 0
        self._reader: Any = None
        self._data: "np.ndarray | None" = None  # whole text recording
        self._rows = 0
        self._n_total = 0
        self._pos = 0
        self._buf = np.zeros((0, 0))
        self._t_next = 0.0

    # ----------------------------------------------------------------- hooks
    def _open(self) -> StreamInfo:
        opts: ReplayOptions = self.options
        if self.path.suffix.lower() in _EDF_SUFFIXES:
            from emgfeedback.storage.edf_reader import EdfReader

            self._reader = reader = EdfReader(self.path)
            if reader.in_use:
                reader.close()
                raise RecordingError(f"{self.path} is still being recorded by another program; replay "
                                     f"it once the recording has stopped")
            fs, labels = reader.fs, reader.labels
            self._n_total = self._real_samples(reader)
            if opts.montage == "default":
                montage, self._rows = _in_order(len(labels), str(self.path))
            else:
                try:
                    montage = _by_labels(tuple(labels), self.path)
                except RecordingError:
                    reader.close()
                    raise
                self._rows = len(labels)
            board = "replay:edf"
            adc_bits = 24 if reader.header.bdf else 16
        elif self.path.suffix.lower() in _IMPORTED_SUFFIXES:
            rec = self._read_imported()
            fs, n = rec.fs, rec.data.shape[0]
            montage, self._rows = (_in_order(n, str(self.path)) if opts.montage == "default"
                                   else (_by_labels(rec.labels, self.path), n))
            self._data = rec.data[: self._rows]
            self._n_total = rec.data.shape[1]
            board = f"replay:{self.path.suffix.lower()[1:]}"
            adc_bits = None
        else:
            from emgfeedback.storage.textfiles import read_text_recording

            rec = read_text_recording(self.path)
            fs = rec.fs
            montage, self._rows = _in_order(rec.data.shape[0], str(self.path))
            self._data = rec.data[: self._rows]
            self._n_total = rec.data.shape[1]
            board = "replay:text"
            adc_bits = None
        self._block = opts.block or max(1, int(round(fs / 100)))
        self._pos = 0
        self._buf = np.zeros((self._rows, 0))
        return StreamInfo(fs=float(fs), montage=montage, source=self.url, board=board, adc_bits=adc_bits)

    def _read_imported(self) -> Any:
        opts: ReplayOptions = self.options
        if self.path.suffix.lower() == ".xdf":
            from emgfeedback.storage.xdf import read_xdf

            return read_xdf(self.path, stream=opts.stream or None)
        from emgfeedback.storage.c3d import read_c3d

        return read_c3d(self.path, channels=[c for c in opts.channels.split(",") if c.strip()] or None)

    @staticmethod
    def _real_samples(reader: Any) -> int:
        """Samples before the writer's padding (a ``recording end`` annotation near the end)."""
        tail = max(0, reader.n_records - 4)
        _, anns = reader.read_records(tail, 4)
        ends = [a.onset_s for a in anns if a.text == "recording end"]
        n = reader.n_samples
        return int(round(min(max(ends[-1] * reader.fs, 0.0), n))) if ends else n

    def _start(self) -> None:
        self._t_next = time.monotonic()

    def _read_chunk(self) -> "Chunk | None":
        opts: ReplayOptions = self.options
        if self._pos >= self._n_total:
            if not opts.loop:
                raise EndOfStream
            self._pos = 0
            self._buf = np.zeros((self._rows, 0))
        n = min(self._block, self._n_total - self._pos)
        if opts.speed > 0:
            self._t_next += n / (self.info.fs * opts.speed)
            wait = self._t_next - time.monotonic()
            if wait > 0.1:  # come back often so stop() is prompt
                self._t_next -= n / (self.info.fs * opts.speed)
                time.sleep(0.1)
                return None
            if wait > 0:
                time.sleep(wait)
        data = self._take(n)
        self._pos += n
        return Chunk(data)

    def _take(self, n: int) -> np.ndarray:
        if self._data is not None:
            return self._data[:, self._pos: self._pos + n]
        reader = self._reader
        if self._buf.shape[1] < n:
            spr = reader.samples_per_record
            first = (self._pos + self._buf.shape[1]) // spr
            count = max(1, int(np.ceil(self.info.fs / spr)))  # about a second at a time
            more, _ = reader.read_records(first, count)
            self._buf = np.concatenate([self._buf, more[: self._rows]], axis=1)
        out, self._buf = self._buf[:, :n], self._buf[:, n:]
        return out

    def _close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self._data = None
