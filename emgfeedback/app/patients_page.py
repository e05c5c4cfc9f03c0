"""The Patients tab: patients by de-identified code (visits, last visit), a new patient, and for
the selected patient every visit (protocols, MVC and its date, counted reps, artefacts,
recordings, notes) and trend plots across visits with the plan's goals.

Everything shown is read from the session database through ``db.patient_overview()`` and
``session.history.patient_history``; the numbers are computed in ``measures.progress``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from emgfeedback.app.theme import BAD, GOOD
from emgfeedback.app.trend_plots import TrendGrid
from emgfeedback.errors import EmgFeedbackError
from emgfeedback.measures.progress import SessionProgress, Trend, trend_series
from emgfeedback.calibration import Protocol
from emgfeedback.session.history import patient_history, patient_plan, targets_in_force
from emgfeedback.storage.database import SessionDatabase
from emgfeedback.storage.deidentify import validate_patient_code

__all__ = ["PatientsPage", "visit_row"]

#: Columns of the visits table.
VISIT_COLUMNS = ["Date", "Protocols", "MVC (date)", "Reps", "Artefacts", "Recordings", "Pain · RPE · note"]


def _mvc_text(s: SessionProgress) -> str:
    if not s.mvc:
        return "–"
    gmax = [v for ch, v in s.mvc.items() if ch.startswith("glute_max")]
    what = f"GMax {max(gmax):.0f} µV" if gmax else f"{len(s.mvc)} channels"
    return f"{what} ({s.mvc_measured_at[:10]})" if s.mvc_measured_at else what


def visit_row(s: SessionProgress, protocol_names: "dict[str, str] | None" = None) -> list[str]:
    """One row of the visits table for a visit (texts in ``VISIT_COLUMNS`` order)."""
    names = protocol_names or {}
    notes = s.notes or {}
    pain, rpe, text = notes.get("pain"), notes.get("rpe"), (notes.get("text") or "").strip()
    note = " · ".join([f"pain {pain}" if pain is not None else "", f"RPE {rpe:g}" if rpe is not None else "",
                       text.splitlines()[0][:60] if text else ""]).strip(" ·")
    return [s.date, ", ".join(names.get(p, p) for p in s.protocols) or "–", _mvc_text(s), str(s.n_reps),
            str(s.n_artefacts), str(len(s.recordings)), note or "–"]


def _table(columns: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class PatientsPage(QFrame):
    """Patients and their progress across visits.

    Parameters
    ----------
    db_path : str or Path, optional
        Session database (default ``storage.default_db_path()``, ``$EMGFEEDBACK_DB``).
    protocols : mapping, optional
        Protocol templates by id (names in the table and plots; the targets of exercises the
        plan does not list).

    Attributes
    ----------
    history : list of SessionProgress
        The selected patient's visits, oldest first (what the table and plots show).
    trends : list of Trend
        The selected patient's trend series (``trends_grid.plots`` has one plot per trend
        with a measured value).
    """

    #: A patient was picked in the list (or created): its code.
    patient_selected = Signal(str)

    def __init__(self, db_path: "str | Path | None" = None, protocols: "Mapping[str, Protocol] | None" = None,
                 parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.db_path = db_path
        self.protocols = dict(protocols or {})
        self.protocol_names = {pid: p.name for pid, p in self.protocols.items()}
        self.code: "str | None" = None
        self.history: list[SessionProgress] = []
        self.trends: list[Trend] = []
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 10, 12, 10)
        split = QSplitter(Qt.Orientation.Horizontal)
        lay.addWidget(split)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 6, 0)
        row = QHBoxLayout()
        self.new_code = QLineEdit()
        self.new_code.setPlaceholderText("new code, e.g. P-0101")
        self.new_code.setToolTip("De-identified code only: letters, digits, '-' or '_', with a digit. Never a name.")
        self.new_code.setMaxLength(16)
        self.new_code.returnPressed.connect(self.create_patient)
        row.addWidget(self.new_code, 1)
        self.new_button = QPushButton("New patient")
        self.new_button.clicked.connect(self.create_patient)
        row.addWidget(self.new_button)
        ll.addLayout(row)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        ll.addWidget(self.message)
        self.patients = _table(["Code", "Visits", "Last visit"])
        self.patients.itemSelectionChanged.connect(self._picked)
        ll.addWidget(self.patients, 1)
        split.addWidget(left)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(6, 0, 0, 0)
        self.headline = QLabel("Pick a patient, or create one.")
        self.headline.setStyleSheet("font-size: 20px; font-weight: 600;")
        rl.addWidget(self.headline)
        self.visits = _table(VISIT_COLUMNS)
        self.visits.setMaximumHeight(150)  # the newest visits; the plots get the rest
        rl.addWidget(self.visits)
        self.trends_grid = TrendGrid()
        rl.addWidget(self.trends_grid, 1)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 4)
        split.setSizes([260, 1100])

    # ------------------------------------------------------------------ data
    def _open(self) -> SessionDatabase:
        return SessionDatabase(self.db_path)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {BAD if error else GOOD};")

    def refresh(self) -> None:
        """Read the patient list and the selected patient's visits and trends again."""
        try:
            with self._open() as db:
                overview = db.patient_overview()
        except (EmgFeedbackError, sqlite3.Error, OSError) as err:
            self._say(f"Cannot read the session database: {err}", error=True)
            return
        self.patients.blockSignals(True)
        self.patients.setRowCount(len(overview))
        for r, p in enumerate(overview):
            for c, text in enumerate((p.code, str(p.n_sessions), (p.last_visit or "–")[:10])):
                self.patients.setItem(r, c, QTableWidgetItem(text))
            if p.code == self.code:
                self.patients.selectRow(r)
        self.patients.blockSignals(False)
        self._load(self.code)

    def show_patient(self, code: "str | None") -> None:
        """Show patient ``code`` (from the patient bar; None or an invalid code shows nobody)."""
        try:
            code = validate_patient_code(code) if code else None
        except ValueError:
            code = None
        if code != self.code:
            self.code = code
            self.refresh()

    def _load(self, code: "str | None") -> None:
        self.history, self.trends = [], []
        if code is None:
            self.headline.setText("Pick a patient, or create one.")
            self.visits.setRowCount(0)
            self.trends_grid.set_trends([])
            return
        try:
            with self._open() as db:
                self.history = patient_history(db, code, protocols=self.protocols)
                targets = targets_in_force(patient_plan(db, code), self.protocols)
        except (EmgFeedbackError, sqlite3.Error, OSError, ValueError) as err:
            self._say(f"Cannot read the visits of {code}: {err}", error=True)
            return
        self.trends = trend_series(self.history, targets, self.protocol_names)
        n = len(self.history)
        last = f", last on {self.history[-1].date}" if n else ""
        self.headline.setText(f"{code}: {n} visit{'s' if n != 1 else ''}{last}")
        self.visits.setRowCount(n)
        for r, s in enumerate(reversed(self.history)):  # newest first
            for c, text in enumerate(visit_row(s, self.protocol_names)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.visits.setItem(r, c, item)
        self.trends_grid.set_trends(self.trends)

    # ------------------------------------------------------------------ actions
    def _picked(self) -> None:
        rows = self.patients.selectionModel().selectedRows()
        if not rows:
            return
        code = self.patients.item(rows[0].row(), 0).text()
        if code != self.code:
            self.code = code
            self._load(code)
        self.patient_selected.emit(code)

    def create_patient(self) -> "str | None":
        """Add the code typed in the new-patient field (validated; one line says why not)."""
        try:
            code = validate_patient_code(self.new_code.text())
        except ValueError as err:
            self._say(str(err), error=True)
            return None
        try:
            with self._open() as db:
                exists = code in db.patients()
                db.patient_id(code, create=True)
        except (EmgFeedbackError, sqlite3.Error, OSError) as err:
            self._say(f"Cannot store the patient: {err}", error=True)
            return None
        self._say(f"{code} already exists: selected." if exists else f"{code} added.")
        self.new_code.clear()
        self.code = code
        self.refresh()
        self.patient_selected.emit(code)
        return code

    def select(self, code: str) -> None:
        """Select patient ``code`` in the list (as a click does)."""
        for r in range(self.patients.rowCount()):
            if self.patients.item(r, 0).text() == code:
                self.patients.selectRow(r)
                return
        raise ValueError(f"patient {code} is not in the list")

