"""Rep counting against a protocol: exactly reps x sets x sides, sides named right, nothing
after the end, artefacts flagged with a reason and left out of the summary; the same count
live (SessionEngine) and offline (analyze from the recording's annotations)."""

from __future__ import annotations

import dataclasses
import math

import pytest

from emgfeedback.calibration import load_protocols
from emgfeedback.measures import ProtocolRun, RepCounter, RepMetrics, RepPlan, count_reps, summarise
from emgfeedback.model import Side
from emgfeedback.session.runner import Phase, ProtocolRunner

PRONE = load_protocols()["prone_hip_extension"]  # 5 reps x 1 set, each side, hold 3 s, rest 5 s


def rep(start: float, length: float, side: "Side | None" = None) -> RepMetrics:
    return RepMetrics(0, start, start + length, (start, start + length), side=side)


def holds_of(protocol, t0: float = 0.0) -> tuple[list[float], float]:
    """Hold cue times and the DONE time of a full run (from the runner itself)."""
    runner = ProtocolRunner(protocol)
    events = runner.start(t0) + runner.advance(t0 + 10_000.0)
    return [e.t_s for e in events if e.phase is Phase.HOLD], next(e.t_s for e in events if e.phase is Phase.DONE)


def test_plan_words_sets_per_side_and_numbers_slots_like_the_runner() -> None:
    plan = RepPlan.of(PRONE)
    assert plan.describe() == "5 reps × 1 set each side" and plan.total_reps == 10
    assert [plan.slot(i) for i in (0, 4, 5, 9)] == [(1, 1, Side.LEFT), (1, 5, Side.LEFT), (2, 1, Side.RIGHT),
                                                     (2, 5, Side.RIGHT)]
    assert RepPlan.from_json(plan.to_json()) == plan
    with pytest.raises(ValueError, match="protocol plan"):
        RepPlan.from_json('{"protocol": "x", "reps": 0, "sets": 1, "sides": "both", "hold_s": 1, "rest_s": 1}')
    three_each = dataclasses.replace(plan, sets=3)
    assert three_each.describe() == "5 reps × 3 sets each side" and three_each.total_sets == 6


def test_exactly_the_protocols_reps_are_counted_and_nothing_after_done() -> None:
    holds, done = holds_of(PRONE)
    counter = RepCounter(RepPlan.of(PRONE))
    for t in holds:
        counter.add_hold(t)
    counter.end(done)
    reps = [rep(t + 0.3, 3.2) for t in holds]  # one good rep per hold (both sides: side from the slot)
    reps += [rep(done + 5.0, 3.0), rep(done + 15.0, 3.0)]  # the patient goes on after DONE
    out = [counter.assign(r) for r in reps]
    ok = [r for r in out if not r.artefact]
    assert len(ok) == 10 == counter.n_counted
    assert [(r.set_number, r.rep_number, r.side) for r in ok[:6]] == [
        (1, 1, Side.LEFT), (1, 2, Side.LEFT), (1, 3, Side.LEFT), (1, 4, Side.LEFT), (1, 5, Side.LEFT),
        (2, 1, Side.RIGHT)]
    assert [r.artefact for r in out[10:]] == ["after the protocol ended"] * 2
    assert counter.add_hold(done + 1.0) is None  # no 11th slot
    s = summarise(out, PRONE)
    assert s.n_reps == 10 and s.n_artefacts == 2


@pytest.mark.parametrize("start, length, side, reason", [
    (0.4, 0.83, None, "too short"),  # the 0.83 s artefact the report used to count as rep 1
    (0.3, 14.0, None, "too long"),  # over hold + rest + 2 s = 13 s
    (0.4, 3.0, Side.RIGHT, "wrong side"),
    (5.2, 2.0, None, "outside a hold"),  # between hold 1 (ends 3 s + lag) and hold 2
])
def test_artefacts_are_flagged_with_a_reason(start, length, side, reason) -> None:
    plan = dataclasses.replace(RepPlan.of(PRONE), rest_s=8.0)
    counter = RepCounter(plan)
    counter.add_hold(0.0)
    counter.add_hold(11.0)
    r = counter.assign(rep(start, length, side))
    assert r.artefact.startswith(reason) and r.protocol == PRONE.id
    assert counter.n_counted == 0


def test_a_second_contraction_in_one_hold_is_not_a_second_rep() -> None:
    counter = RepCounter(RepPlan.of(PRONE))
    counter.add_hold(0.0)
    first, second = counter.assign(rep(0.2, 1.5)), counter.assign(rep(1.9, 1.4))
    assert first.artefact == "" and second.artefact.startswith("second contraction")


def test_stop_ends_counting_at_once() -> None:
    counter = RepCounter(RepPlan.of(PRONE))
    counter.add_hold(0.0)
    counter.end(1.0)  # Stop pressed during the first hold
    assert counter.assign(rep(4.0, 3.0)).artefact == "after the protocol ended"
    assert counter.add_hold(8.0) is None


def test_offline_count_from_runs_equals_the_live_counter() -> None:
    holds, done = holds_of(PRONE, t0=2.0)
    reps = [rep(t + 0.3, 3.1) for t in holds] + [rep(0.5, 1.0), rep(done + 3.0, 3.0)]
    live = RepCounter(RepPlan.of(PRONE))
    for t in holds:
        live.add_hold(t)
    live.end(done)
    by_live = [live.assign(r) if r.end_s >= 2.0 else r for r in sorted(reps, key=lambda r: r.start_s)]
    offline = count_reps(reps, [ProtocolRun(RepPlan.of(PRONE), 2.0, tuple(holds), done)])
    assert offline == tuple(by_live)
    assert offline[0].protocol == ""  # before the run started: no protocol
    assert not math.isinf(done)
