"""``bench --ui`` logic, run tiny: the report has the fields the lead's command prints."""

from __future__ import annotations

import json

import numpy as np
import pytest

from emgfeedback.app.bench_ui import format_ui_report, run_ui_benchmark
from emgfeedback.app.traces import peak_decimate


def test_ui_benchmark_short_run() -> None:
    r = run_ui_benchmark(1.0, hour_s=30.0)
    json.dumps(r)
    assert r["frames"] > 3 and r["fps"] > 3
    assert 0 < r["ui_ms_p50"] <= r["ui_ms_p95"] <= r["ui_ms_max"]
    assert r["latency_ms_p50"] > 0
    assert r["hour_stream_s"] >= 30.0 and "memory_growth_mb" in r
    text = format_ui_report(r)
    assert "frames per second" in text and "p95" in text and "growth" in text


def test_ui_benchmark_arguments() -> None:
    with pytest.raises(ValueError, match="duration_s must be a positive number of seconds, got 0"):
        run_ui_benchmark(0)
    with pytest.raises(ValueError, match="hour_s must be >= 0 s, got -1"):
        run_ui_benchmark(1.0, hour_s=-1)


def test_peak_decimate_keeps_peaks() -> None:
    x = np.zeros((2, 20000))
    x[0, 12345] = 500.0
    x[1, 777] = -300.0
    d = peak_decimate(x, 2000)
    assert d.shape == (2, 2000)
    assert d[0].max() == 500.0 and d[1].min() == -300.0
    assert peak_decimate(x[:, :100], 2000) is not None and peak_decimate(x[:, :100], 2000).shape == (2, 100)
