"""A patient's exercise plan: which protocols, with how many reps and sets, which hold, rest and
sides, which targets (the clinician's goals) and which audio feedback.

The calibration TOMLs (``calibration/protocols/*.toml``) stay the templates: a new plan item
starts from one (:func:`plan_item_from_protocol`) and the runner plays the template with the
plan's numbers (:func:`protocol_for`). A plan is stored in the session database as JSON
(:func:`plan_to_json` / :func:`plan_from_json`); every invalid value is a one-line
``ValueError`` naming the exercise and the field, e.g. ``clamshell: reps must be 1–100, got 0``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any, Mapping

from emgfeedback.calibration.protocols import SIDES, Feedback, Protocol
from emgfeedback.measures.targets import Target, parse_target, targets_from_protocol
from emgfeedback.model import Muscle
from emgfeedback.validation import did_you_mean

__all__ = ["AUDIO_MODES", "PlanItem", "ExercisePlan", "plan_item_from_protocol", "protocol_for",
           "plan_to_json", "plan_from_json", "validate_plan_item", "PLAN_FORMAT", "feedback_for"]

#: Audio feedback modes an exercise can use (``emgfeedback.audio`` plays them): a tone while the
#: target muscle is above its target %MVC, pitch rising with activation, a warning sound when
#: TFL exceeds the ratio target or ES fires before glute max, spoken or tonal phase cues.
AUDIO_MODES = ("target_tone", "pitch", "warning", "cues")
#: Version of the JSON written by :func:`plan_to_json`.
PLAN_FORMAT = 1
#: Allowed ranges, the same as the protocol files (``emgfeedback.calibration.protocols``).
_INT_RANGES = {"reps": (1, 100), "sets": (1, 20)}
_S_RANGES = {"hold_s": (0.0, 120.0), "rest_s": (0.0, 600.0)}  # hold_s must be > 0
_FIELDS = ("protocol", "reps", "sets", "hold_s", "rest_s", "sides", "targets", "audio")


@dataclass(frozen=True)
class PlanItem:
    """One exercise of a plan (validated on creation, see :func:`validate_plan_item`).

    Parameters
    ----------
    protocol : str
        Protocol id; ``calibration/protocols/<id>.toml`` is the template.
    reps, sets : int
        Reps per set (1–100) and sets (1–20; per side when ``sides == "each"``).
    hold_s, rest_s : float
        Hold (> 0 to 120 s) and rest (0–600 s) of each rep, s.
    sides : str
        One of ``SIDES`` (``both``, ``left``, ``right``, ``each``).
    targets : tuple of Target
        The clinician's goals (text such as ``"TFL:GMed ≤ 0.6"`` is parsed).
    audio : tuple of str
        Audio modes for this exercise, from :data:`AUDIO_MODES`.
    """

    protocol: str
    reps: int
    sets: int
    hold_s: float
    rest_s: float
    sides: str
    targets: tuple[Target, ...] = ()
    audio: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        validate_plan_item(self)


def _bad(item: Any, field: str, what: str, got: Any, hint: str = "") -> ValueError:
    name = item.protocol if isinstance(item.protocol, str) and item.protocol else "plan item"
    return ValueError(f"{name}: {field} must be {what}, got {got!r}{hint}")


def validate_plan_item(item: PlanItem) -> PlanItem:
    """Check every field of a plan item (targets given as text are parsed in place).

    Raises
    ------
    ValueError
        One line naming the exercise and the field: ``clamshell: reps must be 1–100, got 0``.
    """
    if not isinstance(item.protocol, str) or not item.protocol.strip():
        raise _bad(item, "protocol", "a protocol id such as 'clamshell'", item.protocol)
    for field, (lo, hi) in _INT_RANGES.items():
        v = getattr(item, field)
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise _bad(item, field, f"a whole number {lo}–{hi}", v)
    for field, (lo, hi) in _S_RANGES.items():
        v = getattr(item, field)
        ok = not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v) and lo <= v <= hi
        if not ok or (field == "hold_s" and v <= 0):
            low = "more than 0" if field == "hold_s" else "0"
            raise _bad(item, field, f"{low} to {hi:g} s", v)
        object.__setattr__(item, field, float(v))
    if item.sides not in SIDES:
        raise _bad(item, "sides", "one of " + ", ".join(SIDES), item.sides, did_you_mean(item.sides, SIDES))
    if isinstance(item.targets, (str, Target)) or not isinstance(item.targets, (tuple, list)):
        raise _bad(item, "targets", "a list of targets", item.targets)
    targets = []
    for i, t in enumerate(item.targets):
        if isinstance(t, str):
            try:
                t = parse_target(t)
            except ValueError as err:
                raise ValueError(f"{item.protocol}: targets[{i}]: {err}") from None
        if not isinstance(t, Target):
            raise _bad(item, f"targets[{i}]", "a target such as 'TFL:GMed ≤ 0.6'", t)
        targets.append(t)
    if len(set(targets)) != len(targets):
        raise _bad(item, "targets", "different from each other", tuple(t.text for t in targets))
    object.__setattr__(item, "targets", tuple(targets))
    if isinstance(item.audio, str) or not isinstance(item.audio, (tuple, list)):
        raise _bad(item, "audio", "a list of audio modes", item.audio)
    for mode in item.audio:
        if mode not in AUDIO_MODES:
            raise _bad(item, "audio", "among " + ", ".join(AUDIO_MODES), mode, did_you_mean(mode, AUDIO_MODES))
    object.__setattr__(item, "audio", tuple(dict.fromkeys(item.audio)))
    return item


@dataclass(frozen=True)
class ExercisePlan:
    """A patient's plan: its exercises in the order they are done (each protocol once)."""

    items: tuple[PlanItem, ...] = ()

    def __post_init__(self) -> None:
        items = tuple(self.items)
        seen: set[str] = set()
        for it in items:
            if not isinstance(it, PlanItem):
                raise TypeError(f"plan items must be PlanItem, got {type(it).__name__}")
            if it.protocol in seen:
                raise ValueError(f"{it.protocol}: listed twice in the plan; keep one")
            seen.add(it.protocol)
        object.__setattr__(self, "items", items)

    def item(self, protocol_id: str) -> "PlanItem | None":
        """The plan's item for a protocol, None if the plan has none."""
        return next((it for it in self.items if it.protocol == protocol_id), None)

    def targets(self) -> dict[str, tuple[Target, ...]]:
        """Targets per protocol id (what ``measures.progress`` judges reps against)."""
        return {it.protocol: it.targets for it in self.items}


