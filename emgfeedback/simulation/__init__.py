"""Physiological sEMG simulator with ground truth.

``simulate(scenario, ...)`` returns a whole :class:`SimulatedRecording`; ``LiveSimulator`` streams
the same signal forever (for ``sim://`` and the live view). See docs/simulator.md.
"""

from emgfeedback.simulation._artefacts import Artefacts
from emgfeedback.simulation.generator import LiveSimulator, simulate
from emgfeedback.simulation.scenarios import Activation, Scenario, describe, get_scenario, list_scenarios
from emgfeedback.simulation.truth import GroundTruth, Rep, SimulatedRecording

__all__ = [
    "simulate",
    "LiveSimulator",
    "list_scenarios",
    "describe",
    "get_scenario",
    "Artefacts",
    "Activation",
    "Scenario",
    "GroundTruth",
    "Rep",
    "SimulatedRecording",
]
