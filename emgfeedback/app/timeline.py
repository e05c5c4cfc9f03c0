"""Firing-order timeline: for the last reps, who fired first on each side and by how many ms."""

from __future__ import annotations

import math
from typing import Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

from emgfeedback.app.indicators import _font, _Painted
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
        self.setMinimumSize(420, 200)

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

    def paintEvent(self, event: object) -> None:  # noqa: N802
        p = self._begin()
        w, h = self.width(), self.height()
        rows = [(r, s) for r in reversed(self.reps) for s in Side if s in r.firing_order]
        p.setFont(_font(13))
        p.setPen(QColor(MUTED))
        legend_x = 10.0
        for m in Muscle:
            p.setBrush(QColor(MUSCLE_COLORS[m]))
            p.setPen(Qt.PenStyle.NoPen)
            p.drawEllipse(QRectF(legend_x, 8, 10, 10))
            p.setPen(QColor(MUTED))
            p.drawText(QRectF(legend_x + 14, 2, 60, 22), Qt.AlignmentFlag.AlignVCenter, m.label)
            legend_x += 70
        p.drawText(QRectF(w - 240, 2, 230, 22), Qt.AlignmentFlag.AlignRight,
                   f"onset, ms after first (0–{SPAN_MS:.0f})")
        if not rows:
            p.setFont(_font(18))
            p.drawText(QRectF(0, 30, w, h - 30), Qt.AlignmentFlag.AlignCenter,
                       "Firing order appears after the first rep")
            p.end()
            return
        rows = rows[: max(int((h - 28) // 30), 1)]
        rh = (h - 28) / max(len(rows), 1)
        rh = min(rh, 44.0)
        x0, x1 = 110.0, w - 250.0
        for k, (rep, side) in enumerate(rows):
            y = 28 + k * rh
            fo = rep.firing_order[side]
            p.setPen(QColor(TEXT))
            p.setFont(_font(16, bold=True))
            p.drawText(QRectF(8, y, 100, rh), Qt.AlignmentFlag.AlignVCenter,
                       f"Rep {rep.index + 1} {side.letter}")
            p.setPen(QPen(QColor("#3a4656"), 2))
            p.drawLine(int(x0), int(y + rh / 2), int(x1), int(y + rh / 2))
            t_first = fo.onset_s[0]
            for m, t in zip(fo.order, fo.onset_s):
                dx = min((t - t_first) * 1000.0 / SPAN_MS, 1.0)
                cx = x0 + (x1 - x0) * dx
                p.setBrush(QColor(MUSCLE_COLORS[m]))
                p.setPen(Qt.PenStyle.NoPen)
                r = min(rh * 0.3, 9.0)
                p.drawEllipse(QRectF(cx - r, y + rh / 2 - r, 2 * r, 2 * r))
            lat = rep.latency_ms(side, self.first, self.before)
            good = math.isfinite(lat) and lat < 0
            p.setPen(QColor(GOOD if good else (WARN if math.isfinite(lat) else MUTED)))
            p.setFont(_font(18, bold=True))
            p.drawText(QRectF(x1 + 12, y, 238, rh), Qt.AlignmentFlag.AlignVCenter,
                       order_text(rep, side, self.first, self.before))
        p.end()
