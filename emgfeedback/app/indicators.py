"""Painted indicators: %MVC bars with target zones, the TFL-to-glute-med gauge, signal-quality
lights and left/right symmetry. They only draw numbers given to them (computed in session/ and
dsp/); ``set_*`` methods store values and ask for a repaint."""

from __future__ import annotations

import math
from typing import Mapping, Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from emgfeedback.app.theme import BAD, GOOD, MUSCLE_COLORS, MUTED, PANEL, TEXT, WARN
from emgfeedback.model import Channel, ChannelQuality, Muscle, Side

__all__ = ["MvcBars", "RatioGauge", "QualityLights", "SymmetryView"]


def _font(px: int, bold: bool = False) -> QFont:
    f = QFont()
    f.setPixelSize(px)
    f.setBold(bold)
    return f


class _Painted(QWidget):
    def __init__(self, parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        # paints every pixel itself: Qt need not repaint the parents under it on each update
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def _begin(self) -> QPainter:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(PANEL))
        return p


class MvcBars(_Painted):
    """One vertical bar per channel, left and right of a muscle side by side.

    Shows %MVC when MVC values are known (scale 0–120 %, target zone shaded), else the
    envelope in µV (auto scale). A bar inside its target zone is drawn green-edged.
    """

    def __init__(self, channels: Sequence[str] = (), parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(420, 260)
        self.set_channels(channels)

    def set_channels(self, channels: Sequence[str]) -> None:
        """Channel ids to show, in montage order (drawn grouped by muscle)."""
        self.channels = list(channels)
        parsed = [Channel.parse(c) for c in self.channels]
        self._order = sorted(range(len(parsed)), key=lambda i: (list(Muscle).index(parsed[i].muscle),
                                                                  parsed[i].side is Side.RIGHT))
        self._parsed = parsed
        self.values = [math.nan] * len(self.channels)
        self.percent = False
        self.targets: dict[str, tuple[float, float]] = {}
        self._scale = 50.0
        self.update()

    def set_targets(self, targets: Mapping[str, tuple[float, float]]) -> None:
        """Target zone per channel id, %MVC."""
        self.targets = dict(targets)
        self.update()

    def set_values(self, values: Sequence[float], percent: bool) -> None:
        """Latest level per channel: %MVC when ``percent``, else µV."""
        new = [float(v) for v in values]
        finite = [v for v in new if math.isfinite(v)]
        scale = self._scale
        if not percent and finite:
            target = max(max(finite) * 1.2, 20.0)
            scale = max(target, self._scale * 0.98)  # rises at once, falls slowly
        # repaint only when a bar moves by a pixel or a number shown changes
        px = max(self.height() - 114, 1) / (120.0 if percent else scale)
        seen = [(round(v * px), round(v)) if math.isfinite(v) else None for v in new]
        changed = (seen != getattr(self, "_seen", None) or percent != self.percent
                   or abs(scale - self._scale) * px >= 1.0)
        self.values, self.percent, self._scale = new, percent, scale
        if changed:
            self._seen = seen
            self.update()

    def paintEvent(self, event: object) -> None:  # noqa: N802 - Qt name
        p = self._begin()
        n = len(self._order)
        if n == 0:
            p.end()
            return
        w, h = self.width(), self.height()
        top, bottom = 62, 52
        plot_h = h - top - bottom
        scale = 120.0 if self.percent else self._scale
        slot = w / n
        bar_w = slot * 0.62
        p.setFont(_font(15))
        p.setPen(QColor(MUTED))
        unit = "%MVC" if self.percent else "µV (no MVC yet)"
        p.drawText(QRectF(8, 2, w - 16, 20), Qt.AlignmentFlag.AlignLeft, unit)
        for k, i in enumerate(self._order):
            ch = self._parsed[i]
            x = k * slot + (slot - bar_w) / 2 + (4 if ch.side is Side.LEFT else -4)
            color = QColor(MUSCLE_COLORS[ch.muscle])
            p.fillRect(QRectF(x, top, bar_w, plot_h), QColor("#262e39"))
            zone = self.targets.get(ch.id) if self.percent else None
            if zone:
                z0 = top + plot_h * (1 - min(zone[1], scale) / scale)
                z1 = top + plot_h * (1 - min(zone[0], scale) / scale)
                p.fillRect(QRectF(x - 3, z0, bar_w + 6, z1 - z0), QColor(76, 195, 138, 70))
                p.setPen(QPen(QColor(GOOD), 2, Qt.PenStyle.DashLine))
                p.drawLine(int(x - 3), int(z0), int(x + bar_w + 3), int(z0))
                p.drawLine(int(x - 3), int(z1), int(x + bar_w + 3), int(z1))
            v = self.values[i] if i < len(self.values) else math.nan
            if math.isfinite(v):
                frac = max(0.0, min(v / scale, 1.0))
                p.fillRect(QRectF(x, top + plot_h * (1 - frac), bar_w, plot_h * frac), color)
                in_zone = zone is not None and zone[0] <= v <= zone[1]
                p.setPen(QColor(GOOD if in_zone else TEXT))
                p.setFont(_font(22, bold=True))
                p.drawText(QRectF(x - 20, top - 30, bar_w + 40, 28), Qt.AlignmentFlag.AlignCenter,
                           f"{v:.0f}")
            p.setPen(QColor(TEXT))
            p.setFont(_font(16, bold=True))
            p.drawText(QRectF(x - 20, h - bottom + 4, bar_w + 40, 22), Qt.AlignmentFlag.AlignCenter,
                       ch.muscle.label)
            p.setPen(QColor(MUTED))
            p.setFont(_font(14))
            p.drawText(QRectF(x - 20, h - bottom + 26, bar_w + 40, 20), Qt.AlignmentFlag.AlignCenter,
                       "left" if ch.side is Side.LEFT else "right")
        p.end()


class RatioGauge(_Painted):
    """TFL-to-gluteus-medius ratio of one side on a 0–2 scale; the zone up to the protocol's
    maximum is green (glute med working, TFL quiet), above it amber."""

    def __init__(self, side: Side, parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.side = side
        self.value = math.nan
        self.max_ratio = 0.6
        self.setMinimumSize(220, 110)

    def set_value(self, value: float, max_ratio: "float | None" = None) -> None:
        """Show ``value``; ``max_ratio`` moves the green zone's edge."""
        new = (round(float(value), 2), self.max_ratio if max_ratio is None else float(max_ratio))
        old = (round(self.value, 2), self.max_ratio)
        self.value = float(value)
        self.max_ratio = new[1]
        if new != old and not (math.isnan(new[0]) and math.isnan(old[0]) and new[1] == old[1]):
            self.update()

    def paintEvent(self, event: object) -> None:  # noqa: N802
        p = self._begin()
        w, h = self.width(), self.height()
        p.setPen(QColor(MUTED))
        p.setFont(_font(15))
        p.drawText(QRectF(10, 6, w - 20, 20), Qt.AlignmentFlag.AlignLeft,
                   f"TFL : GMed  {self.side.value}")
        x0, x1, y, bh = 14.0, w - 14.0, h - 34.0, 16.0
        span = x1 - x0
        edge = x0 + span * min(self.max_ratio / 2.0, 1.0)
        p.fillRect(QRectF(x0, y, edge - x0, bh), QColor(76, 195, 138, 150))
        p.fillRect(QRectF(edge, y, x1 - edge, bh), QColor(242, 184, 75, 110))
        p.setFont(_font(12))
        for tick in (0.0, 0.5, 1.0, 1.5, 2.0):
            tx = x0 + span * tick / 2.0
            p.drawText(QRectF(tx - 15, y + bh + 1, 30, 14), Qt.AlignmentFlag.AlignCenter, f"{tick:g}")
        v = self.value
        ok = math.isfinite(v) and v <= self.max_ratio
        if math.isfinite(v):
            nx = x0 + span * max(0.0, min(v / 2.0, 1.0))
            p.setPen(QPen(QColor(TEXT), 4))
            p.drawLine(int(nx), int(y - 8), int(nx), int(y + bh + 2))
        p.setPen(QColor(GOOD if ok else (WARN if math.isfinite(v) else MUTED)))
        p.setFont(_font(34, bold=True))
        p.drawText(QRectF(10, 22, w - 20, 44), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                   f"{v:.2f}" if math.isfinite(v) else "–")
        p.end()


class QualityLights(_Painted):
    """One light per electrode: green good, amber a fixable problem, red flat/lead-off,
    grey not yet known. The tooltip lists the problems in words."""

    def __init__(self, channels: Sequence[str] = (), parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(200, 140)
        self.set_channels(channels)

    def set_channels(self, channels: Sequence[str]) -> None:
        """Channel ids to show."""
        self.channels = list(channels)
        self._parsed = [Channel.parse(c) for c in self.channels]
        self.quality: dict[str, ChannelQuality] = {}
        self.update()

    def set_quality(self, quality: Sequence[ChannelQuality]) -> None:
        """Latest quality per channel (channels not listed keep their light)."""
        before = {ch: self.color_of(ch) for ch in self.channels}
        for q in quality:
            self.quality[q.channel] = q
        problems = [f"{Channel.parse(q.channel).label}: {pr}" for q in self.quality.values()
                    for pr in q.problems]
        self.setToolTip("\n".join(problems) if problems else "All electrodes look good.")
        if before != {ch: self.color_of(ch) for ch in self.channels}:
            self.update()

    def color_of(self, channel: str) -> str:
        """Light colour of ``channel`` (hex)."""
        q = self.quality.get(channel)
        if q is None:
            return MUTED
        if q.flat:
            return BAD
        return GOOD if q.ok else WARN

    def paintEvent(self, event: object) -> None:  # noqa: N802
        p = self._begin()
        parsed = self._parsed
        muscles = [m for m in Muscle if any(c.muscle is m for c in parsed)]
        if muscles:
            rh = (self.height() - 26) / len(muscles)
            w = self.width()
            p.setPen(QColor(MUTED))
            p.setFont(_font(14))
            for k, side in enumerate(Side):
                p.drawText(QRectF(70 + k * (w - 70) / 2, 0, (w - 70) / 2, 22),
                           Qt.AlignmentFlag.AlignCenter, side.value)
            for r, m in enumerate(muscles):
                cy = 26 + r * rh + rh / 2
                p.setPen(QColor(TEXT))
                p.setFont(_font(16, bold=True))
                p.drawText(QRectF(6, cy - 12, 64, 24), Qt.AlignmentFlag.AlignVCenter, m.label)
                for k, side in enumerate(Side):
                    ch = Channel(m, side)
                    if ch not in parsed:
                        continue
                    cx = 70 + k * (w - 70) / 2 + (w - 70) / 4
                    rad = min(rh * 0.36, 13.0)
                    p.setBrush(QColor(self.color_of(ch.id)))
                    p.setPen(Qt.PenStyle.NoPen)
                    p.drawEllipse(QRectF(cx - rad, cy - rad, 2 * rad, 2 * rad))
        p.end()


class SymmetryView(_Painted):
    """Left/right symmetry index per muscle, %: a bar from the centre toward the stronger side,
    green within the allowed asymmetry, amber beyond."""

    def __init__(self, parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.values: dict[Muscle, float] = {}
        self.limit = 15.0
        self.setMinimumSize(300, 150)

    def set_values(self, values: Mapping[Muscle, float], limit: "float | None" = None) -> None:
        """Symmetry index per muscle, % (positive: left works harder)."""
        rounded = {m: round(v) for m, v in values.items() if math.isfinite(v)}
        if rounded == {m: round(v) for m, v in self.values.items() if math.isfinite(v)} and (
                limit is None or limit == self.limit):
            return
        self.values = dict(values)
        if limit is not None:
            self.limit = float(limit)
        self.update()

    def paintEvent(self, event: object) -> None:  # noqa: N802
        p = self._begin()
        w, h = self.width(), self.height()
        p.setPen(QColor(MUTED))
        p.setFont(_font(13))
        p.drawText(QRectF(60, 2, w - 120, 18), Qt.AlignmentFlag.AlignLeft, "◀ left stronger")
        p.drawText(QRectF(60, 2, w - 120, 18), Qt.AlignmentFlag.AlignRight, "right stronger ▶")
        rows = list(Muscle)
        rh = (h - 24) / len(rows)
        cx = 60 + (w - 120) / 2
        half = (w - 120) / 2
        for k, m in enumerate(rows):
            y = 22 + k * rh
            p.setPen(QColor(TEXT))
            p.setFont(_font(15, bold=True))
            p.drawText(QRectF(6, y, 54, rh), Qt.AlignmentFlag.AlignVCenter, m.label)
            p.fillRect(QRectF(60, y + rh * 0.3, w - 120, rh * 0.4), QColor("#262e39"))
            v = self.values.get(m, math.nan)
            if math.isfinite(v):
                frac = max(-1.0, min(v / 50.0, 1.0))
                x = cx - half * frac if frac > 0 else cx
                bw = half * abs(frac)
                p.fillRect(QRectF(x, y + rh * 0.3, bw, rh * 0.4),
                           QColor(GOOD if abs(v) <= self.limit else WARN))
                p.setPen(QColor(TEXT))
                p.drawText(QRectF(w - 58, y, 56, rh), Qt.AlignmentFlag.AlignVCenter, f"{abs(v):.0f}%")
            p.setPen(QPen(QColor(MUTED), 1))
            p.drawLine(int(cx), int(y + rh * 0.2), int(cx), int(y + rh * 0.8))
        p.end()
