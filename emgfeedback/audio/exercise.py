"""What an exercise asks of the audio: its modes and the targets the sounds judge against.

The targets come from the protocol's ``[feedback]`` (the calibration TOML, the template) and,
when the patient has a plan, from the plan's targets for that exercise (they win): e.g.
``GMax ≥ 40 %MVC`` sets the target tone's threshold, ``TFL:GMed ≤ 0.6`` the warning's ratio,
``glute max first`` warns when lumbar ES fires first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from emgfeedback.model import Muscle
from emgfeedback.session.plan import AUDIO_MODES  # the plan stores the names per exercise
from emgfeedback.validation import check_option

if TYPE_CHECKING:  # pragma: no cover
    from emgfeedback.calibration import Protocol

__all__ = ["AUDIO_MODES", "MODE_LABELS", "AudioTargets", "audio_targets", "default_modes", "check_modes"]


#: What each mode does, for the clinician's menu.
MODE_LABELS = {
    "target_tone": "tone while the target muscle is above its target",
    "pitch": "pitch rises with the target muscle's activation",
    "warning": "warning when TFL is over its ratio or back muscles fire before glute max",
    "cues": "hold / rest / rep tones",
}


def check_modes(modes: Iterable[str]) -> tuple[str, ...]:
    """Modes as a tuple in ``AUDIO_MODES`` order; unknown names get a one-line ValueError."""
    given = tuple(modes)
    for m in given:
        check_option(m, "audio mode", AUDIO_MODES)
    return tuple(m for m in AUDIO_MODES if m in given)


@dataclass(frozen=True)
class AudioTargets:
    """The numbers the sounds judge against.

    Parameters
    ----------
    muscle : Muscle
        Target muscle of the tone and the pitch (both sides, or the set's working side).
    target_pct_mvc : float or None
        The target tone sounds while the muscle is at or above this, %MVC (None: no tone).
    max_ratio : float or None
        Warn when a rep's TFL:GMed ratio on a working side is above this (None: no check).
    max_latency_ms : float or None
        Warn when a rep's GMax − ES latency on a working side is above this, ms (0: lumbar ES
        fired first; None: no check). Negative latency = glute max first.
    """

    muscle: Muscle = Muscle.GLUTE_MAX
    target_pct_mvc: "float | None" = None
    max_ratio: "float | None" = None
    max_latency_ms: "float | None" = None


def _from_target(t: Any, fields: dict) -> None:
    """One plan target (:class:`~emgfeedback.measures.targets.Target`) into ``fields``."""
    metric, value = getattr(t, "metric", ""), getattr(t, "value", None)
    finite = value is not None and math.isfinite(value)
    if metric == "pct_mvc" and finite and getattr(t, "op", "") == ">=":
        fields["target_pct_mvc"] = float(value)
        if getattr(t, "muscle", None) is not None:
            fields["muscle"] = Muscle(t.muscle)
    elif metric == "tfl_to_gmed" and finite:
        fields["max_ratio"] = float(value)
    elif metric == "glute_first":
        fields["max_latency_ms"] = 0.0
    elif metric == "gmax_minus_es_ms" and finite:
        fields["max_latency_ms"] = float(value)


def audio_targets(protocol: "Protocol | None" = None, targets: Sequence[Any] = ()) -> AudioTargets:
    """The targets of an exercise: the protocol's feedback, overridden by the plan's ``targets``.

    Without a protocol: glute max, no %MVC target, no ratio, warn when lumbar ES fires first.
    """
    fields: dict = {}
    if protocol is None:
        fields["max_latency_ms"] = 0.0
    else:
        fb = protocol.feedback
        muscle = fb.muscle or fb.first
        if muscle is not None:
            fields["muscle"] = Muscle(muscle)
        if fb.target_pct_mvc is not None:
            fields["target_pct_mvc"] = float(fb.target_pct_mvc[0])
        if fb.max_ratio is not None:
            fields["max_ratio"] = float(fb.max_ratio)
        if fb.metric == "firing_order" and fb.first is Muscle.GLUTE_MAX and fb.before is Muscle.LUMBAR_ES:
            fields["max_latency_ms"] = 0.0
    for t in targets:
        _from_target(t, fields)
    return AudioTargets(**fields)


def default_modes(targets: AudioTargets) -> tuple[str, ...]:
    """The modes an exercise starts with before the clinician picks: phase cues, the target
    tone when there is a %MVC target, the warning when there is a ratio or firing-order target."""
    modes = ["cues"]
    if targets.target_pct_mvc is not None:
        modes.append("target_tone")
    if targets.max_ratio is not None or targets.max_latency_ms is not None:
        modes.append("warning")
    return check_modes(modes)
