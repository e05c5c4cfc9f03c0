"""Firing-order timeline: for the last reps, who fired first on each side and by how many ms."""

from __future__ import annotations

import math
from typing import Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QWidget

from emgfeedback.app.indicators import _CENTER, _LEFT_V, _RIGHT_V, _Painted
from emgfeedback.app.layout import TextBox, clamp as _clamp, fit_font
from emgfeedback.app.theme import GOOD, MUSCLE_COLORS, MUTED, TEXT, WARN
from emgfeedback.model import Muscle, Side
from emgfeedback.measures import RepMetrics

__all__ = ["FiringTimeline", "order_text"]

#: Time axis after the first onset of a rep, ms.
SPAN_MS = 300.0


def order_text(rep: RepMetrics, side: Side, first: Muscle = Muscle.GLUTE_MAX,
               before: Muscle = Muscle.LUMBAR_ES) -> str:
    """``"GMax first by 52 ms"`` (or ``"ES first by 80 ms"``, or ``"no onset"``) for one side."""
    lat = rep.latency_ms(side, first, before)
    if math.isfinite(lat):
        who = first if lat < 0 else before
        return f"{who.label} first by {abs(lat):.0f} ms"
    fo = rep.firing_order.get(side)
    return f"{fo.first.label} first" if fo else "no onset"


class FiringTimeline(_Painted):
    """One row per side per rep (newest at the top): a dot per muscle at its onset, ms after
    the first onset of that side, and the verdict in words (green when ``first`` led)."""

    def __init__(self, max_reps: int = 5, parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.max_reps = max_reps
        self.reps: list[RepMetrics] = []
        self.first, self.before = Muscle.GLUTE_MAX, Muscle.LUMBAR_ES
        self.setMinimumSize(300, 110)

    def set_pair(self, first: Muscle, before: Muscle) -> None:
        """Which muscle should lead which (from the protocol's feedback)."""
        self.first, self.before = first, before
        self.update()

    def add_reps(self, reps: Sequence[RepMetrics]) -> None:
        """Append finished reps (the last ``max_reps`` are shown)."""
        self.reps = (self.reps + list(reps))[-self.max_reps:]
        self.update()

    def clear(self) -> None:
        """Forget the reps shown."""
        self.reps = []
        self.update()

    def _geometry(self) -> tuple[float, float, float, float]:
        """Legend height, rep-label column width, verdict column width and row height, px."""
        w, h = self.width(), self.height()
        legend_h = _clamp(h * 0.13, 16, 28)
        label_w = _clamp(w * 0.17, 62, 200)
        verdict_w = _clamp(w * 0.4, 130, 520)
        n = max(len(self._rows()), 1)
        return legend_h, label_w, verdict_w, min((h - legend_h) / n, max(48.0, (h - legend_h) / (2 * self.max_reps)))

    def _rows(self) -> list[tuple[RepMetrics, Side]]:
        """(rep, side) pairs shown, newest first, as many as fit (at least 18 px each)."""
        rows = [(r, s) for r in reversed(self.reps) for s in Side if s in r.firing_order]
        legend_h = _clamp(self.height() * 0.13, 16, 28)
        return rows[: max(int((self.height() - legend_h) // 18), 1)]

    def text_boxes(self) -> list[TextBox]:
        w, h = self.width(), self.height()
        legend_h, label_w, verdict_w, rh = self._geometry()
        entry_w = min(w / 8, 80.0)
        dot = legend_h * 0.4
        legend_font = fit_font([m.label for m in Muscle], entry_w - dot - 6, legend_h, legend_h * 0.7)
        boxes = [TextBox(m.label, QRectF(6 + k * entry_w + dot + 4, 0, entry_w - dot - 6, legend_h), legend_font,
                         int(_LEFT_V), MUTED) for k, m in enumerate(Muscle)]
        caption_x = 6 + 4 * entry_w
        for caption in (f"onset, ms after first (0–{SPAN_MS:.0f})", f"ms after first (0–{SPAN_MS:.0f})", "ms"):
            font = fit_font(caption, w - caption_x - 6, legend_h, legend_h * 0.7)
            if TextBox(caption, QRectF(caption_x, 0, w - caption_x - 6, legend_h), font, 0, MUTED).fits():
                boxes.append(TextBox(caption, QRectF(caption_x, 0, w - caption_x - 6, legend_h), font,
                                     int(_RIGHT_V), MUTED))
                break
        rows = self._rows()
        if not rows:
            empty = "Firing order appears after the first rep"
            rect = QRectF(8, legend_h, w - 16, h - legend_h)
            boxes.append(TextBox(empty, rect, fit_font(empty, rect.width(), rect.height(), 20, wrap=True),
                                 int(_CENTER | Qt.TextFlag.TextWordWrap), MUTED))
            return boxes
        labels = [f"Rep {rep.index + 1} {side.letter}" for rep, side in rows]
        verdicts = [order_text(rep, side, self.first, self.before) for rep, side in rows]
        label_font = fit_font(["Rep 88 R", *labels], label_w - 8, rh, rh * 0.5, bold=True)
        verdict_font = fit_font(["GMax first by 888 ms", *verdicts], verdict_w - 12, rh, rh * 0.55, bold=True)
        for k, (rep, side) in enumerate(rows):
            y = legend_h + k * rh
            lat = rep.latency_ms(side, self.first, self.before)
            color = GOOD if math.isfinite(lat) and lat < 0 else (WARN if math.isfinite(lat) else MUTED)
            boxes.append(TextBox(labels[k], QRectF(8, y, label_w - 8, rh), label_font, int(_LEFT_V), TEXT))
            boxes.append(TextBox(verdicts[k], QRectF(w - verdict_w + 6, y, verdict_w - 12, rh), verdict_font,
                                 int(_LEFT_V), color))
        return boxes

    def paintEvent(self, event: object) -> None:  # noqa: N802
        p = self._begin()
        w = self.width()
        legend_h, label_w, verdict_w, rh = self._geometry()
        entry_w = min(w / 8, 80.0)
        dot = legend_h * 0.4
        for k, m in enumerate(Muscle):
            p.setBrush(QColor(MUSCLE_COLORS[m]))
            p.setPen(Qt.PenStyle.NoPen)
            p.drawEllipse(QRectF(6 + k * entry_w, (legend_h - dot) / 2, dot, dot))
        x0, x1 = label_w + 4, w - verdict_w - 8
        for k, (rep, side) in enumerate(self._rows()):
            cy = legend_h + k * rh + rh / 2
            fo = rep.firing_order[side]
            p.setPen(QPen(QColor("#3a4656"), 2))
            p.drawLine(int(x0), int(cy), int(x1), int(cy))
            t_first = fo.onset_s[0]
            r = min(rh * 0.3, 10.0)
            for m, t in zip(fo.order, fo.onset_s):
                cx = x0 + (x1 - x0) * min((t - t_first) * 1000.0 / SPAN_MS, 1.0)
                p.setBrush(QColor(MUSCLE_COLORS[m]))
                p.setPen(Qt.PenStyle.NoPen)
                p.drawEllipse(QRectF(cx - r, cy - r, 2 * r, 2 * r))
        self._draw_texts(p, self.text_boxes())
        p.end()
