"""Counting reps against a protocol: which detected rep is which protocol rep, and which is an
artefact. The protocol runner owns the count (live, :class:`~emgfeedback.session.SessionEngine`
feeds it each hold cue); ``analyze`` rebuilds the same counter from a recording's ``protocol``
and ``cue hold`` annotations, so the screen, the database and the report count alike.

The rule
--------
Each hold cue opens a *slot* (set, rep in set, side): hold ``i`` of a protocol run is rep
``i mod reps + 1`` of set ``i // reps + 1``; sets alternate left, right when each side is done
in turn. A detected rep is given to the slot whose hold window — from :data:`LEAD_S` before
the cue to :data:`LAG_S` after the hold ends — it overlaps most. It is counted when that slot is
still free and its length fits the protocol; otherwise it is kept, with the reason, as an
artefact that no summary counts:

- *too short*: under ``max(MIN_REP_S, SHORT_FRACTION × hold_s)`` (a twitch, a cable knock);
- *too long*: over ``hold_s + rest_s + LAG_S`` (held through the rest, or two reps run together);
- *outside a hold*: no hold window overlaps it (between reps, before the start, after the end);
- *wrong side*: only the other side's glutes worked in a one-sided set;
- *second contraction*: its slot already has a rep.

So a protocol never counts more than ``reps × sets`` reps per side worked, and nothing after
its last hold (DONE) or after Stop.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from emgfeedback.measures.rep import RepMetrics
from emgfeedback.model import Side

if TYPE_CHECKING:  # pragma: no cover
    from emgfeedback.calibration import Protocol

__all__ = ["RepPlan", "HoldSlot", "RepCounter", "ProtocolRun", "count_reps", "counted", "LEAD_S", "LAG_S", "MIN_REP_S", "SHORT_FRACTION"]

#: A rep may start this long before its hold cue (patients anticipate), s.
LEAD_S = 1.0
#: ... and end this long after the hold ends (lowering the leg), s.
LAG_S = 2.0
#: Shortest rep ever counted, s.
MIN_REP_S = 0.3
#: A rep shorter than this fraction of the hold is a twitch, not the exercise.
SHORT_FRACTION = 0.4


@dataclass(frozen=True)
class RepPlan:
    """What a protocol run asks for, as the counter needs it (recordings carry it as JSON).

    Parameters
    ----------
    protocol : str
        Protocol id.
    reps, sets : int
        Reps per set and sets (per side when ``sides == "each"``).
    sides : str
        ``both``, ``left``, ``right`` or ``each``.
    hold_s, rest_s : float
        Hold and rest between reps, s.
    """

    protocol: str
    reps: int
    sets: int
    sides: str
    hold_s: float
    rest_s: float

    @classmethod
    def of(cls, protocol: "Protocol") -> "RepPlan":
        """The plan of a calibration protocol."""
        return cls(protocol.id, protocol.reps, protocol.sets, protocol.sides, protocol.hold_s, protocol.rest_s)

    @property
    def total_sets(self) -> int:
        """Sets in all (twice ``sets`` when each side is done in turn)."""
        return self.sets * 2 if self.sides == "each" else self.sets

    @property
    def total_reps(self) -> int:
        """Reps the protocol counts in all."""
        return self.reps * self.total_sets

    def side_of_set(self, set_number: int) -> "Side | None":
        """Working side of 1-based ``set_number`` (None when both sides work)."""
        if self.sides == "each":
            return Side.LEFT if set_number % 2 == 1 else Side.RIGHT
        if self.sides in ("left", "right"):
            return Side(self.sides)
        return None

    def slot(self, i: int) -> tuple[int, int, "Side | None"]:
        """(set, rep in set, side) of the ``i``-th hold (0-based) of a run."""
        set_number = i // self.reps + 1
        return set_number, i % self.reps + 1, self.side_of_set(set_number)

    def describe(self) -> str:
        """``5 reps × 2 sets each side`` — what the clinician reads."""
        per = {"each": " each side", "left": ", left side", "right": ", right side"}.get(self.sides, "")
        return f"{self.reps} reps × {self.sets} set{'s' if self.sets != 1 else ''}{per}"

    @property
    def min_rep_s(self) -> float:
        """Shortest rep counted, s."""
        return max(MIN_REP_S, SHORT_FRACTION * self.hold_s)

    @property
    def max_rep_s(self) -> float:
        """Longest rep counted, s."""
        return self.hold_s + self.rest_s + LAG_S

    def to_json(self) -> str:
        """Compact JSON (the ``protocol {json}`` annotation of a recording)."""
        return json.dumps(dataclasses.asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "RepPlan":
        """Read :meth:`to_json`'s text; ValueError naming the problem."""
        try:
            d: dict[str, Any] = json.loads(text)
            plan = cls(str(d["protocol"]), int(d["reps"]), int(d["sets"]), str(d["sides"]),
                       float(d["hold_s"]), float(d["rest_s"]))
        except (ValueError, KeyError, TypeError) as err:
            raise ValueError(f"not a protocol plan: {err}") from err
        if plan.reps < 1 or plan.sets < 1 or not (math.isfinite(plan.hold_s) and plan.hold_s > 0) \
                or not (math.isfinite(plan.rest_s) and plan.rest_s >= 0) \
                or plan.sides not in ("both", "left", "right", "each"):
            raise ValueError(f"not a usable protocol plan: {text[:120]}")
        return plan


