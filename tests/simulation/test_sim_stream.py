"""Determinism, seamless streaming and bounded memory of the simulator."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from emgfeedback.model import Montage
from emgfeedback.simulation import LiveSimulator, list_scenarios, simulate


@pytest.mark.parametrize("name", list_scenarios())
def test_same_seed_gives_identical_samples_and_truth(name: str) -> None:
    a = simulate(name, duration_s=8.0, seed=11)
    b = simulate(name, duration_s=8.0, seed=11)
    assert np.array_equal(a.data, b.data)
    assert a.truth == b.truth


def test_different_seed_differs() -> None:
    a = simulate("healthy", duration_s=8.0, seed=1)
    b = simulate("healthy", duration_s=8.0, seed=2)
    assert a.data.shape == b.data.shape
    assert not np.allclose(a.data, b.data)
    assert a.truth.onsets[0].onset_s != b.truth.onsets[0].onset_s


def test_output_contract() -> None:
    rec = simulate("healthy", duration_s=5.0, fs=1000.0)
    assert rec.data.shape == (8, 5000)
    assert rec.data.dtype == np.float64
    assert np.all(np.isfinite(rec.data))
    assert rec.montage == Montage.default()
    assert rec.duration_s == pytest.approx(5.0)


def test_odd_chunks_equal_one_read() -> None:
    n = 7 * 1000 + 13  # several 0.5 s tiles and a ragged end
    whole = LiveSimulator("lbp-lumbar-first", seed=5).read(n)
    live = LiveSimulator("lbp-lumbar-first", seed=5)
    sizes = [1, 7, 999, 1000, 1001, 0, 333, 4093, 2]
    parts, got = [], 0
    i = 0
    while got < n:
        k = min(sizes[i % len(sizes)], n - got)
        parts.append(live.read(k))
        got += k
        i += 1
    assert live.samples_read == n
    assert np.array_equal(np.concatenate(parts, axis=1), whole)


def test_simulate_is_the_live_stream_read_in_one_go() -> None:
    rec = simulate("healthy", duration_s=30.0, seed=4)
    live = LiveSimulator("healthy", seed=4)
    # reps that fit in 30 s are identical; compare the first 20 s
    n = int(20 * rec.fs)
    assert np.array_equal(live.read(n), rec.data[:, :n])
    assert [o for o in rec.truth.onsets if o.onset_s < 20] == live.truth_onsets_between(0.0, 20.0)


def test_live_stream_keeps_repeating_reps() -> None:
    live = LiveSimulator("healthy", fs=1000.0)
    t = 3600.0  # an hour in
    onsets = live.truth_onsets_between(t, t + 60.0)
    period = 60.0 / len({round(o.onset_s, 0) for o in onsets if o.channel == "glute_max_left"})
    assert 4 <= len([o for o in onsets if o.channel == "glute_max_left"]) <= 20
    assert 3.0 < period < 15.0
    assert all(t <= o.onset_s < t + 60.0 for o in onsets)


def test_live_memory_is_bounded_over_many_reads() -> None:
    live = LiveSimulator("tfl-dominant-clamshell", fs=2000.0, seed=9)
    for _ in range(200):  # warm up: caches, first tiles
        live.read(20)
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    for _ in range(6000):  # 120 s more in 10 ms blocks
        live.read(20)
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert current - base < 256 * 1024, f"grew by {current - base} bytes"


def test_live_accessors() -> None:
    m = Montage.from_names(["GMax L", "ES L"])
    live = LiveSimulator("healthy", fs=1500.0, montage=m, mains_hz=60.0)
    assert live.fs == 1500.0
    assert live.montage is m
    assert live.scenario == "healthy"
    assert live.read(30).shape == (2, 30)
    assert live.t_s == pytest.approx(0.02)
    assert live.read(0).shape == (2, 0)


def test_montage_subset_keeps_only_those_channels_in_truth() -> None:
    m = Montage.from_names(["ES R", "GMax R"])
    rec = simulate("healthy", duration_s=10.0, montage=m)
    assert rec.data.shape[0] == 2
    assert {o.channel for o in rec.truth.onsets} == {"lumbar_es_right", "glute_max_right"}
    assert set(rec.truth.amplitude_uv) == {"lumbar_es_right", "glute_max_right"}
