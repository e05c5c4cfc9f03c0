"""Burst rules and onset localisation on top of the debouncer, one code path offline and live.

:class:`BurstTracker` takes per-sample threshold decisions and the conditioned EMG's energy,
block by block (offline: the whole recording as one block), and yields bursts:

1. the :class:`~emgfeedback.dsp._hysteresis.RunDebouncer` finds starts (a run of ``min_on``
   samples above threshold) and ends (a run of ``off`` samples below it);
2. an end at ``e`` of a *confirmed* burst followed by a start before ``e + gap`` is no end: the
   two bursts merge (a contraction whose level wanders stays one burst), so an end is final only
   at ``max(its debounce, e + gap + min_on − 2)``; an unconfirmed candidate that ended is
   dropped and the next start is a new candidate (a blip, e.g. an ECG QRS, before a contraction
   does not become its onset);
3. a burst shorter than ``min_burst`` samples is no onset at all: its start is confirmed only at
   the first above-threshold sample ``c ≥ s + max(min_on, min_burst) − 1`` inside the burst
   (``s`` = the run start) — such a sample exists before the final end exactly when the burst
   lasts ``min_burst``; the activity must be continuous since ``s``: a rest (``quiet``, default
   ``min_on``, samples below the end threshold) before ``c`` restarts the candidate at the first
   active sample after it;
4. at ``c`` the onset is localised (:func:`~emgfeedback.dsp._localise.localise_onset`) in the
   energy from ``s − window`` (bounded by the previous burst's end and the filters' settling)
   to ``c``. A ring of the last ``window + max(min_on, min_burst) + off + gap`` energy samples is all
   the memory this needs, so the live result equals the offline one for any block sizes;
5. a burst that starts before the first rest (``quiet`` samples below the end threshold) after
   the first sample searched (``n_settle``) was already on when the stream began: it has no onset and
   is not reported (nor its end); the merge rule holds for it like for any burst, and the
   localiser searches only after its end.
"""

from __future__ import annotations

import numpy as np

from emgfeedback.dsp._hysteresis import RunDebouncer
from emgfeedback.dsp._localise import localise_onset

__all__ = ["BurstTracker"]

_NEVER = np.iinfo(np.int64).max
#: Samples scanned per step for a channel's first rest (a long offline block is not scanned whole).
_SCAN_CHUNK = 1 << 15

#: (known sample, channel, onset s, offset s or None): a start, or a whole burst once it ended.
Event = tuple[int, int, float, "float | None"]


