"""Live scrolling traces: one pyqtgraph plot per channel, redrawn from a ring-buffer snapshot
with one ``setData`` per curve per frame, peak downsampling and clip-to-view (pyqtgraph's
``scrollingPlots.py`` / ``PlotSpeedTest.py`` way)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pyqtgraph as pg

from emgfeedback.app.theme import MUSCLE_COLORS, MUTED, PANEL, TEXT
from emgfeedback.model import Channel

__all__ = ["TracePanel"]


class TracePanel(pg.GraphicsLayoutWidget):
    """Stacked traces of ``channels`` over the last ``window_s`` seconds.

    Parameters
    ----------
    channels : sequence of str
        Channel ids, one plot each, in montage order.
    fs : float
        Sample rate, Hz.
    window_s : float
        Seconds shown.
    """

    def __init__(self, channels: Sequence[str], fs: float, window_s: float = 10.0) -> None:
        super().__init__()
        self.setBackground(PANEL)
        self.ci.layout.setSpacing(2)
        self.channels = list(channels)
        self.n = max(int(round(window_s * fs)), 2)
        self.x = np.linspace(-window_s, 0.0, self.n)
        self.plots: list[pg.PlotItem] = []
        self.curves: list[pg.PlotDataItem] = []
        self._range = np.full(len(self.channels), 100.0)
        self._buf = np.zeros((len(self.channels), self.n))
        for i, cid in enumerate(self.channels):
            ch = Channel.parse(cid)
            plot = self.addPlot(row=i, col=0)
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.setXRange(-window_s, 0.0, padding=0)
            plot.setYRange(-100, 100, padding=0)
            plot.getAxis("left").setWidth(54)
            plot.getAxis("left").setTextPen(MUTED)
            plot.getAxis("left").setStyle(tickFont=_small_font())
            plot.getAxis("bottom").setStyle(showValues=i == len(self.channels) - 1, tickFont=_small_font())
            plot.getAxis("bottom").setTextPen(MUTED)
            label = pg.TextItem(ch.label, color=TEXT, anchor=(0, 0), fill=pg.mkBrush(PANEL))
            label.setFont(_small_font(15, bold=True))
            plot.addItem(label, ignoreBounds=True)
            label.setPos(-window_s * 0.995, 100)
            self._labels = getattr(self, "_labels", []) + [label]
            curve = plot.plot(pen=pg.mkPen(MUSCLE_COLORS[ch.muscle], width=1))
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            self.plots.append(plot)
            self.curves.append(curve)
        if self.plots:
            self.plots[-1].setLabel("bottom", "time, s")

    def redraw(self, data: np.ndarray) -> None:
        """Show ``data``, shape (n_channels, n_samples_in_window), oldest first, µV."""
        for i, curve in enumerate(self.curves):
            curve.setData(self.x, data[i])

    def snapshot_buffer(self) -> np.ndarray:
        """A reusable (n_channels, n) array to copy ring buffers into."""
        return self._buf

    def rescale(self, data: np.ndarray) -> None:
        """Adapt each plot's fixed y range to the signal (called about once a second, not per
        frame, so the traces do not jump)."""
        peak = np.percentile(np.abs(data[:, ::4]), 99.9, axis=1) * 1.2
        for i, plot in enumerate(self.plots):
            r = float(max(peak[i], 20.0))
            if r > self._range[i] * 1.25 or r < self._range[i] * 0.6:
                self._range[i] = r
                plot.setYRange(-r, r, padding=0)
                self._labels[i].setPos(self.x[0] * 0.995, r)


def _small_font(px: int = 12, bold: bool = False):
    from PySide6.QtGui import QFont

    f = QFont()
    f.setPixelSize(px)
    f.setBold(bold)
    return f
