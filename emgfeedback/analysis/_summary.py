"""Trial-level summaries built from per-rep metrics: per side, per muscle symmetry, fatigue."""

from __future__ import annotations

import math
from collections import Counter
from typing import Mapping, Sequence

import numpy as np

from emgfeedback.analysis.channels import ChannelMap
from emgfeedback.analysis.result import ChannelFatigue, RepMetrics, SideSummary
from emgfeedback.dsp.fatigue import mdf_slope_pct_per_min
from emgfeedback.dsp.ratios import symmetry_index
from emgfeedback.model import Muscle, Side

__all__ = ["side_summary", "trial_symmetry", "channel_fatigue"]


def _median(values: Sequence[float]) -> float:
    arr = np.asarray([v for v in values if math.isfinite(v)], dtype=np.float64)
    return float(np.median(arr)) if arr.size else math.nan


def side_summary(side: Side, reps: Sequence[RepMetrics]) -> SideSummary:
    """Summarise one side: most frequent first muscle and medians of the per-rep numbers."""
    orders = [r.firing_order[side] for r in reps if side in r.firing_order]
    counts = Counter(fo.first for fo in orders)
    first = None
    if counts:
        top = max(counts.values())
        tied = [m for m, c in counts.items() if c == top]
        if len(tied) > 1:  # break ties by the median onset of each tied muscle relative to the rep
            def rel(m: Muscle) -> float:
                return _median([fo.onset_s[fo.order.index(m)] - fo.onset_s[0] for fo in orders if m in fo.order])
            tied.sort(key=rel)
        first = tied[0]
    return SideSummary(
        side=side,
        first_to_fire=first,
        first_counts=dict(counts),
        n_ordered=len(orders),
        gmax_minus_es_onset_ms=_median([r.gmax_minus_es_ms[side] for r in reps if side in r.gmax_minus_es_ms]),
        tfl_to_glute_ratio=_median([r.tfl_to_glute_ratio[side] for r in reps if side in r.tfl_to_glute_ratio]),
        gluteal_to_tfl_index=_median(
            [r.gluteal_to_tfl_index[side] for r in reps if side in r.gluteal_to_tfl_index]),
    )


def trial_symmetry(cmap: ChannelMap, reps: Sequence[RepMetrics],
                   level: "Mapping[int, Mapping[str, float]]") -> dict[Muscle, float]:
    """Left/right symmetry index per muscle over the trial, %.

    Each side's level is its mean over the reps where that side was active; a side that never
    worked is measured over the reps where the other side was active (so a silent side shows as
    strong asymmetry rather than disappearing). Muscles silent on both sides are left out.

    Parameters
    ----------
    cmap : ChannelMap
        Rows of the glute channels.
    reps : sequence of RepMetrics
        The reps.
    level : mapping of rep index to mapping of channel id to float
        Amplitude of each channel in each rep (µV, or %MVC when known).
    """
    out: dict[Muscle, float] = {}
    for m in Muscle:
        li, ri = cmap.row(m, Side.LEFT), cmap.row(m, Side.RIGHT)
        if li is None or ri is None:
            continue
        lid, rid = cmap.names[li], cmap.names[ri]
        on_l = [r for r in reps if lid in r.active]
        on_r = [r for r in reps if rid in r.active]
        if not on_l and not on_r:
            continue
        left = np.mean([level[r.index][lid] for r in (on_l or on_r)])
        right = np.mean([level[r.index][rid] for r in (on_r or on_l)])
        out[m] = float(symmetry_index(float(left), float(right)))
    return out


def channel_fatigue(name: str, times_s: np.ndarray, mdf_hz: np.ndarray) -> ChannelFatigue:
    """A channel's median-frequency windows from all its reps and their slope, %/min."""
    t = np.asarray(times_s, dtype=np.float64)
    f = np.asarray(mdf_hz, dtype=np.float64)
    slope = float(mdf_slope_pct_per_min(t, f)) if np.isfinite(f).sum() >= 2 else math.nan
    return ChannelFatigue(channel=name, times_s=t, mdf_hz=f, slope_pct_per_min=slope)
