"""Plan targets: the text grammar, the per-rep judge on stored rep dicts, and the templates'
feedback as targets (judged like rep_meets_target)."""

from __future__ import annotations

import math

import pytest

from emgfeedback.calibration import load_protocols
from emgfeedback.measures import RepMetrics, rep_meets_target
from emgfeedback.measures.targets import TARGET_METRICS, Target, parse_target, rep_meets, targets_from_protocol
from emgfeedback.model import FiringOrder, Muscle, Side
from emgfeedback.session.store import rep_fields


@pytest.mark.parametrize("text,expected", [
    ("TFL:GMed <= 0.6", Target("tfl_to_gmed", "<=", 0.6)),
    ("tfl:gmed ≤ .6", Target("tfl_to_gmed", "<=", 0.6)),
    ("TFL/GMed=<0.8", Target("tfl_to_gmed", "<=", 0.8)),
    ("glute max first", Target("glute_first")),
    ("  GMax   first ", Target("glute_first")),
    ("GMax >= 40 %MVC", Target("pct_mvc", ">=", 40.0, Muscle.GLUTE_MAX)),
    ("gluteus medius ≥ 25%", Target("pct_mvc", ">=", 25.0, Muscle.GLUTE_MED)),
    ("ES <= 30 % MVC", Target("pct_mvc", "<=", 30.0, Muscle.LUMBAR_ES)),
    ("symmetry <= 15%", Target("symmetry", "<=", 15.0)),
    ("GMed L/R symmetry ≤ 10 %", Target("symmetry", "<=", 10.0, Muscle.GLUTE_MED)),
    ("gmax-es <= -20 ms", Target("gmax_minus_es_ms", "<=", -20.0)),
    ("GMax − ES ≤ −20 ms", Target("gmax_minus_es_ms", "<=", -20.0)),
])
def test_parse_target_reads_the_documented_forms(text, expected) -> None:
    target = parse_target(text)
    assert target == expected
    assert parse_target(target.text) == target  # canonical text reads back


def test_canonical_and_plain_text() -> None:
    assert parse_target("tfl:gmed<=.6").text == "TFL:GMed ≤ 0.6"
    assert parse_target("gmax >= 40").text == "GMax ≥ 40 %MVC"
    assert parse_target("symmetry <= 15").text == "L/R symmetry ≤ 15 %"
    assert parse_target("gmax-es <= -20").text == "GMax − ES ≤ -20 ms"
    assert parse_target("glute first").text == "glute max first"
    plain = [parse_target(t).plain for t in ("TFL:GMed ≤ 0.6", "glute max first", "GMax ≥ 40 %MVC",
                                             "GMed symmetry ≤ 15", "GMax − ES ≤ -20 ms")]
    assert plain[0] == "the front hip muscle (TFL) works at most 0.6 times as hard as the side hip muscle"
    assert plain[2] == "the buttock muscle (gluteus maximus) reaches at least 40 % of its maximum"
    assert plain[4] == "the buttock muscle switches on at least 20 ms before the lower back muscles"
    for text in plain:  # no jargon in what the patient reads
        assert "GMax" not in text and "%MVC" not in text and "ES " not in text


@pytest.mark.parametrize("text,match", [
    ("TFL is low", r"cannot read target 'TFL is low'; write one of 'TFL:GMed ≤ 0.6', 'glute max first'"),
    ("TFL:GMed <= 20", r"target 'TFL:GMed <= 20': value of a tfl_to_gmed target must be a number from 0 to 10"),
    ("GMax >= 250 %MVC", r"from 0 to 200 %MVC, got 250"),
    ("", r"cannot read target ''"),
])
def test_bad_targets_are_one_line_errors(text, match) -> None:
    with pytest.raises(ValueError, match=match) as info:
        parse_target(text)
    assert "\n" not in str(info.value)


def test_target_checks_its_fields() -> None:
    with pytest.raises(ValueError, match="target metric must be one of"):
        Target("ratio", "<=", 1.0)
    with pytest.raises(ValueError, match="pct_mvc needs a muscle"):
        Target("pct_mvc", ">=", 40.0)
    with pytest.raises(ValueError, match="comparison of a symmetry target must be"):
        Target("symmetry", "<", 10.0)
    with pytest.raises(ValueError, match="takes no comparison"):
        Target("glute_first", "<=", 0.0)
    assert set(TARGET_METRICS) == {"tfl_to_gmed", "glute_first", "pct_mvc", "symmetry", "gmax_minus_es_ms"}


def _rep(side=None, sides=None, channels=None, symmetry=None) -> dict:
    return {"side": side, "sides": sides or {}, "channels": channels or {}, "symmetry": symmetry or {},
            "artefact": None, "protocol": "x"}


