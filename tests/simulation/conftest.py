"""Shared simulated recordings for the simulator tests (computed once per run)."""

from __future__ import annotations

from typing import Callable

import pytest

from emgfeedback.simulation import Artefacts, SimulatedRecording, simulate


_CACHE: dict[tuple[str, int], SimulatedRecording] = {}


@pytest.fixture(scope="session")
def clean() -> Callable[[str], SimulatedRecording]:
    """``clean(name)``: the scenario at 20 dB, natural length, seed 3, without powerline, ECG or
    motion (each computed once per test session)."""

    def get(name: str, seed: int = 3) -> SimulatedRecording:
        if (name, seed) not in _CACHE:
            _CACHE[name, seed] = simulate(name, artefacts=Artefacts.none(), seed=seed)
        return _CACHE[name, seed]

    return get
