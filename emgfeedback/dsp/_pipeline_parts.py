"""Small stateful parts of :class:`~emgfeedback.dsp.pipeline.OnlinePipeline`, each O(1) memory.

- :class:`FiringOrderTracker` pairs glute max and lumbar ES onsets per side into reps;
- :class:`RatioTracker` keeps the TFL-to-glute-med envelope ratio over recent active periods;
- :class:`QualityWindow` keeps the last seconds of raw signal in a ring and rates it at most
  once per interval, a few channels per block.
"""

from __future__ import annotations

import math
from typing import Callable, Mapping, Sequence

import numpy as np

from emgfeedback.dsp.quality import assess_quality
from emgfeedback.model import Channel, ChannelQuality, FiringOrder, Montage, Muscle, Side

__all__ = ["FiringOrderTracker", "RatioTracker", "QualityWindow", "QualityFunction"]

_ORDER_MUSCLES = (Muscle.GLUTE_MAX, Muscle.LUMBAR_ES)

#: ``f(x, fs, channels) -> tuple[ChannelQuality, ...]`` over a raw window (n_channels, n) µV.
QualityFunction = Callable[[np.ndarray, float, Sequence[str]], "tuple[ChannelQuality, ...]"]


class FiringOrderTracker:
    """Latest firing order (glute max vs lumbar ES) per side from live onsets.

    Onsets of the two muscles on one side that lie within ``pair_window_s`` of each other
    make one rep; the earlier one fired first. A lone onset waits for its partner and is
    dropped once a newer onset is more than ``pair_window_s`` after it.
    """

    def __init__(self, montage: Montage, pair_window_s: float) -> None:
        self.pair_window_s = float(pair_window_s)
        self.sides = tuple(
            s for s in Side if all(montage.find(m, s) is not None for m in _ORDER_MUSCLES)
        )
        self.reset()

    def reset(self) -> None:
        """Forget pending onsets, reps and orders."""
        self._pending: dict[Side, dict[Muscle, float]] = {s: {} for s in self.sides}
        self._reps: dict[Side, int] = {s: 0 for s in self.sides}
        self.latest: Mapping[Side, FiringOrder] = {}

    def onset(self, channel: Channel, onset_s: float) -> "FiringOrder | None":
        """Take a burst start; returns the new firing order when it completes a rep."""
        if channel.muscle not in _ORDER_MUSCLES or channel.side not in self._pending:
            return None
        side = channel.side
        pending = {
            m: t for m, t in self._pending[side].items() if abs(onset_s - t) <= self.pair_window_s
        }
        pending.setdefault(channel.muscle, onset_s)
        self._pending[side] = pending
        if len(pending) < len(_ORDER_MUSCLES):
            return None
        ranked = sorted(pending.items(), key=lambda kv: kv[1])
        order = FiringOrder(
            side=side,
            order=tuple(m for m, _ in ranked),
            onset_s=tuple(t for _, t in ranked),
            rep=self._reps[side],
        )
        self._reps[side] += 1
        self._pending[side] = {}
        latest = dict(self.latest)  # copy-on-write: frames already handed out keep theirs
        latest[side] = order
        self.latest = latest
        return order


class RatioTracker:
    """TFL-to-gluteus-medius envelope ratio per side over recent active periods.

    While either muscle of a side is active (an onset detector's open burst), envelope sums of
    both are accumulated with exponential forgetting (time constant ``window_s``); while both
    rest, each channel's resting envelope level is learnt the same way. The ratio is
    ``sqrt(m_tfl² − b_tfl²) / sqrt(m_gmed² − b_gmed²)`` with ``m`` the mean active envelope and
    ``b`` the resting one (noise adds in power). It stays at its last value between reps and is
    NaN until a side has been active.
    """

    def __init__(self, montage: Montage, fs: float, window_s: float) -> None:
        self.fs = float(fs)
        self.window_s = float(window_s)
        rows = [
            (s, montage.find(Muscle.TFL, s), montage.find(Muscle.GLUTE_MED, s)) for s in Side
        ]
        rows = [r for r in rows if r[1] is not None and r[2] is not None]
        self.sides = tuple(r[0] for r in rows)
        self._rows = [(int(r[1]), int(r[2])) for r in rows]  # type: ignore[arg-type]
        self._decay_cache: dict[int, float] = {}
        self.reset()

    def reset(self) -> None:
        """Forget everything learnt."""
        k = len(self.sides)
        # Per side, plain floats (2 sides: Python scalars beat numpy on 2-element arrays).
        self._act = [[0.0, 0.0, 0.0] for _ in range(k)]  # tfl sum, gmed sum, samples
        self._rest = [[0.0, 0.0, 0.0] for _ in range(k)]
        self._latest: dict[Side, float] = {s: math.nan for s in self.sides}

    def _decay(self, n: int) -> float:
        d = self._decay_cache.get(n)
        if d is None:
            d = math.exp(-n / (self.fs * self.window_s))
            if len(self._decay_cache) < 64:
                self._decay_cache[n] = d
        return d

    def update(self, env: np.ndarray, active: np.ndarray) -> None:
        """Take one block of envelopes (n_channels, n) µV and the per-channel activity."""
        if not self.sides:
            return
        n = env.shape[1]
        d = self._decay(n)
        sums = env.sum(axis=1).tolist()
        act = active.tolist()
        changed = False
        for i, (t, g) in enumerate(self._rows):
            on = act[t] or act[g]
            acc = self._act[i] if on else self._rest[i]
            acc[0] = acc[0] * d + sums[t]
            acc[1] = acc[1] * d + sums[g]
            acc[2] = acc[2] * d + n
            if on:
                changed = True
        if changed:
            latest = dict(self._latest)  # copy-on-write: frames already handed out keep theirs
            for i, (t, g) in enumerate(self._rows):
                if act[t] or act[g]:
                    latest[self.sides[i]] = self._ratio(i)
            self._latest = latest

    def _ratio(self, i: int) -> float:
        a, r = self._act[i], self._rest[i]
        m_t, m_g = a[0] / a[2], a[1] / a[2]
        b_t, b_g = (r[0] / r[2], r[1] / r[2]) if r[2] > 0 else (0.0, 0.0)
        num = max(m_t * m_t - b_t * b_t, 0.0)
        den = max(m_g * m_g - b_g * b_g, 0.0)
        return math.sqrt(num / den) if den > 0 else math.nan

    def latest(self) -> Mapping[Side, float]:
        """Latest ratio per side (NaN until that side has been active)."""
        return self._latest


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
        (k, n_samples); default :func:`emgfeedback.dsp.quality.assess_quality`.
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
        self.assess = assess if assess is not None else _default_assess(mains)
        self._ring = np.zeros((len(montage), self.size))
        self.reset()

    def reset(self) -> None:
        """Empty the ring and forget the latest rating."""
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


def _default_assess(mains: "float | None") -> QualityFunction:
    """:func:`~emgfeedback.dsp.quality.assess_quality` with this stream's mains frequency."""
    m = 50.0 if mains is None else float(mains)

    def assess(x: np.ndarray, fs: float, channels: Sequence[str]) -> "tuple[ChannelQuality, ...]":
        return assess_quality(x, fs, channels, mains=m)

    return assess
