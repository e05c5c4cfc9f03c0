"""RepGrouper finds live exactly the reps group_reps finds offline on the same bursts."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from emgfeedback.dsp.timing import group_reps
from emgfeedback.measures import RepGrouper
from emgfeedback.model import Onset

CHANNELS = ("a", "b", "c")


def _bursts(seed: int, n: int) -> list[Onset]:
    rng = np.random.default_rng(seed)
    out, t = [], {c: 0.0 for c in CHANNELS}
    for _ in range(n):
        c = CHANNELS[int(rng.integers(len(CHANNELS)))]
        on = t[c] + float(rng.uniform(0.05, 1.5))
        off = on + float(rng.uniform(0.1, 1.0))
        t[c] = off + 0.06
        out.append(Onset(round(on, 3), round(off, 3), c))
    return out


def _live(bursts: list[Onset], join: float, backdate: float, end: float) -> list[tuple[Onset, ...]]:
    """Feed starts and ends at the moment a detector would know them (up to ``backdate`` late;
    one channel's events in order, as a detector reports them)."""
    rng = np.random.default_rng(len(bursts))
    events, last = [], {c: -np.inf for c in CHANNELS}
    for o in sorted(bursts, key=lambda o: o.onset_s):
        known_on = max(last[o.channel], o.onset_s + float(rng.uniform(0, backdate)))
        known_off = max(known_on, o.offset_s + float(rng.uniform(0, backdate)))
        last[o.channel] = known_off
        events.append((known_on, Onset(o.onset_s, None, o.channel)))
        events.append((known_off, o))
    events.sort(key=lambda e: e[0])
    g, reps = RepGrouper(join, backdate), []
    for known, ev in events:
        reps += g.finished(known)
        g.add([ev])
    reps += g.flush(end)
    return reps


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(0, 10_000), st.integers(1, 30), st.floats(0.0, 0.6), st.floats(0.0, 0.8))
def test_live_groups_equal_offline(seed: int, n: int, join: float, backdate: float) -> None:
    bursts = _bursts(seed, n)
    end = max(o.offset_s for o in bursts) + 5
    offline = group_reps(bursts, join_s=join)
    live = _live(bursts, join, backdate, end)
    key = lambda reps: [sorted((o.channel, o.onset_s, o.offset_s) for o in r) for r in reps]  # noqa: E731
    assert key(live) == key(offline)


def test_a_rep_waits_for_late_bursts_then_finishes() -> None:
    g = RepGrouper(join_s=0.3, max_backdate_s=0.5)
    g.add([Onset(1.0, None, "a"), Onset(1.0, 2.0, "a")])
    assert g.busy
    assert g.finished(2.7) == []  # a burst known now could still start at 2.2 < 2.0 + 0.3
    g.add([Onset(2.25, None, "b")])  # back-dated into the join window: same rep
    g.add([Onset(2.25, 2.6, "b")])
    assert g.finished(3.3) == []
    (rep,) = g.finished(3.5)
    assert [o.channel for o in rep] == ["a", "b"]
    assert not g.busy


def test_flush_closes_open_bursts_at_the_end() -> None:
    g = RepGrouper(0.3, 0.5)
    g.add([Onset(1.0, None, "a")])
    assert g.finished(100.0) == []
    (rep,) = g.flush(5.0)
    assert rep == (Onset(1.0, 5.0, "a"),)
