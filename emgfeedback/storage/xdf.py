"""Read LabRecorder XDF files (pyxdf): one EMG stream as samples, marker streams as annotations.

pyxdf (the reference reader of the XDF format) applies the recorded clock offsets, so streams
from different computers share one time base, and dejitters the time stamps of regularly
sampled streams. The EMG stream is the one of type ``EMG`` (or chosen by name or type);
every string stream becomes ``marker TEXT`` annotations at its time stamps relative to the first
EMG sample. Breaks in the EMG time stamps (samples lost in LabRecorder) are filled by holding the
last value and annotated ``gap N samples lost``, so that sample times stay true.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from emgfeedback.errors import RecordingError
from emgfeedback.storage._foreign import ImportedRecording, montage_label, to_microvolts
from emgfeedback.storage.annotations import Annotation

__all__ = ["read_xdf"]

_MAGIC = b"XDF:"
_MAX_FILL_S = 3600.0  # longest gap filled, s (a longer one is a broken file, not lost samples)


@contextmanager
def _pyxdf_problems() -> Iterator[list[str]]:
    """Collect what pyxdf logs about a damaged file (it logs tracebacks) instead of printing it."""
    problems: list[str] = []

    class _Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            text = record.getMessage().splitlines()[0]
            # errors and damage; not its notes on clean files ("Segments and clock-segments differ")
            if record.levelno >= logging.ERROR or "corrupt" in text or "scanning forward" in text:
                problems.append(text)

    logger = logging.getLogger("pyxdf")
    handler, propagate = _Keep(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield problems
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _field(info: dict, key: str) -> str:
    value = info.get(key) or [""]
    return str(value[0] if isinstance(value, list) else value).strip()


def _describe(stream: dict) -> str:
    info = stream["info"]
    return (f"{_field(info, 'name') or '?'!r} (type {_field(info, 'type') or '?'}, "
            f"{_field(info, 'channel_count') or '?'} ch, {_field(info, 'nominal_srate') or '?'} Hz)")


def _numeric(stream: dict) -> bool:
    return _field(stream["info"], "channel_format").lower() != "string"


def _pick(streams: list[dict], choice: "str | None", p: Path) -> dict:
    want = (choice or "EMG").strip().lower()
    hits = [s for s in streams if _numeric(s) and want in (_field(s["info"], "name").lower(),
                                                        _field(s["info"], "type").lower())]
    found = "; ".join(_describe(s) for s in streams) or "none"
    if not hits:
        raise RecordingError(f"{p} has no numeric stream named or typed {choice or 'EMG'!r}; streams: {found}"
                             + ("" if choice else "; choose one with stream=NAME"))
    if len(hits) > 1:
        raise RecordingError(f"{p} has {len(hits)} streams named or typed {choice or 'EMG'!r}: "
                             f"{'; '.join(_describe(s) for s in hits)}; choose one by name with stream=NAME")
    return hits[0]


def _channels(info: dict, n: int) -> list[dict]:
    try:
        chans = info["desc"][0]["channels"][0]["channel"]
    except (KeyError, IndexError, TypeError):
        return [{} for _ in range(n)]
    return list(chans) if isinstance(chans, list) and len(chans) == n else [{} for _ in range(n)]


def _emg(stream: dict, p: Path) -> tuple[np.ndarray, float, tuple[str, ...], np.ndarray]:
    info, name = stream["info"], _field(stream["info"], "name")
    try:
        fs = float(_field(info, "nominal_srate"))
    except ValueError:
        fs = 0.0
    if not (np.isfinite(fs) and 0 < fs <= 1e6):
        raise RecordingError(f"{p}: stream {name!r} has no regular sample rate "
                             f"(nominal_srate {_field(info, 'nominal_srate')!r}); EMG needs one")
    x = np.asarray(stream["time_series"], dtype=np.float64)
    ts = np.asarray(stream["time_stamps"], dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[0] != ts.size:
        raise RecordingError(f"{p}: stream {name!r} holds no EMG samples")
    chans = _channels(info, x.shape[1])
    labels = tuple(montage_label(_field(c, "label") or f"ch{i + 1}") for i, c in enumerate(chans))
    scale = np.array([to_microvolts(_field(c, "unit") or "microvolts", f"{p} stream {name!r} channel {lab!r}")
                      for c, lab in zip(chans, labels)])
    return x.T * scale[:, None], fs, labels, ts


def _fill_gaps(x: np.ndarray, ts: np.ndarray, fs: float, segments: Any,
               p: Path) -> tuple[np.ndarray, list[Annotation]]:
    """Hold the last value over each break between pyxdf's segments; annotate each gap."""
    parts, gaps, t0 = [], [], ts[0]
    segs = sorted((int(a), int(b)) for a, b in (segments or [(0, ts.size - 1)]))
    for k, (a, b) in enumerate(segs):
        parts.append(x[:, a: b + 1])
        if k + 1 < len(segs):
            nxt = segs[k + 1][0]
            missing = int(round((ts[nxt] - ts[b]) * fs)) - 1
            if missing > fs * _MAX_FILL_S:
                raise RecordingError(f"{p}: the EMG time stamps jump by {ts[nxt] - ts[b]:.0f} s at sample "
                                     f"{b}; not a recording emgfeedback can line up")
            if missing > 0:
                parts.append(np.repeat(x[:, b: b + 1], missing, axis=1))
                gaps.append(Annotation(float(ts[b] - t0 + 1 / fs), missing / fs,
                                       f"gap {missing} samples lost"))
    return np.concatenate(parts, axis=1), gaps


