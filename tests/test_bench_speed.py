"""Smoke test of the speed benchmark code: short signal, keys and sanity, no timing targets."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from emgfeedback.bench import format_speed_report, offline_analysis, run_speed_benchmark, soak
from emgfeedback.model import Muscle, Side
from emgfeedback.settings import ProcessingSettings
from emgfeedback.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def result() -> dict:
    return run_speed_benchmark(duration_s=6.0, repeats=1, memory_s=3.0)


def test_result_has_the_keys_the_issue_asks_for(result: dict) -> None:
    for key in ("offline_ratio_to_limit", "streaming_ratio_to_bare", "realtime_factor",
                "block_latency_p99_ms", "block_latency_p50_ms", "bare_offline_realtime_factor",
                "offline_realtime_factor", "bare_streaming_realtime_factor",
                "memory_peak_growth_kb", "memory_net_growth_kb"):
        assert isinstance(result[key], float) and math.isfinite(result[key]), key
    assert result["n_blocks"] == 600 and result["block_samples"] == 20 and result["n_channels"] == 8
    json.dumps(result)  # JSON-ready


def test_figures_are_consistent(result: dict) -> None:
    r = result
    assert r["realtime_factor"] == pytest.approx(r["duration_s"] / r["pipeline_s"])
    assert r["offline_ratio_to_limit"] == pytest.approx(r["bare_offline_s"] / r["offline_analysis_s"])
    assert r["streaming_ratio_to_bare"] == pytest.approx(r["bare_streaming_s"] / r["pipeline_s"])
    assert 0 < r["block_latency_p50_ms"] <= r["block_latency_p99_ms"] <= r["block_latency_max_ms"]
    assert r["block_cpu_p50_ms"] > 0


def test_report_mentions_each_stage_and_target(result: dict) -> None:
    text = format_speed_report(result)
    for needle in ("(a) bare scipy offline", "(b) offline analysis", "(c) bare scipy streaming",
                   "(d) OnlinePipeline", "offline_ratio_to_limit", "streaming_ratio_to_bare",
                   "p99", "target ≥ 0.5"):
        assert needle in text


def test_offline_analysis_is_the_product_analysis() -> None:
    rec = simulate("healthy", 20.0, seed=1)
    out = offline_analysis(rec.data, rec.fs, rec.montage)
    assert out.settings == ProcessingSettings() and len(out.reps) >= 3
    for side in Side:
        ss = out.sides[side]
        assert ss.first_to_fire is Muscle.GLUTE_MAX and ss.gmax_minus_es_ms < 0  # glute max earlier


def test_soak_reports_rss_growth() -> None:
    rec = simulate("healthy", 4.0, seed=0)
    out = soak(rec.data, rec.fs, rec.montage, hours=20.0 / 3600.0)
    assert out["soak_hours"] == pytest.approx(20.0 / 3600.0) and out["soak_wall_s"] > 0
    assert "soak_rss_growth_mb" in out


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="duration_s must be a positive"):
        run_speed_benchmark(duration_s=0.0)
    with pytest.raises(ValueError, match="duration_s must be at least 6 s"):
        run_speed_benchmark(duration_s=3.0)
    with pytest.raises(ValueError, match="repeats must be at least 1"):
        run_speed_benchmark(duration_s=6.0, repeats=0)


def test_script_runs_with_one_command() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_speed.py"), "--duration", "6",
         "--repeats", "1", "--json"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["duration_s"] == pytest.approx(6.0)
