"""Targets of an exercise plan: the clinician's goals, written as short text and judged per rep.

A target is one comparison on one rep number (docs/progress.md gives the grammar):

=====================  ==========================  ==========================================
metric                 text                        judged on (per working side of the rep)
=====================  ==========================  ==========================================
``tfl_to_gmed``        ``TFL:GMed ≤ 0.6``          TFL / GMed ratio
``glute_first``        ``glute max first``         GMax − ES latency < 0 ms
``gmax_minus_es_ms``   ``GMax − ES ≤ -20 ms``      GMax − ES latency, ms (negative: GMax first)
``pct_mvc``            ``GMax ≥ 40 %MVC``          peak %MVC of the muscle
``symmetry``           ``GMed L/R symmetry ≤ 15 %`` |symmetry index| of the muscle (any muscle
                                                   with a value when none is named), %
=====================  ==========================  ==========================================

Judged on the rep dicts :meth:`emgfeedback.storage.SessionDatabase.reps` returns; the judges use
the same numbers and the same rule as :func:`emgfeedback.measures.rep_meets_target` (a
one-sided rep is judged on its side, else every side with a value must meet the target).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Mapping

from emgfeedback.model import Muscle, Side

if TYPE_CHECKING:  # pragma: no cover
    from emgfeedback.calibration import Protocol

__all__ = ["TARGET_METRICS", "Target", "parse_target", "rep_meets", "targets_from_protocol"]

#: The target metrics, in the order menus list them.
TARGET_METRICS = ("tfl_to_gmed", "glute_first", "pct_mvc", "symmetry", "gmax_minus_es_ms")
_EXAMPLES = "'TFL:GMed ≤ 0.6', 'glute max first', 'GMax ≥ 40 %MVC', 'GMed L/R symmetry ≤ 15 %', 'GMax − ES ≤ -20 ms'"
#: Allowed values per metric: (low, high), inclusive.
_RANGES = {"tfl_to_gmed": (0.0, 10.0), "pct_mvc": (0.0, 200.0), "symmetry": (0.0, 200.0),
           "gmax_minus_es_ms": (-1000.0, 1000.0)}
_UNITS = {"tfl_to_gmed": "", "pct_mvc": " %MVC", "symmetry": " %", "gmax_minus_es_ms": " ms"}
_PLAIN_MUSCLE = {Muscle.GLUTE_MAX: "buttock muscle (gluteus maximus)",
                 Muscle.GLUTE_MED: "side hip muscle (gluteus medius)",
                 Muscle.TFL: "front hip muscle (TFL)",
                 Muscle.LUMBAR_ES: "lower back muscle (erector spinae)"}


@dataclass(frozen=True)
class Target:
    """One goal of an exercise.

    Parameters
    ----------
    metric : str
        One of :data:`TARGET_METRICS`.
    op : str
        ``"<="`` or ``">="``; ``""`` for ``glute_first``.
    value : float or None
        Ratio, %MVC, % or ms (None for ``glute_first``).
    muscle : Muscle or None
        The muscle of ``pct_mvc`` (required) and ``symmetry`` (None: every muscle).
    """

    metric: str
    op: str = ""
    value: "float | None" = None
    muscle: "Muscle | None" = None

    def __post_init__(self) -> None:
        if self.metric not in TARGET_METRICS:
            raise ValueError(f"target metric must be one of {', '.join(TARGET_METRICS)}; got {self.metric!r}")
        if self.metric == "glute_first":
            if self.op or self.value is not None or self.muscle is not None:
                raise ValueError("target 'glute max first' takes no comparison, value or muscle")
            return
        if self.op not in ("<=", ">="):
            raise ValueError(f"comparison of a {self.metric} target must be '<=' or '>=', got {self.op!r}")
        lo, hi = _RANGES[self.metric]
        v = self.value
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (math.isfinite(v) and lo <= v <= hi):
            raise ValueError(f"value of a {self.metric} target must be a number from {lo:g} to {hi:g}"
                             f"{_UNITS[self.metric]}, got {v!r}")
        object.__setattr__(self, "value", float(v))
        if self.metric == "pct_mvc" and self.muscle is None:
            raise ValueError("target pct_mvc needs a muscle (e.g. 'GMax ≥ 40 %MVC')")
        if self.metric in ("tfl_to_gmed", "gmax_minus_es_ms") and self.muscle is not None:
            raise ValueError(f"target {self.metric} takes no muscle")
        if self.muscle is not None:
            object.__setattr__(self, "muscle", Muscle(self.muscle))

    @property
    def text(self) -> str:
        """Canonical text, e.g. ``TFL:GMed ≤ 0.6`` (what :func:`parse_target` reads back)."""
        if self.metric == "glute_first":
            return "glute max first"
        op = "≤" if self.op == "<=" else "≥"
        v = f"{self.value:g}"
        if self.metric == "tfl_to_gmed":
            return f"TFL:GMed {op} {v}"
        if self.metric == "pct_mvc":
            assert self.muscle is not None
            return f"{self.muscle.label} {op} {v} %MVC"
        if self.metric == "symmetry":
            who = f"{self.muscle.label} " if self.muscle is not None else ""
            return f"{who}L/R symmetry {op} {v} %"
        return f"GMax − ES {op} {v} ms"

    @property
    def plain(self) -> str:
        """The target in plain language, for the patient and the handover report."""
        most = "at most" if self.op == "<=" else "at least"
        v = f"{self.value:g}" if self.value is not None else ""
        if self.metric == "glute_first":
            return "the buttock muscle switches on before the lower back muscles"
        if self.metric == "tfl_to_gmed":
            return f"the front hip muscle (TFL) works {most} {v} times as hard as the side hip muscle"
        if self.metric == "pct_mvc":
            assert self.muscle is not None
            return f"the {_PLAIN_MUSCLE[self.muscle]} reaches {most} {v} % of its maximum"
        if self.metric == "symmetry":
            who = f"the {_PLAIN_MUSCLE[self.muscle]}" if self.muscle is not None else "each muscle"
            if self.op == "<=":
                return f"left and right of {who} differ by at most {v} %"
            return f"left and right of {who} differ by at least {v} %"
        assert self.value is not None
        ms = abs(self.value)
        if self.op == "<=":
            if self.value <= 0:
                return f"the buttock muscle switches on at least {ms:g} ms before the lower back muscles"
            return f"the buttock muscle switches on at most {ms:g} ms after the lower back muscles"
        if self.value <= 0:
            return f"the buttock muscle switches on at most {ms:g} ms before the lower back muscles"
        return f"the buttock muscle switches on at least {ms:g} ms after the lower back muscles"


_NUM = r"([-+−]?\s*(?:\d+(?:\.\d*)?|\.\d+))"
_OP = r"(<=|>=|≤|≥|=<|=>)"
_MUSCLE_WORDS = {
    "gmax": Muscle.GLUTE_MAX, "glute max": Muscle.GLUTE_MAX, "glute_max": Muscle.GLUTE_MAX,
    "gluteus maximus": Muscle.GLUTE_MAX,
    "gmed": Muscle.GLUTE_MED, "glute med": Muscle.GLUTE_MED, "glute_med": Muscle.GLUTE_MED,
    "gluteus medius": Muscle.GLUTE_MED,
    "tfl": Muscle.TFL, "tensor fasciae latae": Muscle.TFL,
    "es": Muscle.LUMBAR_ES, "lumbar es": Muscle.LUMBAR_ES, "lumbar_es": Muscle.LUMBAR_ES,
    "lumbar erector spinae": Muscle.LUMBAR_ES, "erector spinae": Muscle.LUMBAR_ES,
}
_MUSCLE = "(" + "|".join(re.escape(w) for w in sorted(_MUSCLE_WORDS, key=len, reverse=True)) + ")"
_PATTERNS: tuple[tuple[str, "re.Pattern[str]"], ...] = (
    ("glute_first", re.compile(r"(?:glute(?:us)?\s*max(?:imus)?|gmax|glutes?)\s+first")),
    ("tfl_to_gmed", re.compile(rf"tfl\s*[:/]\s*(?:gmed|glute\s*med|gluteus\s+medius)\s*{_OP}\s*{_NUM}")),
    ("gmax_minus_es_ms", re.compile(rf"(?:gmax|glute\s*max)\s*[-−–]\s*(?:lumbar\s*)?es\s*(?:latency\s*)?"
                                    rf"{_OP}\s*{_NUM}\s*(?:ms)?")),
    ("symmetry", re.compile(rf"(?:{_MUSCLE}\s+)?(?:l\s*/\s*r\s+)?symmetry\s*{_OP}\s*{_NUM}\s*%?")),
    ("pct_mvc", re.compile(rf"{_MUSCLE}\s*{_OP}\s*{_NUM}\s*(?:%\s*(?:mvc)?)?")),
)


def _number(text: str) -> float:
    return float(re.sub(r"\s+", "", text).replace("−", "-"))


def parse_target(text: str) -> Target:
    """Read a target from text, e.g. ``"TFL:GMed <= 0.6"``, ``"glute max first"``,
    ``"GMax >= 40 %MVC"``, ``"symmetry <= 15%"``, ``"gmax-es <= -20 ms"`` (case, spaces, ``≤``
    or ``<=`` all accepted).

    Raises
    ------
    ValueError
        One line saying what is accepted, when ``text`` is none of the forms above or a value
        is out of range.
    """
    if not isinstance(text, str):
        raise TypeError(f"target must be text like {_EXAMPLES}; got {type(text).__name__}")
    s = re.sub(r"\s+", " ", text.strip().lower())
    for metric, pattern in _PATTERNS:
        m = pattern.fullmatch(s)
        if m is None:
            continue
        if metric == "glute_first":
            return Target("glute_first")
        groups = m.groups()
        muscle = _MUSCLE_WORDS[groups[0]] if metric in ("symmetry", "pct_mvc") and groups[0] else None
        op, value = groups[-2], _number(groups[-1])
        op = "<=" if op in ("<=", "≤", "=<") else ">="
        try:
            return Target(metric, op, value, muscle)
        except ValueError as err:
            raise ValueError(f"target {text.strip()!r}: {err}") from None
    raise ValueError(f"cannot read target {text.strip()!r}; write one of {_EXAMPLES}")


def _working_sides(rep: Mapping) -> list[str]:
    side = rep.get("side")
    return [Side(side).value] if side else [s.value for s in Side]


def _all_or_none(values: "list[float | None]", ok: Callable[[float], bool]) -> "bool | None":
    vals = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return all(ok(v) for v in vals) if vals else None


def rep_meets(target: Target, rep: Mapping) -> "bool | None":
    """Whether a stored rep met a target.

    Parameters
    ----------
    target : Target
    rep : mapping
        A rep as ``SessionDatabase.reps()`` returns it (``side``, nested ``sides``,
        ``channels`` and ``symmetry``).

    Returns
    -------
    bool or None
        None when the rep has no value for the target (e.g. ES did not fire); else whether
        every working side with a value meets it.
    """
    sides = _working_sides(rep)
    per_side = rep.get("sides") or {}
    if target.op == "<=":
        lim = target.value

        def ok(v: float) -> bool:
            return v <= lim  # type: ignore[operator]
    else:
        lim = target.value

        def ok(v: float) -> bool:
            return v >= lim  # type: ignore[operator]
    if target.metric == "glute_first":
        return _all_or_none([(per_side.get(s) or {}).get("gmax_minus_es_ms") for s in sides], lambda v: v < 0)
    if target.metric == "gmax_minus_es_ms":
        return _all_or_none([(per_side.get(s) or {}).get("gmax_minus_es_ms") for s in sides], ok)
    if target.metric == "tfl_to_gmed":
        return _all_or_none([(per_side.get(s) or {}).get("tfl_to_glute_ratio") for s in sides], ok)
    if target.metric == "pct_mvc":
        assert target.muscle is not None
        chans = rep.get("channels") or {}
        return _all_or_none([(chans.get(f"{target.muscle.value}_{s}") or {}).get("peak_pct_mvc") for s in sides], ok)
    sym = rep.get("symmetry") or {}
    values = [sym.get(target.muscle.value)] if target.muscle is not None else list(sym.values())
    return _all_or_none([None if v is None else abs(v) for v in values], ok)


def targets_from_protocol(protocol: "Protocol") -> tuple[Target, ...]:
    """The template's feedback as targets (what :func:`rep_meets_target` judges), e.g.
    ``clamshell`` → ``(TFL:GMed ≤ 0.6,)``, ``bridge`` → ``(GMax ≥ 30 %MVC, GMax ≤ 70 %MVC)``.
    A firing order other than glute max before lumbar ES, or a plug-in metric, gives none."""
    fb = protocol.feedback
    if fb.metric == "percent_mvc" and fb.muscle is not None and fb.target_pct_mvc is not None:
        lo, hi = fb.target_pct_mvc
        return (Target("pct_mvc", ">=", lo, fb.muscle), Target("pct_mvc", "<=", hi, fb.muscle))
    if fb.metric == "tfl_to_glute_ratio" and fb.max_ratio is not None:
        return (Target("tfl_to_gmed", "<=", fb.max_ratio),)
    if fb.metric == "firing_order" and (fb.first, fb.before) == (Muscle.GLUTE_MAX, Muscle.LUMBAR_ES):
        return (Target("glute_first"),)
    if fb.metric == "symmetry" and fb.max_asymmetry_pct is not None:
        return (Target("symmetry", "<=", fb.max_asymmetry_pct, fb.muscle),)
    return ()