def plan_item_from_protocol(protocol: Protocol) -> PlanItem:
    """A plan item with the template's reps, sets, hold, rest, sides and feedback target."""
    return PlanItem(protocol.id, protocol.reps, protocol.sets, protocol.hold_s, protocol.rest_s,
                    protocol.sides, targets_from_protocol(protocol))


def protocol_for(item: PlanItem, protocols: Mapping[str, Protocol]) -> Protocol:
    """The template of ``item`` with the plan's reps, sets, hold, rest and sides, and its targets
    in the live feedback (:func:`feedback_for`): what the runner plays and the screens judge.

    Raises
    ------
    ValueError
        The plan names a protocol that is not among ``protocols``.
    """
    template = protocols.get(item.protocol)
    if template is None:
        raise _unknown_protocol(item.protocol, protocols)
    return dataclasses.replace(template, reps=item.reps, sets=item.sets, hold_s=item.hold_s,
                               rest_s=item.rest_s, sides=item.sides,
                               feedback=feedback_for(template.feedback, item.targets))


def feedback_for(feedback: Feedback, targets: "tuple[Target, ...]") -> Feedback:
    """The template's live feedback with the plan's targets in force, so the gauges, the patient
    view and the sounds judge the goals the clinician set, not the template's.

    ``TFL:GMed ≤ x`` sets the ratio limit; ``glute max first`` the pair GMax before ES;
    ``L/R symmetry ≤ x`` the asymmetry limit; ``M ≥ lo %MVC`` (with ``M ≤ hi %MVC``, else the
    template's upper bound when above ``lo``, else 200) the %MVC zone of M when M is the muscle
    the feedback shows (or the feedback names none). The metric stays the template's.
    """
    changes: dict = {}
    for t in targets:
        if t.metric == "tfl_to_gmed" and t.op == "<=":
            changes["max_ratio"] = t.value
        elif t.metric == "glute_first":
            changes.update(first=Muscle.GLUTE_MAX, before=Muscle.LUMBAR_ES)
        elif t.metric == "symmetry" and t.op == "<=":
            changes["max_asymmetry_pct"] = t.value
    shown = feedback.muscle
    lows = [t for t in targets if t.metric == "pct_mvc" and t.op == ">=" and (shown is None or t.muscle is shown)]
    if len(lows) == 1:
        low = lows[0]
        highs = [t.value for t in targets if t.metric == "pct_mvc" and t.op == "<=" and t.muscle is low.muscle]
        old_high = feedback.target_pct_mvc[1] if feedback.target_pct_mvc else 200.0
        high = min(highs) if highs else (old_high if old_high > low.value else 200.0)
        if high > low.value:
            changes.update(muscle=low.muscle, target_pct_mvc=(float(low.value), float(high)))
    return dataclasses.replace(feedback, **changes) if changes else feedback


