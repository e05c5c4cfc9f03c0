"""EMG-BIDS (BIDS v1.11.0, Electromyography): plan a dataset from recordings, find recordings in one.

:func:`plan_export` reads the header and annotations of EDF+/BDF+ recordings (never their
samples), finds their sessions in the session database, and returns every file of the dataset
as a :class:`BidsFile` (text, or a recording to copy byte for byte); the ``bids export``
command writes them. Reading a dataset: :mod:`emgfeedback.storage.bids_dataset`.

Entities: participant ``sub-<code without '-'>`` (``P-0042`` → ``sub-P0042``); session
``ses-<n>`` (n-th session of the patient in the database) or ``ses-<YYYYMMDD>`` (recording date,
when the database does not know the file); task = the protocol id of the first protocol run
(letters and digits only) or ``free``; ``run-<n>`` when several recordings share those.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from emgfeedback.errors import RecordingError
from emgfeedback.model import Channel
from emgfeedback.storage.annotations import PROTOCOL_PREFIX, Annotation, settings_from_annotations
from emgfeedback.storage.deidentify import validate_patient_code
from emgfeedback.storage.edf_reader import EdfReader

__all__ = ["BIDS_VERSION", "BidsFile", "bids_label", "plan_export", "EVENT_TYPES"]

#: The BIDS specification version the export follows (EMG was added in 1.11.0).
BIDS_VERSION = "1.11.0"
#: Task label of a recording without a protocol run.
FREE_TASK = "free"
#: ``trial_type`` of the events, with what they mean (written to ``task-*_events.json``).
EVENT_TYPES = {
    "rep": "a counted repetition; value: its 1-based number and working side",
    "onset": "a muscle burst detected live; value: the channel; duration: burst length",
    "cue": "a cue shown to the patient; value: the phase (hold, rest, done) and its text",
    "marker": "a user, keyboard or LSL marker; value: its text",
    "artefact": "a rep not counted because of an artefact; value: the reason",
    "protocol": "a protocol run starts; value: the protocol id",
    "gap": "samples lost in transport and filled in; value: how many",
    "annotation": "any other EDF+ annotation; value: its text",
}
#: Machine state the recording keeps for ``analyze`` (not events).
_NOT_EVENTS = ("settings", "baseline")
_PREFILTER = {"HP": re.compile(r"HP:\s*([0-9.]+)\s*Hz", re.I), "LP": re.compile(r"LP:\s*([0-9.]+)\s*Hz", re.I),
              "N": re.compile(r"N:\s*([0-9.]+)\s*Hz", re.I)}


@dataclass(frozen=True)
class BidsFile:
    """One file of a planned dataset.

    Parameters
    ----------
    path : str
        Relative to the dataset root, ``/``-separated.
    text : str or None
        Content of a text file (UTF-8).
    source : Path or None
        Recording to copy byte for byte (``text`` is then None).
    """

    path: str
    text: "str | None" = None
    source: "Path | None" = None


def bids_label(text: str, what: str = "label") -> str:
    """``text`` with everything but letters and digits removed (a BIDS label).

    Raises
    ------
    ValueError
        Nothing is left (the message names ``what``).
    """
    label = re.sub(r"[^A-Za-z0-9]", "", text or "")
    if not label:
        raise ValueError(f"{what} {text!r} has no letters or digits to make a BIDS label")
    return label


# ----------------------------------------------------------------------------- export plan
@dataclass(frozen=True)
class _Source:
    path: Path
    subject: str
    code: str
    session: str
    task: str
    protocols: tuple[str, ...]
    start: dt.datetime
    fs: float
    n_channels: int
    labels: tuple[str, ...]
    units: tuple[str, ...]
    prefilters: tuple[str, ...]
    duration_s: float
    bdf: bool
    annotations: tuple[Annotation, ...]
    mains_hz: "float | None"


def _protocol_ids(annotations: Iterable[Annotation]) -> tuple[str, ...]:
    out: list[str] = []
    for a in annotations:
        if a.text.startswith(PROTOCOL_PREFIX):
            try:
                pid = str(json.loads(a.text[len(PROTOCOL_PREFIX):]).get("protocol", ""))
            except (ValueError, AttributeError):
                continue
            if pid and pid not in out:
                out.append(pid)
    return tuple(out)


def _database_index(db) -> dict[str, tuple[str, int, "str | None"]]:
    """Resolved recording path → (patient code, 1-based session number of the patient, protocol)."""
    index: dict[str, tuple[str, int, "str | None"]] = {}
    counts: dict[str, int] = {}
    for s in db.sessions():
        counts[s.patient_code] = counts.get(s.patient_code, 0) + 1
        for path in db.recordings(s.id):
            index[str(Path(path).resolve())] = (s.patient_code, counts[s.patient_code], s.protocol)
    return index


def _read_source(path: Path, index: dict, subject: "str | None") -> _Source:
    if path.suffix not in (".edf", ".bdf"):
        raise ValueError(f"{path}: BIDS takes .edf or .bdf recordings (lower-case suffix), got {path.suffix!r}")
    with EdfReader(path) as r:
        if r.recovered:
            raise RecordingError(f"{path} is incomplete ({r.recovered}); run 'emgfeedback repair {path}' "
                                 f"before exporting it")
        anns = tuple(r.read_annotations())
        h = r.header
        data = [s for s in h.signals if not s.is_annotation]
        duration = r.end_sample(anns) / r.fs
        fs, labels = r.fs, r.labels
    try:
        settings = settings_from_annotations(anns)
    except ValueError as err:
        raise RecordingError(f"{path}: {err}") from None
    found = index.get(str(path.resolve()))
    if found is not None:
        code, n, db_protocol = found
        session = str(n)
    else:
        code = h.patient.split(" ", 1)[0] or "X"
        code = subject if code == "X" and subject else code
        if code == "X":
            raise ValueError(f"{path} names no patient and is not in the session database; "
                             f"give --subject CODE (a de-identified code such as P-0042)")
        session, db_protocol = h.start.strftime("%Y%m%d"), None
    try:
        code = validate_patient_code(code)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None
    protocols = _protocol_ids(anns) or ((db_protocol,) if db_protocol else ())
    task = bids_label(protocols[0], "protocol id") if protocols else FREE_TASK
    return _Source(path=path, subject=bids_label(code), code=code, session=session, task=task,
                   protocols=protocols, start=h.start, fs=float(fs), n_channels=len(labels), labels=labels,
                   units=tuple(s.unit for s in data), prefilters=tuple(s.prefilter for s in data),
                   duration_s=duration, bdf=h.bdf, annotations=anns,
                   mains_hz=None if settings is None else settings.mains_hz)


def _tsv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    def cell(v: object) -> str:
        if v is None or (isinstance(v, str) and not v.strip()):
            return "n/a"
        return re.sub(r"[\t\r\n]+", " ", f"{v:.10g}" if isinstance(v, float) else str(v))

    return "".join("\t".join(cell(v) for v in row) + "\n" for row in [header, *rows])


def _events(src: _Source) -> str:
    rows = []
    for a in src.annotations:
        kind = a.kind
        if kind in _NOT_EVENTS or a.text == "recording end":
            continue
        value = a.text[len(kind):].strip()
        if kind == "protocol":
            ids = _protocol_ids([a])
            value = ids[0] if ids else value
        elif kind not in EVENT_TYPES:
            kind, value = "annotation", a.text
        dur = 0.0 if a.duration_s is None else a.duration_s
        rows.append((f"{a.onset_s:.6f}", f"{dur:.6f}", kind, value))
    rows.sort(key=lambda r: float(r[0]))
    return _tsv(("onset", "duration", "trial_type", "value"), rows)


def _muscle(label: str) -> "str | None":
    try:
        ch = Channel.parse(label)
    except ValueError:
        return None
    return f"{ch.muscle.full_name}, {ch.side.value}"


def _cutoff(prefilter: str, key: str) -> "float | None":
    m = _PREFILTER[key].search(prefilter or "")
    return float(m.group(1)) if m else None


def _channels(src: _Source) -> str:
    rows = []
    for label, unit, pre in zip(src.labels, src.units, src.prefilters):
        unit = unit.strip()
        unit = "uV" if unit.lower() in ("uv", "µv", "μv") else unit
        rows.append((label, "EMG", unit, src.fs, _cutoff(pre, "HP"), _cutoff(pre, "LP"), _cutoff(pre, "N"),
                     _muscle(label), "good"))
    return _tsv(("name", "type", "units", "sampling_frequency", "low_cutoff", "high_cutoff", "notch",
                 "target_muscle", "status"), rows)


def _sidecar(src: _Source, line_hz: "float | None") -> str:
    mains = line_hz if line_hz is not None else src.mains_hz
    obj = {
        "TaskName": src.task,
        "TaskDescription": ("protocol run(s): " + ", ".join(src.protocols)) if src.protocols
        else "free exercise, no protocol run",
        "SamplingFrequency": src.fs,
        "PowerLineFrequency": mains if mains is not None else "n/a",
        "SoftwareFilters": "n/a",
        "EMGReference": "bipolar: each channel is the difference between two surface electrodes over its muscle",
        "EMGGround": "n/a",
        "EMGPlacementScheme": "Other",
        "EMGPlacementSchemeDescription": "bipolar surface electrodes over gluteus maximus, gluteus medius, "
        "tensor fasciae latae and lumbar erector spinae per side, placed by palpation following SENIAM "
        "where it covers the muscle (emgfeedback wiring guide); channels.tsv names each channel's muscle",
        "EMGChannelCount": src.n_channels,
        "RecordingDuration": round(src.duration_s, 6),
        "RecordingType": "continuous",
    }
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def _stem(s: _Source, run: "int | None") -> str:
    return f"sub-{s.subject}_ses-{s.session}_task-{s.task}" + (f"_run-{run}" if run is not None else "")


def plan_export(paths: Sequence["str | Path"], *, db=None, subject: "str | None" = None,
                line_hz: "float | None" = None, name: str = "emgfeedback recordings",
                version: str = "") -> list[BidsFile]:
    """Every file of an EMG-BIDS dataset holding ``paths``.

    Parameters
    ----------
    paths : sequence of str or Path
        EDF+/BDF+ recordings (complete: a cut file must be repaired first).
    db : SessionDatabase, optional
        Where their patients, sessions and protocols are looked up (by the file's path).
    subject : str, optional
        Patient code for files whose header names none and that the database does not know.
    line_hz : float, optional
        Mains frequency, Hz, when the recordings' settings do not give it (``PowerLineFrequency``).
    name : str
        The dataset's ``Name``.
    version : str
        emgfeedback version (``GeneratedBy``).

    Raises
    ------
    RecordingError
        A file is missing, not EDF/BDF, incomplete or its annotations are damaged.
    ValueError
        No patient code for a file, a bad code, a wrong suffix, or the same file twice.
    """
    resolved = [Path(p) for p in paths]
    seen: set[str] = set()
    for p in resolved:
        key = str(p.resolve())
        if key in seen:
            raise ValueError(f"{p} is given twice")
        seen.add(key)
    index = _database_index(db) if db is not None else {}
    sources = sorted((_read_source(p, index, subject) for p in resolved),
                     key=lambda s: (s.subject, s.session, s.task, s.start, str(s.path)))
    groups: dict[tuple, list[_Source]] = {}
    for s in sources:
        groups.setdefault((s.subject, s.session, s.task), []).append(s)
    files: list[BidsFile] = []
    participants: dict[str, str] = {}
    scans: dict[tuple[str, str], list[tuple[str, str]]] = {}
    tasks: set[str] = set()
    for group in groups.values():
        for i, s in enumerate(group, start=1):
            stem = _stem(s, i if len(group) > 1 else None)
            folder = f"sub-{s.subject}/ses-{s.session}/emg"
            ext = ".bdf" if s.bdf else ".edf"
            files += [BidsFile(f"{folder}/{stem}_emg{ext}", source=s.path),
                      BidsFile(f"{folder}/{stem}_emg.json", _sidecar(s, line_hz)),
                      BidsFile(f"{folder}/{stem}_channels.tsv", _channels(s)),
                      BidsFile(f"{folder}/{stem}_events.tsv", _events(s))]
            participants[f"sub-{s.subject}"] = s.code
            scans.setdefault((s.subject, s.session), []).append(
                (f"emg/{stem}_emg{ext}", s.start.isoformat(timespec="seconds")))
            tasks.add(s.task)
    for (sub, ses), rows in sorted(scans.items()):
        files.append(BidsFile(f"sub-{sub}/ses-{ses}/sub-{sub}_ses-{ses}_scans.tsv",
                              _tsv(("filename", "acq_time"), sorted(rows))))
    files.append(BidsFile("participants.tsv", _tsv(("participant_id", "patient_code"), sorted(participants.items()))))
    files.append(BidsFile("participants.json", json.dumps({
        "participant_id": {"Description": "BIDS participant label: the de-identified patient code without '-'"},
        "patient_code": {"Description": "de-identified emgfeedback patient code (never a name or birth date)"},
    }, indent=2) + "\n"))
    events_json = json.dumps({"trial_type": {"Description": "kind of event (emgfeedback annotation vocabulary)",
                                             "Levels": EVENT_TYPES},
                              "value": {"Description": "the rest of the annotation text"}}, indent=2) + "\n"
    files += [BidsFile(f"task-{t}_events.json", events_json) for t in sorted(tasks)]
    files.append(BidsFile("dataset_description.json", json.dumps({
        "Name": name, "BIDSVersion": BIDS_VERSION, "DatasetType": "raw",
        "GeneratedBy": [{"Name": "emgfeedback", **({"Version": version} if version else {}),
                         "Description": "emgfeedback bids export"}],
    }, indent=2) + "\n"))
    files.append(BidsFile("README", f"{name}\n\nSurface-EMG recordings of gluteal retraining exported by "
                          "emgfeedback (EMG-BIDS, BIDS " + BIDS_VERSION + "). Participants are de-identified "
                          "codes. The recordings are the original EDF+/BDF+ files, byte for byte: their "
                          "annotations also hold the processing settings that 'emgfeedback analyze' uses.\n"))
    return files
