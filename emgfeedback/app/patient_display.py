"""What the patient view paints: the texts in plain words (phase, seconds left, rep and set,
leg, the last rep's verdict, the score) and :class:`PatientScreen`, one widget that paints them
with fonts derived from its height (:data:`FONT_RULES`) and the feedback element (target bar,
balance bar, "Glute first!" indicator, left/right bars), so changing numbers never relayout."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

from emgfeedback.app.layout import TextBox, fit_font
from emgfeedback.app.theme import BG, GOOD, INFO, MUTED, PANEL, TEXT, WARN
from emgfeedback.calibration import Protocol
from emgfeedback.measures import RepMetrics, rep_meets_target
from emgfeedback.model import Muscle, Side
from emgfeedback.session import Phase, RunnerState

__all__ = ["PatientScreen", "Bar", "phase_word", "countdown_text", "counter_text", "side_text", "rep_verdict",
           "score_text", "PLAIN_MUSCLE", "FONT_RULES"]

#: Muscles in the patient's words.
PLAIN_MUSCLE = {Muscle.GLUTE_MAX: "Buttock", Muscle.GLUTE_MED: "Side of the hip",
                Muscle.TFL: "Front of the hip", Muscle.LUMBAR_ES: "Lower back"}

#: Largest font of each text, as a fraction of the window's height (the 3 m rule: the rep
#: counter at least 8 %); a text shrinks below it only when the window is too narrow for it.
FONT_RULES = {"title": 0.05, "side": 0.065, "phase": 0.14, "countdown": 0.15, "counter": 0.085,
              "element": 0.085, "label": 0.05, "score": 0.06, "cue": 0.042}

#: Row heights, fractions of the window's height (top to bottom; the rest is margin).
_ROWS = (("title", 0.08), ("phase", 0.17), ("counter", 0.10), ("element", 0.42), ("score", 0.08), ("cue", 0.09))
_MARGIN = 0.03

_PHASE_WORDS = {Phase.IDLE: "Ready", Phase.PREPARE: "Get ready", Phase.HOLD: "Hold", Phase.REST: "Rest",
                Phase.SET_REST: "Break", Phase.DONE: "Done"}
_PHASE_COLORS = {Phase.IDLE: MUTED, Phase.PREPARE: WARN, Phase.HOLD: GOOD, Phase.REST: INFO,
                 Phase.SET_REST: INFO, Phase.DONE: TEXT}
_TONES = {"good": GOOD, "warn": WARN, "neutral": TEXT}


# ---------------------------------------------------------------------- texts
def phase_word(state: "RunnerState | None") -> str:
    """Get ready / Hold / Rest / Break / Done ("Ready" before a protocol starts)."""
    return _PHASE_WORDS[state.phase] if state is not None else "Ready"


def countdown_text(state: "RunnerState | None") -> str:
    """Whole seconds left of the phase, rounded up ("" when nothing is counting down)."""
    if state is None or state.phase in (Phase.IDLE, Phase.DONE) or state.remaining_s <= 0:
        return ""
    return str(max(int(math.ceil(state.remaining_s - 1e-9)), 1))


def counter_text(state: "RunnerState | None") -> str:
    """``Rep 3 of 10 · Set 1 of 2`` (sets counted per side when each side works in turn; in the
    get-ready phase the rep about to start)."""
    if state is None:
        return ""
    set_no, sets = state.set, state.sets
    if state.plan is not None and state.plan.sides == "each":
        set_no, sets = (state.set + 1) // 2, state.plan.sets
    text = f"Rep {max(state.rep, 1)} of {state.reps}"
    return text + (f"   ·   Set {set_no} of {sets}" if sets > 1 else "")


def side_text(state: "RunnerState | None") -> str:
    """The working leg in plain words ("Left leg"; "Next: right leg" in a set break; "" when
    both sides work)."""
    if state is None or state.phase is Phase.DONE:
        return ""
    if state.phase is Phase.SET_REST and state.next_side is not None:
        return f"Next: {state.next_side.value} leg"
    return f"{state.side.value.capitalize()} leg" if state.side is not None else ""


def _exercise_title(protocol: "Protocol | None") -> str:
    """The exercise's name without the clinician's note in brackets."""
    return protocol.name.split(" (")[0] if protocol is not None else "Waiting for the exercise"


def rep_verdict(protocol: "Protocol | None", rep: "RepMetrics | None") -> tuple[str, str]:
    """What the last rep means for the patient: ``(text, tone)``, tone ``good``, ``warn`` or
    ``neutral`` (no rep yet, or a rep that cannot be judged)."""
    if protocol is None:
        return "", "neutral"
    fb = protocol.feedback
    met = rep_meets_target(rep, protocol) if rep is not None else None
    plain = PLAIN_MUSCLE.get(fb.muscle, "Muscle") if fb.muscle is not None else "Muscle"
    if fb.metric == "firing_order":
        return {True: ("Glute first!", "good"), False: ("Squeeze your buttock first", "warn"),
                None: ("Buttock first, then move", "neutral")}[met]
    if fb.metric == "tfl_to_glute_ratio":
        return {True: ("Glute did the work. Good!", "good"), False: ("Front of the hip took over", "warn"),
                None: ("Let the glute do the work", "neutral")}[met]
    if fb.metric == "symmetry":
        if met is None or rep is None:
            return "Share the work evenly", "neutral"
        if met:
            return "Even. Well done!", "good"
        weaker = "right" if rep.symmetry_pct.get(fb.muscle, 0.0) > 0 else "left"
        return f"Push more with the {weaker}", "warn"
    if fb.metric == "percent_mvc":
        if met is None or rep is None:
            return f"{plain}: keep the bar in the green", "neutral"
        if met:
            return "In the green zone. Well done!", "good"
        sides = [rep.side] if rep.side is not None else list(Side)
        peaks = [rep.peak_pct_mvc.get(f"{fb.muscle.value}_{s.value}", math.nan) for s in sides]
        low = fb.target_pct_mvc is not None and any(v < fb.target_pct_mvc[0] for v in peaks if math.isfinite(v))
        return ("A little stronger next time" if low else "A little softer next time"), "warn"
    return {True: ("Well done!", "good"), False: ("Try again", "warn"), None: ("", "neutral")}[met]


def score_text(judged: Sequence["bool | None"]) -> str:
    """``Good reps: 3 of 4`` over the reps that could be judged ("" before the first)."""
    known = [j for j in judged if j is not None]
    return f"Good reps: {sum(known)} of {len(known)}" if known else ""


# ---------------------------------------------------------------------- the painted screen
@dataclass(frozen=True)
class Bar:
    """One bar of the element: its label, fill (0–1 of the scale, NaN when unknown) and the
    target zone (0–1, None without)."""

    label: str
    fill: float
    zone: "tuple[float, float] | None"


class PatientScreen(QWidget):
    """Everything the patient sees, painted in one widget (see :meth:`text_boxes`)."""

    def __init__(self, parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(320, 240)
        self.protocol: "Protocol | None" = None
        self.state: "RunnerState | None" = None
        self.bars: list[Bar] = []
        self.marker: float = math.nan  # balance bar: the last rep's position, 0–1
        self.verdict: tuple[str, str] = ("", "neutral")
        self.score = ""
        self._texts: tuple = ()

    def set_content(self, protocol: "Protocol | None", state: "RunnerState | None", bars: list[Bar],
                    marker: float, verdict: tuple[str, str], score: str) -> None:
        """Show this; repaints what changed: everything when a text changed, else only the
        feedback element's graphic when its bars or marker moved."""
        texts = (protocol, phase_word(state), countdown_text(state), counter_text(state), side_text(state),
                 state.cue if state is not None else "", verdict, score)
        graphic = (bars, marker) != (self.bars, self.marker)
        self.protocol, self.state, self.bars, self.marker, self.verdict, self.score = (
            protocol, state, bars, marker, verdict, score)
        if texts != self._texts:
            self._texts = texts
            self.update()
        elif graphic:
            self.update(self.element_rects()[1].toAlignedRect())

    @property
    def kind(self) -> str:
        """The feedback element: ``bar``, ``balance``, ``first``, ``sides`` or ``none``."""
        metric = self.protocol.feedback.metric if self.protocol is not None else ""
        return {"percent_mvc": "bar", "tfl_to_glute_ratio": "balance", "firing_order": "first",
                "symmetry": "sides"}.get(metric, "none")

    def _rows(self) -> dict[str, QRectF]:
        w, h = self.width(), self.height()
        m = _MARGIN * h
        y, rows = m, {}
        for name, frac in _ROWS:
            rows[name] = QRectF(m, y, w - 2 * m, frac * h)
            y += frac * h
        return rows

    def _box(self, text: str, rect: QRectF, rule: str, color: str, align: Any, *, bold: bool = True,
             longest: Sequence[str] = (), wrap: bool = False) -> TextBox:
        font = fit_font((text, *longest), rect.width(), rect.height(), FONT_RULES[rule] * self.height(),
                        bold=bold, wrap=wrap)
        flags = int(align) | (int(Qt.TextFlag.TextWordWrap) if wrap else 0)
        return TextBox(text, rect, font, flags, color)

    def element_rects(self) -> tuple[QRectF, QRectF]:
        """The feedback element's caption line and its graphic, widget px."""
        r = self._rows()["element"]
        cap_h = r.height() * 0.26
        return QRectF(r.x(), r.y(), r.width(), cap_h), QRectF(r.x(), r.y() + cap_h, r.width(), r.height() - cap_h)

    def text_boxes(self) -> list[TextBox]:
        """Every text on the screen with its box, font and colour (tests read them all)."""
        rows, st = self._rows(), self.state
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        centre = Qt.AlignmentFlag.AlignCenter
        title, phase = rows["title"], rows["phase"]
        countdown = countdown_text(st)
        word = phase_word(st) + ("…" if countdown else "")
        color = _PHASE_COLORS[st.phase] if st is not None else MUTED
        boxes = [
            self._box(_exercise_title(self.protocol), QRectF(title.x(), title.y(), title.width() * 0.6, title.height()),
                      "title", MUTED, left, bold=False),
            self._box(side_text(st), QRectF(title.x() + title.width() * 0.6, title.y(), title.width() * 0.4,
                                            title.height()), "side", TEXT, right, longest=("Next: right leg",)),
            self._box(word, QRectF(phase.x(), phase.y(), phase.width() * 0.7, phase.height()), "phase", color, left,
                      longest=("Get ready…",)),
            self._box(countdown, QRectF(phase.x() + phase.width() * 0.7, phase.y(), phase.width() * 0.3,
                                        phase.height()), "countdown", TEXT, right, longest=("88",)),
            self._box(counter_text(st), rows["counter"], "counter", TEXT, left,
                      longest=("Rep 10 of 10   ·   Set 2 of 2",)),
            self._box(self.score, rows["score"], "score", TEXT, left),
            self._box(st.cue if st is not None else "", rows["cue"], "cue", MUTED, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                      bold=False, wrap=True),
        ]
        return boxes + self._element_boxes(centre)

    def _element_boxes(self, centre: Any) -> list[TextBox]:
        caption, graphic = self.element_rects()
        text, tone = self.verdict
        kind = self.kind
        if kind == "first":  # the whole element is the indicator: its text as big as it fits
            return [self._box(text, self._rows()["element"].adjusted(20, 10, -20, -10), "phase", BG if tone != "neutral" else TEXT,
                              centre, wrap=True)]
        boxes = [self._box(text, caption, "element", _TONES[tone], Qt.AlignmentFlag.AlignLeft
                           | Qt.AlignmentFlag.AlignVCenter)]
        small = graphic.height() * 0.22
        if kind == "balance":
            y = graphic.bottom() - small
            half = graphic.width() / 2
            boxes += [self._box("Glute working", QRectF(graphic.x(), y, half, small), "label", GOOD,
                                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                      self._box("Front of hip taking over", QRectF(graphic.x() + half, y, half, small), "label", WARN,
                                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)]
        elif kind in ("bar", "sides"):
            for b, r in zip(self.bars, self._bar_rects(graphic)):
                if b.label:
                    lab = QRectF(r.x(), r.bottom(), r.width(), small) if kind == "sides" else \
                        QRectF(graphic.x(), r.y(), graphic.width() * 0.18, r.height())
                    boxes.append(self._box(b.label, lab, "label", TEXT, centre if kind == "sides" else
                                           Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter))
        return boxes

    def _bar_rects(self, graphic: QRectF) -> list[QRectF]:
        n = len(self.bars)
        if n == 0:
            return []
        if self.kind == "sides":  # vertical bars side by side, labels below
            small = graphic.height() * 0.22
            w = graphic.width() * 0.3
            gap = graphic.width() * 0.1
            x0 = graphic.center().x() - w - gap / 2
            return [QRectF(x0 + i * (w + gap), graphic.y(), w, graphic.height() - small) for i in range(n)]
        labelled = any(b.label for b in self.bars)
        x = graphic.x() + (graphic.width() * 0.2 if labelled else 0)
        w = graphic.right() - x
        gap = graphic.height() * 0.08
        h = (graphic.height() - gap * (n - 1)) / n
        return [QRectF(x, graphic.y() + i * (h + gap), w, h) for i in range(n)]

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt name
        dirty = QRectF(event.rect())
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(event.rect(), QColor(BG))
        self._paint_element(p)
        for b in self.text_boxes():
            if not b.rect.intersects(dirty):
                continue
            p.setFont(b.font)
            p.setPen(QColor(b.color))
            p.drawText(b.rect, b.flags, b.text)
        p.end()

    def _paint_element(self, p: QPainter) -> None:
        _, graphic = self.element_rects()
        kind, tone = self.kind, self.verdict[1]
        radius = graphic.height() * 0.08
        if kind == "first":  # the whole element
            fill = {"good": GOOD, "warn": WARN}.get(tone, PANEL)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(fill))
            p.drawRoundedRect(self._rows()["element"], radius, radius)
            return
        if kind == "balance":
            bar = QRectF(graphic.x(), graphic.y(), graphic.width(), graphic.height() * 0.7)
            half = bar.width() / 2
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(GOOD).darker(160))
            p.drawRoundedRect(QRectF(bar.x(), bar.y(), half, bar.height()), radius, radius)
            p.setBrush(QColor(WARN).darker(160))
            p.drawRoundedRect(QRectF(bar.x() + half, bar.y(), half, bar.height()), radius, radius)
            if math.isfinite(self.marker):
                x = bar.x() + bar.width() * min(max(self.marker, 0.0), 1.0)
                p.setPen(QPen(QColor(TEXT), max(bar.height() * 0.08, 4.0)))
                p.drawLine(int(x), int(bar.y()), int(x), int(bar.bottom()))
            return
        for b, r in zip(self.bars, self._bar_rects(graphic)):
            vertical = kind == "sides"
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(PANEL))
            p.drawRoundedRect(r, radius / 2, radius / 2)
            if b.zone is not None:
                lo, hi = b.zone
                z = (QRectF(r.x(), r.bottom() - r.height() * hi, r.width(), r.height() * (hi - lo)) if vertical
                     else QRectF(r.x() + r.width() * lo, r.y(), r.width() * (hi - lo), r.height()))
                p.setBrush(QColor(GOOD).darker(200))
                p.drawRect(z)
            if math.isfinite(b.fill):
                f = min(max(b.fill, 0.0), 1.0)
                in_zone = b.zone is None or b.zone[0] <= b.fill <= b.zone[1]
                p.setBrush(QColor(GOOD if in_zone else (INFO if b.zone and b.fill < b.zone[0] else WARN)))
                inner = (QRectF(r.x(), r.bottom() - r.height() * f, r.width(), r.height() * f) if vertical
                         else QRectF(r.x(), r.y(), r.width() * f, r.height()))
                p.drawRoundedRect(inner, radius / 2, radius / 2)
