"""Exercise plans: templates from the protocol TOMLs, one-line validation naming the exercise and
field, JSON round trip, and the protocol the runner plays."""

from __future__ import annotations

import json

import pytest

from emgfeedback.calibration import load_protocols
from emgfeedback.measures.targets import parse_target
from emgfeedback.model import Muscle
from emgfeedback.session import ProtocolRunner
from emgfeedback.session.plan import (
    AUDIO_MODES,
    ExercisePlan,
    PlanItem,
    plan_from_json,
    plan_item_from_protocol,
    plan_to_json,
    protocol_for,
)


@pytest.fixture(scope="module")
def protocols():
    return load_protocols()


def _item(**kw) -> PlanItem:
    fields = dict(protocol="clamshell", reps=12, sets=2, hold_s=3.0, rest_s=3.0, sides="each",
                  targets=("TFL:GMed ≤ 0.6",), audio=("warning",))
    fields.update(kw)
    return PlanItem(**fields)


def test_template_defaults_come_from_the_protocol_file(protocols) -> None:
    item = plan_item_from_protocol(protocols["clamshell"])
    assert (item.reps, item.sets, item.hold_s, item.rest_s, item.sides) == (12, 2, 3.0, 3.0, "each")
    assert item.targets == (parse_target("TFL:GMed ≤ 0.6"),)
    assert item.audio == ()


def test_targets_as_text_are_parsed_and_audio_deduplicated() -> None:
    item = _item(targets=["tfl:gmed <= .5", "GMed >= 20"], audio=["warning", "cues", "warning"])
    assert [t.text for t in item.targets] == ["TFL:GMed ≤ 0.5", "GMed ≥ 20 %MVC"]
    assert item.audio == ("warning", "cues")
    assert AUDIO_MODES == ("target_tone", "pitch", "warning", "cues")


@pytest.mark.parametrize("field,value,message", [
    ("reps", 0, "clamshell: reps must be a whole number 1–100, got 0"),
    ("reps", 2.5, "clamshell: reps must be a whole number 1–100, got 2.5"),
    ("sets", 21, "clamshell: sets must be a whole number 1–20, got 21"),
    ("hold_s", 0, "clamshell: hold_s must be more than 0 to 120 s, got 0"),
    ("rest_s", -1.0, "clamshell: rest_s must be 0 to 600 s, got -1.0"),
    ("sides", "eachh", "clamshell: sides must be one of both, left, right, each, got 'eachh' (did you mean 'each'?)"),
    ("targets", ("TFL low",), "clamshell: targets[0]: cannot read target 'TFL low'"),
    ("targets", ("glute max first", "gmax first"), "clamshell: targets must be different from each other"),
    ("audio", ("beep",), "clamshell: audio must be among target_tone, pitch, warning, cues, got 'beep'"),
    ("protocol", "", "plan item: protocol must be a protocol id"),
])
def test_invalid_fields_are_one_line_errors_naming_exercise_and_field(field, value, message) -> None:
    with pytest.raises(ValueError) as info:
        _item(**{field: value})
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_a_plan_lists_each_protocol_once() -> None:
    with pytest.raises(ValueError, match="clamshell: listed twice in the plan"):
        ExercisePlan((_item(), _item(reps=5)))
    plan = ExercisePlan((_item(),))
    assert plan.item("clamshell") is plan.items[0]
    assert plan.item("bridge") is None
    assert plan.targets() == {"clamshell": (parse_target("TFL:GMed ≤ 0.6"),)}


