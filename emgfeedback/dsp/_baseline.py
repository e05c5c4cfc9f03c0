"""Rest (baseline) statistics of a detection signal: a given window, the low-quantile window, or
the one in the first seconds (the "start" rule) — with the filters' start-up left out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from emgfeedback.dsp._checks import check_positive

__all__ = ["BaselineStats", "baseline_stats", "RestLearner", "SETTLE_S"]

#: Start-up time of the detectors' filters, s: no onset is searched for and no baseline taken
#: in the first ``SETTLE_S`` of a recording or stream (the notch and band-pass settle).
SETTLE_S = 0.3

_QUIETEST = ("auto", "quietest")


@dataclass(frozen=True, eq=False)
class BaselineStats:
    """Mean and standard deviation of a detection signal at rest, per channel.

    Parameters
    ----------
    mean, sd : ndarray, shape (n_channels,)
        In the detection signal's units (µV for envelopes, µV² for energies).
    start_s, end_s : ndarray, shape (n_channels,)
        Window each channel's statistics came from, s from the start of the signal.
    """

    mean: np.ndarray
    sd: np.ndarray
    start_s: np.ndarray
    end_s: np.ndarray


def baseline_stats(
    d: np.ndarray, fs: float, where: "None | str | tuple[float, float]" = "auto", *, window_s: float = 0.5,
    quantile: float = 0.1,
) -> BaselineStats:
    """Baseline statistics of ``d`` (n_channels, n_samples).

    Parameters
    ----------
    d : ndarray
        Detection signal (envelope or energy), time on the last axis.
    fs : float
        Sample rate, Hz.
    where : "auto", None or (start_s, end_s)
        ``"auto"``/None: per channel, the ``window_s`` window with the lowest mean (windows
        stepped by a quarter of their length); otherwise that window for all channels.
    window_s : float
        Automatic window length, s.
    quantile : float
        ``"auto"``: which window, by rank of its mean (0 = the quietest). Default 0.1: the
        minimum of many window means is an extreme value that lands on ultra-quiet stretches
        2.5–4× below the level between contractions in real recordings (docs/onsets.md).
    """
    n_ch, n = d.shape
    if where is None or (isinstance(where, str) and where == "auto"):
        w = max(2, int(round(check_positive(window_s, "baseline_window_s", "s") * fs)))
        if w > n:
            raise ValueError(
                f"the recording ({n / fs:.3f} s) is shorter than the automatic baseline window "
                f"({w / fs:.3f} s); pass a shorter baseline_window_s or a longer recording"
            )
        hop = max(1, w // 4)
        starts = np.arange(0, n - w + 1, hop)
        cs = np.zeros((n_ch, n + 1))
        np.cumsum(d, axis=-1, out=cs[:, 1:])
        means = (cs[:, starts + w] - cs[:, starts]) / w
        if quantile <= 0.0:
            best = starts[np.argmin(means, axis=1)]
        else:
            order = np.argsort(means, axis=1)
            best = starts[order[:, min(int(quantile * (starts.size - 1)), starts.size - 1)]]
        win = np.take_along_axis(d, best[:, None] + np.arange(w)[None, :], axis=1)
        return BaselineStats(win.mean(axis=1), win.std(axis=1), best / fs, (best + w) / fs)
    if isinstance(where, str):
        raise ValueError(f"baseline must be 'auto', None or a (start_s, end_s) window; got {where!r}")
    try:
        start_s, end_s = (float(v) for v in where)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ValueError(
            f"baseline must be 'auto', None or a (start_s, end_s) window in s; got {where!r}"
        ) from None
    a, b = int(round(start_s * fs)), int(round(end_s * fs))
    if not (0 <= a and b <= n and b - a >= 2):
        raise ValueError(
            f"baseline window ({start_s:g}, {end_s:g}) s must lie inside the recording "
            f"(0–{n / fs:.3f} s) and hold at least 2 samples; pick a rest period inside it"
        )
    win = d[:, a:b]
    ones = np.ones(n_ch)
    return BaselineStats(win.mean(axis=1), win.std(axis=1), ones * a / fs, ones * b / fs)


def _n_settle(fs: float) -> int:
    return int(round(SETTLE_S * fs))


def _start_samples(fs: float, baseline_s: float, window_s: float) -> int:
    """Samples the "start" rule learns from; checks that the window fits after settling."""
    b = check_positive(baseline_s, "baseline_s", "s")
    w = check_positive(window_s, "baseline_window_s", "s")
    if b < SETTLE_S + w:
        raise ValueError(
            f"baseline_s ({baseline_s!r} s) must hold the filters' {SETTLE_S:g} s start-up plus one "
            f"baseline_window_s ({window_s!r} s); use at least {SETTLE_S + w:g} s of rest"
        )
    return int(round(b * fs))


def _start_stats(d: np.ndarray, fs: float, n_base: int, window_s: float) -> BaselineStats:
    """The "start" rule: the quietest ``window_s`` window in ``[SETTLE_S, n_base)``."""
    n0 = _n_settle(fs)
    if d.shape[1] < n_base:
        raise ValueError(
            f"the recording ({d.shape[1] / fs:.3f} s) is shorter than the baseline_s "
            f"({n_base / fs:.3f} s) the 'start' rule learns from; pass a shorter baseline_s"
        )
    st = baseline_stats(d[:, n0:n_base], fs, "auto", window_s=window_s)
    return BaselineStats(st.mean, st.sd, st.start_s + n0 / fs, st.end_s + n0 / fs)


def _settled_stats(d: np.ndarray, fs: float, where: object, window_s: float) -> BaselineStats:
    """Baseline statistics of ``d`` ignoring its first :data:`SETTLE_S` (filter start-up)."""
    n_settle = min(_n_settle(fs), max(d.shape[1] - 2, 0))
    shift = n_settle / fs
    if isinstance(where, str) and where in _QUIETEST:
        where = "auto"
    elif isinstance(where, (tuple, list)) and len(where) == 2:
        a, b = (float(v) for v in where)
        where = (0.0, b - shift) if (b - shift > 0 and a < shift) else (a - shift, b - shift)
    elif where is not None:
        raise ValueError(f"baseline must be 'start', 'auto' (or 'quietest'), None, a (start_s, end_s) "
                         f"window in s or BaselineStats; got {where!r}")
    st = baseline_stats(d[:, n_settle:], fs, where, window_s=window_s)  # type: ignore[arg-type]
    return BaselineStats(st.mean, st.sd, st.start_s + shift, st.end_s + shift)


#: Samples per step when :meth:`RestLearner.update` is given a long signal at once (the result
#: does not depend on how the signal is split).
_UPDATE_CHUNK = 1 << 15


class RestLearner:
    """The "start" rule, kept learning: a later, clearly quieter window replaces the baseline.

    Windows of ``4·hop`` samples (``hop`` = a quarter of ``window_s``) on a fixed grid from
    :data:`SETTLE_S` are checked once the first ``n_base`` samples gave the start statistics.
    A window replaces a channel's baseline when the current baseline mean lies above the
    window's own start threshold (the "rest" learnt so far would be a burst under the window's
    statistics: the stream did not start at rest). For the ``n_base − settle`` samples after a
    replaced window's start, any window with a lower mean replaces it again (the start rule run
    once more from there). A window holding a flat quarter (raw samples all equal: a dropout
    held at the last value, an amplifier at its rail) is no rest and never replaces it.
    Memory: under one window per channel; work O(block).

    Parameters
    ----------
    n_channels : int
        Rows of the detection signal.
    fs : float
        Sample rate, Hz.
    n_base : int
        Samples the start rule learns from (``baseline_s · fs``).
    window_s : float
        Rest window length, s.
    threshold : callable
        ``threshold(mean, sd) -> start threshold`` of the detector (arrays, any shape).
    """

    def __init__(self, n_channels: int, fs: float, n_base: int, window_s: float,
                 threshold: "Callable[[np.ndarray, np.ndarray], np.ndarray]") -> None:
        self.fs, self.n_base, self._thr_of = float(fs), int(n_base), threshold
        self.hop = max(1, int(round(check_positive(window_s, "baseline_window_s", "s") * fs)) // 4)
        self.w, self.n0 = 4 * self.hop, _n_settle(fs)
        self.n_channels = int(n_channels)
        self.reset()

    def reset(self) -> None:
        """Forget the baseline and every window."""
        n = self.n_channels
        self.stats: "BaselineStats | None" = None
        self.version = 0
        # d, d² and "raw sample equal to the previous one" of the unfinished hop chunk, and the
        # sums of the three over the last three whole chunks
        self._part = np.zeros((3, n, self.hop))  # first _fill columns hold samples
        self._fill = 0
        self._sums = np.zeros((3, n, 0))
        self._last_x: "np.ndarray | None" = None
        self._n_chunks = 0  # whole chunks seen (chunk j covers n0 + j·hop … n0 + (j+1)·hop)
        self._refine = np.full(n, -1, dtype=np.int64)  # windows ending ≤ this may refine

    def start(self, stats: BaselineStats) -> BaselineStats:
        """Set (and return) the start rule's statistics: version 1."""
        self.stats = stats
        self.version = 1
        return stats

    def update(self, d: np.ndarray, first_index: int, x: np.ndarray) -> "list[tuple[int, BaselineStats]]":
        """Feed the next block of the detection signal ``d`` and of the raw signal ``x`` it came
        from (first sample at absolute ``first_index``).

        Returns
        -------
        list of (int, BaselineStats)
            Each replacement: the absolute sample from which it holds (its window's end) and the
            statistics, in time order (empty before :meth:`start` or when nothing changed).
        """
        n = d.shape[1]
        if n > _UPDATE_CHUNK:  # a whole recording (offline): in chunks, no recording-sized temporaries
            out: list[tuple[int, BaselineStats]] = []
            for a in range(0, n, _UPDATE_CHUNK):
                out += self.update(d[:, a : a + _UPDATE_CHUNK], first_index + a, x[:, a : a + _UPDATE_CHUNK])
            return out
        last, self._last_x = self._last_x, (x[:, -1].copy() if n else self._last_x)
        k = max(self.n0 - first_index, 0)
        if k >= n:
            return []
        f, nk = self._fill, n - k
        if f + nk < self.hop:  # no chunk completes (most live blocks): fill the chunk in place
            part = self._part[:, :, f : f + nk]
            part[0] = d[:, k:]
            np.multiply(d[:, k:], d[:, k:], out=part[1])
            self._same(x, k, last, part[2])
            self._fill += nk
            return []
        seg = np.empty((3, self.n_channels, f + nk))
        seg[:, :, :f] = self._part[:, :, :f]
        seg[0, :, f:] = d[:, k:]
        np.multiply(d[:, k:], d[:, k:], out=seg[1, :, f:])
        self._same(x, k, last, seg[2, :, f:])
        m = seg.shape[2] // self.hop
        sums = np.concatenate([self._sums, seg[:, :, : m * self.hop].reshape(3, self.n_channels, m, self.hop
                                                                             ).sum(axis=3)], axis=2)
        self._fill = seg.shape[2] - m * self.hop
        self._part[:, :, : self._fill] = seg[:, :, m * self.hop :]
        first_chunk = self._n_chunks - self._sums.shape[2]  # index of sums' first column
        self._n_chunks += m
        self._sums = sums[:, :, -3:].copy()
        if sums.shape[2] < 4 or self.stats is None:
            return []
        win = ((sums[:, :, :-3] + sums[:, :, 1:-2]) + sums[:, :, 2:-1]) + sums[:, :, 3:]
        flat = sums[2] >= self.hop  # a whole chunk of repeated raw samples
        flat_win = (flat[:, :-3] | flat[:, 1:-2]) | (flat[:, 2:-1] | flat[:, 3:])
        ends = self.n0 + (first_chunk + 4 + np.arange(win.shape[2], dtype=np.int64)) * self.hop
        keep = ends > self.n_base
        return self._replace(win[0][:, keep] / self.w, win[1][:, keep] / self.w, ~flat_win[:, keep], ends[keep])

    @staticmethod
    def _same(x: np.ndarray, k: int, last: "np.ndarray | None", out: np.ndarray) -> None:
        """1 where a raw sample of ``x[:, k:]`` equals the one before it (``last`` before the block)."""
        out[:, 1:] = x[:, k + 1 :] == x[:, k:-1]
        prev = x[:, k - 1] if k else last
        out[:, 0] = False if prev is None else x[:, k] == prev

    def _replace(self, mean: np.ndarray, msq: np.ndarray, usable: np.ndarray, ends: np.ndarray
                 ) -> "list[tuple[int, BaselineStats]]":
        out: list[tuple[int, BaselineStats]] = []
        if not ends.size:
            return out
        sd = np.sqrt(np.maximum(msq - mean * mean, 0.0))
        thr = self._thr_of(mean, sd)
        j = 0
        while j < ends.size:
            st = self.stats
            assert st is not None
            cur = st.mean[:, None]
            ok = usable[:, j:]
            hit = ok & (thr[:, j:] < cur) | ok & (ends[None, j:] <= self._refine[:, None]) & (mean[:, j:] < cur)
            cols = np.flatnonzero(hit.any(axis=0))
            if not cols.size:
                break
            j += int(cols[0])
            ch = hit[:, cols[0]]
            e = int(ends[j])
            new = [a.copy() for a in (st.mean, st.sd, st.start_s, st.end_s)]
            new[0][ch], new[1][ch] = mean[ch, j], sd[ch, j]
            new[2][ch], new[3][ch] = (e - self.w) / self.fs, e / self.fs
            fresh = ch & (ends[j] > self._refine)
            self._refine[fresh] = e - self.w + self.n_base - self.n0
            self.stats = BaselineStats(*new)
            self.version += 1
            out.append((e, self.stats))
            j += 1
        return out
