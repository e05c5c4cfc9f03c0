"""The burst debouncer against a plain per-sample reference, whole and chunked."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgfeedback.dsp._hysteresis import RunDebouncer


def reference(above: np.ndarray, min_on: int, min_off: int):
    """Obvious per-sample state machine: (channel, onset, offset or None) triples."""
    out = []
    for ch, row in enumerate(above):
        active, run_val, run_start, burst = False, False, 0, -1
        for i, v in enumerate(row):
            if v != run_val:
                run_val, run_start = bool(v), i
            length = i - run_start + 1
            if not active and run_val and length == min_on:
                active, burst = True, run_start
            elif active and not run_val and length == min_off:
                out.append((ch, burst, run_start))
                active = False
        if active:
            out.append((ch, burst, None))
    return sorted(out, key=lambda t: (t[0], t[1]))


def collect(deb: RunDebouncer, above: np.ndarray, cuts) -> list:
    opened, closed = {}, []
    known = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        ev = deb.process(above[:, a:b])
        for ch, on, idx, oi, kn in zip(ev.channel, ev.is_onset, ev.index, ev.onset_index, ev.known_index):
            assert a <= kn < b, "an event must be reported in the block where it becomes known"
            known.append(int(kn))
            if on:
                opened[int(ch)] = int(idx)
            else:
                assert opened.pop(int(ch)) == oi
                closed.append((int(ch), int(oi), int(idx)))
    closed += [(ch, s, None) for ch, s in opened.items()]
    return sorted(closed, key=lambda t: (t[0], t[1]))


def test_simple_burst_back_dated_and_known_late():
    above = np.zeros((1, 40), dtype=bool)
    above[0, 10:25] = True
    above[0, 12] = False  # a one-sample dip inside the burst is not an offset
    deb = RunDebouncer(1, min_on=3, min_off=5)
    ev = deb.process(above)
    assert list(ev.is_onset) == [True, False]
    assert list(ev.index) == [13, 25]  # the first run 10–11 is too short; 13..24 counts
    assert list(ev.known_index) == [15, 29]
    assert list(ev.onset_index) == [13, 13]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    min_on=st.integers(1, 6),
    min_off=st.integers(1, 6),
    p=st.floats(0.2, 0.8),
    n_cuts=st.integers(0, 12),
)
def test_matches_reference_for_any_chunking(seed, min_on, min_off, p, n_cuts):
    rng = np.random.default_rng(seed)
    # Runs of random length so long bursts and short blips both occur.
    above = np.repeat(rng.random((3, 40)) < p, rng.integers(1, 5, size=40), axis=1)
    n = above.shape[1]
    cuts = sorted({0, n, *rng.integers(0, n + 1, size=n_cuts).tolist()})
    got = collect(RunDebouncer(3, min_on, min_off), above, cuts)
    assert got == reference(above, min_on, min_off)


def test_bad_block_shape_names_the_channels():
    with pytest.raises(ValueError, match="2 channel"):
        RunDebouncer(3, 2, 2).process(np.zeros((2, 5), dtype=bool))