def test_json_round_trip_and_errors(protocols) -> None:
    plan = ExercisePlan(tuple(plan_item_from_protocol(p) for p in protocols.values()) + ())
    plan = ExercisePlan(plan.items[:-1] + (_item(protocol=plan.items[-1].protocol, audio=AUDIO_MODES),))
    text = plan_to_json(plan)
    assert plan_from_json(text, protocols) == plan
    assert json.loads(text)["items"][1]["targets"] == ["TFL:GMed ≤ 0.6"]
    raw = json.loads(text)
    raw["items"][1]["reps"] = 0
    with pytest.raises(ValueError, match="^clamshell: reps must be a whole number 1–100, got 0$"):
        plan_from_json(json.dumps(raw))
    raw["items"][1]["reps"] = 5
    raw["items"][1]["colour"] = "red"
    with pytest.raises(ValueError, match="^clamshell: unknown field.s. colour; fields are protocol, reps"):
        plan_from_json(json.dumps(raw))
    del raw["items"][1]["colour"], raw["items"][1]["sides"]
    with pytest.raises(ValueError, match="^clamshell: missing sides"):
        plan_from_json(json.dumps(raw))
    nan = '{"format": 1, "items": [{"protocol": "x", "reps": 1, "sets": 1, "hold_s": NaN, "rest_s": 1, "sides": "both"}]}'
    for hostile in ("{not json", "[" * 100_000, nan):
        with pytest.raises(ValueError, match="^plan is not valid JSON|^x: hold_s must be more than 0 to 120 s, got nan"):
            plan_from_json(hostile)
    with pytest.raises(ValueError, match="plan format 99 is not understood"):
        plan_from_json('{"format": 99, "items": []}')
    unknown = plan_to_json(ExercisePlan((_item(protocol="clamshel"),)))
    assert plan_from_json(unknown).items[0].protocol == "clamshel"  # no protocols given: not checked
    with pytest.raises(ValueError, match="clamshel: no such protocol; known: .*did you mean 'clamshell'"):
        plan_from_json(unknown, protocols)


def test_the_runner_plays_the_template_with_the_plans_numbers(protocols) -> None:
    item = _item(reps=3, sets=1, hold_s=2.0, rest_s=1.0, sides="left")
    played = protocol_for(item, protocols)
    template = protocols["clamshell"]
    assert (played.reps, played.sets, played.hold_s, played.rest_s, played.sides) == (3, 1, 2.0, 1.0, "left")
    assert (played.cues, played.feedback, played.name) == (template.cues, template.feedback, template.name)
    runner = ProtocolRunner(played)
    events = runner.start(0.0)
    t = 0.0
    while t < 60.0:
        t += 0.1
        events += runner.advance(t)
    holds = [e for e in events if e.phase.value == "hold"]
    assert len(holds) == 3
    with pytest.raises(ValueError, match="clamshel: no such protocol"):
        protocol_for(_item(protocol="clamshel"), protocols)


def test_the_plans_targets_drive_the_live_feedback(protocols) -> None:
    clam = protocols["clamshell"]  # template: TFL:GMed ≤ 0.6, GMed zone [20, 60] %MVC
    played = protocol_for(_item(targets=("TFL:GMed ≤ 0.45", "GMed ≥ 35 %MVC")), protocols)
    assert played.feedback.metric == clam.feedback.metric
    assert played.feedback.max_ratio == 0.45
    assert played.feedback.target_pct_mvc == (35.0, 60.0)  # the template's upper bound kept
    capped = protocol_for(_item(targets=("GMed ≥ 35 %MVC", "GMed ≤ 50 %MVC")), protocols)
    assert capped.feedback.target_pct_mvc == (35.0, 50.0) and capped.feedback.max_ratio == clam.feedback.max_ratio
    other_muscle = protocol_for(_item(targets=("GMax ≥ 35 %MVC",)), protocols)
    assert other_muscle.feedback == clam.feedback  # the feedback shows GMed: a GMax goal does not move it
    prone = protocol_for(_item(protocol="prone_hip_extension", targets=("glute max first", "symmetry <= 12 %")),
                         protocols)
    assert (prone.feedback.first, prone.feedback.before) == (Muscle.GLUTE_MAX, Muscle.LUMBAR_ES)
    assert prone.feedback.max_asymmetry_pct == 12.0
