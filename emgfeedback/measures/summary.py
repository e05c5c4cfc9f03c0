"""The one summary of a set of reps (dashboard summary page, database, ``analyze`` JSON/CSV,
report)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np

from emgfeedback.measures.counting import counted
from emgfeedback.measures.feedback import rep_meets_target
from emgfeedback.measures.rep import RepMetrics
from emgfeedback.model import Muscle, Side

if TYPE_CHECKING:  # pragma: no cover
    from emgfeedback.calibration import Protocol

__all__ = ["SideSummary", "RepSummary", "summarise"]


def _median(values: Sequence[float]) -> float:
    arr = np.asarray([v for v in values if math.isfinite(v)], dtype=np.float64)
    return float(np.median(arr)) if arr.size else math.nan


@dataclass(frozen=True)
class SideSummary:
    """One side over a set of reps.

    Parameters
    ----------
    side : Side
        The side.
    first_to_fire : Muscle or None
        Muscle first in most ordered reps (ties: earliest median onset relative to the rep's
        first), None when no rep had two muscles firing.
    first_counts : mapping of Muscle to int
        Reps in which each muscle fired first.
    n_ordered : int
        Reps with a firing order (two or more muscles fired).
    gmax_minus_es_ms : float
        Median glute max − lumbar ES onset, ms (negative: glute max first); NaN when unknown.
    glute_first_pct : float
        % of the reps with both glute max and lumbar ES onsets where glute max fired first.
    tfl_to_glute_ratio : float
        Median TFL/GMed ratio; NaN when unknown.
    gluteal_to_tfl_index : float
        Median GTA index; NaN when unknown.
    """

    side: Side
    first_to_fire: "Muscle | None" = None
    first_counts: Mapping[Muscle, int] = field(default_factory=dict)
    n_ordered: int = 0
    gmax_minus_es_ms: float = math.nan
    glute_first_pct: float = math.nan
    tfl_to_glute_ratio: float = math.nan
    gluteal_to_tfl_index: float = math.nan


@dataclass(frozen=True)
class RepSummary:
    """A set of reps in a few numbers.

    Parameters
    ----------
    protocol : str
        Protocol id ("" when none ran).
    n_reps : int
        Reps counted (artefacts left out: too short/long, outside a hold …).
    sides : mapping of Side to SideSummary
        Per side.
    symmetry_pct : mapping of Muscle to float
        Median left/right symmetry index over the reps where the muscle worked on both sides, %.
    target_met : int
        Reps meeting the protocol's feedback target.
    target_judged : int
        Reps the target could be judged on.
    n_artefacts : int
        Reps detected but not counted (``RepMetrics.artefact``).
    """

    protocol: str
    n_reps: int
    sides: Mapping[Side, SideSummary]
    symmetry_pct: Mapping[Muscle, float]
    target_met: int = 0
    target_judged: int = 0
    n_artefacts: int = 0


def _side(side: Side, reps: Sequence[RepMetrics]) -> SideSummary:
    orders = [r.firing_order[side] for r in reps if side in r.firing_order]
    counts = Counter(fo.first for fo in orders)
    first = None
    if counts:
        top = max(counts.values())
        tied = [m for m, c in counts.items() if c == top]
        if len(tied) > 1:
            def rel(m: Muscle) -> float:
                return _median([fo.onset_s[fo.order.index(m)] - fo.onset_s[0] for fo in orders if m in fo.order])
            tied.sort(key=rel)
        first = tied[0]
    lat = [r.gmax_minus_es_ms[side] for r in reps if side in r.gmax_minus_es_ms]
    return SideSummary(
        side=side, first_to_fire=first, first_counts=dict(counts), n_ordered=len(orders),
        gmax_minus_es_ms=_median(lat),
        glute_first_pct=100.0 * sum(v < 0 for v in lat) / len(lat) if lat else math.nan,
        tfl_to_glute_ratio=_median([r.tfl_to_glute_ratio[side] for r in reps if side in r.tfl_to_glute_ratio]),
        gluteal_to_tfl_index=_median([r.gluteal_to_tfl_index[side] for r in reps if side in r.gluteal_to_tfl_index]),
    )


def summarise(reps: Sequence[RepMetrics], protocol: "Protocol | None" = None) -> RepSummary:
    """Summary of the counted ``reps`` (per side, per muscle, and against ``protocol``'s
    target); artefact reps are only counted in ``n_artefacts``."""
    n_all = len(reps)
    reps = counted(reps)
    judged = [rep_meets_target(r, protocol) for r in reps]
    return RepSummary(
        protocol=protocol.id if protocol else "",
        n_reps=len(reps),
        sides={s: _side(s, reps) for s in Side},
        symmetry_pct={m: v for m in Muscle
                      if math.isfinite(v := _median([r.symmetry_pct[m] for r in reps if m in r.symmetry_pct]))},
        target_met=sum(1 for j in judged if j),
        target_judged=sum(1 for j in judged if j is not None),
        n_artefacts=n_all - len(reps),
    )
