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


def reference_two(above: np.ndarray, above_off: np.ndarray, min_on: int, min_off: int):
    """Per-sample double threshold: start on a run of ``min_on`` samples of ``above``, end on
    a run of ``min_off`` samples of ``~above_off`` (the lower end threshold)."""
    out = []
    for ch in range(above.shape[0]):
        active, on_run, off_run, burst = False, 0, 0, -1
        for i in range(above.shape[1]):
            on_run = on_run + 1 if above[ch, i] else 0
            off_run = off_run + 1 if not above_off[ch, i] else 0
            if not active and on_run == min_on:
                active, burst = True, i - min_on + 1
            elif active and off_run == min_off:
                out.append((ch, burst, i - min_off + 1))
                active = False
        if active:
            out.append((ch, burst, None))
    return sorted(out, key=lambda t: (t[0], t[1]))


def collect(deb: RunDebouncer, above: np.ndarray, cuts, above_off=None) -> list:
    opened, closed = {}, []
    known = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        ev = deb.process(above[:, a:b], None if above_off is None else above_off[:, a:b])
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


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), min_on=st.integers(1, 6), min_off=st.integers(1, 6), n_cuts=st.integers(0, 12))
def test_double_threshold_matches_reference_for_any_chunking(seed, min_on, min_off, n_cuts):
    rng = np.random.default_rng(seed)
    # a level that wanders; "above" the start threshold implies "above" the lower end threshold
    level = np.repeat(rng.random((3, 40)), rng.integers(1, 5, size=40), axis=1)
    above, above_off = level > 0.6, level > 0.3
    n = above.shape[1]
    cuts = sorted({0, n, *rng.integers(0, n + 1, size=n_cuts).tolist()})
    got = collect(RunDebouncer(3, min_on, min_off), above, cuts, above_off)
    assert got == reference_two(above, above_off, min_on, min_off)


def test_double_threshold_keeps_a_burst_through_a_dip_above_the_end_threshold():
    level = np.r_[np.zeros(5), np.full(10, 1.0), np.full(10, 0.5), np.full(10, 1.0), np.zeros(10)][None, :]
    one = RunDebouncer(1, 3, 5).process(level > 0.8)
    two = RunDebouncer(1, 3, 5).process(level > 0.8, level > 0.3)
    assert list(one.is_onset) == [True, False, True, False]  # one threshold: the dip ends it
    assert list(two.is_onset) == [True, False] and list(two.index) == [5, 35]


def test_bad_block_shape_names_the_channels():
    with pytest.raises(ValueError, match="2 channel"):
        RunDebouncer(3, 2, 2).process(np.zeros((2, 5), dtype=bool))
