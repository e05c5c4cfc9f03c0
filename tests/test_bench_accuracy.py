"""The accuracy benchmark: scoring per recruitment-ramp class, firing order and latency, targets
and the report's per-class rows (no timing or accuracy-level assertions)."""

import json

import pytest

from emgfeedback.bench_accuracy import (
    TARGETS,
    check_targets,
    evaluate_recording,
    format_accuracy_table,
    match_onsets,
    ramp_class,
    run_accuracy,
    score_channel,
    score_order,
)
from emgfeedback.model import Muscle, Onset
from emgfeedback.settings import ProcessingSettings
from emgfeedback.simulation import simulate


@pytest.fixture(scope="module")
def result():
    # lbp-lumbar-first has fast (ES) and gradual (GMax) ramps and a firing order
    return run_accuracy(snrs=(20,), seeds=(0,), methods=("hodges",), scenarios=("lbp-lumbar-first",))


@pytest.fixture(scope="module")
def lbp():
    return simulate("lbp-lumbar-first", snr_db=20.0, seed=0)


def test_ramp_class_bounds():
    assert ramp_class(0.02) == ramp_class(0.05) == "fast"
    assert ramp_class(0.051) == ramp_class(0.4) == "gradual"
    assert ramp_class(0.5) == "slow"


def test_match_onsets_is_one_to_one_nearest_first():
    assert sorted(match_onsets([1.0, 2.0], [1.05, 1.02, 2.5], 0.1)) == [(0, 1)]
    assert match_onsets([], [1.0]) == []


def test_score_channel_splits_by_ramp_class():
    # true: 1.0 fast, 3.0 gradual, 5.0 gradual (missed); found: 1.004, 3.02, and a false one at 2.8
    out = score_channel([1.0, 3.0, 5.0], [0.03, 0.2, 0.3], [1.004, 2.8, 3.02], 0.1)
    assert out["fast"]["n_true"] == 1 and out["gradual"]["n_true"] == 2
    assert out["fast"]["errors_s"] == pytest.approx([0.004])
    assert out["gradual"]["errors_s"] == pytest.approx([0.02])
    assert out["fast"]["n_matched"] == 1 and out["gradual"]["n_matched"] == 1
    # the false detection at 2.8 is nearest the gradual burst at 3.0: it counts against gradual
    assert out["fast"]["n_found"] == 1 and out["gradual"]["n_found"] == 2


def test_false_detection_goes_to_nearest_true_burst_or_fast():
    # the false detection at 1.5 is nearest the fast burst (1.0), not the gradual one (3.0)
    out = score_channel([1.0, 3.0], [0.03, 0.2], [1.5], 0.1)
    assert out["fast"]["n_found"] == 1 and out["gradual"]["n_found"] == 0
    # a channel without true bursts: false detections count against fast
    out = score_channel([], [], [2.0, 4.0], 0.1)
    assert set(out) == {"fast"} and out["fast"]["n_found"] == 2 and out["fast"]["n_true"] == 0


def test_score_channel_needs_a_ramp_per_onset():
    with pytest.raises(ValueError, match="one ramp per true onset"):
        score_channel([1.0, 2.0], [0.1], [1.0])


def test_score_order_on_the_truth_and_on_a_swapped_order(lbp):
    truth = list(lbp.truth.onsets)
    s = score_order(lbp, truth)
    assert s["order_total"] >= 10 and s["order_correct"] == s["order_total"]
    assert s["latency_errors_s"] and max(abs(e) for e in s["latency_errors_s"]) < 1e-9
    # lumbar ES fires first; move every glute max onset 0.3 s earlier: order wrong, latency off by 0.3 s
    moved = [Onset(o.onset_s - 0.3, o.offset_s - 0.3, o.channel) if o.channel.startswith(Muscle.GLUTE_MAX.value)
             else o for o in truth]
    s = score_order(lbp, moved)
    assert s["order_correct"] == 0 and len(s["latency_errors_s"]) == s["order_total"] >= 10
    assert s["latency_errors_s"] == pytest.approx([-0.3] * len(s["latency_errors_s"]))
    # a rep where a muscle is missed counts as wrong
    s = score_order(lbp, [o for o in truth if not o.channel.startswith(Muscle.LUMBAR_ES.value)])
    assert s["order_total"] >= 10 and s["order_correct"] == 0 and s["latency_errors_s"] == []


def test_evaluate_recording_uses_the_settings(lbp):
    ok = evaluate_recording(lbp, stream=False)
    assert sum(p["n_matched"] for p in ok["classes"].values()) > 0
    # bursts must last 50 s: nothing is detected, so the settings reached the detector
    none = evaluate_recording(lbp, stream=False, settings=ProcessingSettings(min_burst_s=50.0))
    assert sum(p["n_found"] for p in none["classes"].values()) == 0


def test_rows_per_ramp_class_and_live_delay(result):
    rows = {(r["method"], r["snr_db"], r["ramp_class"]): r for r in result["rows"]}
    assert set(rows) == {("hodges", 20.0, c) for c in ("fast", "gradual", "all")}
    assert rows[("hodges", 20.0, "fast")]["n_true"] > 0 and rows[("hodges", 20.0, "gradual")]["n_true"] > 0
    assert rows[("hodges", 20.0, "all")]["n_true"] == (rows[("hodges", 20.0, "fast")]["n_true"]
                                                      + rows[("hodges", 20.0, "gradual")]["n_true"])
    for r in rows.values():
        assert r["live_delay_median_ms"] is not None and r["live_delay_median_ms"] > 0
    order = result["order"][0]
    assert order["n_reps_ordered"] > 0 and order["median_abs_latency_error_ms"] is not None


def test_targets_are_checked_per_method(result):
    checked = {(t["ramp_class"], t["snr_db"], t["metric"]) for t in result["targets"]}
    # only 20 dB was run: the 20 dB targets are checked, the 10 dB ones are not
    assert checked == {(c, s, m) for c, s, m, _, _ in TARGETS if s == 20.0}
    fake = {"methods": ["a"], "rows": [
        {"method": "a", "snr_db": 20.0, "ramp_class": "gradual", "median_abs_error_ms": 25.0,
         "recall": 0.99, "precision": None},
        {"method": "a", "snr_db": 20.0, "ramp_class": "fast", "median_abs_error_ms": 4.0}],
        "order": [{"method": "a", "snr_db": 20.0, "firing_order_correct_pct": 97.0,
                   "median_abs_latency_error_ms": 20.5}]}
    got = {(t["ramp_class"], t["metric"]): t["methods"]["a"]["pass"] for t in check_targets(fake)}
    assert got == {("gradual", "median_abs_error_ms"): False, ("gradual", "recall"): True,
                   ("gradual", "precision"): False, ("fast", "median_abs_error_ms"): True,
                   ("order", "firing_order_correct_pct"): True, ("order", "median_abs_latency_error_ms"): False}


def test_result_is_json_and_table_is_markdown(result):
    json.dumps(result, allow_nan=False)
    table = format_accuracy_table(result)
    for cls in ("fast", "gradual", "all"):
        assert f"| hodges | 20 | {cls} |" in table
    assert "| gradual: median abs err ≤ 20 ms | 20 |" in table
    assert "PASS" in table or "FAIL" in table
    assert f"`{result['command']}`" in table and "run_accuracy(" in result["command"]
    assert "independent generator: python benchmarks/bench_onset_ramps.py" in table.lower()
    assert "nearest true burst" in table


def test_unknown_method_rejected():
    with pytest.raises(ValueError, match="methods must be drawn from"):
        run_accuracy(methods=("magic",))
