"""Feedback metrics: what a protocol trains the patient on, registered by name.

Each registered metric has a *judge* that says whether one rep met the protocol's target
(True/False) or cannot be judged (None). ``rep_meets_target`` dispatches on the protocol's
``feedback.metric``; the protocol loader accepts every registered name (``feedback_metrics()``),
so a new metric is one function plus one :func:`register_feedback_metric` call.

Built in: ``firing_order`` (``first`` fires before ``before`` on every working side),
``tfl_to_glute_ratio`` (TFL/GMed ≤ ``max_ratio``), ``symmetry`` (|symmetry of ``muscle``| ≤
``max_asymmetry_pct``), ``percent_mvc`` (peak %MVC of ``muscle`` inside ``target_pct_mvc``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

from emgfeedback.measures.rep import RepMetrics
from emgfeedback.model import Side
from emgfeedback.validation import did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    from emgfeedback.calibration import Feedback, Protocol

__all__ = ["FeedbackMetric", "register_feedback_metric", "unregister_feedback_metric", "feedback_metrics",
           "get_feedback_metric", "rep_meets_target"]

#: ``judge(rep, feedback, sides) -> bool | None``: ``sides`` are the rep's working sides.
Judge = Callable[[RepMetrics, "Feedback", Sequence[Side]], "bool | None"]


@dataclass(frozen=True)
class FeedbackMetric:
    """A registered feedback metric.

    Parameters
    ----------
    name : str
        The protocol's ``feedback.metric`` value.
    judge : callable
        ``judge(rep, feedback, sides) -> bool | None``.
    description : str
        One line for listings.
    """

    name: str
    judge: Judge
    description: str = ""


_REGISTRY: dict[str, FeedbackMetric] = {}


def register_feedback_metric(name: str, judge: Judge, description: str = "") -> FeedbackMetric:
    """Register (or replace) feedback metric ``name``."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"feedback metric name must be an identifier like 'tfl_to_glute_ratio', got {name!r}")
    if not callable(judge):
        raise TypeError(f"judge must be callable, got {type(judge).__name__}")
    metric = FeedbackMetric(name, judge, description)
    _REGISTRY[name] = metric
    return metric


def unregister_feedback_metric(name: str) -> None:
    """Remove a registered metric (tests, plug-ins that unload)."""
    _REGISTRY.pop(name, None)


def feedback_metrics() -> tuple[str, ...]:
    """Names of the registered feedback metrics."""
    return tuple(_REGISTRY)


def get_feedback_metric(name: str) -> FeedbackMetric:
    """The registered metric ``name``; unknown names get "did you mean"."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"feedback metric must be one of {', '.join(repr(n) for n in _REGISTRY)}; "
                         f"got {name!r}{did_you_mean(name, _REGISTRY)}") from None


def rep_meets_target(rep: RepMetrics, protocol: "Protocol | None") -> "bool | None":
    """Whether a rep met its protocol's feedback target (None when it cannot be judged)."""
    if protocol is None:
        return None
    fb = protocol.feedback
    metric = _REGISTRY.get(fb.metric)
    if metric is None:
        return None
    sides = [rep.side] if rep.side is not None else list(Side)
    return metric.judge(rep, fb, sides)


def _all_or_none(values: "list[float]", ok: Callable[[float], bool]) -> "bool | None":
    vals = [v for v in values if math.isfinite(v)]
    return all(ok(v) for v in vals) if vals else None


def _firing_order(rep: RepMetrics, fb: "Feedback", sides: Sequence[Side]) -> "bool | None":
    if not (fb.first and fb.before):
        return None
    return _all_or_none([rep.latency_ms(s, fb.first, fb.before) for s in sides], lambda v: v < 0)


def _ratio(rep: RepMetrics, fb: "Feedback", sides: Sequence[Side]) -> "bool | None":
    if fb.max_ratio is None:
        return None
    lim = fb.max_ratio
    return _all_or_none([rep.tfl_to_glute_ratio.get(s, math.nan) for s in sides], lambda v: v <= lim)


def _symmetry(rep: RepMetrics, fb: "Feedback", sides: Sequence[Side]) -> "bool | None":
    if fb.muscle is None or fb.max_asymmetry_pct is None:
        return None
    lim = fb.max_asymmetry_pct
    return _all_or_none([rep.symmetry_pct.get(fb.muscle, math.nan)], lambda v: abs(v) <= lim)


def _percent_mvc(rep: RepMetrics, fb: "Feedback", sides: Sequence[Side]) -> "bool | None":
    if fb.muscle is None or fb.target_pct_mvc is None:
        return None
    lo, hi = fb.target_pct_mvc
    vals = [rep.peak_pct_mvc.get(f"{fb.muscle.value}_{s.value}", math.nan) for s in sides]
    return _all_or_none(vals, lambda v: lo <= v <= hi)


register_feedback_metric("percent_mvc", _percent_mvc, "peak %MVC of a muscle inside a target zone")
register_feedback_metric("tfl_to_glute_ratio", _ratio, "TFL / glute med ratio at most max_ratio")
register_feedback_metric("firing_order", _firing_order, "one muscle fires before another")
register_feedback_metric("symmetry", _symmetry, "left/right symmetry of a muscle within max_asymmetry_pct")
