"""Rep detection from envelopes: a rep is a stretch where the target muscles are clearly above
their resting level.

Activity is the largest ratio, over the chosen channels, of envelope to that channel's resting
baseline. A rep starts where activity rises above ``on_factor`` and stays above ``off_factor``
for ``min_on_s``; it ends where activity falls below ``off_factor`` and stays below
``on_factor`` for ``min_off_s``. The baseline follows quiet blocks (down in ~0.3 s, up slowly), so
it adapts to electrode drift but not to contractions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["DetectedRep", "RepDetector"]

#: Time constant with which the baseline falls, s (fast, but not to every dip of the envelope).
_FALL_S = 0.3
#: Lowest resting level the baseline may take, µV (a dead-flat channel must not divide by 0).
_FLOOR_UV = 1e-3


@dataclass(frozen=True)
class DetectedRep:
    """A rep found in the signal.

    Parameters
    ----------
    index : int
        0-based rep number since the detector was created or reset.
    start_s, end_s : float
        Stream time of the rise and the fall of activity, s.
    """

    index: int
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        """Rep length, s."""
        return self.end_s - self.start_s


class RepDetector:
    """Streaming rep detector over envelope blocks.

    Parameters
    ----------
    fs : float
        Sample rate, Hz.
    rows : sequence of int
        Rows of the envelope array to watch (e.g. the protocol's target muscles).
    on_factor, off_factor : float
        Activity thresholds in multiples of the resting baseline (``on > off >= 1``).
    min_on_s, min_off_s : float
        How long activity must stay up to start a rep, and down to end one, s.
    baseline_rise_s : float
        Time constant with which the baseline may rise, s (it falls with 0.3 s).
    warmup_s : float
        Time at the start used only to learn the baseline (filters settle), s.
    max_rep_s : float
        A "rep" longer than this is taken as a changed resting level: it is dropped and the
        baseline re-learnt, s.
    """

    def __init__(self, fs: float, rows: Sequence[int], *, on_factor: float = 4.0,
                 off_factor: float = 2.5, min_on_s: float = 0.25, min_off_s: float = 0.3,
                 baseline_rise_s: float = 5.0, warmup_s: float = 1.0,
                 max_rep_s: float = 60.0) -> None:
        if not fs > 0:
            raise ValueError(f"fs must be a positive number of Hz, got {fs!r}")
        if not rows:
            raise ValueError("rows must name at least one envelope row to watch")
        if not on_factor > off_factor >= 1.0:
            raise ValueError(
                f"need on_factor > off_factor >= 1, got on_factor={on_factor}, off_factor={off_factor}")
        if min_on_s < 0 or min_off_s < 0:
            raise ValueError(f"min_on_s and min_off_s must be >= 0 s, got {min_on_s}, {min_off_s}")
        self.fs = float(fs)
        self.rows = list(rows)
        self.on, self.off = float(on_factor), float(off_factor)
        self.n_on = max(int(round(min_on_s * fs)), 1)
        self.n_off = max(int(round(min_off_s * fs)), 1)
        self.rise_s = float(baseline_rise_s)
        self.n_warmup = int(round(warmup_s * fs))
        self.n_max = max(int(round(max_rep_s * fs)), self.n_on + 1)
        self.reset()

    def reset(self) -> None:
        """Forget the baseline, any rep in progress and the rep count."""
        self._baseline: "np.ndarray | None" = None
        self._rest: "np.ndarray | None" = None
        self._state = "rest"  # rest | rising | active | falling
        self._cand = 0  # absolute sample index of the pending edge
        self._start = 0
        self._count = 0
        self._seen = 0

    @property
    def active(self) -> bool:
        """True while a rep is in progress (confirmed)."""
        return self._state in ("active", "falling")

    @property
    def baseline(self) -> "np.ndarray | None":
        """Resting envelope level of each watched row, µV (None before the first block)."""
        return None if self._baseline is None else self._baseline.copy()

    @property
    def rest_uv(self) -> "np.ndarray | None":
        """Resting envelope level of every row (watched or not), µV; None before any block."""
        return None if self._rest is None else self._rest.copy()

    def process(self, seq: int, envelope: np.ndarray) -> list[DetectedRep]:
        """Feed one block of envelopes.

        Parameters
        ----------
        seq : int
            Sample index of the block's first column (``SampleBlock.seq``).
        envelope : ndarray, shape (n_channels, n_samples)
            Envelope block, µV.

        Returns
        -------
        list of DetectedRep
            Reps that ended in this block.
        """
        full = np.asarray(envelope, dtype=np.float64)
        n = full.shape[1]
        if n == 0:
            return []
        full_med = np.maximum(np.median(full, axis=1), _FLOOR_UV)
        if self._seen <= self.n_warmup or self._rest is None or not self.active:
            self._rest = full_med if self._rest is None else self._follow(self._rest, full_med, n)
        env = full[self.rows]
        med = full_med[self.rows]
        self._seen += n
        if self._seen <= self.n_warmup or self._baseline is None:
            # filters are still settling: only learn the resting level
            self._baseline = None if np.all(med <= _FLOOR_UV) else med
            return []
        if self.active and seq + n - self._start > self.n_max:
            self._state = "rest"
            self._baseline = med
            return []
        activity = np.max(env / self._baseline[:, None], axis=0)
        done: list[DetectedRep] = []
        i = 0
        while i < n:
            i = self._step(activity, i, seq, done)
        if self._state == "rest":
            self._baseline = self._follow(self._baseline, med, n)
        return done

    def _follow(self, base: np.ndarray, med: np.ndarray, n: int) -> np.ndarray:
        """Baseline update from one block's medians: down fast, up slowly."""
        up = min(n / (self.rise_s * self.fs), 1.0)
        down = min(n / (_FALL_S * self.fs), 1.0)
        return np.maximum(base + (med - base) * np.where(med < base, down, up), _FLOOR_UV)

    def _step(self, act: np.ndarray, i: int, seq: int, done: list[DetectedRep]) -> int:
        """Advance the state machine from column ``i``; return the next column to look at."""
        n = act.shape[0]
        if self._state == "rest":
            hits = np.flatnonzero(act[i:] > self.on)
            if hits.size == 0:
                return n
            self._cand = seq + i + hits[0]
            self._state = "rising"
            return i + hits[0] + 1
        if self._state == "rising":
            end = min(n, self._cand + self.n_on - seq)
            drops = np.flatnonzero(act[i:end] < self.off)
            if drops.size:
                self._state = "rest"
                return i + drops[0] + 1
            if self._cand + self.n_on - seq > n:
                return n
            self._start = self._cand
            self._state = "active"
            return end
        if self._state == "active":
            lows = np.flatnonzero(act[i:] < self.off)
            if lows.size == 0:
                return n
            self._cand = seq + i + lows[0]
            self._state = "falling"
            return i + lows[0] + 1
        # falling
        end = min(n, self._cand + self.n_off - seq)
        ups = np.flatnonzero(act[i:end] > self.on)
        if ups.size:
            self._state = "active"
            return i + ups[0] + 1
        if self._cand + self.n_off - seq > n:
            return n
        done.append(DetectedRep(self._count, float(self._start / self.fs), float(self._cand / self.fs)))
        self._count += 1
        self._state = "rest"
        return end
