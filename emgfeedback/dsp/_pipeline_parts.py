"""Small stateful parts of :class:`~emgfeedback.dsp.pipeline.OnlinePipeline`, each O(1) memory.

- :class:`QualityWindow` keeps the last seconds of raw signal in a ring and rates it at most
  once per interval, a few channels per block.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from emgfeedback.dsp.quality import QualityAlarms
from emgfeedback.model import ChannelQuality, Montage

__all__ = ["QualityWindow", "QualityFunction"]

#: ``f(x, fs, channels) -> tuple[ChannelQuality, ...]`` over a raw window (n_channels, n) µV.
QualityFunction = Callable[[np.ndarray, float, Sequence[str]], "tuple[ChannelQuality, ...]"]


class QualityWindow:
    """Ring of the last ``window_s`` of raw signal, rated at most every ``interval_s``.

    Rating is spread over blocks: once due, ``per_block`` channels are rated per block (each
    over its own latest window) until all are, so no single block pays for all channels.
    ``latest`` is empty until every channel has been rated once.

    Parameters
    ----------
    montage : Montage
        Channel order.
    fs : float
        Sample rate, Hz.
    window_s, interval_s : float
        Window rated, s, and minimum time between rating rounds, s.
    mains : float or None
        Powerline frequency, Hz, for the default rating function (None: 50 Hz).
    assess : callable, optional
        ``assess(x, fs, channels) -> tuple[ChannelQuality, ...]`` for rows ``x``
        (k, n_samples); default a :class:`emgfeedback.dsp.quality.QualityAlarms` (problems
        raised after 2 consecutive ratings, cleared with hysteresis, noise floor from rest),
        forgotten by :meth:`reset`.
    per_block : int
        Channels rated per block while a round is under way. Rating has a fixed cost per call
        (~0.3 ms for 1 channel, ~0.45 ms for 4, ~0.6 ms for 8 at 2 kHz): 4 keeps both the
        average cost per block and the slowest block low.
    """

    def __init__(
        self, montage: Montage, fs: float, window_s: float, interval_s: float,
        mains: "float | None", assess: "QualityFunction | None" = None, per_block: int = 4,
    ) -> None:
        self.fs = float(fs)
        self.channels = montage.ids
        self.size = max(2, int(round(window_s * fs)))
        self.interval = max(1, int(round(interval_s * fs)))
        self.per_block = max(1, int(per_block))
        self.alarms: "QualityAlarms | None" = None
        if assess is None:
            self.alarms = QualityAlarms(montage, mains=50.0 if mains is None else float(mains), interval_s=interval_s)
        self.assess: QualityFunction = assess if assess is not None else self.alarms  # type: ignore[assignment]
        self._ring = np.zeros((len(montage), self.size))
        self.reset()

    def reset(self) -> None:
        """Empty the ring and forget the latest rating (and the default alarms' state)."""
        if self.alarms is not None:
            self.alarms.reset()
        self._ring[...] = 0.0
        self._pos = 0
        self._filled = 0
        self._since = 0
        self._next = len(self.channels)  # next row to rate; == n_channels when no round runs
        self._rated: "list[ChannelQuality | None]" = [None] * len(self.channels)
        self.latest: tuple[ChannelQuality, ...] = ()

    def update(self, data: np.ndarray) -> None:
        """Append one raw block (n_channels, n) µV; rate channels when due."""
        n = data.shape[1]
        size = self.size
        if n >= size:
            self._ring[:, :] = data[:, n - size :]
            self._pos = 0
        else:
            first = min(n, size - self._pos)
            self._ring[:, self._pos : self._pos + first] = data[:, :first]
            if n > first:
                self._ring[:, : n - first] = data[:, first:]
            self._pos = (self._pos + n) % size
        self._filled = min(size, self._filled + n)
        self._since += n
        n_ch = len(self.channels)
        if self._next >= n_ch and self._filled == size and self._since >= self.interval:
            self._since = 0
            self._next = 0
        if self._next < n_ch:
            rows = slice(self._next, min(n_ch, self._next + self.per_block))
            window = np.concatenate([self._ring[rows, self._pos :], self._ring[rows, : self._pos]], axis=1)
            for q in self.assess(window, self.fs, self.channels[rows]):
                self._rated[self.channels.index(q.channel)] = q
            self._next = rows.stop
            if all(q is not None for q in self._rated):
                self.latest = tuple(self._rated)  # type: ignore[arg-type]

