"""The patient's texts from the runner state and the last rep, in plain words (no Qt window)."""

from __future__ import annotations

import dataclasses

import pytest

from emgfeedback.app.patient_display import counter_text, countdown_text, phase_word, rep_verdict, score_text, side_text
from emgfeedback.calibration import load_protocols
from emgfeedback.measures import RepMetrics
from emgfeedback.model import FiringOrder, Muscle, Side
from emgfeedback.session import ProtocolRunner


@pytest.fixture(scope="module")
def protocols():
    return load_protocols()


def test_texts_from_the_runner_state(protocols) -> None:
    r = ProtocolRunner(dataclasses.replace(protocols["clamshell"], reps=3))  # prepare 3, hold 3, rest 3, break 45
    r.start(0.0)
    assert (phase_word(r.state), countdown_text(r.state), counter_text(r.state), side_text(r.state)) == \
        ("Get ready", "3", "Rep 1 of 3   ·   Set 1 of 2", "Left leg")
    r.advance(3.2)
    assert (phase_word(r.state), countdown_text(r.state)) == ("Hold", "3")  # 2.8 s left: rounded up
    r.advance(5.5)
    assert countdown_text(r.state) == "1"
    r.advance(9.0)
    assert (phase_word(r.state), counter_text(r.state)) == ("Hold", "Rep 2 of 3   ·   Set 1 of 2")
    r.advance(20.0)  # the set break began at 18 s
    assert (phase_word(r.state), side_text(r.state), countdown_text(r.state)) == ("Break", "Next: right leg", "43")
    assert phase_word(None) == "Ready" and counter_text(None) == "" and countdown_text(None) == ""
    one = ProtocolRunner(protocols["glute_squeeze"])  # both sides, one set: no side, no set
    one.start(0.0)
    assert (counter_text(one.state), side_text(one.state)) == ("Rep 1 of 10", "")


def _rep(gmax_s: float, es_s: float, side: Side = Side.LEFT) -> RepMetrics:
    order = sorted([(gmax_s, Muscle.GLUTE_MAX), (es_s, Muscle.LUMBAR_ES)])
    fo = FiringOrder(side, tuple(m for _, m in order), tuple(t for t, _ in order))
    return RepMetrics(0, 0.0, 1.0, (0.2, 0.8), side=side, firing_order={side: fo})


def test_glute_first_follows_the_sign_of_the_latency(protocols) -> None:
    p = protocols["prone_hip_extension"]
    assert rep_verdict(p, _rep(1.00, 1.05)) == ("Glute first!", "good")  # GMax − ES = −50 ms
    assert rep_verdict(p, _rep(1.05, 1.00)) == ("Squeeze your buttock first", "warn")  # +50 ms
    assert rep_verdict(p, None)[1] == "neutral"


def test_score_counts_only_reps_that_could_be_judged() -> None:
    assert score_text([True, None, False, True]) == "Good reps: 2 of 3"
    assert score_text([None]) == ""
