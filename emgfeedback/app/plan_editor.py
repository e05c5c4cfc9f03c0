"""The Plan tab: the current patient's exercise plan (protocols from the templates with their
reps, sets, hold, rest, sides, targets and audio modes), saved in the session database; and the
visit's notes (pain 0–10, RPE, free text) with "End visit".

Fields are checked as typed: an invalid value shows one line beside the field and nothing is
saved until it is fixed (the rules are ``session.plan.PlanItem``'s validation and
``measures.targets.parse_target``).
"""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path
from typing import Callable, Mapping

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from emgfeedback.app.session_notes import NotesBox
from emgfeedback.app.theme import BAD, GOOD, MUTED
from emgfeedback.calibration import Protocol
from emgfeedback.calibration.protocols import SIDES
from emgfeedback.errors import EmgFeedbackError
from emgfeedback.measures.targets import parse_target
from emgfeedback.session.plan import (
    AUDIO_MODES,
    ExercisePlan,
    PlanItem,
    plan_from_json,
    plan_item_from_protocol,
    plan_to_json,
)
from emgfeedback.storage.database import SessionDatabase

__all__ = ["PlanEditor", "parse_targets"]

#: Plain words for the audio modes' checkboxes.
AUDIO_LABELS = {"target_tone": "tone on target", "pitch": "pitch follows activation",
                "warning": "warning sound", "cues": "spoken/tonal cues"}


def parse_targets(text: str) -> tuple:
    """Targets typed one per line or separated by ';' (empty text: no targets).

    Raises
    ------
    ValueError
        One line naming the target that could not be read (``parse_target``'s reason).
    """
    parts = [p.strip() for line in text.splitlines() for p in line.split(";")]
    return tuple(parse_target(p) for p in parts if p)


def _error_label() -> QLabel:
    label = QLabel("")
    label.setStyleSheet(f"color: {BAD};")
    label.setWordWrap(True)
    return label


