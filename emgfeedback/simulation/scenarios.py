"""Named simulation scenarios: which muscles fire, how strongly, in which order and when.

Each scenario is a frozen :class:`Scenario`; :func:`list_scenarios` names them and
:func:`describe` prints one with its ground truth. Amplitudes are plateau RMS in µV; delays are
onsets relative to the rep's reference time, s; recruitment ramps (``ramp_s``, ``ramp_p``) say how
each muscle's amplitude builds up from its true onset (see docs/simulation.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from emgfeedback.model import Muscle, Side

__all__ = [
    "Activation",
    "Scenario",
    "SCENARIOS",
    "RAMP_SCALE_RANGE",
    "list_scenarios",
    "describe",
    "get_scenario",
    "parse_ramp",
]

#: Allowed scale factors for ``ramp=`` (multiplying every scenario ramp duration).
RAMP_SCALE_RANGE = (0.1, 4.0)
_RAMP_S_RANGE = (0.005, 0.5)
_RAMP_P_RANGE = (1.0, 2.0)


def parse_ramp(value: object, name: str = "ramp") -> "float | None":
    """Check a ``ramp`` choice and return its scale factor (None for ``"fast"``).

    ``"scenario"`` (the default) means the scenario's recruitment ramps (scale 1); ``"fast"`` the
    old short linear rises (``Scenario.rise_s``, 30–60 ms, exponent 1); a number (or numeric text,
    as in ``sim://?ramp=0.5``) between 0.1 and 4 scales every scenario ramp duration.

    Raises
    ------
    ValueError
        One line naming ``name``, the allowed values and the value received.
    """
    lo, hi = RAMP_SCALE_RANGE
    allowed = f"'scenario', 'fast' or a scale factor between {lo:g} and {hi:g}"
    scale: "float | None" = None
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "scenario":
            return 1.0
        if text == "fast":
            return None
        try:
            scale = float(text)
        except ValueError:
            scale = None
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        scale = float(value)
    if scale is None or not (math.isfinite(scale) and lo <= scale <= hi):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return scale


@dataclass(frozen=True)
class Activation:
    """One muscle's burst in every rep of a scenario.

    Parameters
    ----------
    muscle : Muscle
        The muscle that fires.
    amplitude_uv : float
        Noise-free RMS of its EMG on the plateau, µV.
    delay_s : float
        True onset after the rep's reference time, s (before per-rep jitter).
    side : Side or None
        None: the rep's working side, or both sides when the rep is bilateral.
        A Side: only that side (and only in reps that work that side or both).
    fatigue_mdf_pct : float
        Change of median frequency from the start to the end of each hold, % (e.g. -20).
    fatigue_amp_pct : float
        Change of RMS amplitude from the start to the end of each hold, % (e.g. +25).
    ramp_s : float
        Recruitment ramp: time from the true onset to the plateau, s (typical value; each burst
        draws its own from ``Scenario.ramp_spread`` around it). 0.005–0.5 s.
    ramp_p : float
        Shape exponent of the ramp, 1 (linear) to 2 (convex): the amplitude is
        ``A·((t − onset)/ramp_s)^ramp_p`` on the ramp.
    """

    muscle: Muscle
    amplitude_uv: float
    delay_s: float = 0.0
    side: "Side | None" = None
    fatigue_mdf_pct: float = 0.0
    fatigue_amp_pct: float = 0.0
    ramp_s: float = 0.06
    ramp_p: float = 1.3

    def __post_init__(self) -> None:
        lo, hi = _RAMP_S_RANGE
        if not (lo <= self.ramp_s <= hi):
            raise ValueError(f"activation {self.muscle.value}: ramp_s must be between {lo:g} and {hi:g} s, got {self.ramp_s!r}")
        lo, hi = _RAMP_P_RANGE
        if not (lo <= self.ramp_p <= hi):
            raise ValueError(f"activation {self.muscle.value}: ramp_p must be between {lo:g} and {hi:g}, got {self.ramp_p!r}")


@dataclass(frozen=True)
class Scenario:
    """Timing and activations of one simulated exercise.

    Parameters
    ----------
    name : str
        Scenario name used by ``simulate`` and ``sim://?scenario=``.
    exercise : str
        The exercise being performed.
    description : str
        One paragraph for users: what the scenario models and its truth.
    activations : tuple of Activation
        The muscles that fire; every other channel stays at rest (noise only).
    rep_sides : tuple of (Side or None)
        Working side of rep ``k`` is ``rep_sides[k % len(rep_sides)]``; None = both sides.
    n_reps : int
        Reps in the scenario's natural length.
    lead_in_s : float
        Rest before the first rep, s (at least 2 s, for detectors' baselines).
    hold_s : float
        Plateau length of each rep, s.
    rest_s : float
        Minimum rest between the end of one rep and the start of the next, s (at least 1.5 s).
    rise_s, fall_s : tuple of float
        Range (min, max) of the linear ramp up from the true onset with ``ramp="fast"`` (the
        simulator's old behaviour; the default ramps are the activations' ``ramp_s``/``ramp_p``),
        and of the linear ramp down to the true offset (always), s.
    ramp_spread : float
        Each burst's recruitment ramp is drawn uniformly from ``ramp_s·(1 ± ramp_spread)``.
    onset_jitter_sd_s : float
        SD of each muscle's onset (and offset) around its delay, per rep, s.
    start_jitter_s : float
        Each rep starts up to this much later than its nominal time, s (uniform).
    """

    name: str
    exercise: str
    description: str
    activations: tuple[Activation, ...]
    rep_sides: tuple["Side | None", ...] = (None,)
    n_reps: int = 10
    lead_in_s: float = 3.0
    hold_s: float = 2.0
    rest_s: float = 2.5
    rise_s: tuple[float, float] = (0.03, 0.06)
    fall_s: tuple[float, float] = (0.08, 0.15)
    ramp_spread: float = 0.2
    onset_jitter_sd_s: float = 0.003
    start_jitter_s: float = 0.3

    def __post_init__(self) -> None:
        if self.lead_in_s < 2.0:
            raise ValueError(f"scenario {self.name}: lead_in_s must be at least 2 s, got {self.lead_in_s}")
        if self.rest_s < 1.5:
            raise ValueError(f"scenario {self.name}: rest_s must be at least 1.5 s, got {self.rest_s}")
        if not (0.0 <= self.ramp_spread < 1.0):
            raise ValueError(f"scenario {self.name}: ramp_spread must be in [0, 1), got {self.ramp_spread}")
        longest = max(a.ramp_s for a in self.activations) * (1 + self.ramp_spread) * RAMP_SCALE_RANGE[1]
        if longest > self.hold_s:
            raise ValueError(f"scenario {self.name}: a ramp of up to {longest:g} s (at scale 4) exceeds hold_s {self.hold_s:g} s")
        keys = [(a.muscle, a.side) for a in self.activations]
        if len(set(keys)) != len(keys):
            raise ValueError(f"scenario {self.name}: a muscle/side is listed twice in activations")

    @property
    def max_delay_s(self) -> float:
        """Largest onset delay of any activation, s."""
        return max(a.delay_s for a in self.activations)

    @property
    def rep_span_s(self) -> float:
        """Longest possible time from a rep's reference time to its last true offset, s."""
        jitter = 4.0 * self.onset_jitter_sd_s
        return self.max_delay_s + self.rise_s[1] + self.hold_s + self.fall_s[1] + 2 * jitter

    @property
    def period_s(self) -> float:
        """Nominal time from one rep's start to the next, s (rest included)."""
        return self.start_jitter_s + self.rep_span_s + self.rest_s + 4.0 * self.onset_jitter_sd_s

    @property
    def natural_duration_s(self) -> float:
        """Length of the scenario with ``n_reps`` reps, s (ends with rest)."""
        return self.lead_in_s + self.n_reps * self.period_s

    def activations_for(self, rep_side: "Side | None") -> list[tuple[Activation, Side]]:
        """The (activation, side) pairs that fire in a rep whose working side is ``rep_side``."""
        out: list[tuple[Activation, Side]] = []
        sides = tuple(Side) if rep_side is None else (rep_side,)
        for act in self.activations:
            for side in sides:
                if act.side is None or act.side is side:
                    out.append((act, side))
        return out

    def amplitude_uv(self, muscle: Muscle, side: Side) -> float:
        """Largest plateau amplitude of ``muscle`` on ``side`` in this scenario, µV (0 if it rests)."""
        amps = [
            act.amplitude_uv
            for rep_side in set(self.rep_sides)
            for act, s in self.activations_for(rep_side)
            if act.muscle is muscle and s is side
        ]
        return max(amps, default=0.0)

    def activation_of(self, muscle: Muscle, side: Side) -> "Activation | None":
        """The activation of ``muscle`` on ``side`` (its delay, fatigue), or None when it rests."""
        for rep_side in set(self.rep_sides):
            for act, s in self.activations_for(rep_side):
                if act.muscle is muscle and s is side:
                    return act
        return None

    def tfl_to_glute_ratio(self, side: Side) -> float:
        """True TFL / gluteus medius plateau amplitude on ``side`` (NaN unless both fire)."""
        tfl = self.amplitude_uv(Muscle.TFL, side)
        gmed = self.amplitude_uv(Muscle.GLUTE_MED, side)
        return tfl / gmed if tfl > 0 and gmed > 0 else math.nan

    def first_to_fire(self, side: Side) -> "Muscle | None":
        """Glute max or lumbar ES, whichever fires first on ``side``; None unless both fire."""
        delays = {}
        for rep_side in set(self.rep_sides):
            for act, s in self.activations_for(rep_side):
                if s is side and act.muscle in (Muscle.GLUTE_MAX, Muscle.LUMBAR_ES):
                    delays[act.muscle] = act.delay_s
        if len(delays) < 2:
            return None
        return min(delays, key=lambda m: delays[m])


_ALT = (Side.LEFT, Side.RIGHT)

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            name="healthy",
            exercise="prone hip extension (both legs per rep, a simplification of alternating lifts)",
            description=(
                "Healthy lumbopelvic control: in each prone hip extension rep gluteus maximus "
                "(150 µV) fires about 50 ms before lumbar erector spinae (80 µV) on both sides. "
                "Both recruit briskly (GMax 60 ms, ES 50 ms ramps). "
                "Gluteus medius and TFL stay at rest (noise only)."
            ),
            activations=(
                Activation(Muscle.GLUTE_MAX, 150.0, 0.0, ramp_s=0.060, ramp_p=1.3),
                Activation(Muscle.LUMBAR_ES, 80.0, 0.050, ramp_s=0.050, ramp_p=1.2),
            ),
        ),
        Scenario(
            name="lbp-lumbar-first",
            exercise="prone hip extension (both legs per rep, a simplification of alternating lifts)",
            description=(
                "Low-back-pain pattern: in each prone hip extension rep lumbar erector spinae "
                "(100 µV) fires about 80 ms before gluteus maximus (120 µV) on both sides. "
                "Lumbar ES recruits fast (35 ms linear ramp, guarding); the inhibited gluteus "
                "maximus recruits slowly (220 ms convex ramp, p = 1.8), so threshold detectors "
                "find it late. Gluteus medius and TFL stay at rest (noise only)."
            ),
            activations=(
                Activation(Muscle.LUMBAR_ES, 100.0, 0.0, ramp_s=0.035, ramp_p=1.0),
                Activation(Muscle.GLUTE_MAX, 120.0, 0.080, ramp_s=0.220, ramp_p=1.8),
            ),
        ),
        Scenario(
            name="tfl-dominant-clamshell",
            exercise="side-lying clamshell, reps alternating left and right",
            description=(
                "TFL-dominant hip abduction: on the working side TFL (150 µV) is 1.5 × gluteus "
                "medius (100 µV) and fires 20 ms before it; gluteus maximus co-activates (80 µV, "
                "+30 ms). TFL recruits fast (40 ms linear ramp), gluteus medius slowly (200 ms, "
                "p = 1.7), gluteus maximus in between (120 ms, p = 1.5). The other side and both "
                "lumbar ES stay at rest."
            ),
            activations=(
                Activation(Muscle.TFL, 150.0, 0.0, ramp_s=0.040, ramp_p=1.0),
                Activation(Muscle.GLUTE_MED, 100.0, 0.020, ramp_s=0.200, ramp_p=1.7),
                Activation(Muscle.GLUTE_MAX, 80.0, 0.030, ramp_s=0.120, ramp_p=1.5),
            ),
            rep_sides=_ALT,
        ),
        Scenario(
            name="healthy-clamshell",
            exercise="side-lying clamshell, reps alternating left and right",
            description=(
                "Glute-led hip abduction: on the working side gluteus medius (120 µV) fires first, "
                "gluteus maximus co-activates (90 µV, +20 ms) and TFL is 0.5 × gluteus medius "
                "(60 µV, +40 ms). All recruit at healthy speed (ramps 60–90 ms). The other side "
                "and both lumbar ES stay at rest."
            ),
            activations=(
                Activation(Muscle.GLUTE_MED, 120.0, 0.0, ramp_s=0.060, ramp_p=1.3),
                Activation(Muscle.GLUTE_MAX, 90.0, 0.020, ramp_s=0.070, ramp_p=1.3),
                Activation(Muscle.TFL, 60.0, 0.040, ramp_s=0.090, ramp_p=1.4),
            ),
            rep_sides=_ALT,
        ),
        Scenario(
            name="left-glute-inhibition",
            exercise="bilateral glute bridge",
            description=(
                "Left gluteal inhibition: in each bridge gluteus maximus and medius on the left "
                "reach 60 % of the right (GMax 90 vs 150 µV, GMed 60 vs 100 µV); lumbar ES "
                "(70 µV) fires 40 ms after gluteus maximus on both sides; gluteus medius fires "
                "20 ms after gluteus maximus. The inhibited left glutes also recruit slowly "
                "(GMax 200 ms, GMed 180 ms, convex) against 60–70 ms on the right; lumbar ES "
                "ramps in 50 ms. TFL stays at rest."
            ),
            activations=(
                Activation(Muscle.GLUTE_MAX, 90.0, 0.0, Side.LEFT, ramp_s=0.200, ramp_p=1.8),
                Activation(Muscle.GLUTE_MAX, 150.0, 0.0, Side.RIGHT, ramp_s=0.070, ramp_p=1.3),
                Activation(Muscle.GLUTE_MED, 60.0, 0.020, Side.LEFT, ramp_s=0.180, ramp_p=1.7),
                Activation(Muscle.GLUTE_MED, 100.0, 0.020, Side.RIGHT, ramp_s=0.060, ramp_p=1.3),
                Activation(Muscle.LUMBAR_ES, 70.0, 0.040, ramp_s=0.050, ramp_p=1.2),
            ),
        ),
        Scenario(
            name="glute-fatigue",
            exercise="sustained bilateral glute squeeze (isometric), 60 s hold",
            description=(
                "Gluteus maximus fatigue: one 60 s sustained contraction of gluteus maximus on "
                "both sides (150 µV at the start). Its median frequency falls by 20 % and its RMS "
                "rises by 25 % from start to end of the hold (the spectrum compresses gradually "
                "between 10 % and 90 % of the hold). Longer recordings repeat the hold after "
                "10 s rest with full recovery. The squeeze builds up over about 100 ms (p = 1.5). "
                "All other channels stay at rest."
            ),
            activations=(
                Activation(Muscle.GLUTE_MAX, 150.0, 0.0, fatigue_mdf_pct=-20.0, fatigue_amp_pct=25.0,
                           ramp_s=0.100, ramp_p=1.5),
            ),
            n_reps=1,
            hold_s=60.0,
            rest_s=10.0,
            start_jitter_s=0.0,
        ),
    )
}


