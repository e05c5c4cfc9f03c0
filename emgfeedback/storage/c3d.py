"""Read the analog EMG of C3D files (motion-capture labs) with ezc3d; C3D events as annotations.

ezc3d (pyomeca, maintained, wheels on every platform) reads the file in a child process (it can
crash on a damaged file; that becomes a RecordingError) and gives the analog data scaled by
``ANALOG:SCALE``/``OFFSET``/``GEN_SCALE``, i.e. in ``ANALOG:UNITS`` (V when a channel names
none); they are converted to µV. The EMG channels are those whose ``ANALOG:LABELS`` name a
glute-montage channel (``EMG GMax L``, ``GMax L``, ``glute_max_left``), else those labelled
``EMG …``, or the labels asked for. Events (``EVENT:LABELS``/``TIMES``/``CONTEXTS``) become
``marker CONTEXT LABEL`` annotations, s from the first frame.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from emgfeedback.errors import RecordingError
from emgfeedback.storage._foreign import ImportedRecording, montage_channel, montage_label, to_microvolts
from emgfeedback.storage.annotations import Annotation

__all__ = ["read_c3d"]

_PARAMETER_KEY = 0x50  # byte 2 of every C3D file
_TIMEOUT_S = 300.0  # longest a C3D file may take to read, s


def _values(params: dict, group: str, name: str) -> list:
    try:
        value = params[group][name]["value"]
    except (KeyError, TypeError):
        return []
    return list(np.asarray(value).ravel()) if not isinstance(value, list) else value


def _choose(labels: list[str], channels: "Sequence[str] | None", p: Path) -> list[int]:
    found = ", ".join(repr(lab) for lab in labels) or "none"
    if channels:
        index = {lab.strip().lower(): i for i, lab in enumerate(labels)}
        missing = [c for c in channels if c.strip().lower() not in index]
        if missing:
            raise RecordingError(f"{p} has no analog channel {', '.join(repr(m) for m in missing)}; "
                                 f"analog channels: {found}")
        return [index[c.strip().lower()] for c in channels]
    glute = [i for i, lab in enumerate(labels) if montage_channel(lab) is not None]
    if glute:
        return glute
    emg = [i for i, lab in enumerate(labels) if lab.strip().lower().startswith(("emg", "semg"))]
    if emg:
        return emg
    raise RecordingError(f"{p} has no analog EMG channel (labels naming a glute channel like 'EMG GMax L' "
                         f"or starting with 'EMG'); analog channels: {found}; choose them with channels=")


def _events(params: dict, t_first: float) -> list[Annotation]:
    try:
        times = np.asarray(params["EVENT"]["TIMES"]["value"], dtype=np.float64)
    except (KeyError, TypeError, ValueError):
        return []
    labels, contexts = _values(params, "EVENT", "LABELS"), _values(params, "EVENT", "CONTEXTS")
    if times.ndim != 2 or times.shape[0] != 2:
        return []
    out = []
    for k in range(times.shape[1]):
        t = times[0, k] * 60.0 + times[1, k]
        text = " ".join(str(s).strip() for s in (contexts[k] if k < len(contexts) else "",
                                                 labels[k] if k < len(labels) else "event") if str(s).strip())
        if np.isfinite(t):
            out.append(Annotation(float(t - t_first), None, f"marker {text}"))
    return sorted(out, key=lambda a: a.onset_s)


def _announced_samples(p: Path) -> "int | None":
    """Analog samples per channel the file's own header announces (ezc3d reports what it read):
    frames (header words 4-5) x analog samples per frame (word 10); None if it cannot say."""
    with open(p, "rb") as fh:
        head = fh.read(512)
        fh.seek(max(0, (head[0] - 1) * 512 + 3))
        processor = fh.read(1)
    order = ">" if processor == b"\x56" else "<"  # 86: MIPS big-endian; 84 Intel, 85 DEC: little
    if len(head) < 20:
        return None
    first, last = struct.unpack(order + "HH", head[6:10])
    per_frame = struct.unpack(order + "H", head[18:20])[0]
    if last == 0xFFFF or last < first or per_frame == 0:  # long files keep the count elsewhere
        return None
    return (last - first + 1) * per_frame


#: Run in a child process: ezc3d (C++) can crash on a damaged file, which must not end the caller.
_CHILD = """
import json, sys
import numpy as np
try:
    import ezc3d
    c = ezc3d.c3d(sys.argv[1])
except Exception as err:
    print(f"{type(err).__name__}: {err}".splitlines()[0], file=sys.stderr)
    sys.exit(3)
