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

    Parameters
    ----------
    n_channels : int
        Number of channels (rows of every block).
    min_on : int
        Samples a run above threshold must last to start a burst (≥ 1).
    min_off : int
        Samples a run below threshold must last to end a burst (≥ 1).
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
        self.run_value = np.zeros(n, dtype=bool)  # value of the current raw run
        self.run_start = np.zeros(n, dtype=np.int64)  # absolute start of the current raw run
        self.burst_start = np.full(n, -1, dtype=np.int64)  # start of the open burst

    def process(self, above: np.ndarray) -> BurstEvents:
        """Feed the next block of decisions, shape (n_channels, n_samples), bool.

        Returns
        -------
        BurstEvents
            Events that became known in this block, ordered by channel then time.
        """
        above = np.asarray(above, dtype=bool)
        n_ch, n = above.shape
        if n_ch != self.n_channels:
            raise ValueError(f"block has {n_ch} channel(s), this detector has {self.n_channels}")
        base = self.n_seen
        if n == 0:
            empty = np.zeros(0, dtype=np.int64)
            return BurstEvents(empty, np.zeros(0, dtype=bool), empty, empty, empty)

        # Starts of new raw runs inside the block (first column compared with the carried run).
        prev = np.empty_like(above)
        prev[:, 0] = self.run_value
        prev[:, 1:] = above[:, :-1]
        new_ch, new_col = np.nonzero(above != prev)

        # All runs touching this block: the carried run of each channel, then the new ones.
        run_ch = np.concatenate([np.arange(n_ch), new_ch])
        run_start = np.concatenate([self.run_start, base + new_col.astype(np.int64)])
        run_val = np.concatenate([self.run_value, above[new_ch, new_col]])
        order = np.lexsort((run_start, run_ch))
        run_ch, run_start, run_val = run_ch[order], run_start[order], run_val[order]

        # A run ends where the next run of the same channel starts (or is still open).
        run_end = np.full(run_ch.size, base + n, dtype=np.int64)
        same_next = run_ch[1:] == run_ch[:-1]
        run_end[:-1][same_next] = run_start[1:][same_next]
        is_last = np.ones(run_ch.size, dtype=bool)
        is_last[:-1] = ~same_next

        # A run "counts" when it reaches its minimum length inside this block.
        need = np.where(run_val, self.min_on, self.min_off)
        known = run_start + need - 1
        counts = (known >= base) & (known < run_end)
        ev_ch, ev_val = run_ch[counts], run_val[counts]
        ev_start, ev_known = run_start[counts], known[counts]

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

        self.run_value = above[:, -1].copy()
        self.run_start = run_start[is_last]
        self.n_seen = base + n
        return BurstEvents(k_ch, k_on, k_idx, onset_idx, k_known)
