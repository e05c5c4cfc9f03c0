"""Painted indicators: %MVC bars with target zones, the TFL-to-glute-med gauge, signal-quality
lights and left/right symmetry. They only draw numbers given to them (computed in session/ and
dsp/); ``set_*`` methods store values and ask for a repaint.

Every text is laid out by ``text_boxes()`` (the text, its box and a font fitted to the box) and
painted from that list, so fonts follow the widget's size — readable on a 1366 × 768 laptop and
on a 4K screen — and tests can check that every label fits, inside the widget, overlapping no
other label.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from emgfeedback.app.layout import TextBox, clamp as _clamp, fit_font
from emgfeedback.app.theme import BAD, GOOD, MUSCLE_COLORS, MUTED, PANEL, TEXT, WARN
from emgfeedback.model import Channel, ChannelQuality, Muscle, Side

__all__ = ["MvcBars", "RatioGauge", "QualityLights", "SymmetryView"]

_LEFT_V = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT_V = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_CENTER = Qt.AlignmentFlag.AlignCenter
_MUSCLE_LABELS = tuple(m.label for m in Muscle)

def _box(text: str, rect: QRectF, font: QFont, flags: object, color: str) -> TextBox:
    return TextBox(text, rect, font, int(flags), color)


class _Painted(QWidget):
    def __init__(self, parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        # paints every pixel itself: Qt need not repaint the parents under it on each update
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def text_boxes(self) -> list[TextBox]:
        """The texts painted at the current size."""
        return []

    def _begin(self) -> QPainter:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(PANEL))
        return p

    @staticmethod
    def _draw_texts(p: QPainter, boxes: Sequence[TextBox]) -> None:
        for b in boxes:
            p.setFont(b.font)
            p.setPen(QColor(b.color))
            p.drawText(b.rect, b.flags, b.text)


class MvcBars(_Painted):
    """One vertical bar per channel, left and right of a muscle side by side.

    Shows %MVC when MVC values are known (scale 0–120 %, target zone shaded), else the
    envelope in µV (auto scale). A bar inside its target zone is drawn green-edged.
    """

    def __init__(self, channels: Sequence[str] = (), parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(300, 140)
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
        top, bottom = self._margins()
        px = max(self.height() - top - bottom, 1) / (120.0 if percent else scale)
        seen = [(round(v * px), round(v)) if math.isfinite(v) else None for v in new]
        changed = (seen != getattr(self, "_seen", None) or percent != self.percent
                   or abs(scale - self._scale) * px >= 1.0)
        self.values, self.percent, self._scale = new, percent, scale
        if changed:
            self._seen = seen
            self.update()

    def _rows(self) -> tuple[float, float, float, float]:
        """Heights of the unit line, the numbers, the muscle names and the side words, px."""
        h = self.height()
        return (_clamp(h * 0.08, 14, 26), _clamp(h * 0.11, 16, 40), _clamp(h * 0.09, 14, 32),
                _clamp(h * 0.075, 12, 26))

    def _margins(self) -> tuple[float, float]:
        unit_h, num_h, name_h, side_h = self._rows()
        return unit_h + num_h + 4, name_h + side_h + 6

    def _slot(self) -> float:
        return self.width() / max(len(self._order), 1)

    def text_boxes(self) -> list[TextBox]:
        w, h = self.width(), self.height()
        unit_h, num_h, name_h, side_h = self._rows()
        top, bottom = self._margins()
        slot = self._slot()
        unit = "%MVC" if self.percent else "µV (no MVC yet)"
        boxes = [_box(unit, QRectF(8, 0, w - 16, unit_h), fit_font(unit, w - 16, unit_h, unit_h * 0.75),
                      _LEFT_V, MUTED)]
        numbers = ["888"] + [f"{v:.0f}" for v in self.values if math.isfinite(v)]
        num_font = fit_font(numbers, slot - 2, num_h, num_h * 0.8, bold=True)
        name_font = fit_font(_MUSCLE_LABELS, slot - 2, name_h, name_h * 0.8, bold=True)
        side_font = fit_font(("left", "right"), slot - 2, side_h, side_h * 0.8)
        for k, i in enumerate(self._order):
            ch = self._parsed[i]
            v = self.values[i] if i < len(self.values) else math.nan
            if math.isfinite(v):
                zone = self.targets.get(ch.id) if self.percent else None
                in_zone = zone is not None and zone[0] <= v <= zone[1]
                boxes.append(_box(f"{v:.0f}", QRectF(k * slot + 1, unit_h + 2, slot - 2, num_h), num_font,
                                  _CENTER, GOOD if in_zone else TEXT))
            y = h - bottom + 4
            boxes.append(_box(ch.muscle.label, QRectF(k * slot + 1, y, slot - 2, name_h), name_font,
                              _CENTER, TEXT))
            boxes.append(_box("left" if ch.side is Side.LEFT else "right",
                              QRectF(k * slot + 1, y + name_h, slot - 2, side_h), side_font, _CENTER, MUTED))
        return boxes

    def paintEvent(self, event: object) -> None:  # noqa: N802 - Qt name
        p = self._begin()
        if not self._order:
            p.end()
            return
        top, bottom = self._margins()
        plot_h = self.height() - top - bottom
        scale = 120.0 if self.percent else self._scale
        slot = self._slot()
        bar_w = slot * 0.62
        for k, i in enumerate(self._order):
            ch = self._parsed[i]
            x = k * slot + (slot - bar_w) / 2 + (slot * 0.04 if ch.side is Side.LEFT else -slot * 0.04)
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
                p.fillRect(QRectF(x, top + plot_h * (1 - frac), bar_w, plot_h * frac),
                           QColor(MUSCLE_COLORS[ch.muscle]))
        self._draw_texts(p, self.text_boxes())
        p.end()


class RatioGauge(_Painted):
    """TFL-to-gluteus-medius ratio of one side on a 0–2 scale; the zone up to the protocol's
    maximum is green (glute med working, TFL quiet), above it amber."""

    TICKS = (0.0, 0.5, 1.0, 1.5, 2.0)

    def __init__(self, side: Side, parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.side = side
        self.value = math.nan
        self.max_ratio = 0.6
        self.setMinimumSize(170, 58)

    def set_value(self, value: float, max_ratio: "float | None" = None) -> None:
        """Show ``value``; ``max_ratio`` moves the green zone's edge."""
        new = (round(float(value), 2), self.max_ratio if max_ratio is None else float(max_ratio))
        old = (round(self.value, 2), self.max_ratio)
        self.value = float(value)
        self.max_ratio = new[1]
        if new != old and not (math.isnan(new[0]) and math.isnan(old[0]) and new[1] == old[1]):
            self.update()

    def _geometry(self) -> tuple[float, float, float, float, float]:
        """Head row height, bar x0, x1, bar top and bar height, px."""
        w, h = self.width(), self.height()
        tick_h = _clamp(h * 0.16, 12, 28)
        bh = _clamp(h * 0.14, 6, 18)
        head = h - tick_h - bh - 6
        return head, 14.0, w - 14.0, head + 2, bh

    def text_boxes(self) -> list[TextBox]:
        w, h = self.width(), self.height()
        head, x0, x1, y, bh = self._geometry()
        title = f"TFL : GMed  {self.side.value}"
        v = self.value
        ok = math.isfinite(v) and v <= self.max_ratio
        title_font = fit_font(title, w * 0.56 - 8, head, max(head * 0.3, 15))
        boxes = [_box(title, QRectF(8, 0, w * 0.56 - 8, head), title_font, _LEFT_V, MUTED),
                 _box(f"{v:.2f}" if math.isfinite(v) else "–", QRectF(w * 0.56, 0, w * 0.44 - 8, head),
                      fit_font("0.00", w * 0.44 - 8, head, head * 0.85, bold=True), _RIGHT_V,
                      GOOD if ok else (WARN if math.isfinite(v) else MUTED))]
        span = x1 - x0
        tick_h = h - (y + bh + 1)
        tick_w = min(span / 4, 2.5 * tick_h)
        tick_font = fit_font([f"{t:g}" for t in self.TICKS], tick_w - 2, tick_h, tick_h * 0.85)
        for tick in self.TICKS:
            tx = x0 + span * tick / 2.0
            boxes.append(_box(f"{tick:g}", QRectF(tx - tick_w / 2, y + bh + 1, tick_w, tick_h), tick_font,
                              _CENTER, MUTED))
        return boxes

    def paintEvent(self, event: object) -> None:  # noqa: N802
        p = self._begin()
        head, x0, x1, y, bh = self._geometry()
        span = x1 - x0
        edge = x0 + span * min(self.max_ratio / 2.0, 1.0)
        p.fillRect(QRectF(x0, y, edge - x0, bh), QColor(76, 195, 138, 150))
        p.fillRect(QRectF(edge, y, x1 - edge, bh), QColor(242, 184, 75, 110))
        v = self.value
        if math.isfinite(v):
            nx = x0 + span * max(0.0, min(v / 2.0, 1.0))
            p.setPen(QPen(QColor(TEXT), 4))
            p.drawLine(int(nx), int(y - 4), int(nx), int(y + bh + 2))
        self._draw_texts(p, self.text_boxes())
        p.end()