params = {}
for group, names in (("ANALOG", ("LABELS", "UNITS", "RATE")), ("EVENT", ("TIMES", "LABELS", "CONTEXTS"))):
    for name in names:
        try:
            value = c["parameters"][group][name]["value"]
        except KeyError:
            continue
        params.setdefault(group, {})[name] = {"value": value if isinstance(value, list) else
                                              np.asarray(value).tolist()}
head = {k: {f: float(c["header"][k][f]) for f in ("frame_rate", "first_frame", "last_frame")}
        for k in ("points", "analogs")}
np.save(sys.argv[2], np.asarray(c["data"]["analogs"], dtype=np.float64), allow_pickle=False)
json.dump({"parameters": params, "header": head}, sys.stdout)
"""


def _load(p: Path) -> dict:
    """What read_c3d needs of ``p``, read by ezc3d in a child process (parameters, header and
    ``data.analogs`` in the layout of ``ezc3d.c3d``)."""
    with tempfile.TemporaryDirectory(prefix="emgfeedback-c3d-") as tmp:
        out = Path(tmp) / "analogs.npy"
        try:
            proc = subprocess.run([sys.executable, "-c", _CHILD, str(p), str(out)], capture_output=True,
                                  text=True, timeout=_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise RecordingError(f"{p}: reading it took over {_TIMEOUT_S:.0f} s; a damaged C3D file") from None
        if proc.returncode != 0:
            why = (proc.stderr.strip().splitlines() or [""])[-1] if proc.returncode > 0 else \
                f"the C3D reader crashed (signal {-proc.returncode})"
            raise RecordingError(f"{p} is a corrupt C3D file ({why})")
        try:
            c3d = json.loads(proc.stdout)
            c3d["data"] = {"analogs": np.load(out, allow_pickle=False)}
        except (ValueError, OSError) as err:
            raise RecordingError(f"{p} is a corrupt C3D file ({err})") from err
    return c3d


def read_c3d(path: "str | Path", channels: "Sequence[str] | None" = None) -> ImportedRecording:
    """Read the analog EMG channels and the events of a C3D file.

    Parameters
    ----------
    path : str or Path
        A ``.c3d`` file.
    channels : sequence of str, optional
        ``ANALOG:LABELS`` of the EMG channels (case-insensitive), in the order wanted; default:
        the glute-montage channels, else every ``EMG …`` channel.

    Returns
    -------
    ImportedRecording
        µV samples at ``ANALOG:RATE``, labels mapped to the montage, ``marker`` annotations.

    Raises
    ------
    RecordingError
        Missing, not C3D, corrupt, no EMG channel, a unit that is not a voltage.
    """
    p = Path(path)
    if not p.is_file():
        raise RecordingError(f"no such recording: {p}")
    with open(p, "rb") as fh:
        head = fh.read(2)
    if len(head) < 2 or head[1] != _PARAMETER_KEY:
        raise RecordingError(f"{p} is not a C3D file (its second byte is not the C3D parameter key 0x50)")
    c3d = _load(p)
    params, header = c3d["parameters"], c3d["header"]
    labels = [str(s).strip() for s in _values(params, "ANALOG", "LABELS")]
    analogs = np.asarray(c3d["data"]["analogs"], dtype=np.float64)
    if analogs.ndim != 3 or analogs.shape[1] != len(labels) or analogs.shape[2] < 2:
        raise RecordingError(f"{p} holds no analog samples (or fewer than its {len(labels)} ANALOG:LABELS)")
    rate = (_values(params, "ANALOG", "RATE") or [header["analogs"]["frame_rate"]])[0]
    fs = float(rate)
    if not (np.isfinite(fs) and 0 < fs <= 1e6):
        raise RecordingError(f"{p}: ANALOG:RATE {rate!r} is not a sample rate")
    rows = _choose(labels, channels, p)
    units = [str(u).strip() for u in _values(params, "ANALOG", "UNITS")]
    scale = np.array([to_microvolts((units[i] if i < len(units) else "") or "V",
                                    f"{p} analog channel {labels[i]!r}") for i in rows])
    data = analogs[0, rows, :] * scale[:, None]
    point_rate = float(header["points"]["frame_rate"] or fs)
    t_first = float(header["points"]["first_frame"]) / point_rate
    expected = _announced_samples(p)
    recovered = (f"the file holds {data.shape[1]} of the {expected} analog samples its header announces "
                 f"(cut short)") if expected and data.shape[1] < expected else ""
    return ImportedRecording(data=data, fs=fs, labels=tuple(montage_label(labels[i]) for i in rows),
                             source=str(p), annotations=tuple(_events(params, t_first)), recovered=recovered)
