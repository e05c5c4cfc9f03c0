"""The other tabs: MVC wizard, session summary (per-rep table) and electrode placement."""

from __future__ import annotations

import html
import math
from typing import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from emgfeedback.app.theme import BAD, GOOD, MUTED, WARN
from emgfeedback.app.timeline import order_text
from emgfeedback.calibration import MvcProcedure, Placements, Protocol
from emgfeedback.model import Channel, Muscle, Side
from emgfeedback.measures import RepMetrics, RepSummary, latency_text, rep_meets_target
from emgfeedback.session import MvcStep, MvcWizardState

__all__ = ["MvcPage", "SummaryPage", "PlacementPage", "REPORT_TOOLTIP"]

#: "Open report" tooltips: what it does, and why it is disabled.
REPORT_TOOLTIP = {
    "ready": "Analyse the last recording and open its HTML report (beside the recording)",
    "none": "Record a session first: the report is made from the recording",
    "busy": "Making the report…",
}


class MvcPage(QFrame):
    """MVC wizard: the muscles to test, a big step/timer display and the values found."""

    start_requested = Signal()
    skip_requested = Signal()

    def __init__(self, procedures: Mapping[Muscle, MvcProcedure], parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.procedures = dict(procedures)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 18, 24, 18)
        intro = QLabel("Maximal voluntary contraction: each muscle in turn, both sides together. "
                       "Encourage loudly; the best 0.5 s of any trial is the MVC.")
        intro.setWordWrap(True)
        intro.setStyleSheet(f"color: {MUTED}; font-size: 17px;")
        lay.addWidget(intro)
        row = QHBoxLayout()
        self.start = QPushButton("Start MVC")
        self.start.setObjectName("primary")
        self.start.clicked.connect(self.start_requested.emit)
        self.skip = QPushButton("Skip this muscle")
        self.skip.clicked.connect(self.skip_requested.emit)
        row.addWidget(self.start)
        row.addWidget(self.skip)
        row.addStretch(1)
        lay.addLayout(row)
        self.step = QLabel("READY")
        self.step.setStyleSheet(f"font-size: 48px; font-weight: 700; color: {MUTED};")
        self.timer = QLabel("–")
        self.timer.setStyleSheet("font-size: 64px; font-weight: 700;")
        self.timer.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        big = QHBoxLayout()
        big.addWidget(self.step, 1)
        big.addWidget(self.timer)
        lay.addLayout(big)
        self.text = QLabel("Press Start MVC when the patient is in position.")
        self.text.setWordWrap(True)
        self.text.setStyleSheet("font-size: 24px;")
        lay.addWidget(self.text)
        self.table = QTableWidget(len(self.procedures), 4)
        self.table.setHorizontalHeaderLabels(["Muscle", "Trials", "MVC left, µV", "MVC right, µV"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        for r, (m, p) in enumerate(self.procedures.items()):
            self.table.setItem(r, 0, QTableWidgetItem(m.full_name))
            self.table.setItem(r, 1, QTableWidgetItem(f"{p.trials} × {p.contraction_s:g} s"))
        self.table.resizeColumnsToContents()
        lay.addWidget(self.table, 1)

    def show_state(self, st: "MvcWizardState | None") -> None:
        """Show the wizard's state."""
        if st is None:
            return
        color = {MvcStep.CONTRACT: GOOD, MvcStep.PREPARE: WARN}.get(st.step, MUTED)
        word = {MvcStep.CONTRACT: "PUSH!", MvcStep.PREPARE: "GET READY", MvcStep.REST: "REST",
                MvcStep.DONE: "DONE", MvcStep.IDLE: "READY"}[st.step]
        trial = f"  {st.muscle.label} trial {st.trial}/{st.trials}" if st.muscle else ""
        self.step.setText(word + trial)
        self.step.setStyleSheet(f"font-size: 48px; font-weight: 700; color: {color};")
        self.timer.setText(f"{st.remaining_s:4.1f} s" if st.remaining_s > 0 else "–")
        self.text.setText(st.text)
        for r, m in enumerate(self.procedures):
            for c, side in ((2, Side.LEFT), (3, Side.RIGHT)):
                v = st.mvc_uv.get(Channel(m, side).id)
                self.table.setItem(r, c, QTableWidgetItem("–" if v is None else f"{v:.0f}"))


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
        self.table.horizontalHeader().setStretchLastSection(True)
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
            cells = [
                str(rep.index + 1), str(rep.set_number or "–"),
                rep.side.value if rep.side else "both",
                order_text(rep, Side.LEFT, first, before), order_text(rep, Side.RIGHT, first, before),
                _fmt(rep.tfl_to_glute_ratio.get(Side.LEFT)), _fmt(rep.tfl_to_glute_ratio.get(Side.RIGHT)),
                _fmt(rep.symmetry_pct.get(Muscle.GLUTE_MAX), "{:+.0f}"),
                "–" if met is None else ("✔" if met else "✘"),
            ]
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.scrollToBottom()

    def show_summary(self, s: RepSummary) -> None:
        """Headline numbers."""
        if s.n_reps == 0:
            self.headline.setText("No reps yet.")
            return
        parts = [f"{s.n_reps} reps" + (f", {s.target_met} on target" if s.protocol else "")]
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