class BurstTracker:
    """Debounce, apply the burst rules and localise onsets, block by block.

    Parameters
    ----------
    n_channels : int
        Rows of every block.
    fs : float
        Sample rate, Hz.
    min_on, off, gap, min_burst : int
        Samples above threshold to start a burst, below it to end one, the shortest gap between
        two bursts (shorter gaps merge them), and the shortest burst.
    window : int
        Samples before the detected start searched by the localiser (0: no localisation).
    lag_energy_s, lag_detect_s : float
        Delays of the energy and of the detection signal behind the EMG, s (0 for zero-phase).
    n_settle : int
        Samples at the start of the stream that the localiser must not use.
    """

    def __init__(self, n_channels: int, fs: float, min_on: int, off: int, gap: int, min_burst: int, window: int,
                 lag_energy_s: float, lag_detect_s: float, n_settle: int, quiet: "int | None" = None) -> None:
        self.n_channels, self.fs = int(n_channels), float(fs)
        self.min_on, self.off, self.gap = int(min_on), int(off), int(gap)
        self.min_burst, self.window = int(min_burst), int(window)
        self.lag_e, self.lag_d, self.n_settle = float(lag_energy_s), float(lag_detect_s), int(n_settle)
        self.quiet = self.min_on if quiet is None else max(1, int(quiet))  # a rest that restarts a candidate
        self.need = max(self.min_on, self.min_burst)  # a start is confirmed need − 1 samples after s at the earliest
        self.ring_n = self.window + self.need + self.off + self.gap
        self._deb = RunDebouncer(self.n_channels, self.min_on, self.off)
        self.reset()

    @property
    def max_backdate_s(self) -> float:
        """Most an onset can lie before the sample at which its burst became known, s."""
        longest = self.need + self.off + self.gap - 2
        return max((self.window + longest) / self.fs + self.lag_e, longest / self.fs + self.lag_d)

    @property
    def n_seen(self) -> int:
        """Samples processed so far."""
        return self._deb.n_seen

    def reset(self) -> None:
        """Forget every burst and the energy ring."""
        n = self.n_channels
        self._deb.reset()
        # circular buffer of the last ring_n energy samples (absolute sample i at i % ring_n),
        # written in place: no allocation per block
        self._ring = np.zeros((n, max(self.ring_n, 1)))
        self._blk = np.zeros((n, 0))  # the current block's energy
        self._blk_base = 0
        self._pending = np.full(n, -1, dtype=np.int64)  # start of an unconfirmed burst
        self._open = np.zeros(n, dtype=bool)  # a confirmed burst is open
        self._hidden = np.zeros(n, dtype=bool)  # ... and it was on at the stream's start (no onset)
        self._first_rest = np.full(n, _NEVER, dtype=np.int64)  # start of the first rest from n_settle on
        self._below_run = np.zeros(n, dtype=np.int64)  # ... and the run below before it (carried)
        self._onset = np.zeros(n)  # its onset, s
        self._prev_end = np.full(n, -1, dtype=np.int64)  # end of the last burst (any), sample
        self._searched = np.zeros(n, dtype=np.int64)  # confirmation searched up to here
        self._end_at = np.full(n, -1, dtype=np.int64)  # debounced end not yet final
        self._end_known = np.zeros(n, dtype=np.int64)
        self._run_on = np.zeros(n, dtype=np.int64)  # current run above the start threshold (hysteresis)
        self._hyst = False  # the last block had an end threshold
        # rests (runs of >= quiet samples below the end threshold): the first active sample
        # after each, this block's per channel and the last one before it (carried), and the
        # carried state of the end-threshold decision (last value, start of its last run below)
        self._last_b = np.zeros(n, dtype=bool)
        self._fall_at = np.zeros(n, dtype=np.int64)
        self._rest_r = np.full(n, -1, dtype=np.int64)
        self._rest_before_blk = self._rest_r.copy()
        self._blk_rests: list[np.ndarray] = [np.zeros(0, np.int64)] * n

    def _scan_rests(self, b: np.ndarray, base: int) -> None:
        """Rests of >= ``quiet`` samples that end inside this block (per channel); carries the
        end-threshold decision's state to the next block."""
        n_ch, n = b.shape
        empty = np.zeros(0, np.int64)
        if not n:
            self._blk_rests = [empty] * n_ch
            return
        prev = np.empty_like(b)
        prev[:, 0] = self._last_b
        prev[:, 1:] = b[:, :-1]
        rise_ch, rise_i = np.nonzero(b & ~prev)
        fall_ch, fall_i = np.nonzero(~b & prev)
        rests = [empty] * n_ch
        if rise_ch.size:
            # start of the run below before each rise: the last fall of its channel before it
            key_f = fall_ch.astype(np.int64) * (n + 1) + fall_i
            k = np.searchsorted(key_f, rise_ch.astype(np.int64) * (n + 1) + rise_i) - 1
            kk = np.maximum(k, 0)
            same = (k >= 0) & (fall_ch[kk] == rise_ch) if fall_ch.size else np.zeros(rise_ch.size, bool)
            f = np.where(same, base + (fall_i[kk] if fall_ch.size else 0), self._fall_at[rise_ch])
            r = base + rise_i.astype(np.int64)
            ok = (r - f) >= self.quiet
            for c in np.unique(rise_ch[ok]).tolist():
                rests[c] = r[ok & (rise_ch == c)]
                self._rest_r[c] = rests[c][-1]
        if fall_ch.size:
            last = np.ones(fall_ch.size, bool)
            last[:-1] = fall_ch[1:] != fall_ch[:-1]
            self._fall_at[fall_ch[last]] = base + fall_i[last]
        self._last_b = b[:, -1].copy()
        self._blk_rests = rests

    def _scan_first_rest(self, b: np.ndarray, base: int) -> None:
        """Note where each channel's first rest (``quiet`` samples below the end threshold)
        from ``n_settle`` on starts; only channels without one yet are scanned."""
        todo = np.flatnonzero(self._first_rest == _NEVER)
        k = max(self.n_settle - base, 0)
        if not todo.size or k >= b.shape[1]:
            return
        if b.shape[1] - k > _SCAN_CHUNK:  # a whole recording: stop as soon as every rest is found
            for a in range(k, b.shape[1], _SCAN_CHUNK):
                self._scan_first_rest(b[:, a : a + _SCAN_CHUNK], base + a)
                if not (self._first_rest == _NEVER).any():
                    break
            return
        active = b[todo, k:]
        pos = np.arange(active.shape[1])
        last_on = np.maximum.accumulate(np.where(active, pos, -1), axis=1)  # last active sample so far
        run = np.where(last_on >= 0, pos - last_on, pos + 1 + self._below_run[todo, None])
        done = run >= self.quiet
        has = done.any(axis=1)
        first = np.argmax(done, axis=1)
        self._first_rest[todo[has]] = base + k + first[has] - self.quiet + 1
        self._below_run[todo] = run[:, -1]

    def _rest_before(self, c: int, t: int) -> int:
        """First active sample after the last rest that ends at or before ``t`` (−1: none)."""
        r = self._blk_rests[c]
        k = int(np.searchsorted(r, t, side="right")) - 1
        return int(r[k]) if k >= 0 else int(self._rest_before_blk[c])

    def _carry_run(self, above: np.ndarray) -> None:
        """Length of the run above the start threshold at the end of the block (hysteresis)."""
        n = above.shape[1]
        if not n:
            return
        rev = above[:, ::-1]
        t = np.argmin(rev, axis=1)
        self._run_on = np.where(rev[np.arange(rev.shape[0]), t], self._run_on + n, t).astype(np.int64)

    def _first_start_run(self, c: int, above: np.ndarray, base: int, a: int, limit: int) -> int:
        """First sample in ``a … limit − 1`` that ends ``min_on`` samples above the start
        threshold (−1: none); before the block, the carried run stands in for the samples."""
        first = a - self.min_on + 1
        seg = above[c, max(first, base) - base : limit - base]
        if first < base:
            pre = np.zeros(base - first, dtype=bool)
            r = min(int(self._run_on[c]), pre.size)
            if r:
                pre[pre.size - r :] = True
            seg = np.concatenate([pre, seg])
        cs = np.concatenate([[0], np.cumsum(seg, dtype=np.int64)])
        ok = (cs[self.min_on :] - cs[: -self.min_on]) == self.min_on
        k = int(np.argmax(ok)) if ok.size else 0
        return a + k if ok.size and ok[k] else -1

    def process(self, above: np.ndarray, energy: np.ndarray, above_off: "np.ndarray | None" = None
                ) -> list[Event]:
        """Feed decisions and energy (all (n_channels, n)); events known in the block, by time.

        ``above`` is the start decision; ``above_off`` the end decision (above the lower end
        threshold, hysteresis), default ``above``. A start is confirmed on ``above_off``.
        """
        base = self._deb.n_seen
        n = above.shape[1]
        if above_off is None:
            ev = self._deb.process(above)
            inside = above
        else:  # bursts live on the end threshold; a start needs min_on above the start one
            ev = self._deb.process(above_off)
            inside = above
            self._hyst = True
        self._blk, self._blk_base = energy, base
        self._rest_before_blk = self._rest_r.copy()  # the last rest before this block
        self._scan_rests(above if above_off is None else above_off, base)
        self._scan_first_rest(above if above_off is None else above_off, base)
        out: list[Event] = []
        by_ch: dict[int, list[tuple[bool, int, int]]] = {}
        for c, on, i, k in zip(ev.channel.tolist(), ev.is_onset.tolist(), ev.index.tolist(),
                               ev.known_index.tolist()):
            by_ch.setdefault(c, []).append((on, i, k))
        for c in np.flatnonzero((self._pending >= 0) | (self._end_at >= 0)).tolist():
            by_ch.setdefault(c, [])
        end = base + n
        for c, items in by_ch.items():
            if self._pending[c] >= 0 and self._end_at[c] < 0:  # carried over, still above
                limit = items[0][1] if items and not items[0][0] else end
                self._try_confirm(c, inside, base, limit, out)
            for j, (on, idx, known) in enumerate(items):
                nxt = items[j + 1][1] if j + 1 < len(items) else end
                if not on:
                    self._end_at[c], self._end_known[c] = idx, known
                elif self._end_at[c] >= 0 and idx < self._end_at[c] + self.gap and self._open[c]:  # merge
                    self._end_at[c] = -1
                else:
                    if self._end_at[c] >= 0 and not self._open[c]:
                        # an unconfirmed burst (a blip) ended: the merge joins dips inside a
                        # confirmed burst only, so the next start is a fresh candidate
                        self._prev_end[c] = self._end_at[c]
                        self._pending[c] = self._end_at[c] = -1
                    self._finish(c, end, out)
                    if idx < self._first_rest[c]:  # on since the first sample searched: no onset
                        self._open[c] = self._hidden[c] = True
                        continue
                    self._pending[c] = self._searched[c] = idx
                    self._try_confirm(c, inside, base, nxt, out)
            self._finish(c, end, out)
        self._write_ring(energy, base)
        if self._hyst:
            self._carry_run(above)
        self._blk = self._ring[:, :0]
        out.sort(key=lambda e: e[0])
        return out

    def _finish(self, c: int, upto: int, out: list[Event]) -> None:
        """Make a pending end final if no merging start can come before ``upto``."""
        e = int(self._end_at[c])
        if e < 0:
            return
        final = max(int(self._end_known[c]), e + self.gap + self.min_on - 2)
        if final >= upto:
            return
        if self._open[c] and not self._hidden[c]:
            out.append((final, c, float(self._onset[c]), e / self.fs - self.lag_d))
        self._open[c] = self._hidden[c] = False
        self._pending[c] = self._end_at[c] = -1
        self._prev_end[c] = e

    def _write_ring(self, energy: np.ndarray, base: int) -> None:
        """Copy the block's last ``ring_n`` energy samples into the circular buffer."""
        rn, n = self._ring.shape[1], energy.shape[1]
        keep = min(rn, n)
        if not keep:
            return
        start = (base + n - keep) % rn
        first = min(keep, rn - start)
        self._ring[:, start : start + first] = energy[:, n - keep : n - keep + first]
        self._ring[:, : keep - first] = energy[:, n - keep + first :]

    def _energy(self, c: int, lo: int, hi: int) -> np.ndarray:
        """Energy of channel ``c``, absolute samples ``lo … hi − 1`` (held ring, then block)."""
        base = self._blk_base
        parts = []
        if lo < base:
            parts.append(self._ring[c, np.arange(lo, min(hi, base)) % self._ring.shape[1]])
        if hi > base:
            parts.append(self._blk[c, max(lo, base) - base : hi - base])
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _try_confirm(self, c: int, above: np.ndarray, base: int, limit: int, out: list[Event]) -> None:
        s = int(self._pending[c])
        while True:
            a = max(s + self.need - 1, int(self._searched[c]), base)
            if a >= limit:
                return
            if self._hyst:
                known = self._first_start_run(c, above, base, a, limit)
            else:
                seg = above[c, a - base : limit - base]
                k = int(np.argmax(seg))
                known = a + k if seg[k] else -1
            if known < 0:
                self._searched[c] = limit
                return
            # confirmation needs activity continuous since the candidate's start: a rest of
            # >= quiet samples (below the end threshold) restarts the candidate after it
            r = self._rest_before(c, known)
            if r > s:
                s = r
                self._pending[c] = r
                if known < r + self.need - 1:
                    self._searched[c] = known + 1
                    continue
            self._searched[c] = known + 1
            break
        if self._hyst:  # the burst rose above the end threshold at s, above the start one by known:
            s = max(s, known - self.need + 1)  # anchor no earlier than a plain start (bounded backdate)
        self._pending[c] = -1
        self._open[c] = True
        self._onset[c] = self._localise(c, s, known)
        out.append((known, c, float(self._onset[c]), None))

    def _localise(self, c: int, s: int, known: int) -> float:
        detected = s / self.fs - self.lag_d
        if self.window <= 0:
            return detected
        oldest = max(0, self._blk_base - self.ring_n)  # the ring holds the ring_n samples before the block
        lo = max(s - self.window, int(self._prev_end[c]) + 1, self.n_settle, oldest)
        if lo >= s:
            return detected
        tau = localise_onset(self._energy(c, lo, known + 1), self.fs, s - lo)
        if tau is None:
            return detected
        return min((lo + tau) / self.fs - self.lag_e, detected)
