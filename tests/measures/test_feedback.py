"""Feedback metrics are registered by name: the built-in judges and a plug-in metric that the
protocol loader and rep_meets_target accept with one registration."""

import dataclasses
from pathlib import Path

import pytest

from emgfeedback.calibration import load_protocol, load_protocols
from emgfeedback.errors import ConfigError
from emgfeedback.measures import (
    RepMetrics,
    feedback_metrics,
    register_feedback_metric,
    rep_meets_target,
    unregister_feedback_metric,
)
from emgfeedback.model import FiringOrder, Muscle, Side

CLAMSHELL = Path(__file__).resolve().parents[2] / "calibration" / "protocols" / "clamshell.toml"


def _rep(**kw) -> RepMetrics:
    return RepMetrics(0, 1.0, 3.0, (1.5, 2.5), **kw)


def test_builtins_are_registered_and_judge_reps() -> None:
    assert {"percent_mvc", "tfl_to_glute_ratio", "firing_order", "symmetry"} <= set(feedback_metrics())
    protocols = load_protocols()
    clam = protocols["clamshell"]  # TFL/GMed ≤ 0.6 on the working side
    assert rep_meets_target(_rep(side=Side.LEFT, tfl_to_glute_ratio={Side.LEFT: 0.5}), clam) is True
    assert rep_meets_target(_rep(side=Side.LEFT, tfl_to_glute_ratio={Side.LEFT: 0.9}), clam) is False
    assert rep_meets_target(_rep(side=Side.LEFT), clam) is None  # no ratio: cannot judge
    prone = protocols["prone_hip_extension"]  # glute max before lumbar ES
    fo = {s: FiringOrder(s, (Muscle.GLUTE_MAX, Muscle.LUMBAR_ES), (1.0, 1.05)) for s in Side}
    assert rep_meets_target(_rep(firing_order=fo), prone) is True
    late = dict(fo, **{Side.RIGHT: FiringOrder(Side.RIGHT, (Muscle.LUMBAR_ES, Muscle.GLUTE_MAX), (1.0, 1.05))})
    assert rep_meets_target(_rep(firing_order=late), prone) is False
    assert rep_meets_target(_rep(), None) is None


def test_a_plugin_metric_is_one_function_and_one_registration(tmp_path) -> None:
    text = CLAMSHELL.read_text(encoding="utf-8").replace('metric = "tfl_to_glute_ratio"', 'metric = "short_rep"')
    text = text.replace("max_ratio = 0.6\n", "")
    path = tmp_path / "clamshell.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="feedback.metric.*got 'short_rep'"):
        load_protocol(path)
    register_feedback_metric("short_rep", lambda rep, fb, sides: rep.duration_s < 3.0, "reps under 3 s")
    try:
        protocol = load_protocol(path)
        assert protocol.feedback.metric == "short_rep"
        assert rep_meets_target(_rep(), protocol) is True
        assert rep_meets_target(dataclasses.replace(_rep(), end_s=9.0), protocol) is False
    finally:
        unregister_feedback_metric("short_rep")
    assert "short_rep" not in feedback_metrics()


def test_near_miss_metric_names_get_did_you_mean(tmp_path) -> None:
    path = tmp_path / "clamshell.toml"
    path.write_text(CLAMSHELL.read_text(encoding="utf-8").replace('"tfl_to_glute_ratio"', '"tfl_to_glute_ration"'),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=r"did you mean 'tfl_to_glute_ratio'\?"):
        load_protocol(path)
