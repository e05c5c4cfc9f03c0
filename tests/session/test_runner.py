"""Protocol runner: phases, reps, sets and sides on the sample clock (no threads, no Qt)."""

from __future__ import annotations

import dataclasses

import pytest

from emgfeedback.calibration import load_protocols
from emgfeedback.model import Side
from emgfeedback.session import Phase, ProtocolRunner


@pytest.fixture(scope="module")
def protocols():
    return load_protocols()


def run_through(runner: ProtocolRunner, step_s: float, until_s: float = 10_000.0):
    events = runner.start(0.0)
    t = 0.0
    while runner.phase is not Phase.DONE and t < until_s:
        t += step_s
        events += runner.advance(t)
    return events, t


def test_squeeze_timeline_exact(protocols) -> None:
    p = protocols["glute_squeeze"]  # prepare 3, hold 10 x 10, rest 10, one set
    events, _ = run_through(ProtocolRunner(p), step_s=0.37)
    holds = [e for e in events if e.phase is Phase.HOLD]
    assert [e.rep for e in holds] == list(range(1, 11))
    assert [e.t_s for e in holds] == pytest.approx([3.0 + 20.0 * i for i in range(10)])
    assert events[-1].phase is Phase.DONE and events[-1].t_s == pytest.approx(3.0 + 20 * 9 + 10)
    assert all(e.side is None for e in events)
    assert holds[0].cue == p.cues.hold


def test_each_side_alternates_sets_and_rests_between_sets(protocols) -> None:
    p = protocols["clamshell"]
    events, _ = run_through(ProtocolRunner(p), step_s=0.05)
    holds = [e for e in events if e.phase is Phase.HOLD]
    assert len(holds) == p.reps * p.sets * 2
    sides = [e.side for e in holds]
    assert sides[: p.reps] == [Side.LEFT] * p.reps and sides[p.reps: 2 * p.reps] == [Side.RIGHT] * p.reps
    set_rests = [e for e in events if e.phase is Phase.SET_REST]
    assert len(set_rests) == p.total_sets - 1
    # no ordinary rest straight after a set's last hold
    for a, b in zip(events, events[1:]):
        if a.phase is Phase.HOLD and a.rep == p.reps:
            assert b.phase in (Phase.SET_REST, Phase.DONE)


def test_one_big_block_gives_the_same_events_as_small_ones(protocols) -> None:
    p = protocols["bridge"]
    small, end = run_through(ProtocolRunner(p), step_s=0.01)
    r = ProtocolRunner(p)
    big = r.start(0.0) + r.advance(end)
    assert [(e.phase, e.rep, e.set) for e in big] == [(e.phase, e.rep, e.set) for e in small]
    assert [e.t_s for e in big] == pytest.approx([e.t_s for e in small])


def test_state_timer_and_zero_length_phases(protocols) -> None:
    p = dataclasses.replace(protocols["bridge"], prepare_s=0.0, rest_s=0.0, reps=2, sets=1)
    r = ProtocolRunner(p)
    events = r.start(5.0)
    assert [e.phase for e in events] == [Phase.PREPARE, Phase.HOLD]
    r.advance(7.0)
    st = r.state
    assert (st.phase, st.rep, st.elapsed_s, st.remaining_s) == (Phase.HOLD, 1, 2.0, 3.0)
    events = r.advance(15.0)
    assert [e.phase for e in events] == [Phase.REST, Phase.HOLD, Phase.DONE]
    assert r.state.remaining_s == 0.0


def test_stop_and_time_must_not_go_back(protocols) -> None:
    r = ProtocolRunner(protocols["squat"])
    r.start(0.0)
    r.advance(4.0)
    with pytest.raises(ValueError, match="t_s must not go backwards: got 3.0 s after 4.0 s"):
        r.advance(3.0)
    assert [e.phase for e in r.stop(4.5)] == [Phase.DONE]
    assert r.stop(5.0) == []
    assert ProtocolRunner(protocols["squat"]).state.phase is Phase.IDLE


def test_next_set_ends_the_set_break_early(protocols) -> None:
    p = dataclasses.replace(protocols["clamshell"], reps=1)  # prepare 3, hold 3, set break 45
    r = ProtocolRunner(p)
    r.start(0.0)
    assert r.next_set(1.0) == []  # not in a set break: nothing happens
    assert r.phase is Phase.PREPARE
    r.advance(10.0)
    assert (r.phase, r.state.set) == (Phase.SET_REST, 1)
    (event,) = r.next_set(12.0)
    assert (event.phase, event.set, event.rep, event.side, event.t_s) == (Phase.PREPARE, 2, 0, Side.RIGHT, 12.0)
    assert r.advance(15.0)[0].phase is Phase.HOLD  # the next set's prepare lasts its 3 s from then
    assert r.state.side is Side.RIGHT
