"""Progress across visits from stored rep dicts: per-session medians over counted reps, working
sides only, reps on target, trend series with goal lines, and the flat CSV table."""

from __future__ import annotations

import math

import pytest

from emgfeedback.measures.progress import Trend, progress_rows, session_progress, trend_series
from emgfeedback.measures.targets import parse_target


def _rep(protocol="prone_hip_extension", side=None, artefact=None, lat=None, ratio=None, peaks=None, sym=None):
    sides = {}
    for s in ("left", "right"):
        if (lat and s in lat) or (ratio and s in ratio):
            sides[s] = {"gmax_minus_es_ms": (lat or {}).get(s), "tfl_to_glute_ratio": (ratio or {}).get(s)}
    return {"protocol": protocol, "side": side, "artefact": artefact, "sides": sides,
            "channels": {ch: {"peak_pct_mvc": v} for ch, v in (peaks or {}).items()}, "symmetry": sym or {}}


def test_medians_count_only_counted_reps_on_their_working_side() -> None:
    reps = [
        _rep(side="left", lat={"left": -40.0, "right": 90.0}),
        _rep(side="left", lat={"left": -20.0}),
        _rep(side="left", lat={"left": 10.0}),
        _rep(side="right", lat={"right": 30.0, "left": -500.0}),
        _rep(side="left", lat={"left": -900.0}, artefact="too short"),  # flagged: not counted
        _rep(lat={"left": None, "right": None}),  # ES did not fire: no latency
    ]
    p = session_progress(7, "2026-03-02T10:15:00", reps, protocols=["prone_hip_extension"])
    assert (p.session_id, p.date, p.n_reps, p.n_artefacts) == (7, "2026-03-02", 5, 1)
    assert p.gmax_minus_es_ms == {"left": -20.0, "right": 30.0}
    assert p.glute_first_pct["left"] == pytest.approx(200 / 3)
    assert p.glute_first_pct["right"] == 0.0
    assert p.reps_by_protocol == {"prone_hip_extension": 5}


def test_ratio_pct_mvc_symmetry_per_protocol_channel_and_muscle() -> None:
    reps = [
        _rep("clamshell", "left", ratio={"left": 0.5, "right": 2.0}, peaks={"glute_med_left": 40.0, "glute_med_right": 5.0}),
        _rep("clamshell", "left", ratio={"left": 0.7}, peaks={"glute_med_left": 50.0}),
        _rep("clamshell", "right", ratio={"right": 0.9}),
        _rep("bridge", None, peaks={"glute_max_left": 30.0, "glute_max_right": 40.0}, sym={"glute_max": -25.0}),
        _rep("bridge", None, peaks={"glute_max_left": 50.0, "glute_max_right": 60.0}, sym={"glute_max": -15.0}),
        _rep("clamshell", "left", sym={"glute_med": 150.0}),  # one side working: no symmetry
    ]
    p = session_progress(1, "2026-03-02T10:00:00", reps)
    assert p.tfl_to_gmed == {"clamshell": {"left": 0.6, "right": 0.9}}
    assert p.pct_mvc == {"glute_max_left": 40.0, "glute_med_left": 45.0, "glute_max_right": 50.0}
    assert p.symmetry_pct == {"glute_max": 20.0}
    assert math.isnan(p.gmax_minus_es_ms["left"])


def test_reps_on_target_use_every_target_of_the_protocol() -> None:
    targets = {"clamshell": (parse_target("TFL:GMed ≤ 0.6"), parse_target("GMed ≥ 40 %MVC"))}
    reps = [
        _rep("clamshell", "left", ratio={"left": 0.5}, peaks={"glute_med_left": 45.0}),  # meets both
        _rep("clamshell", "left", ratio={"left": 0.5}, peaks={"glute_med_left": 30.0}),  # too weak
        _rep("clamshell", "left", ratio={"left": 0.8}),  # TFL too high
        _rep("clamshell", "left", ratio={"left": 0.4}),  # ratio met, %MVC unknown: counts as met
        _rep("clamshell", "left"),  # nothing to judge: left out
        _rep("bridge", None, peaks={"glute_max_left": 10.0}),  # no targets for bridge
    ]
    p = session_progress(1, "2026-03-02T10:00:00", reps, targets=targets)
    assert p.on_target_pct == {"clamshell": 50.0}


