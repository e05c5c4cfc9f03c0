"""Recording a live session: the session worker's blocks into a crash-safe EDF+/BDF+ file
(through the storage layer's :class:`~emgfeedback.storage.recorder.BlockWriter`, the same code
``emgfeedback record`` uses), with onsets, reps and cues as annotations, and the per-rep results,
MVC values and the recording's path into the session database.

Everything here runs on the session worker thread; the UI reads :class:`RecordingStatus`
snapshots.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from emgfeedback.errors import RecordingError
from emgfeedback.model import StreamInfo
from emgfeedback.session.mvc import MvcStep
from emgfeedback.session.store import SessionStore
from emgfeedback.settings import ProcessingSettings
from emgfeedback.storage.annotations import baseline_text, protocol_text, settings_text
from emgfeedback.storage.database import SessionDatabase
from emgfeedback.storage.deidentify import validate_patient_code
from emgfeedback.storage.edf import EdfWriter
from emgfeedback.storage.recorder import BlockWriter, wants_bdf

__all__ = ["RECORDINGS_ENV", "RecordingStatus", "LiveRecording", "default_recordings_dir", "recording_path"]

log = logging.getLogger(__name__)

#: Environment variable naming the folder recordings go to.
RECORDINGS_ENV = "EMGFEEDBACK_RECORDINGS"


def default_recordings_dir() -> Path:
    """Where the dashboard saves recordings: ``$EMGFEEDBACK_RECORDINGS``, else
    ``~/emgfeedback-recordings``."""
    env = os.environ.get(RECORDINGS_ENV)
    return Path(env).expanduser() if env else Path.home() / "emgfeedback-recordings"


def recording_path(patient_code: str, folder: "str | Path | None" = None, *, bdf: bool = False,
                   when: "dt.datetime | None" = None) -> Path:
    """A new file name ``CODE_YYYY-MM-DD_HHMMSS.edf`` (``.bdf``) in ``folder`` (created 0700);
    ``-2``, ``-3`` … are appended when the name is taken.

    Raises
    ------
    ValueError
        The patient code is not a de-identified code.
    RecordingError
        The folder cannot be created.
    """
    code = validate_patient_code(patient_code)
    base = Path(folder) if folder is not None else default_recordings_dir()
    try:
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as err:
        raise RecordingError(f"cannot create the recordings folder {base}: {err.strerror}") from err
    stem = f"{code}_{(when or dt.datetime.now()):%Y-%m-%d_%H%M%S}"
    suffix = ".bdf" if bdf else ".edf"
    path, n = base / f"{stem}{suffix}", 1
    while path.exists():
        n += 1
        path = base / f"{stem}-{n}{suffix}"
    return path


@dataclass(frozen=True)
class RecordingStatus:
    """Where a dashboard recording stands (a snapshot; the worker replaces it whole).

    Parameters
    ----------
    path : Path
        The file.
    active : bool
        True while recording.
    recorded_s : float
        Signal in the file, s.
    file_bytes : int
        Size of the file's complete part, bytes.
    lost_samples : int
        Samples lost in transport or dropped (filled in and annotated).
    samples : int
        Samples per channel in the file (filled-in ones included).
    clipped_samples : int
        Sample instants where a channel exceeded the file's range (clipped).
    reps : int
        Reps annotated (and stored in the database).
    error : str
        Why recording stopped on its own (write error, disk full), else "".
    warning : str
        A database problem (the file is still recorded), else "".
    """

    path: Path
    active: bool
    recorded_s: float = 0.0
    file_bytes: int = 0
    lost_samples: int = 0
    samples: int = 0
    clipped_samples: int = 0
    reps: int = 0
    error: str = ""
    warning: str = ""

    @classmethod
    def failed(cls, path: Path, error: str) -> "RecordingStatus":
        """A recording that could not start."""
        return cls(path=path, active=False, error=error)

    def line(self) -> str:
        """Short indicator text: ``REC 01:23 · 2.4 MB``."""
        m, s = divmod(int(self.recorded_s), 60)
        return f"REC {m:02d}:{s:02d} · {self.file_bytes / 1e6:.1f} MB"


class LiveRecording:
    """Record a live stream's blocks and session events.

    Parameters
    ----------
    info : StreamInfo
        The stream (rate, montage labels, board).
    path : str or Path
        The file to create; a stream of more than 16 ADC bits (``info.adc_bits``: Cyton,
        Ganglion) records BDF+ (``FILE.edf`` becomes ``FILE.bdf``).
    patient_code : str or None
        De-identified code: the EDF+ patient field and the database patient. None records an
        unknown patient (EDF+ ``X``) and stores nothing in the database.
    db_path : str or Path, optional
        Session database (default ``storage.default_db_path()``, ``$EMGFEEDBACK_DB``).
    use_db : bool
        Store reps, MVC values and the recording in the database.
    protocol : str, optional
        Protocol id running now.
    mvc_uv : mapping of str to float, optional
        MVC values in use, µV.
    settings : ProcessingSettings, optional
        The settings that make the onset and rep annotations; written into the file as a
        ``settings {json}`` annotation at 0 s (see ``storage.recording_settings``).
    physical_range_uv : float, optional
        File range, ±µV (default 5000 for EDF+, 187500 for BDF+).
    session_id : int, optional
        The patient visit (database session) this recording belongs to; None: a new visit.
    store : SessionStore, optional
        The visit's store on the session worker (the live session's): the recording links
        itself and its reps there and leaves the store open when it stops.

    Raises
    ------
    ValueError
        A name instead of a code.
    RecordingError
        The file cannot be created.
    """

    def __init__(self, info: StreamInfo, path: "str | Path", patient_code: "str | None", *,
                 db_path: "str | Path | None" = None, use_db: bool = True, protocol: "str | None" = None,
                 mvc_uv: "Mapping[str, float] | None" = None, settings: "ProcessingSettings | None" = None,
                 physical_range_uv: "float | None" = None, session_id: "int | None" = None,
                 store: "SessionStore | None" = None) -> None:
        code = None if patient_code is None else validate_patient_code(patient_code)
        path = Path(path)
        if path.suffix.lower() not in (".edf", ".bdf"):
            raise ValueError(f"the recording file must end in .edf or .bdf, got {path.name!r}")
        bdf = path.suffix.lower() == ".bdf" or wants_bdf(info)
        if bdf:
            path = path.with_suffix(".bdf")
        self.settings = ProcessingSettings() if settings is None else settings
        note = settings_text(self.settings)
        self.info = info
        # room for the settings annotation in the first record, next to a few onsets
        self.writer = EdfWriter(path, info.fs, info.montage.labels, patient_code=code, bdf=bdf,
                                physical_range_uv=physical_range_uv,
                                annotation_bytes=max(1024, len(note.encode("utf-8")) + 640))  # + the baseline
        self.path = path
        self.sink = BlockWriter(self.writer, origin_s=None)
        self.sink.add(note, 0.0)
        self.store: "SessionStore | None" = None
        self._own_store = store is None  # closed by this recording when it made it
        self._warning = ""
        self._error = ""
        self.active = True
        self.n_reps = 0  # reps counted (annotated ``rep N``)
        self._counter_noted: Any = None  # the engine's rep counter whose plan is in the file
        self._baseline_version = 0  # the detector's baseline version last written (0: none)
        if use_db and code is None:
            self._warning = "no patient code: results are not stored in the session database"
        elif use_db and store is not None:
            self.store = store
            self._db(lambda: store.set_protocol(protocol))
            if mvc_uv:
                self._db(lambda: store.add_mvc(mvc_uv))
        elif use_db:
            self._db(lambda: setattr(self, "store", SessionStore(SessionDatabase(db_path), code, protocol, mvc_uv,
                                                                 session_id=session_id)))
        if self.store is not None:  # linked now: a crash leaves the visit naming its file
            self._db(lambda: self.store.start_recording(self.path, info.fs))

    @property
    def status(self) -> RecordingStatus:
        """A snapshot for the display."""
        w = self.writer
        return RecordingStatus(path=self.path, active=self.active, recorded_s=w.duration_s,
                               file_bytes=w.file_bytes, lost_samples=self.sink.lost_samples,
                               samples=w.samples_written, clipped_samples=w.clipped_samples,
                               reps=self.n_reps, error=self._error, warning=self._warning)

    def _db(self, fn: Any) -> None:
        """Run a database step; a failure disables the database for this recording (the file
        goes on) and is reported as a warning."""
        try:
            fn()
        except (RecordingError, sqlite3.Error, ValueError, OSError) as err:
            log.error("session database: %s", err)
            self._warning = f"session database not updated: {err}"
            store, self.store = self.store, None
            if store is not None and self._own_store:
                try:
                    store.db.close()
                except sqlite3.Error:
                    pass

    def _file_time(self, stream_t_s: float) -> float:
        return max(self.sink.file_time(stream_t_s), 0.0)

    def feed(self, block: Any, update: Any, engine: Any = None) -> None:
        """One block and its ``SessionUpdate`` (both None when no block came: only the periodic
        ``fsync``). A write error finishes the file and sets ``error``; :attr:`active` turns False."""
        if not self.active:
            return
        try:
            if block is not None:
                self.sink.write(block)
                self._note_protocol(engine, update)
                self._annotate(update)
                self._note_baseline(engine, block)
            self.sink.flush_due(1.0)
        except RecordingError as err:
            self._error = str(err)
            self._finish()
            return
        if block is not None and self.store is not None:
            self._store(update, engine)

    def annotate(self, text: str, stream_t_s: float) -> None:
        """Annotate ``text`` (a marker) at stream time ``stream_t_s``, s; a write error ends the file."""
        if not self.active:
            return
        try:
            self.sink.add(text, self._file_time(stream_t_s))
        except RecordingError as err:
            self._error = str(err)
            self._finish()

    def add_results(self, update: Any, engine: Any = None) -> None:
        """Reps and phase events that came without a block (the engine's :meth:`finish` at the
        end of a stream): annotated and stored like the others."""
        if not self.active:
            return
        try:
            self._note_protocol(engine, update)
            self._annotate_results(update)
        except RecordingError as err:
            self._error = str(err)
            self._finish()
            return
        if self.store is not None:
            self._store(update, engine)

    def _note_baseline(self, engine: Any, block: Any) -> None:
        """Whenever the live onset detector has new rest statistics (first learnt, or replaced
        because the stream started inside a contraction), write them into the file
        (``baseline {json}``): its analysis then uses the live thresholds (the last ones)."""
        if engine is None:
            return
        detector = getattr(engine.pipeline, "detector", None)
        stats = getattr(detector, "baseline_stats", None)
        version = int(getattr(detector, "baseline_version", 1))
        if stats is None or version == self._baseline_version:
            return
        self.sink.add(baseline_text(self.info.montage.ids, stats.mean, stats.sd), self._file_time(block.t0))
        self._baseline_version = version

    def _note_protocol(self, engine: Any, update: Any) -> None:
        """A protocol run that began: its plan (``protocol {json}``) at its first cue, so that
        ``analyze`` counts the file's reps as the live counter did."""
        counter = getattr(engine, "counter", None)
        if counter is None or counter is self._counter_noted:
            return
        t = min((e.t_s for e in update.events), default=None)
        if t is None:
            return
        self.sink.add(protocol_text(counter.plan), self._file_time(t))
        self._counter_noted = counter

    def _annotate(self, update: Any) -> None:
        self.sink.add_onsets(update.frame.onsets)
        self._annotate_results(update)

    def _annotate_results(self, update: Any) -> None:
        for e in update.events:
            text = f"cue {e.phase.value}" + (f": {e.cue}" if e.cue else "")
            self.sink.add(text, self._file_time(e.t_s))
        for r in update.reps:
            start = self._file_time(r.start_s)
            length = max(self._file_time(r.end_s) - start, 0.0)
            if r.artefact:  # detected, not counted: the reason is in the file too
                self.sink.add(f"artefact {r.artefact}", start, length)
                continue
            self.n_reps += 1
            side = f" {r.side.value}" if r.side is not None else ""
            self.sink.add(f"rep {self.n_reps}{side}", start, length)

    def _store(self, update: Any, engine: Any) -> None:
        store = self.store
        assert store is not None
        if engine is not None:
            protocol = engine.protocol.id if engine.protocol is not None else None
            if protocol != store.protocol:
                self._db(lambda: store.set_protocol(protocol))
        for r in update.reps:
            start = self._file_time(r.start_s)
            self._db(lambda: store.add_rep(r, start, self._file_time(r.end_s)))
        if update.mvc is not None and update.mvc.step is MvcStep.DONE and update.mvc.mvc_uv:
            self._db(lambda: store.add_mvc(update.mvc.mvc_uv))

    def _finish(self) -> None:
        self.active = False
        try:
            self.sink.finish()
        except RecordingError as err:
            self._error = self._error or str(err)
        try:
            self.writer.close()
        except (RecordingError, OSError) as err:
            self._error = self._error or str(err)
        w = self.writer
        # after a write error only the complete records are in the file
        seconds = w.n_records * w.record_duration_s if self._error else w.duration_s
        store = self.store
        if store is not None:
            kept = self.path.exists() and not getattr(self.writer, "removed", False)
            self._db(lambda: store.finish_recording(seconds, kept=kept))
            if self._own_store:
                self._db(store.close)
            self.store = None

    def stop(self) -> RecordingStatus:
        """Finish the file cleanly (and the database session); returns the final status."""
        if self.active:
            self._finish()
        return self.status