@dataclass(frozen=True)
class HoldSlot:
    """One hold of a protocol run: rep ``rep`` of set ``set_number`` on ``side``, cued at
    ``start_s`` for ``hold_s``."""

    index: int
    set_number: int
    rep: int
    side: "Side | None"
    start_s: float
    end_s: float


class RepCounter:
    """The protocol's rep count: hold cues in, detected reps assigned (or flagged) out.

    Parameters
    ----------
    plan : RepPlan
        The protocol run.
    """

    def __init__(self, plan: RepPlan) -> None:
        self.plan = plan
        self.holds: list[HoldSlot] = []
        self._taken: set[int] = set()
        self.ended_s = math.inf

    def add_hold(self, t_s: float) -> "HoldSlot | None":
        """A hold was cued at stream time ``t_s``; None once the protocol has all its holds
        or has ended."""
        if len(self.holds) >= self.plan.total_reps or t_s >= self.ended_s:
            return None
        set_number, rep, side = self.plan.slot(len(self.holds))
        slot = HoldSlot(len(self.holds), set_number, rep, side, t_s, t_s + self.plan.hold_s)
        self.holds.append(slot)
        return slot

    def end(self, t_s: float) -> None:
        """The protocol ended (DONE or Stop) at ``t_s``: no later rep counts."""
        self.ended_s = min(self.ended_s, t_s)

    @property
    def n_counted(self) -> int:
        """Reps counted so far."""
        return len(self._taken)

    def _best_slot(self, start_s: float, end_s: float) -> "HoldSlot | None":
        best, best_overlap = None, 0.0
        for h in self.holds:
            a, b = h.start_s - LEAD_S, min(h.end_s + LAG_S, self.ended_s)
            overlap = min(end_s, b) - max(start_s, a)
            if overlap > best_overlap:
                best, best_overlap = h, overlap
        return best

    def assign(self, rep: RepMetrics) -> RepMetrics:
        """``rep`` with its set, rep in set, side and protocol, or with the reason it is an
        artefact (``rep.artefact``); counted reps take their slot."""
        p = self.plan
        slot = self._best_slot(rep.start_s, rep.end_s)
        base = dataclasses.replace(rep, protocol=p.protocol)
        if slot is None:
            where = ("after the protocol ended" if rep.start_s >= self.ended_s
                     else "before the first hold" if not self.holds or rep.end_s < self.holds[0].start_s
                     else "outside a hold")
            return dataclasses.replace(base, artefact=where)
        placed = dataclasses.replace(base, set_number=slot.set_number, rep_number=slot.rep,
                                     side=rep.side if rep.side is not None else slot.side)
        if slot.side is not None and rep.side is not None and rep.side is not slot.side:
            return dataclasses.replace(placed, artefact=f"wrong side ({rep.side.value} worked, "
                                                        f"{slot.side.value} asked)")
        if rep.duration_s < p.min_rep_s:
            return dataclasses.replace(placed, artefact=f"too short ({rep.duration_s:.2f} s < {p.min_rep_s:.1f} s)")
        if rep.duration_s > p.max_rep_s:
            return dataclasses.replace(placed, artefact=f"too long ({rep.duration_s:.1f} s > {p.max_rep_s:.1f} s)")
        if slot.index in self._taken:
            return dataclasses.replace(placed, artefact=f"second contraction in set {slot.set_number} rep {slot.rep}")
        self._taken.add(slot.index)
        return placed


def counted(reps: Sequence[RepMetrics]) -> list[RepMetrics]:
    """The reps a summary counts (artefacts left out)."""
    return [r for r in reps if not r.artefact]


@dataclass(frozen=True)
class ProtocolRun:
    """One run of a protocol as a recording tells it: its plan, when it started, its hold cues
    and when it ended (DONE or Stop; ``inf`` when the file ends first), all s."""

    plan: RepPlan
    start_s: float
    holds_s: tuple[float, ...] = ()
    end_s: float = math.inf

    def counter(self) -> RepCounter:
        """A counter that has seen this run's cues (as the live one had)."""
        c = RepCounter(self.plan)
        for t in self.holds_s:
            c.add_hold(t)
        c.end(self.end_s)
        return c


def count_reps(reps: Sequence[RepMetrics], runs: Sequence[ProtocolRun]) -> tuple[RepMetrics, ...]:
    """Offline, what the live counter did: each rep (in time order) goes to the last protocol
    run that started before it ended and is assigned or flagged there; reps before the first
    run keep no protocol."""
    ordered = sorted(runs, key=lambda r: r.start_s)
    counters = [r.counter() for r in ordered]
    out = []
    for rep in sorted(reps, key=lambda r: r.start_s):
        i = max((k for k, run in enumerate(ordered) if run.start_s <= rep.end_s), default=None)
        out.append(rep if i is None else counters[i].assign(rep))
    return tuple(out)
