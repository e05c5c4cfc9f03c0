"""The report's figures, each an inline ``<svg>`` string drawn from a TrialResult."""

from __future__ import annotations

import math

import numpy as np

from emgfeedback.analysis.result import TrialResult
from emgfeedback.analysis.svg import PALETTE, Plot
from emgfeedback.model import Channel, Muscle, Side

__all__ = ["overview_svg", "detail_svg", "firing_order_svg", "ratio_svg", "symmetry_svg", "fatigue_svg",
           "MUSCLE_COLORS"]

MUSCLE_COLORS = {Muscle.GLUTE_MAX: PALETTE[0], Muscle.GLUTE_MED: PALETTE[2], Muscle.TFL: PALETTE[1],
                 Muscle.LUMBAR_ES: PALETTE[3]}
_W = 760


def _color(name: str, i: int) -> str:
    try:
        return MUSCLE_COLORS[Channel.parse(name).muscle]
    except ValueError:
        return PALETTE[i % len(PALETTE)]


def _label(name: str) -> str:
    try:
        return Channel.parse(name).label
    except ValueError:
        return name[:14]


def _common_scale(a: np.ndarray) -> float:
    """One µV scale for all rows: the 99th percentile of per-bin extremes (a spike cannot shrink
    the others)."""
    vals = np.abs(a[np.isfinite(a)]) if a.size else np.zeros(0)
    top = float(np.percentile(vals, 99.5)) if vals.size else 0.0
    return top if top > 0 else 1.0


def _stacked(res: TrialResult, t: np.ndarray, lo: "np.ndarray | None", hi: "np.ndarray | None",
             env: np.ndarray, title: str, spans: "list[tuple[float, float]]", onsets: bool) -> str:
    n = len(res.channels)
    t0, t1 = (float(t[0]), float(t[-1])) if t.size else (0.0, 1.0)
    e_scale = _common_scale(env)
    s_scale = _common_scale(np.concatenate([lo, hi])) if lo is not None and hi is not None else 1.0
    scale = f"row height = {e_scale:.0f} µV envelope" + (
        f", ±{s_scale:.0f} µV filtered sEMG" if lo is not None else "")
    p = Plot(_W, 40 + 42 * n, (t0, t1), (-0.5, n - 0.5), title=f"{title} ({scale})", xlabel="time (s)", left=70)
    for a, b in spans:
        p.vspan(a, b)
    for i, name in enumerate(res.channels):
        row = n - 1 - i
        c = _color(name, i)
        if lo is not None and hi is not None:
            p.fill_between(t, row + 0.45 * np.clip(lo[i] / s_scale, -1, 1),
                           row + 0.45 * np.clip(hi[i] / s_scale, -1, 1), c, opacity=0.25)
        p.line(t, row - 0.45 + 0.9 * np.clip(env[i] / e_scale, 0, 1), c, width=1.4)
        if onsets:
            for o in res.onsets_for(name):
                p.vline(o.onset_s, "#000", y0=row - 0.45, y1=row + 0.45, width=1.2)
    p.axes(yticks=list(range(n)), ytick_labels=[_label(c) for c in reversed(res.channels)], grid=False)
    return p.render()


def overview_svg(res: TrialResult) -> str:
    """The whole trial: envelope per channel (scaled to its own peak), reps shaded."""
    pv = res.preview
    spans = [(r.start_s, r.end_s) for r in res.reps]
    return _stacked(res, pv.t_s, None, None, pv.env_uv, f"Whole trial: envelopes, {len(res.reps)} reps shaded",
                    spans, False)


def detail_svg(res: TrialResult) -> str:
    """Rep 1 in detail: raw signal (band), envelope (line), detected onsets (black ticks)."""
    pv = res.preview
    r = res.reps[0]
    return _stacked(res, pv.detail_t_s, pv.detail_raw_min_uv, pv.detail_raw_max_uv, pv.detail_env_uv,
                    "Rep 1: sEMG (band), envelope (line), onsets (black)", [(r.start_s, r.end_s)], True)


