"""When each rep and burst happens: a pure function of (scenario, seed, rep index).

Rep ``k`` draws its randomness from its own generator seeded with ``(seed, 1, k)``, so any rep
can be planned on its own, in any order, for a stream that never ends. Its recruitment ramps come
from a second generator, ``(seed, 4, k)``, so that choosing ``ramp="fast"`` or a scale changes
the envelopes only: rep times, onsets, offsets and gains stay the same, and ``ramp="fast"``
gives exactly the samples of the simulator before recruitment ramps existed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from emgfeedback.model import Channel, Muscle, Onset, Side
from emgfeedback.simulation.scenarios import Scenario

__all__ = ["Burst", "Movement", "RepPlan", "rep_plan", "reps_overlapping", "burst_envelope", "fatigue_progress"]

_REP_STREAM = 1
_RAMP_STREAM = 4
_REP_GAIN_SD = 0.03


@dataclass(frozen=True)
class Burst:
    """One muscle's activation in one rep (times in s, amplitude in µV RMS).

    The amplitude rises as ``((t − onset_s)/rise_s)^rise_p`` from the true onset (the recruitment
    ramp), holds, then falls linearly over ``fall_s`` to the true offset.
    """

    channel: Channel
    onset_s: float
    rise_s: float
    fall_s: float
    offset_s: float
    amplitude_uv: float
    fatigue_mdf_pct: float = 0.0
    fatigue_amp_pct: float = 0.0
    rise_p: float = 1.0

    def onset(self) -> Onset:
        """The burst as a true ``Onset``."""
        return Onset(self.onset_s, self.offset_s, self.channel.id)


@dataclass(frozen=True)
class Movement:
    """A limb movement (lift or lowering) shaking the cables: a slow half-sine bump.

    ``gains`` holds one signed amplitude per channel of the default montage, in units of the
    motion level (``Artefacts.motion_uv``).
    """

    start_s: float
    duration_s: float
    gains: tuple[float, ...]

    def shape(self, t: np.ndarray) -> np.ndarray:
        """Bump at times ``t`` s: ``sin(π·(t − start)/duration)`` inside the movement, 0 outside."""
        u = (t - self.start_s) / self.duration_s
        return np.where((u >= 0) & (u <= 1), np.sin(np.pi * np.clip(u, 0.0, 1.0)), 0.0)


@dataclass(frozen=True)
class RepPlan:
    """All bursts of rep ``index``; ``start_s``/``end_s`` span their onsets and offsets;
    ``busy_end_s`` also covers the movement artefacts."""

    index: int
    side: "Side | None"
    bursts: tuple[Burst, ...]
    start_s: float
    end_s: float
    movements: tuple[Movement, ...] = ()
    busy_end_s: float = 0.0


@lru_cache(maxsize=64)
def rep_plan(scenario: Scenario, seed: int, k: int, ramp_scale: "float | None" = 1.0) -> RepPlan:
    """Plan rep ``k`` of ``scenario`` for ``seed`` (deterministic, cached).

    ``ramp_scale``: None for the fast linear rises (``scenario.rise_s``), else the factor on the
    activations' recruitment ramps (1 = the scenario's own; see :func:`~.scenarios.parse_ramp`).
    """
    rng = np.random.default_rng([seed, _REP_STREAM, k])
    ramp_rng = np.random.default_rng([seed, _RAMP_STREAM, k])
    sc = scenario
    ref = sc.lead_in_s + k * sc.period_s + rng.uniform(0.0, sc.start_jitter_s)
    gain = 1.0 + _REP_GAIN_SD * float(np.clip(rng.standard_normal(), -3.0, 3.0))
    side = sc.rep_sides[k % len(sc.rep_sides)]
    end_ref = ref + sc.max_delay_s + sc.rise_s[1] + sc.hold_s
    bursts = []
    for act, s in sc.activations_for(side):
        j_on, j_off = np.clip(rng.standard_normal(2), -3.0, 3.0) * sc.onset_jitter_sd_s
        rise = rng.uniform(*sc.rise_s)
        fall = rng.uniform(*sc.fall_s)
        spread = ramp_rng.uniform(1.0 - sc.ramp_spread, 1.0 + sc.ramp_spread)  # drawn in both modes
        if ramp_scale is None:
            rise_p = 1.0
        else:
            rise, rise_p = act.ramp_s * spread * ramp_scale, act.ramp_p
        onset = ref + act.delay_s + float(j_on)
        offset = end_ref + fall + float(j_off)
        bursts.append(
            Burst(
                Channel(act.muscle, s),
                onset,
                float(rise),
                float(fall),
                offset,
                act.amplitude_uv * gain,
                act.fatigue_mdf_pct,
                act.fatigue_amp_pct,
                float(rise_p),
            )
        )
    # the limb moves shortly after the muscles fire, and again when it is lowered
    n_default = 2 * len(Muscle)
    movements = tuple(
        Movement(float(t + rng.uniform(0.05, 0.15)), float(rng.uniform(0.3, 0.6)),
                 tuple(2.0 * rng.standard_normal(n_default)))
        for t in (ref + sc.max_delay_s, end_ref)
    )
    end = max(b.offset_s for b in bursts)
    busy_end = max(end, max(m.start_s + m.duration_s for m in movements))
    return RepPlan(k, side, tuple(bursts), min(b.onset_s for b in bursts), end, movements, busy_end)


def reps_overlapping(
    scenario: Scenario, seed: int, t0: float, t1: float, n_reps: "int | None", ramp_scale: "float | None" = 1.0
) -> list[RepPlan]:
    """Plans of the reps with any burst in ``[t0, t1)`` s (at most ``n_reps`` reps exist)."""
    sc = scenario
    k_lo = max(0, math.floor((t0 - sc.lead_in_s) / sc.period_s) - 1)
    k_hi = math.floor((t1 - sc.lead_in_s) / sc.period_s) + 1
    if n_reps is not None:
        k_hi = min(k_hi, n_reps - 1)
    plans = [rep_plan(sc, seed, k, ramp_scale) for k in range(k_lo, k_hi + 1)]
    return [p for p in plans if p.start_s < t1 and p.busy_end_s > t0]


def burst_envelope(b: Burst, t: np.ndarray) -> np.ndarray:
    """Activation of burst ``b`` at times ``t`` s: 0 → 1 as ``((t − onset)/rise)^rise_p`` over the
    recruitment ramp, 1 on the plateau, 1 → 0 linearly over the fall."""
    xp = (b.onset_s, b.onset_s + b.rise_s, b.offset_s - b.fall_s, b.offset_s)
    env = np.interp(t, xp, (0.0, 1.0, 1.0, 0.0), left=0.0, right=0.0)
    if b.rise_p != 1.0:
        on_ramp = t < xp[1]
        env[on_ramp] **= b.rise_p
    return env


def fatigue_progress(b: Burst, t: np.ndarray) -> np.ndarray:
    """Fatigue progress 0–1 at times ``t`` s: 0 for the first 10 % of the plateau, rising
    linearly to 1 at 90 % of it, 1 after."""
    p0 = b.onset_s + b.rise_s
    hold = (b.offset_s - b.fall_s) - p0
    return np.clip((t - p0 - 0.1 * hold) / (0.8 * hold), 0.0, 1.0)