def _markers(streams: list[dict], t0: float) -> list[Annotation]:
    out = []
    for s in streams:
        if _numeric(s):
            continue
        for value, t in zip(s["time_series"], np.asarray(s["time_stamps"], dtype=np.float64)):
            text = " ".join(str(v).strip() for v in value if str(v).strip()) if isinstance(value, list) else str(value)
            if text and np.isfinite(t):
                out.append(Annotation(float(t - t0), None, text if text.startswith("marker ") else f"marker {text}"))
    return out


def read_xdf(path: "str | Path", stream: "str | None" = None) -> ImportedRecording:
    """Read the EMG stream and the markers of a LabRecorder XDF file.

    Parameters
    ----------
    path : str or Path
        An ``.xdf`` file.
    stream : str, optional
        Name (or type) of the EMG stream; default: the one stream of type ``EMG``.

    Returns
    -------
    ImportedRecording
        µV samples (channel units ``microvolts``/``mV``/``V`` from the stream's description; µV
        when it names none), the nominal rate, labels mapped to the montage, ``marker``
        annotations on the EMG stream's clock (clock offsets applied, time stamps dejittered).

    Raises
    ------
    RecordingError
        Missing, not XDF, corrupt, or without the EMG stream asked for (the message lists the
        streams in the file).
    """
    p = Path(path)
    if not p.is_file():
        raise RecordingError(f"no such recording: {p}")
    with open(p, "rb") as fh:
        if fh.read(4) != _MAGIC:
            raise RecordingError(f"{p} is not an XDF file (it does not start with 'XDF:')")
    import pyxdf

    with _pyxdf_problems() as problems:
        try:
            streams, _ = pyxdf.load_xdf(str(p), synchronize_clocks=True, dejitter_timestamps=True)
        except Exception as err:  # pyxdf raises anything on a corrupt file; the file's fault, in one line
            raise RecordingError(f"{p} is a corrupt XDF file ({type(err).__name__}: {err})") from err
    if not streams:
        raise RecordingError(f"{p} holds no XDF streams (cut short or corrupt"
                             + (f": {problems[0]})" if problems else ")"))
    emg = _pick(list(streams), stream, p)
    x, fs, labels, ts = _emg(emg, p)
    x, gaps = _fill_gaps(x, ts, fs, emg["info"].get("segments"), p)
    anns = sorted(gaps + _markers(list(streams), float(ts[0])), key=lambda a: a.onset_s)
    if gaps:
        problems.append(f"{len(gaps)} break(s) in the EMG time stamps filled with the last value "
                        f"({sum(a.duration_s or 0 for a in gaps):.3f} s)")
    recovered = "; ".join(dict.fromkeys(problems))
    return ImportedRecording(data=x, fs=fs, labels=labels, source=str(p), annotations=tuple(anns),
                             recovered=recovered)