def _visits():
    out = []
    for i, (lat, ratio) in enumerate([(60.0, 1.1), (10.0, 0.8), (-35.0, 0.5)]):
        reps = [_rep("prone_hip_extension", side, lat={side: lat + d}) for side in ("left", "right") for d in (-5, 5)]
        reps += [_rep("clamshell", "left", ratio={"left": ratio}, peaks={"glute_med_left": 20.0 + 10 * i})]
        out.append(session_progress(10 + i, f"2026-03-{1 + 7 * i:02d}T09:00:00", reps,
                                    mvc={"glute_max_left": 200.0}, mvc_measured_at="2026-03-01T09:01:00",
                                    notes={"pain": 6 - 2 * i, "rpe": 3.0, "text": "=HYPERLINK()" if i else "ok"},
                                    targets={"clamshell": (parse_target("TFL:GMed ≤ 0.6"),)},
                                    recordings=[f"/r/{i}.edf"]))
    return out


def test_trend_series_follow_the_sessions_with_goal_lines() -> None:
    history = _visits()
    targets = {"clamshell": (parse_target("TFL:GMed ≤ 0.6"), parse_target("GMed ≥ 25 %MVC")),
               "prone_hip_extension": (parse_target("glute max first"),)}
    trends = {t.key: t for t in trend_series(history, targets, names={"clamshell": "Clamshell"})}
    lat = trends["gmax_minus_es_ms.left"]
    assert lat.values == (60.0, 10.0, -35.0) and lat.goal == 0.0 and lat.better == "lower"
    assert lat.label == "GMax − ES latency, left (ms; negative = glute max first)"
    assert lat.dates == ("2026-03-01", "2026-03-08", "2026-03-15")
    assert lat.first_last == (60.0, -35.0) and lat.change == "better"
    assert Trend("k", "k", "ms", ("a", "b"), (1.0, 2.0), None, "lower").change == "worse"
    assert Trend("k", "k", "ms", ("a", "b", "c"), (2.0, math.nan, 3.0), None, "higher").change == "better"
    assert Trend("k", "k", "ms", ("a", "b"), (math.nan, 2.0), None, "higher").change is None
    assert trends["glute_first_pct.right"].values == (0.0, 0.0, 100.0)
    ratio = trends["tfl_to_gmed.clamshell.left"]
    assert ratio.values == (1.1, 0.8, 0.5) and ratio.goal == 0.6 and ratio.label == "TFL:GMed ratio, Clamshell, left"
    assert "tfl_to_gmed.clamshell.right" not in trends  # never measured
    assert trends["pct_mvc.glute_med_left"].goal == 25.0 and trends["pct_mvc.glute_med_left"].label == "GMed L peak (%MVC)"
    assert trends["on_target_pct.clamshell"].values == (0.0, 0.0, 100.0)
    precise = trend_series(history, {"prone_hip_extension": (parse_target("gmax-es <= -20 ms"),)})
    assert next(t for t in precise if t.key == "gmax_minus_es_ms.left").goal == -20.0
    assert all(t.goal is None for t in trend_series(history))


def test_a_goal_that_differs_between_exercises_draws_no_line() -> None:
    targets = {"clamshell": (parse_target("GMed ≥ 25 %MVC"),), "lunge": (parse_target("GMed ≥ 40 %MVC"),)}
    trend = next(t for t in trend_series(_visits(), targets) if t.key == "pct_mvc.glute_med_left")
    assert trend.goal is None


def test_progress_rows_one_row_per_session() -> None:
    header, rows = progress_rows(_visits())
    assert header[:7] == ["session_id", "date", "started_at", "protocols", "n_reps", "n_artefacts", "mvc_measured_at"]
    assert header[-4:] == ["pain", "rpe", "notes", "recordings"]
    assert "mvc_uv.glute_max_left" in header and "gmax_minus_es_ms.right" in header
    assert [r["gmax_minus_es_ms.left"] for r in rows] == [60.0, 10.0, -35.0]
    assert [r["pain"] for r in rows] == [6, 4, 2]
    assert rows[0]["recordings"] == "/r/0.edf" and rows[0]["mvc_uv.glute_max_left"] == 200.0
    assert "tfl_to_gmed.clamshell.right" not in header  # never measured: no column
    assert set(rows[0]) == set(header)


def test_pct_mvc_better_is_higher_for_glutes_lower_for_compensators() -> None:
    reps = [[_rep("prone_hip_extension", None, peaks={"glute_max_left": g, "lumbar_es_left": e, "tfl_left": t})]
            for g, e, t in ((30.0, 60.0, 40.0), (50.0, 35.0, 20.0))]
    history = [session_progress(i, f"2026-03-0{i + 1}T09:00:00", r) for i, r in enumerate(reps)]
    trends = {t.key: t for t in trend_series(history)}
    assert trends["pct_mvc.glute_max_left"].change == "better"
    assert trends["pct_mvc.lumbar_es_left"].change == "better"  # the lower back working less
    assert trends["pct_mvc.tfl_left"].change == "better"
