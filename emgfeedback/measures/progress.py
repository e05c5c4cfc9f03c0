"""Progress across visits: one summary per session from its stored reps, the trend series a
clinician follows over weeks, and the flat table ``emgfeedback progress CODE --csv`` writes.

Pure functions over the rep dicts :meth:`emgfeedback.storage.SessionDatabase.reps` returns. Only
counted reps (``artefact`` None) count. A one-sided rep (``side`` set, e.g. a left clamshell)
counts for its working side only, as the targets judge it (:mod:`emgfeedback.measures.targets`).

Per session (medians over counted reps; NaN when not measured in that visit):

- ``gmax_minus_es_ms[side]``: onset(GMax) − onset(ES), ms — **negative: glute max first**;
- ``glute_first_pct[side]``: % of reps where both fired with glute max first;
- ``tfl_to_gmed[protocol][side]``: TFL / GMed ratio;
- ``pct_mvc[channel]``: peak %MVC of each channel;
- ``symmetry_pct[muscle]``: |left/right symmetry index|, %, of reps done with both sides;
- ``on_target_pct[protocol]``: % of reps meeting every target of the protocol (reps no target
  could judge are left out).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import median
from typing import Mapping, Sequence

from emgfeedback.measures.targets import Target, rep_meets
from emgfeedback.model import Channel, Muscle, Side

__all__ = ["SessionProgress", "Trend", "session_progress", "trend_series", "progress_rows"]

_SIDES = tuple(s.value for s in Side)
_NAN = math.nan


@dataclass(frozen=True)
class SessionProgress:
    """One visit as the progress page, the CSV and the handover report show it.

    Parameters
    ----------
    session_id : int
    date, started_at : str
        Visit date (ISO ``YYYY-MM-DD``) and start (ISO 8601, local).
    protocols : tuple of str
        Protocol ids run, in order.
    n_reps, n_artefacts : int
        Counted reps and reps flagged as artefacts.
    reps_by_protocol : dict
        Counted reps per protocol id (``""``: reps recorded without a protocol).
    mvc : dict
        MVC used, per channel id, µV (empty: none stored with the visit).
    mvc_measured_at : str or None
        When that MVC was measured (ISO 8601).
    gmax_minus_es_ms, glute_first_pct, tfl_to_gmed, pct_mvc, symmetry_pct, on_target_pct : dict
        See the module docstring.
    notes : dict
        ``pain`` (0–10), ``rpe`` (Borg CR10), ``text``.
    recordings : tuple of str
        Paths of the visit's recordings.
    """

    session_id: int
    date: str
    started_at: str
    protocols: tuple[str, ...]
    n_reps: int
    n_artefacts: int
    mvc: dict[str, float]
    gmax_minus_es_ms: dict[str, float]
    glute_first_pct: dict[str, float]
    tfl_to_gmed: dict[str, dict[str, float]]
    pct_mvc: dict[str, float]
    symmetry_pct: dict[str, float]
    on_target_pct: dict[str, float]
    notes: dict = field(default_factory=dict)
    reps_by_protocol: dict[str, int] = field(default_factory=dict)
    mvc_measured_at: "str | None" = None
    recordings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Trend:
    """One series across sessions, with the clinician's goal line.

    Parameters
    ----------
    key : str
        E.g. ``gmax_minus_es_ms.left``, ``tfl_to_gmed.clamshell.right``, ``pct_mvc.glute_max_left``.
    label, unit : str
        Human label (channel names as ``GMax L``) and unit (``ms``, ``%``, ``%MVC``, ``""``).
    dates : tuple of str
        One ISO date per session.
    values : tuple of float
        One per session (NaN where not measured).
    goal : float or None
        The goal line from the plan's targets; None without one.
    better : str
        ``"lower"`` or ``"higher"``.
    """

    key: str
    label: str
    unit: str
    dates: tuple[str, ...]
    values: tuple[float, ...]
    goal: "float | None"
    better: str

    @property
    def first_last(self) -> "tuple[float, float] | None":
        """First and last measured values (None when none was measured)."""
        vals = [v for v in self.values if math.isfinite(v)]
        return (vals[0], vals[-1]) if vals else None

    @property
    def change(self) -> "str | None":
        """``"better"``, ``"worse"`` or ``"unchanged"`` from the first to the last measured value
        (by :attr:`better`); None with fewer than two measured sessions."""
        vals = [v for v in self.values if math.isfinite(v)]
        if len(vals) < 2:
            return None
        first, last = vals[0], vals[-1]
        if last == first:
            return "unchanged"
        return "better" if (last < first) == (self.better == "lower") else "worse"


def _finite(v: object) -> "float | None":
    if v is None or isinstance(v, bool):
        return None
    f = float(v)  # type: ignore[arg-type]
    return f if math.isfinite(f) else None


def _median(values: list[float]) -> float:
    return float(median(values)) if values else _NAN


def _works(rep: Mapping, side: str) -> bool:
    return rep.get("side") in (None, side)


def session_progress(session_id: int, started_at: str, reps: Sequence[Mapping], *,
                     protocols: Sequence[str] = (), mvc: "Mapping[str, float] | None" = None,
                     mvc_measured_at: "str | None" = None, notes: "Mapping | None" = None,
                     targets: "Mapping[str, Sequence[Target]] | None" = None,
                     recordings: Sequence[str] = ()) -> SessionProgress:
    """Summarise one visit from its stored reps.

    Parameters
    ----------
    session_id, started_at
        The session's id and start time (ISO 8601).
    reps : sequence of mapping
        ``SessionDatabase.reps(session_id)``.
    protocols, mvc, mvc_measured_at, notes, recordings
        As stored with the visit (MVC per channel id, µV).
    targets : mapping of protocol id to targets, optional
        The goals each protocol's reps are judged against (``on_target_pct``).
    """
    counted = [r for r in reps if not r.get("artefact")]
    latency: dict[str, list[float]] = {s: [] for s in _SIDES}
    ratio: dict[str, dict[str, list[float]]] = {}
    peaks: dict[str, list[float]] = {}
    sym: dict[str, list[float]] = {}
    by_protocol: dict[str, int] = {}
    judged: dict[str, list[bool]] = {}
    for rep in counted:
        proto = rep.get("protocol") or ""
        by_protocol[proto] = by_protocol.get(proto, 0) + 1
        sides = rep.get("sides") or {}
        for s in _SIDES:
            if not _works(rep, s):
                continue
            values = sides.get(s) or {}
            lat = _finite(values.get("gmax_minus_es_ms"))
            if lat is not None:
                latency[s].append(lat)
            rat = _finite(values.get("tfl_to_glute_ratio"))
            if rat is not None:
                ratio.setdefault(proto, {}).setdefault(s, []).append(rat)
        for ch, values in (rep.get("channels") or {}).items():
            peak = _finite((values or {}).get("peak_pct_mvc"))
            if peak is not None and _works(rep, Channel.parse(ch).side.value):
                peaks.setdefault(ch, []).append(peak)
        if rep.get("side") is None:
            for m, v in (rep.get("symmetry") or {}).items():
                if _finite(v) is not None:
                    sym.setdefault(m, []).append(abs(float(v)))
        goals = (targets or {}).get(proto, ())
        verdicts = [rep_meets(t, rep) for t in goals]
        if any(v is not None for v in verdicts):
            judged.setdefault(proto, []).append(all(v is not False for v in verdicts))
    return SessionProgress(
        session_id=int(session_id), date=str(started_at)[:10], started_at=str(started_at),
        protocols=tuple(protocols), n_reps=len(counted), n_artefacts=len(reps) - len(counted),
        mvc={k: float(v) for k, v in (mvc or {}).items()},
        gmax_minus_es_ms={s: _median(latency[s]) for s in _SIDES},
        glute_first_pct={s: 100.0 * sum(v < 0 for v in latency[s]) / len(latency[s]) if latency[s] else _NAN
                         for s in _SIDES},
        tfl_to_gmed={p: {s: _median(per.get(s, [])) for s in _SIDES} for p, per in ratio.items()},
        pct_mvc={ch: _median(v) for ch, v in sorted(peaks.items(), key=lambda kv: _channel_order(kv[0]))},
        symmetry_pct={m: _median(v) for m, v in sorted(sym.items(), key=lambda kv: _muscle_order(kv[0]))},
        on_target_pct={p: 100.0 * sum(v) / len(v) for p, v in judged.items()},
        notes=dict(notes or {}), reps_by_protocol=by_protocol, mvc_measured_at=mvc_measured_at,
        recordings=tuple(recordings))


def _channel_order(ch: str) -> tuple[int, int]:
    c = Channel.parse(ch)
    return list(Side).index(c.side), list(Muscle).index(c.muscle)


def _muscle(m: str) -> "Muscle | None":
    try:
        return Muscle(m)
    except ValueError:
        return None


def _muscle_order(m: str) -> int:
    muscle = _muscle(m)
    return len(Muscle) if muscle is None else list(Muscle).index(muscle)


def _muscle_label(m: str) -> str:
    muscle = _muscle(m)
    return m if muscle is None else muscle.label


def _unique_goal(targets: "Mapping[str, Sequence[Target]]", metric: str, *, op: str = "",
                 muscle: "Muscle | None | str" = "any", protocol: "str | None" = None) -> "float | None":
    """The one goal value for a series: the value of the matching targets when they agree."""
    values = set()
    for pid, goals in targets.items():
        if protocol is not None and pid != protocol:
            continue
        for t in goals:
            if t.metric == metric and (not op or t.op == op) and (muscle == "any" or t.muscle == muscle):
                values.add(t.value)
    return values.pop() if len(values) == 1 else None


def trend_series(history: Sequence[SessionProgress], targets: "Mapping[str, Sequence[Target]] | None" = None,
                 names: "Mapping[str, str] | None" = None) -> list[Trend]:
    """The trend series of a patient's sessions (oldest first), each with its goal line.

    Parameters
    ----------
    history : sequence of SessionProgress
        One per visit, oldest first.
    targets : mapping of protocol id to targets, optional
        The plan's targets: goal lines (a series whose targets disagree across exercises gets
        none).
    names : mapping of protocol id to display name, optional
        For labels (ids otherwise).

    Returns
    -------
    list of Trend
        Only series measured in at least one session, in a fixed order: latency and % glute
        first per side, TFL:GMed per protocol and side, %MVC per channel, symmetry per muscle,
        reps on target per protocol.
    """
    targets = targets or {}
    names = names or {}
    dates = tuple(h.date for h in history)
    out: list[Trend] = []

    def add(key: str, label: str, unit: str, values: list[float], goal: "float | None", better: str) -> None:
        if any(math.isfinite(v) for v in values):
            out.append(Trend(key, label, unit, dates, tuple(values), goal, better))

    lat_goal = _unique_goal(targets, "gmax_minus_es_ms")
    if lat_goal is None and any(t.metric == "glute_first" for ts in targets.values() for t in ts):
        lat_goal = 0.0  # "glute max first": below the zero line
    for s in _SIDES:
        add(f"gmax_minus_es_ms.{s}", f"GMax − ES latency, {s} (ms; negative = glute max first)", "ms",
            [h.gmax_minus_es_ms.get(s, _NAN) for h in history], lat_goal, "lower")
    for s in _SIDES:
        add(f"glute_first_pct.{s}", f"Reps with glute max first, {s} (%)", "%",
            [h.glute_first_pct.get(s, _NAN) for h in history], None, "higher")
    protos = list(dict.fromkeys(p for h in history for p in h.tfl_to_gmed))
    for p in protos:
        goal = _unique_goal(targets, "tfl_to_gmed", protocol=p)
        for s in _SIDES:
            add(f"tfl_to_gmed.{p}.{s}", f"TFL:GMed ratio, {names.get(p, p) or 'no protocol'}, {s}", "",
                [h.tfl_to_gmed.get(p, {}).get(s, _NAN) for h in history], goal, "lower")
    channels = sorted({c for h in history for c in h.pct_mvc}, key=_channel_order)
    for ch in channels:
        c = Channel.parse(ch)
        goal = _unique_goal(targets, "pct_mvc", op=">=", muscle=c.muscle)
        # retraining wants the glutes working harder and the compensators (TFL, lumbar ES) less
        better = "higher" if c.muscle in (Muscle.GLUTE_MAX, Muscle.GLUTE_MED) else "lower"
        add(f"pct_mvc.{ch}", f"{c.label} peak (%MVC)", "%MVC", [h.pct_mvc.get(ch, _NAN) for h in history],
            goal, better)
    muscles = sorted({m for h in history for m in h.symmetry_pct}, key=_muscle_order)
    for m in muscles:
        goal = _unique_goal(targets, "symmetry", muscle=_muscle(m))
        if goal is None:
            goal = _unique_goal(targets, "symmetry", muscle=None)  # a target on every muscle
        add(f"symmetry_pct.{m}", f"{_muscle_label(m)} L/R symmetry (|%|)", "%",
            [h.symmetry_pct.get(m, _NAN) for h in history], goal, "lower")
    for p in dict.fromkeys(p for h in history for p in h.on_target_pct):
        add(f"on_target_pct.{p}", f"Reps on target, {names.get(p, p) or 'no protocol'} (%)", "%",
            [h.on_target_pct.get(p, _NAN) for h in history], None, "higher")
    return out


def progress_rows(history: Sequence[SessionProgress]) -> tuple[list[str], list[dict]]:
    """A flat table of a patient's history: one row per session.

    Returns
    -------
    header : list of str
        ``session_id, date, started_at, protocols, n_reps, n_artefacts, mvc_measured_at``, then
        ``mvc_uv.<channel>``, every trend key of :func:`trend_series` (``gmax_minus_es_ms.left`` …),
        ``pain, rpe, notes, recordings``.
    rows : list of dict
        Column → value (None where not measured; lists joined with ``;``).
    """
    trends = trend_series(history)
    mvc_channels = sorted({c for h in history for c in h.mvc}, key=_channel_order)
    header = ["session_id", "date", "started_at", "protocols", "n_reps", "n_artefacts", "mvc_measured_at"]
    header += [f"mvc_uv.{c}" for c in mvc_channels] + [t.key for t in trends]
    header += ["pain", "rpe", "notes", "recordings"]
    rows = []
    for i, h in enumerate(history):
        row: dict = {"session_id": h.session_id, "date": h.date, "started_at": h.started_at,
                     "protocols": ";".join(h.protocols), "n_reps": h.n_reps, "n_artefacts": h.n_artefacts,
                     "mvc_measured_at": h.mvc_measured_at}
        row.update({f"mvc_uv.{c}": round(h.mvc[c], 3) if c in h.mvc else None for c in mvc_channels})
        row.update({t.key: round(t.values[i], 4) if math.isfinite(t.values[i]) else None for t in trends})
        row.update({"pain": h.notes.get("pain"), "rpe": h.notes.get("rpe"), "notes": h.notes.get("text") or None,
                    "recordings": ";".join(h.recordings)})
        rows.append(row)
    return header, rows
