"""Readers for text recordings made by other tools.

- OpenBCI GUI v5/v6 "Raw EXG Data" text files (``OpenBCI-RAW-*.txt``): channels already in µV.
- The UCI "EMG dataset in Lower Limb" files (Sanchez & Sotelo, CC BY 4.0): channels in mV.

Both return a :class:`TextRecording` in this project's data contract: ``(n_channels,
n_samples)`` float64 µV, fs in Hz, labels as in the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emgfeedback.errors import RecordingError

__all__ = ["TextRecording", "read_openbci_gui_txt", "read_uci_lower_limb", "read_text_recording"]


@dataclass(frozen=True, eq=False)
class TextRecording:
    """Samples read from a text file.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        Samples, µV.
    fs : float
        Sample rate, Hz.
    labels : tuple of str
        Channel labels as the file names them.
    source : str
        Path the data came from.
    sample_index : ndarray of int or None
        The board's per-sample counter where the file has one (OpenBCI: 0–255, wrapping),
        to find packets lost on the radio link.
    """

    data: np.ndarray
    fs: float
    labels: tuple[str, ...]
    source: str
    sample_index: "np.ndarray | None" = None

    @property
    def duration_s(self) -> float:
        """Length, s."""
        return self.data.shape[1] / self.fs


_OPENBCI_RATE = re.compile(r"^%\s*Sample Rate\s*=\s*([0-9.]+)\s*Hz", re.I)
_OPENBCI_NCH = re.compile(r"^%\s*Number of channels\s*=\s*(\d+)", re.I)


def _open_text(path: "str | Path") -> list[str]:
    p = Path(path)
    if not p.is_file():
        raise RecordingError(f"no such recording: {p}")
    try:
        return p.read_text(encoding="utf-8", errors="strict").splitlines()
    except UnicodeDecodeError as err:
        raise RecordingError(f"{p} is not a text recording (byte {err.start} is not UTF-8)") from err


def read_openbci_gui_txt(path: "str | Path") -> TextRecording:
    """Read an OpenBCI GUI raw-data text file (v5/v6 format, ``%`` header lines).

    Only the EXG channels are returned (µV, as the GUI wrote them, DC offsets included).

    Raises
    ------
    RecordingError
        If the file is missing, not an OpenBCI GUI file, or has a malformed row (the
        message gives the line number). A last line cut short by a crash is dropped.
    """
    lines = _open_text(path)
    fs = n_ch = None
    header_end = None
    for i, line in enumerate(lines):
        if line.startswith("%"):
            if (m := _OPENBCI_RATE.match(line)):
                fs = float(m.group(1))
            elif (m := _OPENBCI_NCH.match(line)):
                n_ch = int(m.group(1))
            continue
        header_end = i
        break
    if fs is None or n_ch is None or header_end is None or not lines[0].startswith("%OpenBCI"):
        raise RecordingError(f"{path} is not an OpenBCI GUI raw-data file (expected '%OpenBCI Raw' header "
                             f"with 'Sample Rate' and 'Number of channels' lines)")
    columns = [c.strip() for c in lines[header_end].split(",")]
    exg = [i for i, c in enumerate(columns) if c.startswith("EXG Channel")]
    if len(exg) != n_ch or columns[0] != "Sample Index":
        raise RecordingError(f"{path}: column header does not list {n_ch} 'EXG Channel' columns")
    rows = []
    body = lines[header_end + 1 :]
    for j, line in enumerate(body):
        if not line.strip():
            continue
        fields = line.split(",")
        try:
            rows.append([float(fields[0])] + [float(fields[k]) for k in exg])
        except (ValueError, IndexError) as err:
            if j == len(body) - 1:
                break  # last row cut short (recording stopped mid-write): drop it
            raise RecordingError(f"{path}, line {header_end + 2 + j}: malformed row ({err})") from err
    if not rows:
        raise RecordingError(f"{path} holds a header but no samples")
    table = np.asarray(rows, dtype=np.float64)
    return TextRecording(
        data=np.ascontiguousarray(table[:, 1:].T),
        fs=fs,
        labels=tuple(columns[k] for k in exg),
        source=str(path),
        sample_index=table[:, 0].astype(np.int64),
    )


_UCI_CHANNEL = re.compile(r"^Channel\s+\d+:\s*'([^']+)',\s*(\d+) values, engineering units:\s*(\w+)")


def read_uci_lower_limb(path: "str | Path", fs: float = 1000.0) -> TextRecording:
    """Read a UCI "EMG dataset in Lower Limb" file (4 EMG channels in mV, then a goniometer).

    Only the EMG channels (unit mV) are returned, converted to µV; the knee angle is dropped.

    Parameters
    ----------
    path : str or Path
        A ``*.txt`` file of that dataset.
    fs : float
        Sample rate, Hz (the dataset's is 1000 Hz).
    """
    lines = _open_text(path)
    specs = [m.groups() for line in lines[:12] if (m := _UCI_CHANNEL.match(line.strip()))]
    emg_cols = [i for i, (_, _, unit) in enumerate(specs) if unit == "mV"]
    if not emg_cols:
        raise RecordingError(f"{path} is not a UCI lower-limb EMG file (no 'Channel N: ... units: mV' lines)")
    start = next((i for i, line in enumerate(lines) if i > 0 and not line.strip()), None)
    if start is None:
        raise RecordingError(f"{path}: no blank line between header and samples")
    rows = []
    for j, line in enumerate(lines[start + 1 :]):
        fields = line.split("\t")
        if not any(f.strip() for f in fields):
            continue
        try:
            rows.append([float(fields[i]) for i in emg_cols])
        except (ValueError, IndexError):
            # trailing rows of the dataset may be partial; stop at the first one
            break
    if not rows:
        raise RecordingError(f"{path} holds a header but no samples")
    data = np.asarray(rows, dtype=np.float64).T * 1000.0  # mV -> µV
    return TextRecording(data=np.ascontiguousarray(data), fs=float(fs),
                         labels=tuple(specs[i][0] for i in emg_cols), source=str(path))


def read_text_recording(path: "str | Path") -> TextRecording:
    """Read any supported text recording, recognised by its first line."""
    lines = _open_text(path)
    first = lines[0] if lines else ""
    if first.startswith("%OpenBCI"):
        return read_openbci_gui_txt(path)
    if first.startswith("File Name:"):
        return read_uci_lower_limb(path)
    raise RecordingError(f"{path}: unknown text format (expected an OpenBCI GUI or UCI lower-limb file)")