class QualityLights(_Painted):
    """One light per electrode: green good, amber a fixable problem, red flat/lead-off,
    grey not yet known. The tooltip lists the problems in words."""

    def __init__(self, channels: Sequence[str] = (), parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(150, 110)
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
        problems = []  # each problem sentence names its channel; add the label only where it does not
        for q in self.quality.values():
            label = Channel.parse(q.channel).label
            problems += [pr if pr.startswith(label) else f"{label}: {pr}" for pr in q.problems]
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

    def _grid(self) -> tuple[list[Muscle], float, float, float]:
        """Muscles shown, header height, name column width and row height, px."""
        muscles = [m for m in Muscle if any(c.muscle is m for c in self._parsed)]
        head = _clamp(self.height() * 0.16, 14, 26)
        label_w = _clamp(self.width() * 0.3, 44, 96)
        return muscles, head, label_w, (self.height() - head) / max(len(muscles), 1)

    def text_boxes(self) -> list[TextBox]:
        muscles, head, label_w, rh = self._grid()
        if not muscles:
            return []
        col_w = (self.width() - label_w) / 2
        side_font = fit_font(("left", "right"), col_w - 4, head, head * 0.8)
        boxes = [_box(side.value, QRectF(label_w + k * col_w, 0, col_w, head), side_font, _CENTER, MUTED)
                 for k, side in enumerate(Side)]
        name_font = fit_font(_MUSCLE_LABELS, label_w - 8, rh, min(rh * 0.55, 28), bold=True)
        for r, m in enumerate(muscles):
            boxes.append(_box(m.label, QRectF(6, head + r * rh, label_w - 8, rh), name_font, _LEFT_V, TEXT))
        return boxes

    def paintEvent(self, event: object) -> None:  # noqa: N802
        p = self._begin()
        muscles, head, label_w, rh = self._grid()
        col_w = (self.width() - label_w) / 2
        for r, m in enumerate(muscles):
            cy = head + r * rh + rh / 2
            for k, side in enumerate(Side):
                ch = Channel(m, side)
                if ch not in self._parsed:
                    continue
                cx = label_w + k * col_w + col_w / 2
                rad = min(rh * 0.36, col_w * 0.3, 22.0)
                p.setBrush(QColor(self.color_of(ch.id)))
                p.setPen(Qt.PenStyle.NoPen)
                p.drawEllipse(QRectF(cx - rad, cy - rad, 2 * rad, 2 * rad))
        self._draw_texts(p, self.text_boxes())
        p.end()


class SymmetryView(_Painted):
    """Left/right symmetry index per muscle, %: a bar from the centre toward the stronger side,
    green within the allowed asymmetry, amber beyond."""

    def __init__(self, parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.values: dict[Muscle, float] = {}
        self.limit = 15.0
        self.setMinimumSize(220, 110)

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

    def _grid(self) -> tuple[float, float, float]:
        """Header height, label/value column width and row height, px."""
        head = _clamp(self.height() * 0.15, 13, 24)
        col = _clamp(self.width() * 0.17, 40, 90)
        return head, col, (self.height() - head) / len(Muscle)

    def text_boxes(self) -> list[TextBox]:
        w = self.width()
        head, col, rh = self._grid()
        half = (w - 2 * col) / 2
        left, right = "◀ left stronger", "right stronger ▶"
        head_font = fit_font((left, right), half - 4, head, head * 0.8)
        boxes = [_box(left, QRectF(col, 0, half - 4, head), head_font, _LEFT_V, MUTED),
                 _box(right, QRectF(col + half + 4, 0, half - 4, head), head_font, _RIGHT_V, MUTED)]
        name_font = fit_font(_MUSCLE_LABELS, col - 8, rh, min(rh * 0.55, 28), bold=True)
        values = ["100%"] + [f"{abs(v):.0f}%" for v in self.values.values() if math.isfinite(v)]
        value_font = fit_font(values, col - 8, rh, min(rh * 0.55, 28), bold=True)
        for k, m in enumerate(Muscle):
            y = head + k * rh
            boxes.append(_box(m.label, QRectF(6, y, col - 8, rh), name_font, _LEFT_V, TEXT))
            v = self.values.get(m, math.nan)
            if math.isfinite(v):
                boxes.append(_box(f"{abs(v):.0f}%", QRectF(w - col + 4, y, col - 8, rh), value_font,
                                  _LEFT_V, TEXT))
        return boxes

    def paintEvent(self, event: object) -> None:  # noqa: N802
        p = self._begin()
        w = self.width()
        head, col, rh = self._grid()
        half = (w - 2 * col) / 2
        cx = col + half
        for k, m in enumerate(Muscle):
            y = head + k * rh
            p.fillRect(QRectF(col, y + rh * 0.3, w - 2 * col, rh * 0.4), QColor("#262e39"))
            v = self.values.get(m, math.nan)
            if math.isfinite(v):
                frac = max(-1.0, min(v / 50.0, 1.0))
                x = cx - half * frac if frac > 0 else cx
                p.fillRect(QRectF(x, y + rh * 0.3, half * abs(frac), rh * 0.4),
                           QColor(GOOD if abs(v) <= self.limit else WARN))
            p.setPen(QPen(QColor(MUTED), 1))
            p.drawLine(int(cx), int(y + rh * 0.2), int(cx), int(y + rh * 0.8))
        self._draw_texts(p, self.text_boxes())
        p.end()