def list_scenarios() -> list[str]:
    """Names of the built-in scenarios, in a stable order."""
    return list(SCENARIOS)


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name``.

    Raises
    ------
    ValueError
        If no scenario has that name (the message lists the known ones).
    """
    if not isinstance(name, str) or name not in SCENARIOS:
        raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}; got {name!r}")
    return SCENARIOS[name]


def describe(name: str) -> str:
    """A readable description of scenario ``name``: exercise, timing and ground truth."""
    sc = get_scenario(name)
    lines = [f"{sc.name}: {sc.exercise}", sc.description, ""]
    lines.append(
        f"timing: {sc.lead_in_s:g} s rest, then {sc.n_reps} rep(s) of {sc.hold_s:g} s hold, "
        f"≥ {sc.rest_s:g} s rest between; natural length {sc.natural_duration_s:.1f} s"
    )
    lines.append(
        f"ramps: recruitment from the true onset per muscle below (A·((t − onset)/ramp)^p, "
        f"± {sc.ramp_spread * 100:.0f} % per burst; ramp=fast: linear {sc.rise_s[0] * 1000:.0f}–"
        f"{sc.rise_s[1] * 1000:.0f} ms), fall {sc.fall_s[0] * 1000:.0f}–{sc.fall_s[1] * 1000:.0f} ms "
        f"to the true offset; onset jitter SD {sc.onset_jitter_sd_s * 1000:.0f} ms"
    )
    for side in Side:
        parts = []
        for muscle in Muscle:
            amp = sc.amplitude_uv(muscle, side)
            if amp > 0:
                act = sc.activation_of(muscle, side)
                timing = (
                    f"+{act.delay_s * 1000:.0f} ms, ramp {act.ramp_s * 1000:.0f} ms p={act.ramp_p:g}"
                    if act is not None else ""
                )
                parts.append(f"{muscle.label} {amp:g} µV {timing}")
        first = sc.first_to_fire(side)
        ratio = sc.tfl_to_glute_ratio(side)
        lines.append(
            f"{side.value}: " + (", ".join(parts) or "rest")
            + (f"; first to fire: {first.value}" if first else "")
            + ("" if math.isnan(ratio) else f"; TFL/GMed ratio {ratio:.2f}")
        )
    return "\n".join(lines)
