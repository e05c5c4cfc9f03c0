"""Shared simulated recordings for the simulator tests (computed once per run)."""

from __future__ import annotations

from typing import Callable

import pytest

from emgfeedback.simulation import Artefacts, SimulatedRecording, simulate


_CACHE: dict[tuple[str, int, "str | float"], SimulatedRecording] = {}


@pytest.fixture(scope="session")
def clean() -> Callable[..., SimulatedRecording]:
    """``clean(name, seed=3, ramp="scenario")``: the scenario at 20 dB, natural length, without
    powerline, ECG or motion (each computed once per test session). ``ramp="fast"`` for the short
    linear rises (for tests of timing that a gradual recruitment ramp would blur)."""

    def get(name: str, seed: int = 3, ramp: "str | float" = "scenario") -> SimulatedRecording:
        if (name, seed, ramp) not in _CACHE:
            _CACHE[name, seed, ramp] = simulate(name, artefacts=Artefacts.none(), seed=seed, ramp=ramp)
        return _CACHE[name, seed, ramp]

    return get
