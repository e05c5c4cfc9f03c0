"""Per-rep results into the session database: the adapter from the session's
:class:`~emgfeedback.measures.RepMetrics` to ``SessionDatabase.add_rep`` and the bookkeeping
of one clinical session (patient, protocol, MVC values, reps, recordings)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable, Mapping

from emgfeedback.model import Side
from emgfeedback.measures import RepMetrics
from emgfeedback.storage.database import SessionDatabase

__all__ = ["rep_fields", "SessionStore"]


def _finite(v: "float | None") -> "float | None":
    return v if v is not None and math.isfinite(v) else None


def rep_fields(rep: RepMetrics) -> dict[str, Any]:
    """Keyword arguments of ``SessionDatabase.add_rep`` (besides session, index and times) for a rep.

    Returns
    -------
    dict
        ``set_number``, ``side`` (``left``/``right``/None), ``sides`` (per side that has an onset
        or a ratio: ``first_to_fire`` muscle id, ``gmax_minus_es_ms``, ``tfl_to_glute_ratio``)
        and ``channels`` (per channel id: ``mean_uv``, ``peak_uv``, ``peak_pct_mvc``). Unknown
        values are None.
    """
    sides: dict[str, dict[str, object]] = {}
    for s in Side:
        fo = rep.firing_order.get(s)
        ratio = rep.tfl_to_glute_ratio.get(s)
        if fo is None and ratio is None:
            continue
        sides[s.value] = {
            "first_to_fire": None if fo is None else fo.first.value,
            "firing_order": None if fo is None else ">".join(m.value for m in fo.order),
            "gmax_minus_es_ms": _finite(rep.gmax_minus_es_ms.get(s)),
            "tfl_to_glute_ratio": _finite(ratio),
            "gluteal_to_tfl_index": _finite(rep.gluteal_to_tfl_index.get(s)),
        }
    channels = {ch: {"mean_uv": rep.mean_uv.get(ch), "peak_uv": rep.peak_uv.get(ch),
                     "peak_pct_mvc": rep.peak_pct_mvc.get(ch), "pct_mvc": rep.pct_mvc.get(ch),
                     "onset_s": rep.onset_s.get(ch)} for ch in rep.mean_uv}
    return {"set_number": rep.set_number, "side": None if rep.side is None else rep.side.value,
            "protocol": rep.protocol or None, "rep_number": rep.rep_number, "artefact": rep.artefact or None,
            "sides": sides, "channels": channels,
            "symmetry": {m.value: v for m, v in rep.symmetry_pct.items()}}


class SessionStore:
    """One patient visit in the database, written as it happens: its MVC, the protocols run,
    every rep (counted or flagged) and the recordings.

    A visit is one database session: started when there is first something to store in it,
    or continued when ``session_id`` is given (the dashboard keeps one visit per patient
    across recordings, protocols and reconnections). Reps are numbered across the visit.

    Parameters
    ----------
    db : SessionDatabase
        Open database (closed by :meth:`close`).
    patient_code : str
        De-identified code (validated by the database).
    protocol : str, optional
        Protocol id running now.
    mvc_uv : mapping of str to float, optional
        MVC values in use, per channel id, µV (stored with the visit unless it has them).
    session_id : int or callable, optional
        The visit to continue, or a function giving it when first needed (the dashboard's
        :meth:`Visit.ensure`, so that one visit is created however it is first used); None: a
        new one starts with the first thing stored.
    """

    def __init__(self, db: SessionDatabase, patient_code: str, protocol: "str | None" = None,
                 mvc_uv: "Mapping[str, float] | None" = None, *,
                 session_id: "int | Callable[[], int] | None" = None) -> None:
        self.db = db
        self.patient_code = patient_code
        self.protocol: "str | None" = None
        self._sid: "int | None" = None
        self._provider = session_id if callable(session_id) else None
        self.n_reps = 0
        self._pending_mvc = dict(mvc_uv or {})
        self._pending_protocol = protocol
        #: The recording reps go to now (their times are then times in its file).
        self.recording_id: "int | None" = None
        if isinstance(session_id, int):
            self._open_session(session_id)

    def _open_session(self, sid: int) -> None:
        self._sid = sid
        self.n_reps = self.db.next_rep_index(sid)
        self._flush_pending()

    @property
    def session_ids(self) -> list[int]:
        """The visit's session (empty until something was stored)."""
        return [] if self._sid is None else [self._sid]

    @property
    def session_id(self) -> int:
        """The visit's database session (started now if none is open)."""
        if self._sid is None:
            self._open_session(self._provider() if self._provider is not None
                               else self.db.start_session(self.patient_code))
        assert self._sid is not None
        return self._sid

    def _flush_pending(self) -> None:
        protocol, self._pending_protocol = self._pending_protocol, None
        if protocol is not None:
            self.set_protocol(protocol)
        pending, self._pending_mvc = self._pending_mvc, {}
        if pending:
            self.add_mvc(pending)

    def set_protocol(self, protocol: "str | None") -> None:
        """Note the running protocol (a visit runs several; each is stored once it starts)."""
        if protocol is not None and protocol != self.protocol:
            if self._sid is None:
                self._pending_protocol = protocol
                return
            self.db.add_session_protocol(self._sid, protocol)
        self.protocol = protocol

    def add_mvc(self, mvc_uv: Mapping[str, float], measured_at: "str | None" = None) -> None:
        """Store the MVC set in use (per channel id, µV; ``measured_at`` ISO text, default now)
        unless the visit already has exactly these values."""
        values = {ch: float(v) for ch, v in mvc_uv.items()}
        if values and values != self.db.session_mvc(self.session_id):
            self.db.add_mvc(self.session_id, values, measured_at)

    def add_rep(self, rep: RepMetrics, start_s: float, end_s: float) -> int:
        """Store a rep (counted or flagged) with its times in the recording, s; returns its row id."""
        fields = rep_fields(rep)
        fields["protocol"] = fields["protocol"] or self.protocol
        sid = self.session_id
        self.n_reps = max(self.n_reps, self.db.next_rep_index(sid))  # another writer of the visit
        row = self.db.add_rep(sid, self.n_reps, start_s, end_s, recording_id=self.recording_id, **fields)
        self.n_reps += 1
        return row

    def start_recording(self, path: "str | Path", fs_hz: float) -> None:
        """Link a recording as it starts (so a crash leaves the visit naming its file)."""
        self.recording_id = self.db.start_recording(self.session_id, path, fs_hz)

    def finish_recording(self, duration_s: float, *, kept: bool = True) -> None:
        """The recording stopped with ``duration_s`` s of signal in its file; ``kept`` False:
        no file was left (nothing was recorded), so the visit does not name it."""
        if self.recording_id is not None:
            if kept:
                self.db.finish_recording(self.recording_id, duration_s)
            else:
                self.db.remove_recording(self.recording_id)
            self.recording_id = None

    def add_recording(self, path: "str | Path", fs_hz: float, duration_s: float) -> None:
        """Link a finished recording to the visit (starting it if none was)."""
        self.db.add_recording(self.session_id, path, fs_hz, duration_s)

    def close(self, *, end: bool = True) -> None:
        """Mark the visit's end time now (``end``; a continued visit's end moves on) and close
        the database."""
        try:
            if end and self._sid is not None:
                self.db.end_session(self._sid)
        finally:
            self.db.close()
