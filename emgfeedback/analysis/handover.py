"""The handover report: one visit of one patient, in plain words, as HTML and PDF.

What goes in is one plain frozen :class:`HandoverData` (filled from the session database by
:func:`emgfeedback.session.handover.collect_handover`, or from recordings alone); this module
turns stored reps into plain-language verdicts (:func:`exercise_verdicts`) and trends into
first → previous → this comparisons (:func:`compare_trend`), and renders both formats
(:func:`render_handover_html`, :func:`render_handover_pdf`). Rendering is pure: no database, no
network, no files read (the clinic logo comes as bytes).

Latency sign, everywhere in the report: GMax − ES = onset(gluteus maximus) − onset(lumbar
erector spinae), ms; negative means glute max fired first (:data:`SIGN_CONVENTION`).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from emgfeedback.measures.targets import Target, rep_meets
from emgfeedback.model import Channel, Side

if TYPE_CHECKING:  # pragma: no cover
    from emgfeedback.calibration.clinic import Clinic
    from emgfeedback.measures.progress import Trend

__all__ = ["HandoverData", "PlannedExercise", "Verdict", "Comparison", "exercise_verdicts", "compare_trend",
           "channel_name", "number", "render_handover_html", "render_handover_pdf", "SIGN_CONVENTION", "GOAL_SHARE"]

#: Said once in every report.
SIGN_CONVENTION = ("Timing is the onset of gluteus maximus minus the onset of the lumbar erector spinae "
                   "(GMax − ES, ms): negative means glute max fired first.")
#: Share of reps that must have glute max first for "glute max first" to count as met.
GOAL_SHARE = 0.7


@dataclass(frozen=True)
class PlannedExercise:
    """One exercise of the plan: ``name`` (e.g. "Clamshell"), ``dose`` in words (e.g. "3 sets
    × 10 reps, hold 5 s, rest 10 s, both sides"), its ``targets`` in plain words and whether it
    was ``run`` in this visit."""

    name: str
    dose: str
    targets: tuple[str, ...] = ()
    run: bool = True


@dataclass(frozen=True)
class Verdict:
    """One exercise goal judged on this visit's reps: ``text`` in plain words; ``met`` None when
    nothing was measured."""

    exercise: str
    text: str
    met: "bool | None"

    @property
    def outcome(self) -> str:
        """``goal met``, ``not yet`` or ``not measured``."""
        return "not measured" if self.met is None else ("goal met" if self.met else "not yet")


@dataclass(frozen=True)
class Comparison:
    """One key measure, first → previous → this visit (NaN where not measured), and ``words``
    saying whether this visit is better or worse."""

    label: str
    unit: str
    first: float
    previous: float
    this: float
    words: str


@dataclass(frozen=True)
class HandoverData:
    """Everything one handover report shows.

    Parameters
    ----------
    patient_code : str
        De-identified code.
    visit_date : str
        ISO date of this visit.
    visit_dates : tuple of str
        Dates of every visit up to this one, first first (empty: unknown).
    clinic : Clinic or None
        Name, address line and logo at the top.
    exercises : tuple of PlannedExercise
        The plan (and protocols run).
    mvc_uv : mapping
        MVC used, per channel id, µV.
    mvc_date : str
        When that MVC was measured (ISO; "" unknown).
    verdicts : tuple of Verdict
    trends : tuple of Trend
        Per key measure, one value per visit (``emgfeedback.measures.progress.Trend``).
    notes : mapping
        ``pain`` (0–10), ``rpe``, ``text`` of this visit.
    remarks : tuple of str
        Lines the reader must know (e.g. "no database: recording only").
    measured : tuple of (str, str)
        Further measures of this visit as (what, value in words), e.g. from recordings alone.
    """

    patient_code: str
    visit_date: str
    visit_dates: tuple[str, ...] = ()
    clinic: "Clinic | None" = None
    exercises: tuple[PlannedExercise, ...] = ()
    mvc_uv: Mapping[str, float] = field(default_factory=dict)
    mvc_date: str = ""
    verdicts: tuple[Verdict, ...] = ()
    trends: "tuple[Trend, ...]" = ()
    notes: Mapping[str, object] = field(default_factory=dict)
    remarks: tuple[str, ...] = ()
    measured: tuple[tuple[str, str], ...] = ()
    title: str = "Handover report"

    @property
    def comparisons(self) -> tuple[Comparison, ...]:
        """:func:`compare_trend` of every trend measured in this visit."""
        found = (compare_trend(t) for t in self.trends)
        return tuple(c for c in found if c is not None)


def channel_name(channel: str) -> str:
    """Plain name of a channel id or label, e.g. ``gluteus maximus, left`` (unknown text as is)."""
    try:
        ch = Channel.parse(channel)
    except ValueError:
        return channel
    return f"{ch.muscle.full_name}, {ch.side.value}"


# ----------------------------------------------------------------------------- verdicts
def _finite(v: object) -> "float | None":
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def _value(target: Target, rep: Mapping, side: "str | None") -> "float | None":
    """The rep's number the target is judged on, for one side (symmetry: no side)."""
    if target.metric == "symmetry":
        sym = rep.get("symmetry") or {}
        vals = [abs(v) for v in ([sym.get(target.muscle.value)] if target.muscle else sym.values())
                if _finite(v) is not None]
        return max(vals) if vals else None
    per_side = (rep.get("sides") or {}).get(side) or {}
    if target.metric in ("glute_first", "gmax_minus_es_ms"):
        return _finite(per_side.get("gmax_minus_es_ms"))
    if target.metric == "tfl_to_gmed":
        return _finite(per_side.get("tfl_to_glute_ratio"))
    assert target.muscle is not None
    return _finite(((rep.get("channels") or {}).get(f"{target.muscle.value}_{side}") or {}).get("peak_pct_mvc"))


def _sides(reps: Sequence[Mapping]) -> list[str]:
    found = {r["side"] for r in reps if r.get("side")} or {s for r in reps for s in (r.get("sides") or {})}
    return [s.value for s in Side if s.value in found]


def _sentence(name: str, target: Target, side: "str | None", med: "float | None", k: int, n: int) -> str:
    where = f" on the {side}" if side else ""
    if target.metric == "glute_first":
        return (f"{name}: glute max fired before the lower back in {k} of {n} reps{where} "
                f"(goal: glute max first in at least {GOAL_SHARE:.0%} of reps)")
    head = f"{name}, {side}" if side else name
    goal = target.text.split(" ", 1)[1] if target.metric == "tfl_to_gmed" else target.text
    tail = f"(median; goal {goal}; {k} of {n} reps on target)"
    if target.metric == "tfl_to_gmed":
        return f"{head}: the hip-side muscle (TFL) worked {med:.2f} × as hard as gluteus medius {tail}"
    if target.metric == "pct_mvc":
        assert target.muscle is not None
        return f"{head}: {target.muscle.full_name} reached {med:.0f} % of its maximum at its peak {tail}"
    if target.metric == "gmax_minus_es_ms":
        return f"{head}: glute max − lower back timing {med:+.0f} ms {tail}"
    who = target.muscle.full_name if target.muscle else "the muscles"
    return f"{head}: left and right {who} differed by {med:.0f} % {tail}"


def _judge(name: str, target: Target, reps: Sequence[Mapping], side: "str | None") -> Verdict:
    view = [r if side is None else {**r, "side": side} for r in reps]
    judged = [(rep_meets(target, r), _value(target, r, side)) for r in view]
    judged = [(ok, v) for ok, v in judged if ok is not None and v is not None]
    if not judged:
        where = f", {side}" if side else ""
        return Verdict(name, f"{name}{where}: not measured ({target.plain}: no rep had a value)", None)
    k, n = sum(ok for ok, _ in judged), len(judged)
    med = statistics.median(v for _, v in judged)
    if target.metric == "glute_first":
        met = k / n >= GOAL_SHARE
    else:
        met = med <= target.value if target.op == "<=" else med >= target.value  # type: ignore[operator]
    return Verdict(name, _sentence(name, target, side, med, k, n), met)


def exercise_verdicts(reps: Iterable[Mapping], targets: Mapping[str, Sequence[Target]],
                      names: "Mapping[str, str] | None" = None) -> tuple[Verdict, ...]:
    """Plain-language verdicts, one per exercise, goal and side, on a visit's counted reps.

    Parameters
    ----------
    reps : iterable of mapping
        Reps as ``SessionDatabase.reps()`` returns them; flagged reps (``artefact``) are left out.
    targets : mapping
        Protocol id → its targets (the plan's, else the template's).
    names : mapping, optional
        Protocol id → display name (default the id).

    Returns
    -------
    tuple of Verdict
        In the order exercises first appear in ``reps``. A value goal is met when the median over
        reps meets it; "glute max first" when at least :data:`GOAL_SHARE` of reps had it.
    """
    names = names or {}
    by_protocol: dict[str, list[Mapping]] = {}
    for r in reps:
        if not r.get("artefact") and r.get("protocol"):
            by_protocol.setdefault(str(r["protocol"]), []).append(r)
    out = []
    for pid, group in by_protocol.items():
        name = names.get(pid, pid)
        for target in targets.get(pid, ()):
            sides: "list[str | None]" = [None] if target.metric == "symmetry" else list(_sides(group))
            out += [_judge(name, target, group, s) for s in sides]
    return tuple(out)


# ----------------------------------------------------------------------------- comparisons
def number(v: float, unit: str = "") -> str:
    """A measure as the report writes it: ms signed and whole, % and %MVC whole, ratios with two
    decimals (— when not measured)."""
    if not math.isfinite(v):
        return "—"
    u = unit.strip()
    text = f"{v:+.0f}" if u == "ms" else (f"{v:.0f}" if u in ("%", "%MVC") else f"{v:.2f}")
    return f"{text} {u}".strip()


def _change(trend: "Trend", old: float, new: float, than: str) -> str:
    """``better than …``/``worse than …`` by the trend's own rule (``Trend.change``), or
    ``unchanged since …`` when the two values read the same in the report."""
    if number(old, trend.unit) == number(new, trend.unit):
        return f"unchanged since {than}"
    return f"{replace(trend, values=(old, new)).change} than {than}"


def compare_trend(trend: "Trend") -> "Comparison | None":
    """This visit (the trend's last value) against the previous and the first visit, in words;
    None when this visit did not measure it."""
    vals = [float(v) for v in trend.values]
    if not vals or not math.isfinite(vals[-1]):
        return None
    nan = math.nan
    first = vals[0] if len(vals) > 1 else nan
    prev = vals[-2] if len(vals) > 1 else nan
    parts = []
    if math.isfinite(prev):
        parts.append(_change(trend, prev, vals[-1], "the previous visit"))
    if len(vals) > 2 and math.isfinite(first):
        parts.append(_change(trend, first, vals[-1], "the first"))
    return Comparison(trend.label, trend.unit, first, prev, vals[-1], "; ".join(parts) or "first measured in this visit")


# ----------------------------------------------------------------------------- rendering
def render_handover_html(data: HandoverData) -> str:
    """The report as one self-contained HTML document (inline CSS, SVG trends, logo as a data
    URI): opens offline and prints."""
    from emgfeedback.analysis._handover_html import render_html

    return render_html(data)


def render_handover_pdf(data: HandoverData, *, font: "str | None" = "auto") -> bytes:
    """The report as PDF bytes (fpdf2; no display, no network).

    Parameters
    ----------
    font : str or None
        ``"auto"``: DejaVu Sans when installed (all characters as written), else the PDF core
        font Helvetica with text written in Latin-1 (− → -, ≤ → <=, × → x); None: always the
        core font; or a path to a TrueType font.
    """
    from emgfeedback.analysis._handover_pdf import render_pdf

    return render_pdf(data, font=font)
