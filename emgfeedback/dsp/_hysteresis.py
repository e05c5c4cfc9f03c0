"""The one piece of threshold logic behind every onset detector, offline and live.

A detector turns each sample into a boolean "above threshold" decision. This module debounces
those decisions into bursts: a burst starts at the first sample of a run of ``min_on``
consecutive above-threshold samples (when no burst is open) and ends at the first sample of a
run of ``min_off`` consecutive below-threshold samples (when one is). The burst is *known* only
when the run is long enough — that is the detection delay — but its time is back-dated to the
start of the run.

The machine is vectorised: it works on whole blocks of all channels with numpy (no per-sample
or per-channel Python loop) and carries a few integers per channel between blocks, so feeding
one long array or the same samples in any chunking gives identical bursts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["BurstEvents", "RunDebouncer"]


@dataclass(frozen=True)
class BurstEvents:
    """Burst starts and ends that became known in one block.

    All indices are absolute sample indices since the start of the stream.

    Parameters
    ----------
    channel : ndarray of int
        Row of each event.
    is_onset : ndarray of bool
        True for a burst start, False for a burst end.
    index : ndarray of int64
        Back-dated sample index of the event (first sample of the run).
    onset_index : ndarray of int64
        For an end, the start of the burst it closes; for a start, equal to ``index``.
    known_index : ndarray of int64
        Sample at which the event became known (``index + run length - 1``).
    """

    channel: np.ndarray
    is_onset: np.ndarray
    index: np.ndarray
    onset_index: np.ndarray
    known_index: np.ndarray

    def __len__(self) -> int:
        return int(self.channel.size)


class RunDebouncer:
    """Debounce per-sample threshold decisions into bursts, block by block.

    With one decision stream a burst starts at a run of ``min_on`` samples above threshold and
    ends at a run of ``min_off`` samples below it. With two (hysteresis, the classic double
    threshold "on at k_on, off at k_off < k_on"; e.g. Bonato et al. 1998's second threshold,
    Hodges & Bui 1996's level plus duration criteria): a burst starts at a run of ``min_on``
    samples above the *start* threshold and ends at a run of ``min_off`` samples below the lower
    *end* threshold. ``above_off`` must then hold wherever ``above`` holds (the end threshold is
    not higher than the start one): start runs and end runs are then disjoint, and bursts are the
    alternation of the two kinds of run in time order — still one vectorised pass per block.

    Parameters
    ----------
    n_channels : int
        Number of channels (rows of every block).
    min_on : int
        Samples a run above the start threshold must last to start a burst (≥ 1).
    min_off : int
        Samples a run below the end threshold must last to end a burst (≥ 1).
    """

    def __init__(self, n_channels: int, min_on: int, min_off: int) -> None:
        if n_channels < 1:
            raise ValueError(f"n_channels must be at least 1, got {n_channels}")
        if min_on < 1 or min_off < 1:
            raise ValueError(f"min_on and min_off must be ≥ 1 sample, got {min_on} and {min_off}")
        self.n_channels = int(n_channels)
        self.min_on = int(min_on)
        self.min_off = int(min_off)
        self.reset()

    def reset(self) -> None:
        """Forget all state: no burst open, stream index back to 0."""
        n = self.n_channels
        self.n_seen = 0
        self.active = np.zeros(n, dtype=bool)  # debounced state
        self.burst_start = np.full(n, -1, dtype=np.int64)  # start of the open burst
        # current raw run of each stream: value and absolute start ("on" = above start threshold,
        # "off" = above end threshold)
        self._run = {k: (np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64)) for k in ("on", "off")}

    def _runs(self, key: str, x: np.ndarray, base: int, need_true: int, need_false: int
              ) -> "tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]":
        """(channel, run start, value, known index) of the runs of ``x`` reaching their length
        (``need_true`` / ``need_false`` samples) inside this block; updates the carried run."""
        n_ch, n = x.shape
        value, start = self._run[key]
        prev = np.empty_like(x)
        prev[:, 0] = value
        prev[:, 1:] = x[:, :-1]
        new_ch, new_col = np.nonzero(x != prev)
        if not new_ch.size:  # no run changed in this block (most live blocks): only carried runs
            known = start + np.where(value, need_true, need_false) - 1
            counts = (known >= base) & (known < base + n)
            ch = np.flatnonzero(counts)
            return ch, start[counts], value[counts], known[counts]
        run_ch = np.concatenate([np.arange(n_ch), new_ch])
        run_start = np.concatenate([start, base + new_col.astype(np.int64)])
        run_val = np.concatenate([value, x[new_ch, new_col]])
        order = np.lexsort((run_start, run_ch))
        run_ch, run_start, run_val = run_ch[order], run_start[order], run_val[order]
        # a run ends where the next run of the same channel starts (or is still open)
        run_end = np.full(run_ch.size, base + n, dtype=np.int64)
        same_next = run_ch[1:] == run_ch[:-1]
        run_end[:-1][same_next] = run_start[1:][same_next]
        is_last = np.ones(run_ch.size, dtype=bool)
        is_last[:-1] = ~same_next
        known = run_start + np.where(run_val, need_true, need_false) - 1
        counts = (known >= base) & (known < run_end)
        self._run[key] = (x[:, -1].copy(), run_start[is_last])
        return run_ch[counts], run_start[counts], run_val[counts], known[counts]

    def process(self, above: np.ndarray, above_off: "np.ndarray | None" = None) -> BurstEvents:
        """Feed the next block of decisions, shape (n_channels, n_samples), bool.

        Parameters
        ----------
        above : ndarray of bool
            Above the start threshold.
        above_off : ndarray of bool, optional
            Above the end threshold (hysteresis); default ``above`` (one threshold).

        Returns
        -------
        BurstEvents
            Events that became known in this block, ordered by channel then time.
        """
        above = np.asarray(above, dtype=bool)
        above_off = above if above_off is None else np.asarray(above_off, dtype=bool)
        n_ch, n = above.shape
        if n_ch != self.n_channels:
            raise ValueError(f"block has {n_ch} channel(s), this detector has {self.n_channels}")
        if above_off.shape != above.shape:
            raise ValueError(f"above_off has shape {above_off.shape}, above {above.shape}; they must match")
        base = self.n_seen
        if n == 0:
            empty = np.zeros(0, dtype=np.int64)
            return BurstEvents(empty, np.zeros(0, dtype=bool), empty, empty, empty)

        # Candidate starts (runs above the start threshold reaching min_on) and ends (runs below
        # the end threshold reaching min_off); the two kinds of run never overlap.
        if above_off is above:  # one stream: its runs above and below are the candidates
            ev_ch, ev_start, ev_val, ev_known = self._runs("on", above, base, self.min_on, self.min_off)
        else:
            never = 1 << 60  # runs of that kind never count
            s = self._runs("on", above, base, self.min_on, never)
            e = self._runs("off", above_off, base, never, self.min_off)
            ev_ch, ev_start, ev_val, ev_known = (np.concatenate([a, b]) for a, b in zip(s, e))
            order = np.lexsort((ev_start, ev_ch))
            ev_ch, ev_start, ev_val, ev_known = ev_ch[order], ev_start[order], ev_val[order], ev_known[order]

        # Keep the counting runs that change the state: compare with the previous one.
        prev_state = np.empty(ev_ch.size, dtype=bool)
        if ev_ch.size:
            first = np.ones(ev_ch.size, dtype=bool)
            first[1:] = ev_ch[1:] != ev_ch[:-1]
            prev_state[first] = self.active[ev_ch[first]]
            prev_state[~first] = ev_val[:-1][~first[1:]]
        keep = ev_val != prev_state
        k_ch, k_on, k_idx, k_known = ev_ch[keep], ev_val[keep], ev_start[keep], ev_known[keep]

        # Pair each end with the start of its burst (previous kept event, or the open burst).
        onset_idx = k_idx.copy()
        if k_ch.size:
            k_first = np.ones(k_ch.size, dtype=bool)
            k_first[1:] = k_ch[1:] != k_ch[:-1]
            prev_idx = np.empty(k_ch.size, dtype=np.int64)
            prev_idx[k_first] = self.burst_start[k_ch[k_first]]
            prev_idx[~k_first] = k_idx[:-1][~k_first[1:]]
            ends = ~k_on
            onset_idx[ends] = prev_idx[ends]

            # New state per channel: the last kept event of each channel.
            k_last = np.ones(k_ch.size, dtype=bool)
            k_last[:-1] = k_ch[1:] != k_ch[:-1]
            last_ch = k_ch[k_last]
            self.active[last_ch] = k_on[k_last]
            self.burst_start[last_ch] = np.where(k_on[k_last], k_idx[k_last], -1)

        self.n_seen = base + n
        return BurstEvents(k_ch, k_on, k_idx, onset_idx, k_known)
