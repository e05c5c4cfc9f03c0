"""Per-rep results: firing order, onset latency, TFL-to-glute-med ratio, %MVC and left/right
symmetry of each detected rep, and the session summary built from them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import numpy as np

from emgfeedback.dsp.ratios import symmetry_index
from emgfeedback.calibration import Protocol
from emgfeedback.model import FiringOrder, Montage, Muscle, Onset, Side

__all__ = ["RepResult", "SessionSummary", "rep_result", "rep_meets_target", "symmetry_index", "summarize"]

#: A muscle works in a rep when its mean envelope exceeds this many times its resting level.
ACTIVE_FACTOR = 2.0
#: Onsets this long before the detected rep start still belong to the rep, s.
PRE_ONSET_S = 0.5


@dataclass(frozen=True)
class RepResult:
    """What one rep showed.

    Parameters
    ----------
    index : int
        0-based rep number in the session.
    start_s, end_s : float
        Stream time of the rep, s.
    set_number : int
        Protocol set the rep fell in (0 when no protocol was running).
    side : Side or None
        Working side: the only side whose muscles worked (from the signal, when resting
        levels are known), else the protocol set's side; None when both sides worked.
    mean_uv, peak_uv : mapping of str to float
        Mean envelope over the middle half of the rep and its peak, per channel id, µV.
    peak_pct_mvc : mapping of str to float
        Peak as %MVC per channel id (empty without MVC values).
    firing_order : mapping of Side to FiringOrder
        Muscles in order of onset per side (sides with no onset are absent).
    tfl_to_glute_ratio : mapping of Side to float
        Mean TFL / mean gluteus medius envelope over the middle half, per side (only the
        working side in one-sided sets).
    symmetry_pct : mapping of Muscle to float
        Left/right symmetry index of the mean envelope (or %MVC when known), %.
    """

    index: int
    start_s: float
    end_s: float
    set_number: int = 0
    side: "Side | None" = None
    mean_uv: Mapping[str, float] = field(default_factory=dict)
    peak_uv: Mapping[str, float] = field(default_factory=dict)
    peak_pct_mvc: Mapping[str, float] = field(default_factory=dict)
    firing_order: Mapping[Side, FiringOrder] = field(default_factory=dict)
    tfl_to_glute_ratio: Mapping[Side, float] = field(default_factory=dict)
    symmetry_pct: Mapping[Muscle, float] = field(default_factory=dict)

    def latency_ms(self, side: Side, a: Muscle = Muscle.GLUTE_MAX,
                   b: Muscle = Muscle.LUMBAR_ES) -> float:
        """Onset of ``a`` minus onset of ``b`` on ``side``, ms (negative: ``a`` first); NaN
        when either did not fire."""
        fo = self.firing_order.get(side)
        if fo is None:
            return math.nan
        try:
            return fo.latency_ms(a, b)
        except KeyError:
            return math.nan


def rep_result(
    index: int,
    start_s: float,
    end_s: float,
    envelope: np.ndarray,
    fs: float,
    montage: Montage,
    onsets: Iterable[Onset],
    *,
    mvc_uv: "np.ndarray | None" = None,
    set_number: int = 0,
    side: "Side | None" = None,
    rest_uv: "np.ndarray | None" = None,
) -> RepResult:
    """Measure one rep.

    Parameters
    ----------
    index : int
        Rep number.
    start_s, end_s : float
        Rep limits, s.
    envelope : ndarray, shape (n_channels, n_samples)
        Envelope from ``start_s`` to ``end_s``, µV.
    fs : float
        Sample rate, Hz.
    montage : Montage
        Channel order.
    onsets : iterable of Onset
        Detected onsets near the rep; the first per channel from ``start_s - 0.5 s`` to
        ``end_s`` counts.
    mvc_uv : ndarray, shape (n_channels,), optional
        MVC per channel, µV (NaN where unknown).
    set_number, side
        Where the protocol was.
    rest_uv : ndarray, shape (n_channels,), optional
        Resting envelope per channel, µV. A muscle counts as working in the rep when its
        mean is above ``ACTIVE_FACTOR`` times rest; ratios need a working glute med or TFL
        and symmetry a working muscle on at least one side (NaN otherwise).
    """
    env = np.asarray(envelope, dtype=np.float64)
    n = env.shape[1]
    mid = env[:, n // 4: max(3 * n // 4, n // 4 + 1)] if n else np.zeros((len(montage), 1))
    mean = mid.mean(axis=1)
    working = (np.ones(len(montage), dtype=bool) if rest_uv is None
               else mean > ACTIVE_FACTOR * np.asarray(rest_uv, dtype=np.float64))
    peak = env.max(axis=1) if n else np.zeros(len(montage))
    if rest_uv is not None:
        busy = {sd: any(working[i] for i, ch in enumerate(montage) if ch.side is sd) for sd in Side}
        if busy[Side.LEFT] != busy[Side.RIGHT]:
            side = Side.LEFT if busy[Side.LEFT] else Side.RIGHT  # the signal shows who worked
        elif busy[Side.LEFT]:
            side = None
    ids = montage.ids
    first: dict[str, float] = {}
    for o in onsets:
        if start_s - PRE_ONSET_S <= o.onset_s <= end_s and o.onset_s < first.get(o.channel, math.inf):
            first[o.channel] = o.onset_s
    orders: dict[Side, FiringOrder] = {}
    ratios: dict[Side, float] = {}
    for s in Side:
        fired = sorted((t, ch.muscle) for ch in montage if ch.side is s
                       for t in [first.get(ch.id)] if t is not None)
        if fired:
            orders[s] = FiringOrder(s, tuple(m for _, m in fired), tuple(t for t, _ in fired), index)
        tfl, med = montage.find(Muscle.TFL, s), montage.find(Muscle.GLUTE_MED, s)
        one_sided_rest = side is not None and s is not side
        if (tfl is not None and med is not None and mean[med] > 0 and not one_sided_rest
                and (working[tfl] or working[med])):
            ratios[s] = float(mean[tfl] / mean[med])
    pct: dict[str, float] = {}
    level = mean
    if mvc_uv is not None:
        mvc = np.asarray(mvc_uv, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(mvc > 0, 100.0 * peak / mvc, np.nan)
            level = np.where(mvc > 0, 100.0 * mean / mvc, mean)
        pct = {ids[i]: float(p[i]) for i in range(len(ids)) if math.isfinite(p[i])}
    sym: dict[Muscle, float] = {}
    for m in Muscle:
        li, ri = montage.find(m, Side.LEFT), montage.find(m, Side.RIGHT)
        if li is not None and ri is not None and (working[li] or working[ri]):
            sym[m] = symmetry_index(float(level[li]), float(level[ri]))
    return RepResult(
        index=index, start_s=float(start_s), end_s=float(end_s), set_number=set_number, side=side,
        mean_uv={ids[i]: float(mean[i]) for i in range(len(ids))},
        peak_uv={ids[i]: float(peak[i]) for i in range(len(ids))},
        peak_pct_mvc=pct, firing_order=orders, tfl_to_glute_ratio=ratios, symmetry_pct=sym,
    )


@dataclass(frozen=True)
class SessionSummary:
    """The session in a few numbers (shown at the end; stored once storage exists).

    Parameters
    ----------
    protocol : str
        Protocol id ("" when none ran).
    n_reps : int
        Reps detected.
    first_counts : mapping of Side to mapping of Muscle to int
        How often each muscle fired first, per side.
    median_latency_ms : mapping of Side to float
        Median glute max minus lumbar ES onset, ms (negative: glute max first).
    median_tfl_ratio : mapping of Side to float
        Median TFL-to-glute-med ratio.
    median_symmetry_pct : mapping of Muscle to float
        Median left/right symmetry index, %.
    target_met : int
        Reps meeting the protocol's feedback target (see ``rep_meets_target``).
    """

    protocol: str
    n_reps: int
    first_counts: Mapping[Side, Mapping[Muscle, int]]
    median_latency_ms: Mapping[Side, float]
    median_tfl_ratio: Mapping[Side, float]
    median_symmetry_pct: Mapping[Muscle, float]
    target_met: int


def _median(values: Sequence[float]) -> float:
    vals = [v for v in values if math.isfinite(v)]
    return float(np.median(vals)) if vals else math.nan


def rep_meets_target(rep: RepResult, protocol: "Protocol | None") -> "bool | None":
    """Whether a rep met its protocol's feedback target (None when it cannot be judged)."""
    if protocol is None:
        return None
    fb = protocol.feedback
    sides = [rep.side] if rep.side is not None else list(Side)
    if fb.metric == "firing_order" and fb.first and fb.before:
        lat = [rep.latency_ms(s, fb.first, fb.before) for s in sides]
        lat = [v for v in lat if math.isfinite(v)]
        return all(v < 0 for v in lat) if lat else None
    if fb.metric == "tfl_to_glute_ratio" and fb.max_ratio is not None:
        r = [rep.tfl_to_glute_ratio.get(s, math.nan) for s in sides]
        r = [v for v in r if math.isfinite(v)]
        return all(v <= fb.max_ratio for v in r) if r else None
    if fb.metric == "symmetry" and fb.muscle is not None and fb.max_asymmetry_pct is not None:
        v = rep.symmetry_pct.get(fb.muscle, math.nan)
        return abs(v) <= fb.max_asymmetry_pct if math.isfinite(v) else None
    if fb.metric == "percent_mvc" and fb.muscle is not None and fb.target_pct_mvc is not None:
        lo, hi = fb.target_pct_mvc
        v = [rep.peak_pct_mvc.get(f"{fb.muscle.value}_{s.value}", math.nan) for s in sides]
        v = [x for x in v if math.isfinite(x)]
        return all(lo <= x <= hi for x in v) if v else None
    return None


def summarize(reps: Sequence[RepResult], protocol: "Protocol | None" = None) -> SessionSummary:
    """Summary of a session's reps."""
    counts: dict[Side, dict[Muscle, int]] = {s: {} for s in Side}
    for r in reps:
        for s, fo in r.firing_order.items():
            counts[s][fo.first] = counts[s].get(fo.first, 0) + 1
    return SessionSummary(
        protocol=protocol.id if protocol else "",
        n_reps=len(reps),
        first_counts=counts,
        median_latency_ms={s: _median([r.latency_ms(s) for r in reps]) for s in Side},
        median_tfl_ratio={s: _median([r.tfl_to_glute_ratio.get(s, math.nan) for r in reps]) for s in Side},
        median_symmetry_pct={m: _median([r.symmetry_pct.get(m, math.nan) for r in reps]) for m in Muscle},
        target_met=sum(1 for r in reps if rep_meets_target(r, protocol)),
    )
