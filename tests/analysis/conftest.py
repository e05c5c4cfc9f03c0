"""Simulated trials analysed once per test session (each takes ~0.5 s)."""

from functools import lru_cache

import pytest

from emgfeedback.analysis import analyze_trial
from emgfeedback.simulation import simulate


@lru_cache(maxsize=None)
def recording(scenario: str, seed: int = 0):
    # fast recruitment ramps: these tests check that the analysis turns onsets into the right
    # reps, orders, latencies and ratios; detector accuracy on gradual ramps is measured by
    # tests/dsp/test_onset_accuracy_independent.py and `emgfeedback bench --accuracy`
    return simulate(scenario, seed=seed, ramp="fast")


@lru_cache(maxsize=None)
def analysed(scenario: str, seed: int = 0):
    rec = recording(scenario, seed)
    return rec, analyze_trial(rec.data, rec.fs, rec.montage, source=f"{scenario}.edf")


@pytest.fixture
def trial():
    """``trial(scenario, seed=0) -> (SimulatedRecording, TrialResult)``, cached."""
    return analysed
