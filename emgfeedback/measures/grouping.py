"""Live rep grouping that finds exactly the reps :func:`~emgfeedback.dsp.timing.group_reps` finds
offline on the same bursts.

Bursts reach the live session as they become known, back-dated to their onsets (at most
``max_backdate_s`` before the moment they are known). A group of bursts is a finished rep once
none of its bursts is open and the stream has passed its last offset by ``join_s`` plus that
back-dating: no burst still to come can then start early enough to join it. The groups are
those of ``group_reps`` over the same bursts, because they *are* ``group_reps`` over the bursts
known so far.
"""

from __future__ import annotations

import math
from typing import Iterable

from emgfeedback.dsp.timing import group_reps
from emgfeedback.model import Onset

__all__ = ["RepGrouper"]


class RepGrouper:
    """Group live bursts into reps.

    Parameters
    ----------
    join_s : float
        Rep rule: bursts that overlap or follow within this gap are one rep, s.
    max_backdate_s : float
        Most a burst's onset can lie before the moment it is reported, s (the onset
        detector's ``max_backdate_s``).
    """

    def __init__(self, join_s: float, max_backdate_s: float) -> None:
        self.join_s = float(join_s)
        self.max_backdate_s = float(max_backdate_s)
        self.reset()

    def reset(self) -> None:
        """Forget all bursts."""
        self._open: dict[str, float] = {}
        self._closed: list[Onset] = []

    @property
    def busy(self) -> bool:
        """True while a burst is open or closed bursts wait for their rep to finish."""
        return bool(self._open or self._closed)

    def add(self, onsets: Iterable[Onset]) -> None:
        """Take detector events: a start ``Onset(t, None, ch)`` or a whole burst."""
        for o in onsets:
            if o.offset_s is None:
                self._open[o.channel] = o.onset_s
            else:
                if self._open.get(o.channel) == o.onset_s:
                    del self._open[o.channel]
                self._closed.append(o)

    def finished(self, now_s: float) -> list[tuple[Onset, ...]]:
        """Reps that can no longer grow once the stream has reached ``now_s``, in time order."""
        return self._take(now_s - self.max_backdate_s)

    def flush(self, end_s: float) -> list[tuple[Onset, ...]]:
        """At the end of the stream: open bursts are closed at ``end_s``; every rep is finished."""
        self._closed += [Onset(t, end_s, ch) for ch, t in self._open.items()]
        self._open = {}
        return self._take(math.inf)

    def _take(self, settled_s: float) -> list[tuple[Onset, ...]]:
        if not self._closed:
            return []
        pending = self._closed + [Onset(t, None, ch) for ch, t in self._open.items()]
        done: list[tuple[Onset, ...]] = []
        for rep in group_reps(pending, join_s=self.join_s):
            if any(o.offset_s is None for o in rep):
                break
            end = max(o.offset_s for o in rep)  # type: ignore[type-var]
            if end + self.join_s >= settled_s:
                break
            done.append(rep)
        used = {id(o) for rep in done for o in rep}
        self._closed = [o for o in self._closed if id(o) not in used]
        return done
