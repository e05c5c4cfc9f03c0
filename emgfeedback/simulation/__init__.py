"""Physiological sEMG simulator with ground truth.

``simulate(scenario, ...)`` returns a whole :class:`SimulatedRecording`; ``LiveSimulator`` streams
the same signal forever (for ``sim://`` and the live view). See docs/simulator.md; recruitment
ramps (``ramp="scenario" | "fast" | scale``) in docs/simulation.md.
"""

from emgfeedback.simulation._artefacts import Artefacts
from emgfeedback.simulation.generator import LiveSimulator, simulate
from emgfeedback.simulation.scenarios import (
    Activation,
    Scenario,
    describe,
    get_scenario,
    list_scenarios,
    parse_ramp,
)
from emgfeedback.simulation.truth import GroundTruth, Ramp, Rep, SimulatedRecording

__all__ = [
    "simulate",
    "LiveSimulator",
    "list_scenarios",
    "describe",
    "get_scenario",
    "parse_ramp",
    "Artefacts",
    "Activation",
    "Scenario",
    "GroundTruth",
    "Ramp",
    "Rep",
    "SimulatedRecording",
]
