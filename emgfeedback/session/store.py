"""Per-rep results into the session database: the adapter from the session's
:class:`~emgfeedback.measures.RepMetrics` to ``SessionDatabase.add_rep`` and the bookkeeping
of one clinical session (patient, protocol, MVC values, reps, recordings)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping

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
            "sides": sides, "channels": channels,
            "symmetry": {m.value: v for m, v in rep.symmetry_pct.items()}}


class SessionStore:
    """One clinical session in the database, written as it happens.

    A database session is started for the patient and the running protocol when there is first
    something to store in it; when the protocol changes after that, the session is ended and the
    next one starts (one protocol per session).
    Reps are numbered from 0 across the store's life, so a restarted protocol never collides.

    Parameters
    ----------
    db : SessionDatabase
        Open database (closed by :meth:`close`).
    patient_code : str
        De-identified code (validated by the database).
    protocol : str, optional
        Protocol id running now.
    mvc_uv : mapping of str to float, optional
        MVC values in use, per channel id, µV (stored with the first session).
    """

    def __init__(self, db: SessionDatabase, patient_code: str, protocol: "str | None" = None,
                 mvc_uv: "Mapping[str, float] | None" = None) -> None:
        self.db = db
        self.patient_code = patient_code
        self.protocol = protocol
        self.session_ids: list[int] = []
        self._open = False
        self.n_reps = 0
        self._mvc: dict[str, float] = {}
        self._pending_mvc = dict(mvc_uv or {})

    @property
    def session_id(self) -> int:
        """The current database session (started now if none is open)."""
        if not self._open:
            self.session_ids.append(self.db.start_session(self.patient_code, self.protocol))
            self._open = True
            if self._pending_mvc:
                pending, self._pending_mvc = self._pending_mvc, {}
                self.add_mvc(pending)
        return self.session_ids[-1]

    def set_protocol(self, protocol: "str | None") -> None:
        """Note the running protocol; a change ends an open session (the next one starts with
        the next thing stored)."""
        if protocol != self.protocol:
            if self._open:
                self.db.end_session(self.session_ids[-1])
                self._open = False
            self.protocol = protocol

    def add_mvc(self, mvc_uv: Mapping[str, float]) -> None:
        """Store MVC values (per channel id, µV) when they differ from those stored last."""
        values = {ch: float(v) for ch, v in mvc_uv.items()}
        if values and values != self._mvc:
            self.db.add_mvc(self.session_id, values)
            self._mvc = values

    def add_rep(self, rep: RepMetrics, start_s: float, end_s: float) -> int:
        """Store a rep with its times in the recording, s; returns the database row id."""
        row = self.db.add_rep(self.session_id, self.n_reps, start_s, end_s, **rep_fields(rep))
        self.n_reps += 1
        return row

    def add_recording(self, path: "str | Path", fs_hz: float, duration_s: float) -> None:
        """Link a recording to every session of this store (starting one if none was)."""
        if not self.session_ids:
            self.session_id  # noqa: B018 - starts the session
        for sid in self.session_ids:
            self.db.add_recording(sid, path, fs_hz, duration_s)

    def close(self) -> None:
        """End the current session and close the database."""
        try:
            if self._open:
                self.db.end_session(self.session_ids[-1])
                self._open = False
        finally:
            self.db.close()
