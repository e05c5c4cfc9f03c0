"""The session engine fed by hand with simulated recordings: per-rep firing order, latency and
ratios match the simulator's truth (no threads, no Qt)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from emgfeedback.calibration import load_mvc_procedures, load_protocols
from emgfeedback.dsp.pipeline import OnlinePipeline
from emgfeedback.measures import summarise
from emgfeedback.model import Muscle, Side, StreamInfo
from emgfeedback.session import Phase, SessionEngine
from emgfeedback.simulation import simulate

DURATION_S = 16.0


def run(scenario: str, protocol: "str | None", *, block: int = 40, **engine_kw):
    # fast ramps: this checks the engine's plumbing (reps, order, latency, ratio against the
    # truth); detector accuracy on gradual ramps: test_onset_accuracy_independent, bench --accuracy.
    # The offline simulator does not follow protocol cues: measurement tests run without a
    # protocol (no rep counting), rep counting is tested in test_rep_counting.py
    rec = simulate(scenario, duration_s=DURATION_S, seed=3, ramp="fast")
    info = StreamInfo(fs=rec.fs, montage=rec.montage, source=f"test:{scenario}")
    engine = SessionEngine(info, OnlinePipeline(rec.fs, rec.montage),
                           protocol=None if protocol is None else load_protocols()[protocol], **engine_kw)
    updates = [engine.process(b) for b in rec.blocks(block)]
    engine.finish()  # the stream ended: reps still waiting for late bursts are measured
    return rec, engine, updates


def matched(rec, results):
    """Pairs (truth rep, detected rep) whose spans overlap."""
    pairs = []
    for r in results:
        hits = [t for t in rec.truth.reps if t.start_s < r.end_s and r.start_s < t.end_s]
        if hits:
            pairs.append((hits[0], r))
    return pairs


@pytest.mark.parametrize("scenario, first", [("healthy", Muscle.GLUTE_MAX), ("lbp-lumbar-first", Muscle.LUMBAR_ES)])
def test_firing_order_per_rep_matches_truth(scenario: str, first: Muscle) -> None:
    rec, engine, updates = run(scenario, None)
    truth_reps = [t for t in rec.truth.reps if t.end_s < DURATION_S - 0.6]
    pairs = matched(rec, engine.results)
    assert len(pairs) == len(engine.results) >= len(truth_reps) >= 2
    for truth, rep in pairs:
        assert rep.start_s == pytest.approx(truth.start_s, abs=0.15)
        for side in Side:
            assert rec.truth.first_to_fire[side] is first
            assert rep.firing_order[side].first is first
            lat = rep.latency_ms(side)  # GMax minus ES onset
            true = {o.channel: o.onset_s for o in rec.truth.onsets if truth.start_s - 0.01 <= o.onset_s <= truth.end_s}
            true_lat = (true[f"glute_max_{side.value}"] - true[f"lumbar_es_{side.value}"]) * 1000
            assert lat == pytest.approx(true_lat, abs=40.0)
    s = summarise(engine.results, load_protocols()["prone_hip_extension"])
    assert s.sides[Side.LEFT].first_counts[first] == len(pairs)
    assert s.target_met == (len(pairs) if first is Muscle.GLUTE_MAX else 0)
    assert any(u.rep_active for u in updates)


@pytest.mark.parametrize("scenario", ["tfl-dominant-clamshell", "healthy-clamshell"])
def test_tfl_ratio_of_working_side_matches_truth(scenario: str) -> None:
    rec, engine, _ = run(scenario, None)
    pairs = matched(rec, engine.results)
    assert len(pairs) >= 3
    for truth, rep in pairs:
        side = truth.side
        true_ratio = rec.truth.tfl_to_glute_ratio[side]
        assert rep.tfl_to_glute_ratio[side] == pytest.approx(true_ratio, rel=0.2)
        assert side.other not in rep.tfl_to_glute_ratio  # resting side: no ratio


def test_protocol_events_and_percent_mvc() -> None:
    mvc = {ch: 200.0 for ch in ("glute_max_left", "glute_max_right")}
    rec, engine, updates = run("healthy", "glute_squeeze", mvc_uv=mvc)
    events = [e for u in updates for e in u.events]
    assert [e.phase for e in events[:3]] == [Phase.PREPARE, Phase.HOLD, Phase.REST]
    assert events[1].t_s == pytest.approx(3.0)
    last = updates[-1]
    assert last.runner is not None and last.runner.rep == 1 + int((DURATION_S - 3.0) // 20.0)
    row = rec.montage.index("glute_max_left")
    assert last.percent_mvc[row] == pytest.approx(100 * last.frame.level_uv[row] / 200.0)
    assert math.isnan(last.percent_mvc[rec.montage.index("tfl_left")])
    peaks = [r.peak_pct_mvc["glute_max_left"] for r in engine.results]
    assert peaks and all(p > 20 for p in peaks)


def test_mvc_wizard_runs_inside_the_engine() -> None:
    rec = simulate("healthy", duration_s=14.0, seed=1)
    info = StreamInfo(fs=rec.fs, montage=rec.montage)
    engine = SessionEngine(info, OnlinePipeline(rec.fs, rec.montage))
    gmax = load_mvc_procedures()[Muscle.GLUTE_MAX]
    import dataclasses
    engine.start_mvc([dataclasses.replace(gmax, trials=1, contraction_s=8.0, rest_s=0.0)])
    states = [engine.process(b).mvc for b in rec.blocks(50)]
    assert states[-1] is not None and states[-1].step.value == "done"
    assert set(engine.mvc_uv) == {"glute_max_left", "glute_max_right"}
    rest = float(np.median(rec.data[rec.montage.index("glute_max_left"), : int(rec.fs)] ** 2) ** 0.5)
    assert engine.mvc_uv["glute_max_left"] > 5 * rest


def test_set_mvc_rejects_bad_values() -> None:
    rec = simulate("healthy", duration_s=1.0, seed=1)
    engine = SessionEngine(StreamInfo(fs=rec.fs, montage=rec.montage), OnlinePipeline(rec.fs, rec.montage))
    with pytest.raises(ValueError, match="MVC of tfl_left must be a positive, finite number µV, got -3"):
        engine.set_mvc({"tfl_left": -3})
    with pytest.raises(ValueError, match="unknown channel 'hamstring'"):
        engine.set_mvc({"hamstring": 10.0})


def test_history_must_be_a_positive_number_of_seconds() -> None:
    rec = simulate("healthy", duration_s=1.0, seed=1)
    with pytest.raises(ValueError, match=r"history_s must be a positive, finite number s, got nan"):
        SessionEngine(StreamInfo(fs=rec.fs, montage=rec.montage), OnlinePipeline(rec.fs, rec.montage),
                      history_s=float("nan"))


def test_frame_carries_the_last_reps_order_and_ratio() -> None:
    rec, engine, updates = run("tfl-dominant-clamshell", "clamshell")
    assert updates[0].frame.tfl_to_glute_ratio == {}  # no rep yet: no ratio, not a guess
    done = [i for i, u in enumerate(updates) if u.reps]
    assert done
    u = updates[done[0]]
    assert u.frame.tfl_to_glute_ratio == u.reps[-1].tfl_to_glute_ratio


def test_next_set_is_reported_with_the_next_block() -> None:
    import dataclasses

    rec = simulate("healthy", duration_s=12.0, seed=3, ramp="fast")
    info = StreamInfo(fs=rec.fs, montage=rec.montage, source="test:healthy")
    p = dataclasses.replace(load_protocols()["clamshell"], reps=1, prepare_s=1.0, hold_s=1.0)
    engine = SessionEngine(info, OnlinePipeline(rec.fs, rec.montage), protocol=p)
    blocks = iter(rec.blocks(200))
    st = None
    while st is None or st.phase is not Phase.SET_REST:
        st = engine.process(next(blocks)).runner
    assert [e.phase for e in engine.next_set()] == [Phase.PREPARE]
    update = engine.process(next(blocks))
    assert update.events[0].phase is Phase.PREPARE and update.runner.set == 2
    assert engine.next_set() == []  # outside a set break nothing happens
