"""A patient part-way to recovery: a scenario interpolated toward its healthy counterpart.

``recovered(get_scenario("lbp-lumbar-first"), 0.5)`` is the low-back-pain pattern half-way to
``healthy``: every muscle's amplitude (µV), onset delay (s) and recruitment ramp (duration s,
exponent) move linearly from the scenario's value (fraction 0) to the counterpart's (fraction 1).
So a series of visits with rising fraction shows glute timing improving (``sim://?recovery=F``).
"""

from __future__ import annotations

import math
from dataclasses import replace

from emgfeedback.model import Muscle, Side
from emgfeedback.simulation.scenarios import SCENARIOS, Activation, Scenario

__all__ = ["RECOVERS_TO", "recovered"]

#: Scenario name -> the healthy pattern it recovers to (``"symmetric"``: the left side becomes
#: like the right one). Healthy scenarios are their own recovered state.
RECOVERS_TO: dict[str, str] = {
    "lbp-lumbar-first": "healthy",
    "tfl-dominant-clamshell": "healthy-clamshell",
    "left-glute-inhibition": "symmetric",
    "healthy": "healthy",
    "healthy-clamshell": "healthy-clamshell",
}


def _symmetric(sc: Scenario) -> Scenario:
    """``sc`` with every left-only activation replaced by its right-side values."""
    right = {a.muscle: a for a in sc.activations if a.side is Side.RIGHT}
    acts = tuple(replace(right[a.muscle], side=Side.LEFT) if a.side is Side.LEFT and a.muscle in right else a
                 for a in sc.activations)
    return replace(sc, activations=acts)


def _mix(a: float, b: float, f: float) -> float:
    return a + (b - a) * f


def _blend(start: "Activation | None", end: "Activation | None", f: float) -> "Activation | None":
    """One muscle's activation ``f`` of the way from ``start`` to ``end`` (either may be absent:
    the amplitude then grows from, or fades to, 0 µV with the other's timing)."""
    a = start or replace(end, amplitude_uv=0.0)  # type: ignore[arg-type]
    b = end or replace(start, amplitude_uv=0.0)  # type: ignore[arg-type]
    amp = _mix(a.amplitude_uv, b.amplitude_uv, f)
    if amp <= 0.0:
        return None
    return Activation(
        a.muscle, amp, _mix(a.delay_s, b.delay_s, f), a.side,
        fatigue_mdf_pct=_mix(a.fatigue_mdf_pct, b.fatigue_mdf_pct, f),
        fatigue_amp_pct=_mix(a.fatigue_amp_pct, b.fatigue_amp_pct, f),
        ramp_s=_mix(a.ramp_s, b.ramp_s, f), ramp_p=_mix(a.ramp_p, b.ramp_p, f),
    )


def recovered(scenario: Scenario, fraction: float) -> Scenario:
    """``scenario`` moved ``fraction`` of the way toward its healthy counterpart.

    Parameters
    ----------
    scenario : Scenario
        A built-in scenario (see ``RECOVERS_TO`` for the pairs).
    fraction : float
        0 = the scenario as it is, 1 = its healthy counterpart; in between, each muscle's
        amplitude (µV), onset delay (s) and ramp (s, exponent) are interpolated linearly.
        The rep timing (lead-in, hold, rest, sides) stays the scenario's.

    Returns
    -------
    Scenario
        Named ``"<name> (recovery F)"`` (the scenario itself when ``fraction`` is 0).

    Raises
    ------
    ValueError
        ``fraction`` outside 0–1, or a scenario with no healthy counterpart (one line).
    """
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not (
            math.isfinite(fraction) and 0.0 <= fraction <= 1.0):
        raise ValueError(f"recovery must be a fraction between 0 and 1, got {fraction!r}")
    if fraction == 0.0:
        return scenario
    target_name = RECOVERS_TO.get(scenario.name)
    if target_name is None:
        known = ", ".join(k for k, v in RECOVERS_TO.items() if k != v)
        raise ValueError(f"scenario {scenario.name} has no healthy counterpart to recover to "
                         f"(recovery works with {known})")
    target = _symmetric(scenario) if target_name == "symmetric" else SCENARIOS[target_name]
    ends = {(a.muscle, a.side): a for a in target.activations}
    starts = {(a.muscle, a.side): a for a in scenario.activations}
    keys = list(starts) + [k for k in ends if k not in starts]
    acts = tuple(b for k in keys if (b := _blend(starts.get(k), ends.get(k), float(fraction))) is not None)
    lat = _latency_ms(acts)
    change = f"; GMax − ES latency {lat:+.0f} ms" if lat is not None else ""
    return replace(
        scenario, name=f"{scenario.name} (recovery {fraction:g})", activations=acts,
        description=(f"{scenario.description} Here {fraction * 100:.0f} % recovered toward "
                     f"{target_name if target_name != 'symmetric' else 'a symmetric pattern'}: "
                     f"amplitudes, delays and ramps interpolated{change}."),
    )


def _latency_ms(acts: tuple[Activation, ...]) -> "float | None":
    """Onset of glute max minus onset of lumbar ES (both sides alike), ms; None unless both fire."""
    delay = {a.muscle: a.delay_s for a in acts if a.side is None}
    if Muscle.GLUTE_MAX in delay and Muscle.LUMBAR_ES in delay:
        return (delay[Muscle.GLUTE_MAX] - delay[Muscle.LUMBAR_ES]) * 1000.0
    return None
