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
    data : ndarray, shape (n_channels, n_samples), or None
        Samples, µV; None for an EDF/BDF file opened with ``samples=False`` (its samples are
        read in chunks by :func:`~emgfeedback.analysis.chunked.analyze_file`).
    fs : float
        Sample rate, Hz.
    labels : tuple of str
        Channel labels as in the file.
    source : str
        The path.
    kind : str
        ``edf``, ``bdf``, ``text``, ``xdf`` or ``c3d``.
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
    annotations : tuple of Annotation
        XDF and C3D files: their markers and events (``marker TEXT``) and filled gaps, onset s
        from the first sample.
    """

    data: "np.ndarray | None"
    fs: float
    labels: tuple[str, ...]
    source: str
    kind: str
    recovered: str = ""
    settings: "ProcessingSettings | None" = None
    baseline: "Mapping[str, tuple[float, float]] | None" = None
    protocol_runs: tuple = ()
    annotations: tuple = ()


def load_recording(path: "str | Path", *, samples: bool = True) -> LoadedRecording:
    """Read a recording for analysis.

    Parameters
    ----------
    path : str or Path
        An EDF(+)/BDF(+) file, an OpenBCI GUI raw-data ``.txt``, a UCI lower-limb ``.txt``, a
        LabRecorder ``.xdf`` (its EMG stream) or a ``.c3d`` (its analog EMG channels).
    samples : bool
        False: for EDF/BDF read only the header and annotations (``data`` is None, memory does
        not grow with the file); other formats are read whole either way.

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
        return _load_edf(p, samples)
    if head.startswith(b"XDF:") or (head[1:2] == b"P" and (head[0] == 2 or p.suffix.lower() == ".c3d")):
        return _load_imported(p, "xdf" if head.startswith(b"XDF:") else "c3d")
    if head.startswith((b"%OpenBCI", b"File Nam")):
        from emgfeedback.storage import read_text_recording

        txt = read_text_recording(p)
        return LoadedRecording(data=txt.data, fs=float(txt.fs), labels=tuple(txt.labels), source=str(p),
                               kind="text")
    raise RecordingError(
        f"{p} is not a recording emgfeedback reads: expected an EDF+/BDF+ file (header starting "
        f"'0       ' or '\\xffBIOSEMI'), an OpenBCI GUI raw-data .txt, a UCI lower-limb .txt, an XDF "
        f"or a C3D file; "
        f"it starts with {head!r}")


def _load_imported(p: Path, kind: str) -> LoadedRecording:
    """An XDF or C3D file of another lab (read whole)."""
    from emgfeedback.storage.annotations import protocol_runs_from_annotations

    if kind == "xdf":
        from emgfeedback.storage.xdf import read_xdf as read
    else:
        from emgfeedback.storage.c3d import read_c3d as read
    rec = read(p)
    return LoadedRecording(data=rec.data, fs=rec.fs, labels=rec.labels, source=str(p), kind=kind,
                           recovered=rec.recovered, annotations=rec.annotations,
                           protocol_runs=tuple(protocol_runs_from_annotations(rec.annotations)))


def _load_edf(p: Path, samples: bool) -> LoadedRecording:
    from emgfeedback.storage import read_edf
    from emgfeedback.storage.annotations import (baseline_from_annotations, protocol_runs_from_annotations,
                                                 settings_from_annotations)
    from emgfeedback.storage.edf_reader import EdfReader

    if samples:
        rec = read_edf(p)
        data, fs, labels, anns, bdf, recovered = rec.data, rec.fs, rec.labels, rec.annotations, rec.bdf, rec.recovered
        n_ch, n = data.shape
    else:
        with EdfReader(p) as r:
            anns = tuple(r.read_annotations())
            data, fs, labels, bdf, recovered = None, r.fs, r.labels, r.header.bdf, r.recovered
            n_ch, n = len(labels), r.end_sample(anns)
    if n_ch == 0 or n < 2:
        raise RecordingError(f"{p} holds no EMG samples (only a header or annotations)")
    return LoadedRecording(data=data, fs=float(fs), labels=tuple(labels), source=str(p),
                           kind="bdf" if bdf else "edf", recovered=recovered,
                           settings=settings_from_annotations(anns),
                           baseline=baseline_from_annotations(anns),
                           protocol_runs=tuple(protocol_runs_from_annotations(anns)))
