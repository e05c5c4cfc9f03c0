"""Open any recording the analysis accepts: EDF+/BDF+ (written here or elsewhere) and the text
formats of other tools (OpenBCI GUI, UCI lower-limb), recognised by content, not by name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

import numpy as np

from emgfeedback.errors import RecordingError

if TYPE_CHECKING:  # pragma: no cover
    from emgfeedback.settings import ProcessingSettings

__all__ = ["LoadedRecording", "load_recording"]

_EDF_MAGIC = b"0       "
_BDF_MAGIC = b"\xffBIOSEMI"


@dataclass(frozen=True, eq=False)
class LoadedRecording:
    """Samples and what the file says about them.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        Samples, µV.
    fs : float
        Sample rate, Hz.
    labels : tuple of str
        Channel labels as in the file.
    source : str
        The path.
    kind : str
        ``edf``, ``bdf`` or ``text``.
    recovered : str
        Empty for an intact file; else what the reader skipped (e.g. a record cut by a crash,
        or, for a file still being recorded, the records not yet complete).
    settings : ProcessingSettings or None
        The settings the recording says made its annotations (emgfeedback recordings).
    baseline : mapping of str to (float, float) or None
        The live onset detector's rest statistics (mean, SD) per channel id, when recorded.
    protocol_runs : tuple of ProtocolRun
        The protocol runs the recording annotates (``protocol`` and ``cue`` annotations), so
        that its reps are counted as the live session counted them.
    """

    data: np.ndarray
    fs: float
    labels: tuple[str, ...]
    source: str
    kind: str
    recovered: str = ""
    settings: "ProcessingSettings | None" = None
    baseline: "Mapping[str, tuple[float, float]] | None" = None
    protocol_runs: tuple = ()


def load_recording(path: "str | Path") -> LoadedRecording:
    """Read a recording for analysis.

    Parameters
    ----------
    path : str or Path
        An EDF(+)/BDF(+) file, an OpenBCI GUI raw-data ``.txt`` or a UCI lower-limb ``.txt``.

    Raises
    ------
    RecordingError
        Missing, empty, truncated beyond recovery, or neither EDF/BDF nor a known text format
        (the message names the file and what was expected).
    """
    p = Path(path)
    if not p.is_file():
        raise RecordingError(f"no such recording: {p}")
    with open(p, "rb") as fh:
        head = fh.read(8)
    if not head:
        raise RecordingError(f"{p} is empty (0 bytes): not a recording")
    if head in (_EDF_MAGIC, _BDF_MAGIC):
        from emgfeedback.storage import read_edf

        rec = read_edf(p)
        if rec.data.shape[0] == 0 or rec.data.shape[1] < 2:
            raise RecordingError(f"{p} holds no EMG samples (only a header or annotations)")
        from emgfeedback.storage.annotations import (baseline_from_annotations, protocol_runs_from_annotations,
                                                     settings_from_annotations)

        return LoadedRecording(data=rec.data, fs=float(rec.fs), labels=tuple(rec.labels), source=str(p),
                               kind="bdf" if rec.bdf else "edf", recovered=rec.recovered,
                               settings=settings_from_annotations(rec.annotations),
                               baseline=baseline_from_annotations(rec.annotations),
                               protocol_runs=tuple(protocol_runs_from_annotations(rec.annotations)))
    if head.startswith((b"%OpenBCI", b"File Nam")):
        from emgfeedback.storage import read_text_recording

        txt = read_text_recording(p)
        return LoadedRecording(data=txt.data, fs=float(txt.fs), labels=tuple(txt.labels), source=str(p),
                               kind="text")
    raise RecordingError(
        f"{p} is not a recording emgfeedback reads: expected an EDF+/BDF+ file (header starting "
        f"'0       ' or '\\xffBIOSEMI'), an OpenBCI GUI raw-data .txt or a UCI lower-limb .txt; "
        f"it starts with {head!r}")