def firing_order_svg(res: TrialResult, side: Side) -> "str | None":
    """Onset of each muscle relative to the side's first onset, rep by rep (None without orders)."""
    orders = [(r.index, r.firing_order[side]) for r in res.reps if side in r.firing_order]
    if not orders:
        return None
    rel = [(k, m, (t - fo.onset_s[0]) * 1000.0) for k, fo in orders for m, t in zip(fo.order, fo.onset_s)]
    top = max(50.0, max(v for _, _, v in rel) * 1.1)
    n = max(k for k, _ in orders) + 1
    p = Plot(_W // 2 - 6, 70 + min(12 * n, 300), (-top * 0.05, top), (n + 0.5, 0.5),
             title=f"Firing order, {side.value} side", xlabel="onset after first muscle (ms)", left=44)
    for m in Muscle:
        pts = [(v, k + 1) for k, mm, v in rel if mm is m]
        if pts:
            p.points([a for a, _ in pts], [b for _, b in pts], MUSCLE_COLORS[m], r=3.2,
                     shape="square" if m is Muscle.LUMBAR_ES else "circle", title=m.full_name)
    present = sorted({m for _, m, _ in rel}, key=list(Muscle).index)
    p.axes(yticks=_rep_ticks(n)).legend([(m.label, MUSCLE_COLORS[m]) for m in present])
    return p.render()


def _rep_ticks(n: int) -> list[int]:
    step = max(1, int(math.ceil(n / 8)))
    return list(range(1, n + 1, step))


def ratio_svg(res: TrialResult) -> "str | None":
    """TFL-to-gluteus-medius ratio per rep and side, with the 1.0 line (None without ratios)."""
    pts = {s: [(r.index + 1, r.tfl_to_glute_ratio[s]) for r in res.reps if s in r.tfl_to_glute_ratio] for s in Side}
    if not any(pts.values()):
        return None
    vals = [v for s in Side for _, v in pts[s]]
    top = max(1.5, min(max(vals) * 1.15, 10.0))
    p = Plot(_W // 2 - 6, 220, (0.5, len(res.reps) + 0.5), (0.0, top), title="TFL / glute med ratio per rep",
             xlabel="rep", left=44)
    p.hline(1.0, "#888")
    for s, color in ((Side.LEFT, PALETTE[0]), (Side.RIGHT, PALETTE[1])):
        p.points([a for a, _ in pts[s]], [b for _, b in pts[s]], color, r=3.0,
                 shape="circle" if s is Side.LEFT else "square", title=f"{s.value}")
    p.axes(xticks=_rep_ticks(len(res.reps))).legend([("left", PALETTE[0]), ("right", PALETTE[1])])
    return p.render()


def symmetry_svg(res: TrialResult) -> "str | None":
    """Left/right symmetry index per muscle (bars; negative: left lower), ±10 % guides."""
    items = [(m, v) for m, v in res.symmetry_index.items() if math.isfinite(v)]
    if not items:
        return None
    lim = max(25.0, min(200.0, max(abs(v) for _, v in items) * 1.2))
    p = Plot(_W // 2 - 6, 220, (0.4, len(items) + 0.6), (-lim, lim),
             title="Left/right symmetry index (%)", xlabel="negative: left lower · positive: left higher", left=44)
    p.hline(10.0, "#aaa").hline(-10.0, "#aaa").hline(0.0, "#555", dash="")
    for i, (m, v) in enumerate(items):
        p.bar(i + 1, 0.6, v, MUSCLE_COLORS[m])
        p.text(i + 1, lim * (0.84 if v < 0 else -0.92), f"{m.label} {v:+.0f} %", anchor="middle")
    p.axes(xticks=[], grid=False)
    return p.render()


def fatigue_svg(res: TrialResult) -> "str | None":
    """Median frequency of each active channel over time (None when no spectrum was taken)."""
    fat = [f for f in res.fatigue.values() if np.isfinite(f.mdf_hz).any()]
    if not fat:
        return None
    allf = np.concatenate([f.mdf_hz[np.isfinite(f.mdf_hz)] for f in fat])
    p = Plot(_W // 2 - 6, 220, (0.0, res.duration_s), (max(0.0, float(allf.min()) * 0.9), float(allf.max()) * 1.1),
             title="Median frequency (fatigue)", xlabel="time (s)", ylabel="Hz", left=44)
    legend = []
    for i, f in enumerate(fat):
        c = _color(f.channel, i)
        dash = "" if f.channel.endswith("left") else "4 2"
        p.line(f.times_s, f.mdf_hz, c, width=1.0, dash=dash)
        p.points(f.times_s, f.mdf_hz, c, r=1.8, title=f.channel)
        legend.append((_label(f.channel), c))
    p.axes().legend(legend[:6])
    return p.render()
