"""The Summary page's "Handover report" button: the current patient's visit written as PDF and
HTML (:func:`emgfeedback.session.handover.write_visit_handover`) on a background thread, then
opened, with one line saying where the files went or what went wrong."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from emgfeedback.app.theme import BAD, MUTED
from emgfeedback.errors import EmgFeedbackError

__all__ = ["HandoverReport"]


class HandoverReport(QWidget):
    """A button and a message line.

    Parameters
    ----------
    patient_code : callable
        The patient code on screen (None when none or invalid).
    visit_of : callable
        ``visit_of(code)``: the session id of that patient's visit under way, or None (the
        report is then of the patient's latest stored visit).
    db_path, folder : str or Path, optional
        Session database and where the files go (default the recordings folder).
    """

    #: (PDF path, error) from the worker thread.
    done = Signal(str, str)

    def __init__(self, patient_code: Callable[[], "str | None"], visit_of: Callable[[str], "int | None"], *,
                 db_path: "str | Path | None" = None, folder: "str | Path | None" = None,
                 parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.patient_code, self.visit_of = patient_code, visit_of
        self.db_path, self.folder = db_path, folder
        self.button = QPushButton("Handover report")
        self.button.setToolTip("Write this patient's visit as PDF and HTML to hand over (plan, verdicts, "
                               "earlier visits, trends, notes), then open the PDF")
        self.message = QLabel("")
        self.message.setStyleSheet(f"color: {MUTED};")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.message, 1)
        lay.addWidget(self.button)
        #: Opens the PDF (tests replace it).
        self.opener: Callable[[QUrl], object] = QDesktopServices.openUrl
        #: The files of the last report made.
        self.last: list[Path] = []
        self.button.clicked.connect(self.make)
        self.done.connect(self._on_done)

    def make(self) -> None:
        """Write the report of the patient's visit on a background thread."""
        code = self.patient_code()
        if code is None:
            self._say("Enter the patient's code first: the handover report is about one patient.", error=True)
            return
        if not self.button.isEnabled():
            return
        self.button.setEnabled(False)
        self.button.setText("Making handover report…")
        self._say(f"writing the handover report of {code}…")
        threading.Thread(target=self._work, args=(code, self.visit_of(code)), name="emgfeedback-handover",
                         daemon=True).start()

    def _work(self, code: str, session_id: "int | None") -> None:
        from emgfeedback.session.handover import write_visit_handover

        try:
            pdf, html = write_visit_handover(code, session_id=session_id, db_path=self.db_path, folder=self.folder)
        except (EmgFeedbackError, ValueError, OSError, sqlite3.Error) as err:
            self.done.emit("", f"No handover report: {err}")
            return
        self.last = [pdf, html]
        self.done.emit(str(pdf), "")

    def _on_done(self, pdf: str, error: str) -> None:
        self.button.setEnabled(True)
        self.button.setText("Handover report")
        if error:
            self._say(error, error=True)
            return
        self._say(f"handover report: {pdf} (and .html)")
        self.opener(QUrl.fromLocalFile(pdf))

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setToolTip(text)
        self.message.setStyleSheet(f"color: {BAD if error else MUTED};")
