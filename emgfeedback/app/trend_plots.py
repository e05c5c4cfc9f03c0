"""Small trend plots across visits: one per :class:`~emgfeedback.measures.progress.Trend`, with
the clinician's goal as a dashed line and the "better" direction in the title."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from emgfeedback.app.theme import GOOD, INFO, MUTED, PANEL
from emgfeedback.measures.progress import Trend

__all__ = ["TrendPlot", "TrendGrid", "title_of"]

#: Plots per row of the grid.
COLUMNS = 3


def title_of(trend: Trend) -> str:
    """The plot title: what is plotted and which way is better (e.g. "… — lower is better")."""
    return f"{trend.label} — {trend.better} is better"


class TrendPlot(QFrame):
    """One trend: a value per visit (visit number on x, with its date), the goal dashed.

    ``title`` is the (wrapped) title, ``plot`` the pyqtgraph plot, ``curve`` the plotted points
    (``curve.getData()``); ``goal_line`` is None without a goal.
    """

    def __init__(self, trend: Trend, parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.setMinimumHeight(200)
        self.setMaximumHeight(290)  # two rows of plots under the visits table on a 1000 px screen
        self.trend = trend
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.setSpacing(0)
        self.title = QLabel(title_of(trend))
        self.title.setWordWrap(True)
        self.title.setStyleSheet(f"color: {MUTED}; font-size: 13px;")
        lay.addWidget(self.title)
        self.plot = pg.PlotWidget(background=PANEL)
        self.plot.setMinimumSize(200, 120)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        lay.addWidget(self.plot, 1)
        x = np.arange(1, len(trend.values) + 1, dtype=float)
        y = np.asarray(trend.values, dtype=float)
        self.curve = self.plot.plot(x, y, pen=pg.mkPen(INFO, width=2), symbol="o", symbolSize=7,
                                    symbolBrush=INFO, connect="finite")
        self.plot.getAxis("bottom").setTicks([[(float(i), f"{i:.0f}: {d[5:]}") for i, d in zip(x, trend.dates)]])
        self.plot.getAxis("left").setLabel(trend.unit)
        self.goal_line: "pg.InfiniteLine | None" = None
        if trend.goal is not None and math.isfinite(trend.goal):
            self.goal_line = pg.InfiniteLine(
                pos=trend.goal, angle=0, movable=False,
                pen=pg.mkPen(GOOD, width=1.5, style=Qt.PenStyle.DashLine),
                label=f"goal {trend.goal:g}", labelOpts={"color": GOOD, "position": 0.05})
            self.plot.addItem(self.goal_line)
        finite = y[np.isfinite(y)]
        span = list(finite) + ([trend.goal] if self.goal_line is not None else [])
        if span:
            lo, hi = min(span), max(span)
            pad = max((hi - lo) * 0.15, abs(hi) * 0.05, 1e-3)
            self.plot.setYRange(lo - pad, hi + pad, padding=0)
        self.plot.setXRange(0.6, max(len(x), 1) + 0.4, padding=0)


class TrendGrid(QScrollArea):
    """Every trend of a patient with at least one measured value, three plots per row."""

    def __init__(self, parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.plots: dict[str, TrendPlot] = {}
        self._body = QWidget()
        self._grid = QGridLayout(self._body)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(6)
        self.setWidget(self._body)
        self.empty = QLabel("No trends yet: they appear after the patient's first visit with counted reps.")
        self.empty.setStyleSheet(f"color: {MUTED};")
        self._grid.addWidget(self.empty, 0, 0)

    def set_trends(self, trends: Sequence[Trend]) -> None:
        """Replace the plots (trends without any measured value are left out)."""
        for plot in self.plots.values():
            self._grid.removeWidget(plot)
            plot.deleteLater()
        self.plots = {}
        shown = [t for t in trends if any(math.isfinite(v) for v in t.values)]
        self.empty.setVisible(not shown)
        for i, trend in enumerate(shown):
            plot = TrendPlot(trend)
            self.plots[trend.key] = plot
            self._grid.addWidget(plot, 1 + i // COLUMNS, i % COLUMNS, Qt.AlignmentFlag.AlignTop)
        self._grid.setRowStretch(2 + (len(shown) - 1) // COLUMNS if shown else 1, 1)  # spare room below
