"""One rep and the one function that measures it, live and offline.

A *rep* is a group of bursts of any channels that overlap or follow each other within
``ProcessingSettings.rep_join_s`` (:func:`emgfeedback.dsp.timing.group_reps`; live,
:class:`~emgfeedback.measures.grouping.RepGrouper` finds the same groups). :func:`measure_rep`
turns a rep's bursts and the linear envelope around it into :class:`RepMetrics`. The session
(live) and the analysis (offline) both call it; nothing else computes these numbers.

Definitions (docs/metrics.md gives them with references):

- *core window*: the rep from its first onset to its last offset, trimmed at each end by a
  quarter of its length (at most 0.5 s): amplitudes away from the ramps;
- *active*: a channel with a burst in the rep;
- amplitude: mean linear envelope over the core window, µV; peak: its maximum over the rep;
- %MVC: ``100 × amplitude / MVC`` (:func:`emgfeedback.dsp.mvc.percent_of_mvc`);
- firing order per side: the side's active muscles by first onset, when at least two fired
  (:func:`emgfeedback.dsp.timing.firing_order`);
- latency per side: ``onset(GMax) − onset(ES)``, ms — **negative: glute max fired first**;
- TFL/GMed ratio per side: mean TFL over mean GMed envelope over the core window
  (:func:`emgfeedback.dsp.ratios.tfl_to_glute_ratio`), when GMed was active (a TFL that stayed
  quiet gives its low ratio: the goal of a clamshell, judged met);
- GTA index per side (Selkowitz 2013): from %MVC of GMed, GMax and TFL, only with MVC values
  for all three and at least one of them active;
- symmetry per muscle: ``(L − R) / ((L + R)/2) × 100`` of %MVC (µV without MVC), only when the
  muscle was active on both sides in this rep;
- median frequency per active channel over the core window (with the filtered signal).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from emgfeedback.dsp.fatigue import median_frequency
from emgfeedback.dsp.mvc import percent_of_mvc
from emgfeedback.dsp.ratios import gluteal_to_tfl_index, symmetry_index, tfl_to_glute_ratio
from emgfeedback.dsp.timing import firing_order
from emgfeedback.measures.layout import ChannelMap
from emgfeedback.model import FiringOrder, Muscle, Onset, Side

__all__ = ["RepMetrics", "measure_rep", "core_window", "latency_text", "MAX_TRIM_S"]

#: Most trimmed off each end of a rep to get its core window, s.
MAX_TRIM_S = 0.5
#: Shortest core window a median frequency is computed on, s.
_MIN_SPECTRUM_S = 0.05


def core_window(start_s: float, end_s: float) -> tuple[float, float]:
    """The rep trimmed by a quarter of its length (at most :data:`MAX_TRIM_S`) at each end, s."""
    trim = min(0.25 * (end_s - start_s), MAX_TRIM_S)
    return start_s + trim, end_s - trim


@dataclass(frozen=True)
class RepMetrics:
    """What one rep showed: the one rep type of the dashboard, database, CSV, JSON and report.

    Parameters
    ----------
    index : int
        0-based rep number (shown 1-based).
    start_s, end_s : float
        First onset and last offset of the rep's bursts, s.
    core_s : (float, float)
        Core window amplitudes are taken over, s.
    set_number : int
        Protocol set the rep fell in (0 without a protocol).
    side : Side or None
        The only side with active glute channels, None when both or neither.
    active : tuple of str
        Channels with a burst in the rep.
    onset_s : mapping of str to float
        First onset of each active channel, s.
    mean_uv, peak_uv : mapping of str to float
        Mean envelope over the core window and peak over the rep, every channel, µV.
    pct_mvc, peak_pct_mvc : mapping of str to float
        ``mean_uv`` and ``peak_uv`` as %MVC (channels with a known MVC only).
    firing_order : mapping of Side to FiringOrder
        Active muscles of each side by onset (sides with fewer than two absent).
    gmax_minus_es_ms : mapping of Side to float
        Onset of glute max minus onset of lumbar ES, ms; negative: glute max first.
    tfl_to_glute_ratio : mapping of Side to float
        TFL / GMed mean envelope over the core window (sides where both were active).
    gluteal_to_tfl_index : mapping of Side to float
        Selkowitz GTA index from %MVC.
    symmetry_pct : mapping of Muscle to float
        Left/right symmetry index, % (muscles active on both sides).
    mdf_hz : mapping of str to float
        Median frequency over the core window of each active channel, Hz.
    rep_number : int
        1-based rep within its protocol set (0 without a protocol).
    protocol : str
        Protocol id the rep was counted against ("" without a protocol).
    artefact : str
        Why the rep does not count for the protocol (too short, too long, outside a hold,
        second contraction, after the end); "" for a counted rep. See
        :mod:`emgfeedback.measures.counting`.
    """

    index: int
    start_s: float
    end_s: float
    core_s: tuple[float, float]
    set_number: int = 0
    side: "Side | None" = None
    active: tuple[str, ...] = ()
    onset_s: Mapping[str, float] = field(default_factory=dict)
    mean_uv: Mapping[str, float] = field(default_factory=dict)
    peak_uv: Mapping[str, float] = field(default_factory=dict)
    pct_mvc: Mapping[str, float] = field(default_factory=dict)
    peak_pct_mvc: Mapping[str, float] = field(default_factory=dict)
    firing_order: Mapping[Side, FiringOrder] = field(default_factory=dict)
    gmax_minus_es_ms: Mapping[Side, float] = field(default_factory=dict)
    tfl_to_glute_ratio: Mapping[Side, float] = field(default_factory=dict)
    gluteal_to_tfl_index: Mapping[Side, float] = field(default_factory=dict)
    symmetry_pct: Mapping[Muscle, float] = field(default_factory=dict)
    mdf_hz: Mapping[str, float] = field(default_factory=dict)
    rep_number: int = 0
    protocol: str = ""
    artefact: str = ""

    @property
    def duration_s(self) -> float:
        """Rep length, s."""
        return self.end_s - self.start_s

    def latency_ms(self, side: Side, a: Muscle = Muscle.GLUTE_MAX, b: Muscle = Muscle.LUMBAR_ES) -> float:
        """Onset of ``a`` minus onset of ``b`` on ``side``, ms (negative: ``a`` first); NaN when
        either did not fire."""
        fo = self.firing_order.get(side)
        if fo is None:
            return math.nan
        try:
            return fo.latency_ms(a, b)
        except KeyError:
            return math.nan


def _window(t0_s: float, fs: float, n: int, a_s: float, b_s: float) -> slice:
    a = min(max(0, int(round((a_s - t0_s) * fs))), max(n - 1, 0))
    b = min(n, max(a + 1, int(round((b_s - t0_s) * fs))))
    return slice(a, b)


def _mdf(filtered: np.ndarray, fs: float) -> np.ndarray:
    """Median frequency of each row (n_rows, n) over ≤ 1 s windows (hop ½), Hz; NaN when short."""
    n = filtered.shape[-1]
    w = min(n, int(round(fs)))
    if w < max(16, int(round(_MIN_SPECTRUM_S * fs))):
        return np.full(filtered.shape[0], math.nan)
    _, mdf = median_frequency(filtered, fs, window_s=w / fs, step_s=max(1, w // 2) / fs)
    mdf = np.atleast_2d(np.asarray(mdf, dtype=np.float64))
    with np.errstate(all="ignore"):
        finite = np.isfinite(mdf)
        out = np.array([np.median(row[ok]) if ok.any() else math.nan for row, ok in zip(mdf, finite)])
    return out


def measure_rep(
    index: int,
    bursts: Sequence[Onset],
    envelope: np.ndarray,
    fs: float,
    layout: ChannelMap,
    *,
    t0_s: float = 0.0,
    mvc_uv: "np.ndarray | None" = None,
    filtered: "np.ndarray | None" = None,
    set_number: int = 0,
) -> RepMetrics:
    """Measure one rep.

    Parameters
    ----------
    index : int
        Rep number.
    bursts : sequence of Onset
        The rep's bursts (closed: ``offset_s`` set), any channels.
    envelope : ndarray, shape (n_channels, n_samples)
        Linear envelope covering at least the rep, µV; column 0 is at ``t0_s``.
    fs : float
        Sample rate, Hz.
    layout : ChannelMap
        What each row records.
    t0_s : float
        Time of the envelope's first column, s.
    mvc_uv : ndarray, shape (n_channels,), optional
        MVC per row, µV (NaN where unknown).
    filtered : ndarray, shape like ``envelope``, optional
        Band-passed signal over the same samples, µV, for median frequencies.
    set_number : int
        Protocol set of the rep.
    """
    if not bursts:
        raise ValueError("a rep needs at least one burst")
    names = layout.names
    start = min(o.onset_s for o in bursts)
    end = max(o.offset_s if o.offset_s is not None else o.onset_s for o in bursts)
    core = core_window(start, end)
    env = np.asarray(envelope, dtype=np.float64)
    n = env.shape[1]
    cw = _window(t0_s, fs, n, *core)
    whole = _window(t0_s, fs, n, start, end)
    mean = env[:, cw].mean(axis=1)
    peak = env[:, whole].max(axis=1)
    first: dict[str, float] = {}
    for o in sorted(bursts, key=lambda o: o.onset_s):
        first.setdefault(o.channel, float(o.onset_s))
    active = tuple(nm for nm in names if nm in first)
    on = np.array([nm in first for nm in names])

    pct = None if mvc_uv is None else percent_of_mvc(mean, mvc_uv)
    peak_pct = None if mvc_uv is None else percent_of_mvc(peak, mvc_uv)
    level = mean if pct is None else np.where(np.isfinite(pct), pct, mean)

    def row(m: Muscle, s: Side) -> "int | None":
        return layout.row(m, s)

    sides_on = {layout.channels[i].side for i in range(len(names))  # type: ignore[union-attr]
                if layout.channels[i] is not None and on[i]}
    orders: dict[Side, FiringOrder] = {}
    lat: dict[Side, float] = {}
    ratio: dict[Side, float] = {}
    gta: dict[Side, float] = {}
    for s in Side:
        muscles = [m for m in Muscle if layout.row(m, s) is not None]
        found = firing_order(bursts, s, muscles, reps=[bursts], min_muscles=2) if len(muscles) >= 2 else []
        if found:
            orders[s] = dataclasses.replace(found[0], rep=index)  # the one firing-order rule
            try:
                lat[s] = orders[s].latency_ms(Muscle.GLUTE_MAX, Muscle.LUMBAR_ES)
            except KeyError:
                pass
        t, g, gx = row(Muscle.TFL, s), row(Muscle.GLUTE_MED, s), row(Muscle.GLUTE_MAX, s)
        if t is not None and g is not None and on[g]:  # a quiet TFL is a low ratio, not no ratio
            r = tfl_to_glute_ratio(env[t, cw], env[g, cw])
            if math.isfinite(r):
                ratio[s] = r
        if (pct is not None and None not in (t, g, gx) and np.isfinite(pct[[t, g, gx]]).all()
                and on[[t, g, gx]].any()):
            v = float(gluteal_to_tfl_index(pct[g], pct[gx], pct[t]))
            if math.isfinite(v):
                gta[s] = v
    sym: dict[Muscle, float] = {}
    for m in Muscle:
        li, ri = row(m, Side.LEFT), row(m, Side.RIGHT)
        if li is not None and ri is not None and on[li] and on[ri]:
            v = float(symmetry_index(float(level[li]), float(level[ri])))
            if math.isfinite(v):
                sym[m] = v
    mdf: dict[str, float] = {}
    if filtered is not None and on.any():
        rows = np.flatnonzero(on)
        seg = np.asarray(filtered[rows, cw], dtype=np.float64)  # only the core window, not the whole array
        mdf = {names[i]: float(v) for i, v in zip(rows, _mdf(seg, fs))}

    def per_channel(values: "np.ndarray | None") -> dict[str, float]:
        if values is None:
            return {}
        return {names[i]: float(values[i]) for i in range(len(names)) if math.isfinite(values[i])}

    return RepMetrics(
        index=index, start_s=float(start), end_s=float(end), core_s=(float(core[0]), float(core[1])),
        set_number=set_number, side=next(iter(sides_on)) if len(sides_on) == 1 else None,
        active=active, onset_s=first, mean_uv=per_channel(mean), peak_uv=per_channel(peak),
        pct_mvc=per_channel(pct), peak_pct_mvc=per_channel(peak_pct), firing_order=orders,
        gmax_minus_es_ms=lat, tfl_to_glute_ratio=ratio, gluteal_to_tfl_index=gta, symmetry_pct=sym,
        mdf_hz=mdf,
    )


def latency_text(ms: "float | None") -> str:
    """The one way every surface words a GMax − ES latency: ``"−70 ms (glute max first)"``."""
    if ms is None or not math.isfinite(ms):
        return "—"
    who = " (glute max first)" if ms < 0 else " (lumbar ES first)" if ms > 0 else " (together)"
    return f"{ms:+.0f} ms{who}".replace("-", "−")
