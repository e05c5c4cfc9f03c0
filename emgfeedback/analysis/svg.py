"""A tiny inline-SVG plotting helper: axes with ticks, lines, bands, markers, bars and text.

Enough for a printable report with no plotting library and no external files. Coordinates are
given in data units; :class:`Plot` maps them into its frame. Text is escaped.
"""

from __future__ import annotations

import html
import math
from typing import Sequence

import numpy as np

__all__ = ["Plot", "nice_ticks", "PALETTE"]

#: Colour per series, chosen to stay distinct in greyscale print (dark to light).
PALETTE = ("#1b4f72", "#c0392b", "#1e8449", "#b9770e", "#6c3483", "#117a65", "#7b7d7d", "#2e86c1")


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering ``[lo, hi]``."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    return [round(first + i * step, 10) for i in range(int((hi - first) / step + 1e-9) + 1)]


def _fmt(v: float) -> str:
    return f"{v:.1f}"


def _label(v: float) -> str:
    return f"{v:g}" if abs(v) >= 1e-9 else "0"


class Plot:
    """One SVG chart with a frame, axes and data-unit coordinates.

    Parameters
    ----------
    width, height : int
        Size, px.
    xlim, ylim : (float, float)
        Data range shown on each axis.
    title, xlabel, ylabel : str
        Labels.
    left : int
        Left margin, px (wider for long tick labels or channel names).
    """

    def __init__(self, width: int, height: int, xlim: tuple[float, float], ylim: tuple[float, float], *,
                 title: str = "", xlabel: str = "", ylabel: str = "", left: int = 56) -> None:
        self.w, self.h = width, height
        self.l, self.r, self.t, self.b = left, 12, 24 if title else 10, 36 if xlabel else 22
        x0, x1 = xlim
        y0, y1 = ylim
        self.xlim = (x0, x1 if x1 != x0 else x0 + 1.0)
        self.ylim = (y0, y1 if y1 != y0 else y0 + 1.0)  # y0 > y1 draws the axis downwards
        self._yclip = (min(self.ylim), max(self.ylim))
        self.parts: list[str] = []
        self.title, self.xlabel, self.ylabel = title, xlabel, ylabel

    def x(self, v: "float | np.ndarray") -> "float | np.ndarray":
        """Data x → px."""
        x0, x1 = self.xlim
        return self.l + (np.asarray(v, dtype=float) - x0) / (x1 - x0) * (self.w - self.l - self.r)

    def y(self, v: "float | np.ndarray") -> "float | np.ndarray":
        """Data y → px (up is up)."""
        y0, y1 = self.ylim
        return self.h - self.b - (np.asarray(v, dtype=float) - y0) / (y1 - y0) * (self.h - self.t - self.b)

    def axes(self, *, xticks: "Sequence[float] | None" = None, yticks: "Sequence[float] | None" = None,
             ytick_labels: "Sequence[str] | None" = None, grid: bool = True) -> "Plot":
        """Frame, ticks and labels."""
        x0, y0, x1, y1 = self.l, self.t, self.w - self.r, self.h - self.b
        out = [f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="none" stroke="#555"/>']
        xt = nice_ticks(*self.xlim, n=max(3, (self.w - self.l) // 90)) if xticks is None else list(xticks)
        yt = nice_ticks(*self._yclip, n=max(2, (self.h - self.t - self.b) // 40)) if yticks is None else list(yticks)
        labels = [_label(v) for v in yt] if ytick_labels is None else list(ytick_labels)
        for v in xt:
            if self.xlim[0] - 1e-9 <= v <= self.xlim[1] + 1e-9:
                px = _fmt(float(self.x(v)))
                if grid:
                    out.append(f'<line x1="{px}" y1="{y0}" x2="{px}" y2="{y1}" stroke="#ddd"/>')
                out.append(f'<text x="{px}" y="{y1 + 14}" text-anchor="middle">{_label(v)}</text>')
        for v, lab in zip(yt, labels):
            if self._yclip[0] - 1e-9 <= v <= self._yclip[1] + 1e-9:
                py = _fmt(float(self.y(v)))
                if grid:
                    out.append(f'<line x1="{x0}" y1="{py}" x2="{x1}" y2="{py}" stroke="#ddd"/>')
                out.append(f'<text x="{x0 - 4}" y="{py}" text-anchor="end" dy="0.35em">{html.escape(lab)}</text>')
        if self.title:
            out.append(f'<text x="{x0}" y="{y0 - 8}" font-weight="bold">{html.escape(self.title)}</text>')
        if self.xlabel:
            out.append(f'<text x="{(x0 + x1) / 2}" y="{self.h - 4}" text-anchor="middle">{html.escape(self.xlabel)}</text>')
        if self.ylabel:
            out.append(f'<text x="12" y="{(y0 + y1) / 2}" text-anchor="middle" '
                       f'transform="rotate(-90 12 {(y0 + y1) / 2})">{html.escape(self.ylabel)}</text>')
        self.parts[:0] = out
        return self

    def line(self, xs: np.ndarray, ys: np.ndarray, color: str, *, width: float = 1.0, dash: str = "") -> "Plot":
        """A polyline through finite points."""
        xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        ok = np.isfinite(xs) & np.isfinite(ys)
        if ok.sum() < 2:
            return self
        pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(self.x(xs[ok]), self.y(np.clip(ys[ok], *self._yclip))))
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="{width}"{d}/>')
        return self

    def fill_between(self, xs: np.ndarray, lo: np.ndarray, hi: np.ndarray, color: str, *, opacity: float = 0.35) -> "Plot":
        """A filled band (e.g. raw min/max per bin)."""
        xs = np.asarray(xs, dtype=float)
        lo = np.clip(np.asarray(lo, dtype=float), *self._yclip)
        hi = np.clip(np.asarray(hi, dtype=float), *self._yclip)
        if xs.size < 2:
            return self
        top = [f"{a:.1f},{b:.1f}" for a, b in zip(self.x(xs), self.y(hi))]
        bot = [f"{a:.1f},{b:.1f}" for a, b in zip(self.x(xs[::-1]), self.y(lo[::-1]))]
        self.parts.append(f'<polygon points="{" ".join(top + bot)}" fill="{color}" fill-opacity="{opacity}" stroke="none"/>')
        return self

    def vspan(self, x0: float, x1: float, color: str = "#f2e6c9") -> "Plot":
        """A shaded vertical band over the whole height."""
        a, b = float(self.x(max(x0, self.xlim[0]))), float(self.x(min(x1, self.xlim[1])))
        if b > a:
            self.parts.append(f'<rect x="{a:.1f}" y="{self.t}" width="{b - a:.1f}" height="{self.h - self.t - self.b}" '
                              f'fill="{color}"/>')
        return self

    def vline(self, x: float, color: str, *, y0: "float | None" = None, y1: "float | None" = None,
              width: float = 1.0, dash: str = "") -> "Plot":
        """A vertical line at data ``x`` (between data ``y0`` and ``y1``, default full height)."""
        if not (self.xlim[0] <= x <= self.xlim[1]):
            return self
        px = _fmt(float(self.x(x)))
        ya = self.t if y1 is None else _fmt(float(self.y(y1)))
        yb = self.h - self.b if y0 is None else _fmt(float(self.y(y0)))
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<line x1="{px}" y1="{ya}" x2="{px}" y2="{yb}" stroke="{color}" stroke-width="{width}"{d}/>')
        return self

    def hline(self, y: float, color: str, *, dash: str = "4 3") -> "Plot":
        """A horizontal reference line at data ``y``."""
        if self._yclip[0] <= y <= self._yclip[1]:
            py = _fmt(float(self.y(y)))
            self.parts.append(f'<line x1="{self.l}" y1="{py}" x2="{self.w - self.r}" y2="{py}" stroke="{color}" '
                              f'stroke-dasharray="{dash}"/>')
        return self

    def points(self, xs: Sequence[float], ys: Sequence[float], color: str, *, r: float = 3.0,
               shape: str = "circle", title: str = "") -> "Plot":
        """Markers (``circle`` or ``square``) at finite points."""
        tip = f"<title>{html.escape(title)}</title>" if title else ""
        for a, b in zip(xs, ys):
            if not (math.isfinite(a) and math.isfinite(b)):
                continue
            px, py = float(self.x(a)), float(self.y(min(max(b, self._yclip[0]), self._yclip[1])))
            if shape == "square":
                self.parts.append(f'<rect x="{px - r:.1f}" y="{py - r:.1f}" width="{2 * r}" height="{2 * r}" '
                                  f'fill="{color}">{tip}</rect>')
            else:
                self.parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{r}" fill="{color}">{tip}</circle>')
        return self

    def bar(self, x: float, width: float, y: float, color: str, *, base: float = 0.0) -> "Plot":
        """A bar from ``base`` to ``y`` centred on ``x`` (data units)."""
        if not math.isfinite(y):
            return self
        a, b = float(self.x(x - width / 2)), float(self.x(x + width / 2))
        lo, hi = sorted((float(self.y(np.clip(base, *self._yclip))), float(self.y(np.clip(y, *self._yclip)))))
        self.parts.append(f'<rect x="{a:.1f}" y="{lo:.1f}" width="{b - a:.1f}" height="{max(hi - lo, 0.5):.1f}" fill="{color}"/>')
        return self

    def text(self, x: float, y: float, s: str, *, anchor: str = "start", color: str = "#222") -> "Plot":
        """Text at a data position."""
        self.parts.append(f'<text x="{float(self.x(x)):.1f}" y="{float(self.y(y)):.1f}" text-anchor="{anchor}" '
                          f'fill="{color}">{html.escape(s)}</text>')
        return self

    def legend(self, items: Sequence[tuple[str, str]]) -> "Plot":
        """Coloured labels above the top-right corner of the frame (the title sits left)."""
        x = self.w - self.r - 4
        for label, color in reversed(list(items)):
            self.parts.append(f'<text x="{x}" y="{self.t - 8}" text-anchor="end" fill="{color}">{html.escape(label)}</text>')
            x -= 8 + 7 * len(label)
        return self

    def render(self) -> str:
        """The ``<svg>`` element."""
        return (f'<svg width="{self.w}" height="{self.h}" '
                f'viewBox="0 0 {self.w} {self.h}" font-family="sans-serif" font-size="11">'
                + "".join(self.parts) + "</svg>")