def test_rep_meets_judges_the_working_side_of_a_one_sided_rep() -> None:
    ratio = parse_target("TFL:GMed ≤ 0.6")
    rep = _rep("left", sides={"left": {"tfl_to_glute_ratio": 0.5}, "right": {"tfl_to_glute_ratio": 1.5}})
    assert rep_meets(ratio, rep) is True  # the right side does not work in a left clamshell
    assert rep_meets(ratio, _rep("right", sides=rep["sides"])) is False
    assert rep_meets(ratio, _rep(None, sides=rep["sides"])) is False  # both sides must meet it
    assert rep_meets(ratio, _rep("left", sides={"left": {"tfl_to_glute_ratio": None}})) is None


def test_rep_meets_latency_pct_mvc_and_symmetry() -> None:
    first = parse_target("glute max first")
    early = _rep(sides={"left": {"gmax_minus_es_ms": -30.0}, "right": {"gmax_minus_es_ms": -5.0}})
    assert rep_meets(first, early) is True
    assert rep_meets(parse_target("gmax-es <= -20 ms"), early) is False  # right only 5 ms early
    assert rep_meets(parse_target("gmax-es <= -5 ms"), early) is True
    late = _rep(sides={"left": {"gmax_minus_es_ms": 12.0}, "right": {"gmax_minus_es_ms": None}})
    assert rep_meets(first, late) is False
    assert rep_meets(first, _rep(sides={"left": {"gmax_minus_es_ms": None}})) is None  # ES did not fire
    pct = parse_target("GMax ≥ 40 %MVC")
    chans = {"glute_max_left": {"peak_pct_mvc": 45.0}, "glute_max_right": {"peak_pct_mvc": 35.0}}
    assert rep_meets(pct, _rep("left", channels=chans)) is True
    assert rep_meets(pct, _rep(channels=chans)) is False
    assert rep_meets(pct, _rep(channels={"glute_max_left": {"peak_pct_mvc": None}})) is None
    sym = parse_target("GMed symmetry ≤ 15")
    assert rep_meets(sym, _rep(symmetry={"glute_med": -12.0})) is True  # |index|
    assert rep_meets(sym, _rep(symmetry={"glute_med": -18.0})) is False
    assert rep_meets(sym, _rep(symmetry={"glute_max": 50.0})) is None
    assert rep_meets(parse_target("symmetry ≤ 15"), _rep(symmetry={"glute_max": 50.0, "glute_med": 1.0})) is False
    assert rep_meets(parse_target("symmetry ≤ 15"), _rep(symmetry={"glute_med": math.nan})) is None


def test_templates_become_targets_judged_like_rep_meets_target() -> None:
    protocols = load_protocols()
    texts = {pid: tuple(t.text for t in targets_from_protocol(p)) for pid, p in protocols.items()}
    assert texts["clamshell"] == ("TFL:GMed ≤ 0.6",)
    assert texts["bridge"] == ("GMax ≥ 30 %MVC", "GMax ≤ 70 %MVC")
    assert texts["prone_hip_extension"] == ("glute max first",)
    uv = {"glute_max_left": 20.0, "glute_max_right": 20.0}
    fo = {s: FiringOrder(s, (Muscle.GLUTE_MAX, Muscle.LUMBAR_ES), (1.0, 1.05)) for s in Side}
    reps = [
        RepMetrics(0, 1.0, 3.0, (1.5, 2.5), side=Side.LEFT, tfl_to_glute_ratio={Side.LEFT: 0.5}),
        RepMetrics(1, 1.0, 3.0, (1.5, 2.5), side=Side.LEFT, tfl_to_glute_ratio={Side.LEFT: 0.7}),
        RepMetrics(2, 1.0, 3.0, (1.5, 2.5), firing_order=fo, gmax_minus_es_ms={s: -50.0 for s in Side}),
        RepMetrics(3, 1.0, 3.0, (1.5, 2.5), mean_uv=uv, peak_pct_mvc={"glute_max_left": 50.0, "glute_max_right": 80.0}),
        RepMetrics(4, 1.0, 3.0, (1.5, 2.5), mean_uv=uv, peak_pct_mvc={"glute_max_left": 50.0, "glute_max_right": 40.0}),
    ]
    for pid in ("clamshell", "prone_hip_extension", "bridge"):
        targets = targets_from_protocol(protocols[pid])
        for rep in reps:
            stored = rep_fields(rep)  # what SessionDatabase.add_rep stores
            judged = [rep_meets(t, stored) for t in targets]
            ours = None if all(j is None for j in judged) else all(j is not False for j in judged)
            assert ours == rep_meets_target(rep, protocols[pid]), (pid, rep.index)
