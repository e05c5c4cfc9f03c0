"""Live scrolling traces of every channel, stacked in one pyqtgraph plot.

Redrawn from a ring-buffer snapshot with one ``setData`` per curve per frame. The snapshot is
first reduced to the plot's pixel width by min/max (peak) decimation of all channels in one
numpy call, so each curve gets two points per pixel column and no burst is lost — what
pyqtgraph's ``setDownsampling(auto=True, method="peak")`` with ``setClipToView`` does, done once
for all channels. The curves are bare ``PlotCurveItem``s (the ``PlotDataItem`` wrapper's own
downsampling and bounds bookkeeping cost ~40 % of a frame and had nothing left to do). One plot
with stacked, offset curves costs one view box and one set of axes instead of eight.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics

from emgfeedback.app.theme import MUSCLE_COLORS, MUTED, PANEL, TEXT
from emgfeedback.model import Channel

__all__ = ["TracePanel", "peak_decimate", "lane_ranges", "nice_range"]

#: Most points per curve after decimation (two per pixel of a full-HD-wide plot).
DISPLAY_POINTS = 2000
#: Fewest points per curve (a hidden or tiny plot).
MIN_POINTS = 200


def peak_decimate(data: np.ndarray, n_points: int) -> np.ndarray:
    """Min/max decimation along the last axis: ``n_points`` values (min and max of each of
    ``n_points // 2`` equal bins, interleaved), so peaks survive. Returns ``data`` unchanged
    when it is already short enough."""
    n = data.shape[-1]
    bins = max(n_points // 2, 1)
    if n <= n_points:
        return data
    step = n // bins
    cut = data[..., n - bins * step:].reshape(data.shape[:-1] + (bins, step))
    out = np.empty(data.shape[:-1] + (bins, 2))
    np.min(cut, axis=-1, out=out[..., 0])
    np.max(cut, axis=-1, out=out[..., 1])
    return out.reshape(data.shape[:-1] + (2 * bins,))


class _LaneCurve(pg.PlotCurveItem):
    """A curve that stays in its lane: data are clipped to ``lane ± LANE_CLIP`` before
    ``setData``, so its bounds are known and not recomputed from the data at every paint."""

    def __init__(self, x_range: tuple[float, float], y_range: tuple[float, float], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._bounds = (x_range, y_range)

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange: object = None):  # noqa: N802, N803 - pyqtgraph API
        return self._bounds[ax] if self.xData is not None and len(self.xData) else (None, None)


#: How far a trace may leave its lane before it is clipped, lanes.
LANE_CLIP = 1.0
#: Smallest lane range, ±µV: resting sEMG (a few µV RMS) stays a thin line.
MIN_RANGE_UV = 50.0
#: Factor on a lane's peak envelope at each rescale (about once a second): after a rep leaves
#: the window the range falls to half in about 8 s, so the rest between reps keeps the scale.
DECAY_PER_RESCALE = 0.92
#: Lane ranges shown, ±µV (above the last, multiples of 1000).
NICE_RANGES_UV = (50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10000)


def nice_range(peak_uv: float) -> float:
    """The smallest of ``NICE_RANGES_UV`` (± µV) holding ``peak_uv``, at least ``MIN_RANGE_UV``."""
    for r in NICE_RANGES_UV:
        if peak_uv <= r and r >= MIN_RANGE_UV:
            return float(r)
    return float(np.ceil(peak_uv / 1000.0) * 1000.0)


def lane_ranges(envelope_uv: np.ndarray, muscles: Sequence[object], per_lane: bool = False) -> np.ndarray:
    """Each lane's range, ±µV, from each channel's peak envelope: the larger of the two sides
    of the same muscle (so a resting side looks like rest beside a working one), or each
    channel's own with ``per_lane``; rounded up by :func:`nice_range`."""
    env = np.asarray(envelope_uv, dtype=float)
    if not per_lane:
        env = np.array([max(env[j] for j, m in enumerate(muscles) if m == muscles[i]) for i in range(env.size)])
    return np.array([nice_range(v) for v in env])


def _font(px: int, bold: bool = False) -> QFont:
    f = QFont()
    f.setPixelSize(px)
    f.setBold(bold)
    return f


class TracePanel(pg.PlotWidget):
    """Stacked traces of ``channels`` over the last ``window_s`` seconds.

    Left and right of a muscle share one scale (±range µV, shown beside the name) so that a
    resting side looks like rest beside a working one; ``per_lane`` gives every lane its own.
    Scales adapt about once a second in :meth:`rescale` (rise at once, fall slowly), never per
    frame.

    Parameters
    ----------
    channels : sequence of str
        Channel ids, top to bottom.
    fs : float
        Sample rate, Hz.
    window_s : float
        Seconds shown.
    per_lane : bool
        Scale each lane on its own signal instead of its muscle pair's.
    """

    def __init__(self, channels: Sequence[str], fs: float, window_s: float = 10.0, per_lane: bool = False) -> None:
        super().__init__(background=PANEL)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.channels = list(channels)
        n_ch = len(self.channels)
        self.n = max(int(round(window_s * fs)), 2)
        n_disp = min(self.n, DISPLAY_POINTS)
        self.x = np.linspace(-window_s, 0.0, n_disp)
        self.per_lane = bool(per_lane)
        self._muscles = [Channel.parse(c).muscle for c in self.channels]
        self._env = np.zeros(n_ch)  # peak envelope per channel, µV
        self._range = lane_ranges(self._env, self._muscles, self.per_lane)
        self._tick_px = 0
        self._offset = (n_ch - 1 - np.arange(n_ch)).astype(float)  # first channel on top
        self._buf = np.zeros((n_ch, self.n))
        plot = self.getPlotItem()
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        left = plot.getAxis("left")
        left.setTextPen(TEXT)
        left.setStyle(tickLength=0, textFillLimits=[(0, 1.0)])
        self._fit_labels()
        plot.setXRange(-window_s, 0.0, padding=0)
        plot.setYRange(-0.55, n_ch - 0.45, padding=0)
        plot.disableAutoRange()
        bottom = plot.getAxis("bottom")
        bottom.setTextPen(MUTED)
        bottom.setStyle(tickFont=_font(13))
        plot.setLabel("bottom", "time, s")
        self.window_s = float(window_s)
        self.curves: list[pg.PlotCurveItem] = []
        for cid in self.channels:
            ch = Channel.parse(cid)
            off = float(self._offset[len(self.curves)])
            curve = _LaneCurve((-self.window_s, 0.0), (off - LANE_CLIP, off + LANE_CLIP),
                               pen=pg.mkPen(MUSCLE_COLORS[ch.muscle], width=1), skipFiniteCheck=True)
            plot.addItem(curve)
            self.curves.append(curve)
        self._set_label_text()

    def _set_label_text(self) -> None:
        """Channel names and scales as the left axis's tick labels (the axis caches its
        drawing, so labels cost nothing per frame, unlike text items in the view)."""
        ticks = [(float(self._offset[i]), self.lane_label(i)) for i in range(len(self.channels))]
        self.getPlotItem().getAxis("left").setTicks([ticks, []])

    def lane_label(self, i: int) -> str:
        """``"GMed L ±50 µV"``: lane ``i``'s name and range."""
        return f"{Channel.parse(self.channels[i]).label} ±{self._range[i]:.0f} µV"

    def lane_range(self, channel: str) -> float:
        """The range of ``channel``'s lane, ±µV."""
        return float(self._range[self.channels.index(channel)])

    def _fit_labels(self) -> None:
        """Label font from the lane height (11–20 px) and the axis as wide as the widest
        label can be (pyqtgraph silently drops a label wider than its axis)."""
        lane_h = max(self.height() - 40, 1) / max(len(self.channels), 1)
        px = int(min(max(lane_h * 0.42, 11), 20))
        if px == self._tick_px:
            return
        self._tick_px = px
        font = _font(px, bold=True)
        longest = max((f"{Channel.parse(c).label} ±10000 µV" for c in self.channels), key=len, default="")
        left = self.getPlotItem().getAxis("left")
        left.setStyle(tickFont=font)
        left.setWidth(QFontMetrics(font).horizontalAdvance(longest) + 14)

    def resizeEvent(self, event: object) -> None:  # noqa: N802 - Qt name
        super().resizeEvent(event)
        if hasattr(self, "_tick_px"):
            self._fit_labels()

    def snapshot_buffer(self) -> np.ndarray:
        """A reusable (n_channels, n) array to copy ring buffers into."""
        return self._buf

    def display_points(self) -> int:
        """Points per curve: two per pixel column of the plot area (within limits)."""
        width = int(self.getPlotItem().getViewBox().width())
        return int(min(max(2 * width, MIN_POINTS), DISPLAY_POINTS, self.n))

    def redraw(self, data: np.ndarray) -> None:
        """Show ``data``, shape (n_channels, n_samples_in_window), oldest first, µV."""
        disp = peak_decimate(data, self.display_points())
        disp = disp / (2.1 * self._range[:, None])
        np.clip(disp, -LANE_CLIP, LANE_CLIP, out=disp)
        disp += self._offset[:, None]
        if disp.shape[1] != self.x.size:
            self.x = np.linspace(-self.window_s, 0.0, disp.shape[1])
        for i, curve in enumerate(self.curves):
            curve.setData(self.x, disp[i])

    def rescale(self, data: np.ndarray) -> None:
        """Adapt the lane ranges to the signal in the window (about once a second): each
        channel's peak envelope rises at once and decays by ``DECAY_PER_RESCALE``."""
        peak = np.percentile(np.abs(data[:, ::4]), 99.9, axis=1) * 1.1
        self._env = np.maximum(peak, self._env * DECAY_PER_RESCALE)
        self._apply_ranges()

    def set_per_lane(self, per_lane: bool) -> None:
        """Scale each lane on its own (True) or on its muscle pair (False)."""
        self.per_lane = bool(per_lane)
        self._apply_ranges()

    def _apply_ranges(self) -> None:
        new = lane_ranges(self._env, self._muscles, self.per_lane)
        if not np.array_equal(new, self._range):
            self._range = new
            self._set_label_text()
