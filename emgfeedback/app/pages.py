"""The other tabs: MVC wizard, session summary (per-rep table) and electrode placement."""

from __future__ import annotations

import html
import math
from typing import Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from emgfeedback.app.theme import BAD, GOOD, MUSCLE_COLORS, MUTED, TEXT, WARN
from emgfeedback.app.timeline import order_text
from emgfeedback.calibration import MvcProcedure, Placements, Protocol
from emgfeedback.model import Channel, Muscle, Side
from emgfeedback.measures import RepMetrics, RepSummary, latency_text, rep_meets_target
from emgfeedback.session import MvcStep, MvcWizardState
from emgfeedback.session.mvc import REST_MARGIN_UV, REST_RATIO, MvcTrial, contraction_threshold_uv

__all__ = ["MvcPage", "SummaryPage", "PlacementPage", "REPORT_TOOLTIP"]

#: "Open report" tooltips: what it does, and why it is disabled.
REPORT_TOOLTIP = {
    "ready": "Analyse the last recording and open its HTML report (beside the recording)",
    "none": "Record a session first: the report is made from the recording",
    "busy": "Making the report…",
}


class MvcPage(QFrame):
    """MVC wizard: step/timer display, the live envelope of the muscle under test with its peak,
    every trial (accepted or rejected, and why), the MVC per channel and the MVC in use."""

    start_requested = Signal()
    skip_requested = Signal()
    redo_requested = Signal()
    cancel_requested = Signal()
    use_stored_requested = Signal()

    TRIAL_COLUMNS = ["Muscle", "Trial", "Peak L µV", "Peak R µV", "Rest L/R µV", "Result"]

    def __init__(self, procedures: Mapping[Muscle, MvcProcedure], parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.procedures = dict(procedures)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 12, 24, 12)
        intro = QLabel("Maximal voluntary contraction: each muscle in turn, both sides together. "
                       "Encourage loudly; the best 0.5 s of any accepted trial is the MVC. Rest is measured "
                       "in each countdown; a trial whose peak is not clearly above rest "
                       f"({REST_RATIO:g} × rest and rest + {REST_MARGIN_UV:g} µV) is rejected.")
        intro.setWordWrap(True)
        intro.setStyleSheet(f"color: {MUTED}; font-size: 15px;")
        lay.addWidget(intro)
        row = QHBoxLayout()
        self.start = QPushButton("Start MVC")
        self.start.setObjectName("primary")
        self.start.clicked.connect(self.start_requested.emit)
        self.redo = QPushButton("Redo trial")
        self.redo.setToolTip("Repeat the trial under way, or the last finished one (it is replaced)")
        self.redo.clicked.connect(self.redo_requested.emit)
        self.skip = QPushButton("Skip this muscle")
        self.skip.clicked.connect(self.skip_requested.emit)
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop the MVC; the MVC in use before it stays")
        self.cancel.clicked.connect(self.cancel_requested.emit)
        for b in (self.start, self.redo, self.skip, self.cancel):
            row.addWidget(b)
        row.addStretch(1)
        self.in_use = QLabel("MVC in use: none (bars show µV)")
        self.in_use.setStyleSheet("font-size: 17px;")
        row.addWidget(self.in_use)
        self.use_stored = QPushButton("Use stored MVC")
        self.use_stored.clicked.connect(self.use_stored_requested.emit)
        self.use_stored.hide()
        row.addWidget(self.use_stored)
        lay.addLayout(row)
        self.step = QLabel("READY")
        self.step.setStyleSheet(f"font-size: 40px; font-weight: 700; color: {MUTED};")
        self.timer = QLabel("–")
        self.timer.setStyleSheet("font-size: 52px; font-weight: 700;")
        self.timer.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        big = QHBoxLayout()
        big.addWidget(self.step, 1)
        big.addWidget(self.timer)
        lay.addLayout(big)
        self.text = QLabel("Press Start MVC when the patient is in position.")
        self.text.setWordWrap(True)
        self.text.setStyleSheet("font-size: 22px;")
        lay.addWidget(self.text)
        middle = QHBoxLayout()
        left = QVBoxLayout()
        self.plot = pg.PlotWidget()
        self.plot.setLabel("bottom", "time in contraction", units="s")
        self.plot.setLabel("left", "envelope, µV")
        self.plot.setClipToView(True)
        self.plot.setDownsampling(auto=True, mode="peak")
        self.plot.showGrid(y=True, alpha=0.2)
        self.plot.setMinimumWidth(240)
        self.curves = [self.plot.plot(name="left"), self.plot.plot(name="right")]
        self._trace_muscle: "Muscle | None" = None
        self.thresholds = [pg.InfiniteLine(angle=0, pen=pg.mkPen(MUTED, width=1, style=Qt.PenStyle.DotLine))
                           for _ in range(2)]
        for line in self.thresholds:
            self.plot.addItem(line)
        self.peak = QLabel("Peak: –")
        self.peak.setStyleSheet("font-size: 17px; font-weight: 600;")
        self.peak.setWordWrap(True)  # a long line never widens the page
        self.peak.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        left.addWidget(self.peak)
        left.addWidget(self.plot, 1)
        middle.addLayout(left, 3)
        self.trials = QTableWidget(0, len(self.TRIAL_COLUMNS))
        self.trials.setHorizontalHeaderLabels(self.TRIAL_COLUMNS)
        self.trials.verticalHeader().setVisible(False)
        head = self.trials.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(len(self.TRIAL_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)  # reasons wrap
        self.trials.setWordWrap(True)
        self.trials.setMinimumWidth(420)
        self.trials.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        middle.addWidget(self.trials, 4)
        lay.addLayout(middle, 3)
        self.table = QTableWidget(len(self.procedures), 4)
        self.table.setHorizontalHeaderLabels(["Muscle", "Trials", "MVC left, µV", "MVC right, µV"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        for r, (m, p) in enumerate(self.procedures.items()):
            self.table.setItem(r, 0, QTableWidgetItem(m.full_name))
            self.table.setItem(r, 1, QTableWidgetItem(f"{p.trials} × {p.contraction_s:g} s"))
        self.table.resizeColumnsToContents()
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setFixedHeight(self.table.verticalHeader().length()
                                  + self.table.horizontalHeader().sizeHint().height() + 2 * self.table.frameWidth())
        lay.addWidget(self.table)
        self._shown_trials: tuple = ()
        self._shown_trace: object = None
        self._shown_mvc: object = None
        self.show_state(MvcWizardState(MvcStep.IDLE, None, 0, 0, 0.0, self.text.text(), {}))

    def show_state(self, st: "MvcWizardState | None") -> None:
        """Show the wizard's state."""
        if st is None:
            return
        running = st.step in (MvcStep.PREPARE, MvcStep.CONTRACT, MvcStep.REST)
        self.start.setEnabled(not running)
        self.skip.setEnabled(running)
        self.cancel.setEnabled(running)
        self.redo.setEnabled(st.step is MvcStep.CONTRACT or (st.step in (MvcStep.PREPARE, MvcStep.REST, MvcStep.DONE)
                                                           and bool(st.trial_results)))
        color = {MvcStep.CONTRACT: GOOD, MvcStep.PREPARE: WARN, MvcStep.CANCELLED: BAD}.get(st.step, MUTED)
        word = {MvcStep.CONTRACT: "PUSH!", MvcStep.PREPARE: "GET READY", MvcStep.REST: "REST",
                MvcStep.DONE: "DONE", MvcStep.IDLE: "READY", MvcStep.CANCELLED: "CANCELLED"}[st.step]
        trial = f"  {st.muscle.label} trial {st.trial}/{st.trials}" if st.muscle else ""
        self.step.setText(word + trial)
        _restyle(self.step, f"font-size: 40px; font-weight: 700; color: {color};")
        self.timer.setText(f"{st.remaining_s:4.1f} s" if st.remaining_s > 0 else "–")
        rejected = bool(st.trial_results) and not st.trial_results[-1].accepted
        self.text.setText(st.text)
        _restyle(self.text, f"font-size: 22px; color: {BAD if rejected and st.step is MvcStep.REST else TEXT};")
        if st.trace_uv is not self._shown_trace:  # between contractions the same array: drawn once
            self._shown_trace = st.trace_uv
            self._show_trace(st)
        if st.trial_results != self._shown_trials:
            self._show_trials(st.trial_results)
        if st.mvc_uv == self._shown_mvc:
            return
        self._shown_mvc = st.mvc_uv
        for r, m in enumerate(self.procedures):
            for c, side in ((2, Side.LEFT), (3, Side.RIGHT)):
                v = st.mvc_uv.get(Channel(m, side).id)
                self.table.setItem(r, c, QTableWidgetItem("–" if v is None else f"{v:.0f}"))

    def _show_trace(self, st: MvcWizardState) -> None:
        n = st.trace_uv.shape[1] if st.trace_uv.ndim == 2 else 0
        t = np.arange(n) / st.fs if n and st.fs > 0 else np.zeros(0)
        for k, curve in enumerate(self.curves):
            ch = st.trace_channels[k] if k < len(st.trace_channels) else None
            if ch is None or n == 0:
                curve.setData([], [])
                self.thresholds[k].hide()
                continue
            muscle = Channel.parse(ch).muscle
            if k == 0 and muscle is not self._trace_muscle:  # one colour per muscle; right dashed
                self._trace_muscle = muscle
                for j, c in enumerate(self.curves):
                    c.setPen(pg.mkPen(MUSCLE_COLORS.get(muscle, TEXT), width=2,
                                      style=Qt.PenStyle.DashLine if j else Qt.PenStyle.SolidLine))
            curve.setData(t, st.trace_uv[k])
            self.thresholds[k].setPos(contraction_threshold_uv(st.rest_uv.get(ch, 0.0)))
            self.thresholds[k].show()
        if n == 0:
            self.peak.setText("Peak: –")
            return
        parts = [f"{Channel.parse(ch).label} {st.trace_peak_uv.get(ch, math.nan):.0f} µV (rest "
                 f"{st.rest_uv.get(ch, 0.0):.0f})" for ch in st.trace_channels]
        self.peak.setText("Peak (best 0.5 s): " + " · ".join(parts) + " · dotted: threshold")

    def _show_trials(self, trials: "Sequence[MvcTrial]") -> None:
        self._shown_trials = tuple(trials)
        self.trials.setRowCount(len(trials))
        for r, tr in enumerate(trials):
            by_side = {Channel.parse(ch).side: ch for ch in tr.peak_uv}
            cells = [tr.muscle.label, str(tr.trial)]
            cells += [_fmt(tr.peak_uv.get(by_side.get(s, "")), "{:.0f}") for s in (Side.LEFT, Side.RIGHT)]
            cells.append(" / ".join(_fmt(tr.rest_uv.get(by_side.get(s, "")), "{:.0f}") for s in (Side.LEFT, Side.RIGHT)))
            if tr.accepted:
                result = "accepted"
            elif tr.accepted_uv:
                result = "partly rejected: " + tr.reason
            else:
                result = "rejected: " + tr.reason
            cells.append(result)
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == len(cells) - 1:
                    item.setForeground(pg.mkColor(GOOD if tr.accepted else BAD))
                    item.setToolTip(text)
                self.trials.setItem(r, c, item)
        self.trials.resizeRowsToContents()
        self.trials.scrollToBottom()

    def show_in_use(self, text: str) -> None:
        """Name the MVC the bars use (e.g. "MVC measured today 14:32")."""
        self.in_use.setText(f"MVC in use: {text}")

    def offer_stored(self, label: "str | None") -> None:
        """Offer a stored MVC ("2026-11-12") or hide the offer (None)."""
        if label is None:
            self.use_stored.hide()
            return
        self.use_stored.setText(f"Use stored MVC from {label}")
        self.use_stored.show()


def _restyle(widget: QWidget, css: str) -> None:
    """Set a style sheet only when it changes (each change re-polishes the widget)."""
    if widget.styleSheet() != css:
        widget.setStyleSheet(css)


class SummaryPage(QFrame):
    """Session summary: headline numbers and one table row per rep."""

    COLUMNS = ["Rep", "Set", "Side", "Order left", "Order right", "TFL:GMed L", "TFL:GMed R",
               "GMax sym %", "Target"]

    def __init__(self, parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 18, 24, 18)
        self.headline = QLabel("No reps yet.")
        self.headline.setWordWrap(True)
        self.headline.setStyleSheet("font-size: 24px; font-weight: 600;")
        lay.addWidget(self.headline)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()  # every column as wide as its cells, kept so while hidden
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(self.COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)  # target / why not counted
        lay.addWidget(self.table, 1)
        self.report = QPushButton("Open report")
        self.report_state = ""
        self.set_report_state("none")
        self.report_message = QLabel("")
        self.report_message.setWordWrap(False)
        self.report_message.setStyleSheet(f"color: {MUTED};")
        row = QHBoxLayout()
        row.addWidget(self.report_message, 1)
        row.addWidget(self.report)
        lay.addLayout(row)

    def set_report_state(self, state: str) -> None:
        """``ready`` (a recording exists), ``none`` (no recording yet) or ``busy`` (being made)."""
        self.report_state = state
        self.report.setEnabled(state == "ready")
        self.report.setText("Making report…" if state == "busy" else "Open report")
        self.report.setToolTip(REPORT_TOOLTIP[state])

    def show_report_message(self, text: str, error: bool = False) -> None:
        """One line beside the button (the report's path, or what went wrong)."""
        self.report_message.setText(text)
        self.report_message.setToolTip(text)
        self.report_message.setStyleSheet(f"color: {BAD if error else MUTED};")

    def add_reps(self, reps: Sequence[RepMetrics], protocol: "Protocol | None") -> None:
        """Append rows for finished reps."""
        fb = protocol.feedback if protocol else None
        first = fb.first if fb and fb.first else Muscle.GLUTE_MAX
        before = fb.before if fb and fb.before else Muscle.LUMBAR_ES
        for rep in reps:
            r = self.table.rowCount()
            self.table.insertRow(r)
            met = rep_meets_target(rep, protocol)
            rep_text = f"{rep.rep_number}" if rep.rep_number else str(rep.index + 1)
            if rep.artefact:  # detected, not counted: the reason instead of a number
                rep_text = "not counted"
            cells = [
                rep_text, str(rep.set_number or "–"),
                rep.side.value if rep.side else "both",
                order_text(rep, Side.LEFT, first, before), order_text(rep, Side.RIGHT, first, before),
                _fmt(rep.tfl_to_glute_ratio.get(Side.LEFT)), _fmt(rep.tfl_to_glute_ratio.get(Side.RIGHT)),
                _fmt(rep.symmetry_pct.get(Muscle.GLUTE_MAX), "{:+.0f}"),
                "–" if met is None else ("✔" if met else "✘"),
            ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if rep.artefact:
                    item.setForeground(QColor(MUTED))
                    item.setToolTip(f"not counted: {rep.artefact}")
                self.table.setItem(r, c, item)
            if rep.artefact:
                self.table.item(r, len(cells) - 1).setText(rep.artefact)
        self.table.scrollToBottom()

    def show_summary(self, s: RepSummary) -> None:
        """Headline numbers."""
        if s.n_reps == 0:
            self.headline.setText("No reps yet.")
            return
        parts = [f"{s.n_reps} reps" + (f", {s.target_met} on target" if s.protocol else "")
                 + (f" ({s.n_artefacts} not counted)" if s.n_artefacts else "")]
        for side in Side:
            ss = s.sides.get(side)
            if ss is not None and ss.first_to_fire is not None:
                lat = ss.gmax_minus_es_ms
                lat_txt = f" (GMax − ES median {latency_text(lat)})" if math.isfinite(lat) else ""
                parts.append(f"{side.value}: {ss.first_to_fire.label} first in "
                             f"{ss.first_counts[ss.first_to_fire]} of {ss.n_ordered}{lat_txt}")
        self.headline.setText(" · ".join(parts))

    def clear(self) -> None:
        """Empty the table."""
        self.table.setRowCount(0)
        self.headline.setText("No reps yet.")


def _fmt(v: "float | None", spec: str = "{:.2f}") -> str:
    return spec.format(v) if v is not None and math.isfinite(v) else "–"


class PlacementPage(QTextBrowser):
    """Electrode placement instructions from ``calibration/placements.toml``."""

    def __init__(self, placements: Placements, parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        e = html.escape
        parts = [f"<h2>Electrode placement</h2><p>{e(placements.skin_preparation)} "
                 f"Electrodes ≤ {placements.electrode_size_mm:g} mm, "
                 f"{placements.inter_electrode_distance_mm:g} mm apart. {e(placements.fixation)}</p>"]
        for m, pl in placements.muscles.items():
            parts.append(
                f"<h3>{e(m.full_name.capitalize())} ({m.label})</h3><p><b>Posture:</b> "
                f"{e(pl.starting_posture)}<br><b>Location:</b> {e(pl.location)}<br>"
                f"<b>Orientation:</b> {e(pl.orientation)}<br><b>Test:</b> {e(pl.clinical_test)}</p>")
        parts.append(f"<h3>Reference</h3><p>{e(placements.reference)} {e(placements.reference_note)}</p>")
        self.setHtml("".join(parts))
        self.setStyleSheet("font-size: 17px; padding: 12px;")
