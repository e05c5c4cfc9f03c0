"""The visit's notes on the Plan tab: pain (0–10 numeric rating scale), RPE (Borg CR10, 0–10 in
halves) and free text, stored with the visit under way (``SessionDatabase.set_session_notes``);
and the "End visit" button."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

__all__ = ["NotesBox"]


class NotesBox(QGroupBox):
    """Session notes of the visit under way: pain 0–10, RPE (Borg CR10, 0–10), free text."""

    def __init__(self, parent: "QWidget | None" = None) -> None:
        super().__init__("This visit's notes", parent)
        form = QFormLayout(self)
        self.pain = QSpinBox()
        self.pain.setRange(-1, 10)
        self.pain.setSpecialValueText("not asked")
        self.pain.setValue(-1)
        self.pain.setToolTip("Pain now, 0 (none) to 10 (worst imaginable)")
        form.addRow("Pain (0–10)", self.pain)
        self.rpe = QDoubleSpinBox()
        self.rpe.setRange(-1.0, 10.0)
        self.rpe.setDecimals(1)
        self.rpe.setSingleStep(0.5)
        self.rpe.setSpecialValueText("not asked")
        self.rpe.setValue(-1.0)
        self.rpe.setToolTip("Rating of perceived exertion, Borg CR10: 0 (nothing) to 10 (maximal)")
        form.addRow("RPE (CR10)", self.rpe)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("free text (no names or other identifying details)")
        self.text.setMaximumHeight(90)
        form.addRow("Note", self.text)
        row = QHBoxLayout()
        self.save = QPushButton("Save notes")
        self.end = QPushButton("End visit")
        self.end.setToolTip("Close this visit: the next exercise, MVC or recording starts a new visit")
        row.addWidget(self.save)
        row.addWidget(self.end)
        form.addRow(row)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        form.addRow(self.message)

    def values(self) -> dict:
        """``{"pain": int | None, "rpe": float | None, "text": str}``."""
        pain, rpe = self.pain.value(), self.rpe.value()
        return {"pain": None if pain < 0 else pain, "rpe": None if rpe < 0 else rpe,
                "text": self.text.toPlainText().strip()}

    def clear(self) -> None:
        """Empty fields (a new visit)."""
        self.pain.setValue(-1)
        self.rpe.setValue(-1.0)
        self.text.clear()