def _unknown_protocol(name: str, protocols: Mapping[str, Protocol]) -> ValueError:
    return ValueError(f"{name}: no such protocol; known: {', '.join(protocols)}{did_you_mean(name, protocols)}")


def plan_to_json(plan: ExercisePlan) -> str:
    """The plan as JSON text (targets as their canonical text)."""
    items = [{"protocol": it.protocol, "reps": it.reps, "sets": it.sets, "hold_s": it.hold_s,
              "rest_s": it.rest_s, "sides": it.sides, "targets": [t.text for t in it.targets],
              "audio": list(it.audio)} for it in plan.items]
    return json.dumps({"format": PLAN_FORMAT, "items": items}, ensure_ascii=False)


def plan_from_json(text: str, protocols: "Mapping[str, Protocol] | None" = None) -> ExercisePlan:
    """Read a plan written by :func:`plan_to_json` (``protocols``: also check every protocol id
    is known).

    Raises
    ------
    ValueError
        One line: not JSON, a missing or unknown field, or an invalid value (naming the exercise).
    """
    try:
        data = json.loads(text)
    except (TypeError, ValueError, RecursionError) as err:  # RecursionError: hostile nesting
        raise ValueError(f"plan is not valid JSON: {err}") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ValueError("plan must be a JSON object with a list 'items'")
    if data.get("format") != PLAN_FORMAT:
        raise ValueError(f"plan format {data.get('format')!r} is not understood (expected {PLAN_FORMAT}); "
                         "upgrade emgfeedback")
    items = []
    for i, raw in enumerate(data["items"]):
        if not isinstance(raw, dict):
            raise ValueError(f"plan item {i + 1} must be an object, got {type(raw).__name__}")
        name = raw.get("protocol") if isinstance(raw.get("protocol"), str) else f"plan item {i + 1}"
        missing = [f for f in _FIELDS[:6] if f not in raw]
        unknown = sorted(set(raw) - set(_FIELDS))
        if missing or unknown:
            what = f"missing {', '.join(missing)}" if missing else f"unknown field(s) {', '.join(unknown)}"
            raise ValueError(f"{name}: {what}; fields are {', '.join(_FIELDS)}")
        item = PlanItem(**raw)
        if protocols is not None and item.protocol not in protocols:
            raise _unknown_protocol(item.protocol, protocols)
        items.append(item)
    return ExercisePlan(tuple(items))
