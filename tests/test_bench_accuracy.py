"""The accuracy benchmark on short recordings: the default detector meets issue 3's targets at 20 dB."""

import json

import pytest

from emgfeedback.bench_accuracy import TARGETS, format_accuracy_table, match_onsets, run_accuracy


@pytest.fixture(scope="module")
def result():
    return run_accuracy(snrs=(20,), seeds=(0,), methods=("hodges",),
                        scenarios=("healthy", "lbp-lumbar-first", "tfl-dominant-clamshell"))


def test_default_detector_meets_targets_at_20_db(result):
    s = result["summary"][0]
    assert s["n_true"] >= 40
    assert s["median_abs_error_ms"] <= TARGETS["median_abs_error_ms@20"]
    assert s["recall"] >= TARGETS["recall@20"]
    assert s["precision"] >= TARGETS["precision@20"]
    assert s["firing_order_correct_pct"] >= TARGETS["firing_order_correct_pct@20"]
    assert s["n_reps_ordered"] >= 8
    assert s["ratio_error_pct"] <= TARGETS["ratio_error_pct"]
    assert s["stream_delay_median_ms"] <= TARGETS["stream_delay_median_ms"]


def test_firing_order_truth_differs_between_scenarios(result):
    rows = {r["scenario"]: r for r in result["rows"]}
    # both prone scenarios are scored (one glute-first, one lumbar-first), the clamshell has no order
    assert rows["healthy"]["firing_order_correct_pct"] is not None
    assert rows["lbp-lumbar-first"]["firing_order_correct_pct"] is not None
    assert rows["tfl-dominant-clamshell"]["firing_order_correct_pct"] is None
    assert rows["tfl-dominant-clamshell"]["ratio_error_pct"] is not None


def test_result_is_json_and_table_is_markdown(result):
    json.dumps(result, allow_nan=False)
    table = format_accuracy_table(result)
    assert "| hodges | all | 20 |" in table and "| hodges | healthy | 20 |" in table


def test_match_onsets_is_one_to_one_nearest_first():
    assert sorted(match_onsets([1.0, 2.0], [1.05, 1.02, 2.5], 0.1)) == [(0, 1)]
    assert match_onsets([], [1.0]) == []


def test_unknown_method_rejected():
    with pytest.raises(ValueError, match="methods must be drawn from"):
        run_accuracy(methods=("magic",))