class PlanEditor(QFrame):
    """Edit, reorder and save the current patient's :class:`ExercisePlan`.

    Parameters
    ----------
    protocols : mapping
        Protocol id -> template (``calibration.load_protocols()``).
    db_path : str or Path, optional
        Session database (default ``$EMGFEEDBACK_DB`` or ``storage.default_db_path()``).

    Attributes
    ----------
    items : list of PlanItem
        The plan as edited (saved with :meth:`save`).
    errors : dict
        Field name -> one-line error of the current item (nothing is saved while not empty).
    session_id_for : callable, optional
        Returns the visit's session id (creating the visit) for the notes; set by the window.
    """

    #: The plan was saved: the patient code.
    saved = Signal(str)

    def __init__(self, protocols: Mapping[str, Protocol], db_path: "str | Path | None" = None,
                 parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.protocols = dict(protocols)
        self.db_path = db_path
        self.code: "str | None" = None
        self.items: list[PlanItem] = []
        self._stored: list[PlanItem] = []  # the current patient's plan as saved
        self._drafts: dict[str, list[PlanItem]] = {}  # unsaved edits of patients left, by code
        self.errors: dict[str, str] = {}
        self.session_id_for: "Callable[[], int] | None" = None
        self._loading = False
        lay = QHBoxLayout(self)
        lay.setContentsMargins(16, 10, 16, 10)

        left = QVBoxLayout()
        self.headline = QLabel("Enter a patient code to edit their plan.")
        self.headline.setStyleSheet("font-size: 20px; font-weight: 600;")
        left.addWidget(self.headline)
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._show_item)
        left.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.template = QComboBox()
        for p in sorted(self.protocols.values(), key=lambda p: p.order):
            self.template.addItem(p.name, p.id)
        row.addWidget(self.template, 1)
        self.add = QPushButton("Add exercise")
        self.add.clicked.connect(lambda: self.add_exercise(self.template.currentData()))
        row.addWidget(self.add)
        left.addLayout(row)
        row = QHBoxLayout()
        self.up, self.down, self.remove = QPushButton("▲ Up"), QPushButton("▼ Down"), QPushButton("Remove")
        self.up.clicked.connect(lambda: self.move(-1))
        self.down.clicked.connect(lambda: self.move(1))
        self.remove.clicked.connect(self.remove_current)
        for b in (self.up, self.down, self.remove):
            row.addWidget(b)
        left.addLayout(row)
        row = QHBoxLayout()
        self.save_button = QPushButton("Save plan")
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.save_button)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        row.addWidget(self.message, 1)
        left.addLayout(row)
        lay.addLayout(left, 2)

        self.form_box = QGroupBox("Exercise")
        form = QFormLayout(self.form_box)
        self.fields: dict[str, QWidget] = {}
        self.field_errors: dict[str, QLabel] = {}
        self.reps, self.sets = QSpinBox(), QSpinBox()
        self.reps.setRange(0, 1000)
        self.sets.setRange(0, 100)
        self.hold, self.rest = QDoubleSpinBox(), QDoubleSpinBox()
        for box in (self.hold, self.rest):
            box.setRange(0.0, 600.0)
            box.setDecimals(1)
            box.setSuffix(" s")
        self.sides = QComboBox()
        self.sides.addItems(list(SIDES))
        self.targets = QLineEdit()
        self.targets.setPlaceholderText('e.g. TFL:GMed ≤ 0.6; glute max first; GMax ≥ 40 %MVC')
        self.targets.setToolTip("Goals of this exercise, separated by ';': 'TFL:GMed <= 0.6', 'glute max first', "
                                "'GMax >= 40 %MVC', 'symmetry <= 15 %', 'GMax-ES <= -20 ms'")
        for name, label, widget in (("reps", "Reps per set", self.reps), ("sets", "Sets", self.sets),
                                    ("hold_s", "Hold", self.hold), ("rest_s", "Rest", self.rest),
                                    ("sides", "Sides", self.sides), ("targets", "Targets", self.targets)):
            self.fields[name] = widget
            self.field_errors[name] = _error_label()
            cell = QHBoxLayout()
            cell.addWidget(widget, 1)
            cell.addWidget(self.field_errors[name], 2)
            form.addRow(label, cell)
        for box in (self.reps, self.sets):
            box.valueChanged.connect(self._edited)
        for box in (self.hold, self.rest):
            box.valueChanged.connect(self._edited)
        self.sides.currentIndexChanged.connect(self._edited)
        self.targets.textChanged.connect(self._edited)
        audio = QHBoxLayout()
        self.audio = {m: QCheckBox(AUDIO_LABELS.get(m, m)) for m in AUDIO_MODES}
        for box in self.audio.values():
            box.toggled.connect(self._edited)
            audio.addWidget(box)
        form.addRow("Audio", audio)
        self.form_box.setStyleSheet(  # the dark theme draws no visible check box of its own
            f"QCheckBox::indicator {{ width: 16px; height: 16px; border: 1px solid {MUTED}; border-radius: 3px; }}"
            f"QCheckBox::indicator:checked {{ background: {GOOD}; }}")
        right = QVBoxLayout()
        right.addWidget(self.form_box)
        self.notes = NotesBox()
        self.notes.save.clicked.connect(self.save_notes)
        right.addWidget(self.notes)
        right.addStretch(1)
        lay.addLayout(right, 3)
        self._show_item(-1)

    # ------------------------------------------------------------------ patient and plan
    def _open(self) -> SessionDatabase:
        return SessionDatabase(self.db_path)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {BAD if error else GOOD};")

    def set_patient(self, code: "str | None") -> None:
        """Load patient ``code``'s stored plan (None: nobody; the editor is disabled). Unsaved
        edits of the patient left are kept as a draft (the code field changes with every key
        typed) and come back, said so, when that patient is entered again."""
        if code == self.code and code is not None:
            return
        if self.code is not None and self.items != self._stored:
            self._drafts[self.code] = list(self.items)
        self.code = code
        self.items, self.errors, self._stored = [], {}, []
        self._say("")
        if code is not None:
            try:
                with self._open() as db:
                    text = db.plan(code)
                self._stored = list(plan_from_json(text).items) if text else []
                self.items = list(self._stored)
            except (EmgFeedbackError, sqlite3.Error, OSError, ValueError) as err:
                self._say(f"Stored plan of {code} cannot be read: {err}", error=True)
            draft = self._drafts.pop(code, None)
            if draft is not None:
                self.items = draft
                self._say(f"Unsaved changes to the plan of {code} are back: Save plan to store them.", error=True)
        self.headline.setText(f"Plan of {code}" if code else "Enter a patient code to edit their plan.")
        for w in (self.add, self.save_button, self.template, self.list):
            w.setEnabled(code is not None)
        self._refill(0 if self.items else -1)

    def plan(self) -> ExercisePlan:
        """The plan as edited."""
        return ExercisePlan(tuple(self.items))

    def stored_item(self, protocol_id: str) -> "PlanItem | None":
        """The current patient's saved plan item for ``protocol_id`` (None without a patient, a
        saved plan, or that exercise in it; an unreadable plan is said in one line)."""
        if self.code is None:
            return None
        try:
            with self._open() as db:
                text = db.plan(self.code)
            return plan_from_json(text).item(protocol_id) if text else None
        except (EmgFeedbackError, sqlite3.Error, OSError, ValueError) as err:
            self._say(f"Stored plan not used: {err}", error=True)
            return None

    def _refill(self, row: int) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for item in self.items:
            self.list.addItem(self._item_text(item))
        self.list.blockSignals(False)
        self.list.setCurrentRow(row)
        self._show_item(row)

    def _show_item(self, row: int) -> None:
        """Put item ``row`` in the form (-1: an empty, disabled form)."""
        self.errors = {}
        for label in self.field_errors.values():
            label.setText("")
        self.form_box.setEnabled(0 <= row < len(self.items))
        for b in (self.up, self.down, self.remove):
            b.setEnabled(0 <= row < len(self.items))
        if not (0 <= row < len(self.items)):
            self.form_box.setTitle("Exercise")
            return
        item = self.items[row]
        p = self.protocols.get(item.protocol)
        self.form_box.setTitle(p.name if p else item.protocol)
        self._loading = True
        self.reps.setValue(item.reps)
        self.sets.setValue(item.sets)
        self.hold.setValue(item.hold_s)
        self.rest.setValue(item.rest_s)
        self.sides.setCurrentText(item.sides)
        self.targets.setText("; ".join(t.text for t in item.targets))
        for mode, box in self.audio.items():
            box.setChecked(mode in item.audio)
        self._loading = False

    def _edited(self, *_: object) -> None:
        """A field changed: check it and keep the item (or say why not, beside the field)."""
        row = self.list.currentRow()
        if self._loading or not (0 <= row < len(self.items)):
            return
        self.errors = {}
        try:
            targets = parse_targets(self.targets.text())
        except ValueError as err:
            self.errors["targets"] = str(err)
            targets = self.items[row].targets
        values = dict(reps=self.reps.value(), sets=self.sets.value(), hold_s=self.hold.value(),
                      rest_s=self.rest.value(), sides=self.sides.currentText(),
                      audio=tuple(m for m, b in self.audio.items() if b.isChecked()))
        candidate = self.items[row]
        try:  # PlanItem validates itself: "clamshell: reps must be 1–100, got 0"
            candidate = dataclasses.replace(self.items[row], targets=targets, **values)
        except ValueError as err:
            field = str(err).split(": ", 1)[-1].split(" ", 1)[0]
            self.errors[field if field in self.field_errors else "reps"] = str(err)
        for name, label in self.field_errors.items():
            label.setText(self.errors.get(name, ""))
            label.setToolTip(self.errors.get(name, ""))
        if self.errors:
            self._say("Not saved: fix the field marked in red.", error=True)
            return
        self.items[row] = candidate
        self._say("Changed — Save plan to keep it.")
        self.list.item(row).setText(self._item_text(candidate))

    def _item_text(self, item: PlanItem) -> str:
        """One line of the list: "Clamshell: 12 × 2 (each) — TFL:GMed ≤ 0.6"."""
        p = self.protocols.get(item.protocol)
        targets = "; ".join(t.text for t in item.targets)
        return f"{p.name if p else item.protocol}: {item.reps} × {item.sets} ({item.sides})" + (
            f" — {targets}" if targets else "")

    # ------------------------------------------------------------------ actions
    def add_exercise(self, protocol_id: str) -> None:
        """Append the template ``protocol_id`` with its defaults (once per protocol)."""
        if any(i.protocol == protocol_id for i in self.items):
            self._say(f"{self.protocols[protocol_id].name} is already in the plan.", error=True)
            self._refill([i.protocol for i in self.items].index(protocol_id))
            return
        self.items.append(plan_item_from_protocol(self.protocols[protocol_id]))
        self._refill(len(self.items) - 1)

    def select(self, protocol_id: str) -> None:
        """Put the plan's item of ``protocol_id`` in the form."""
        rows = [i.protocol for i in self.items]
        if protocol_id not in rows:
            raise ValueError(f"{protocol_id} is not in the plan")
        self.list.setCurrentRow(rows.index(protocol_id))

    def move(self, step: int) -> None:
        """Move the selected exercise up (-1) or down (+1)."""
        row = self.list.currentRow()
        new = row + step
        if 0 <= row < len(self.items) and 0 <= new < len(self.items):
            self.items[row], self.items[new] = self.items[new], self.items[row]
            self._refill(new)

    def remove_current(self) -> None:
        """Take the selected exercise out of the plan."""
        row = self.list.currentRow()
        if 0 <= row < len(self.items):
            del self.items[row]
            self._refill(min(row, len(self.items) - 1))

    def save(self) -> bool:
        """Store the plan for the current patient; False (and one line why) when it cannot be."""
        if self.code is None:
            self._say("Enter a patient code first.", error=True)
            return False
        if self.errors:
            self._say("Not saved: " + next(iter(self.errors.values())), error=True)
            return False
        try:
            text = plan_to_json(self.plan())
            with self._open() as db:
                db.set_plan(self.code, text)
        except (EmgFeedbackError, sqlite3.Error, OSError, ValueError) as err:
            self._say(f"Not saved: {err}", error=True)
            return False
        self._stored = list(self.items)
        self._say(f"Plan of {self.code} saved ({len(self.items)} exercise{'s' if len(self.items) != 1 else ''}).")
        self.saved.emit(self.code)
        return True

    def save_notes(self) -> bool:
        """Store the notes with the visit under way (the visit starts if none has)."""
        if self.session_id_for is None or self.code is None:
            self.notes.message.setText("Enter a patient code first.")
            self.notes.message.setStyleSheet(f"color: {BAD};")
            return False
        try:
            sid = self.session_id_for()
            with self._open() as db:
                db.set_session_notes(sid, **self.notes.values())
        except (EmgFeedbackError, sqlite3.Error, OSError, ValueError) as err:
            self.notes.message.setText(f"Notes not saved: {err}")
            self.notes.message.setStyleSheet(f"color: {BAD};")
            return False
        self.notes.message.setText("Notes saved with this visit.")
        self.notes.message.setStyleSheet(f"color: {MUTED};")
        return True

