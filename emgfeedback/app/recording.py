"""The record button's logic and the session report, for the main window.

Recording runs on the session worker (:meth:`LiveSession.start_recording`); this object asks
for it, shows its :class:`~emgfeedback.session.RecordingStatus` (indicator, saved file, write
errors such as a full disk) and, once a recording exists, makes its HTML report on a background
thread and opens it.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any, Callable, Mapping

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices

from emgfeedback.app.bridge import SessionBridge
from emgfeedback.app.pages import SummaryPage
from emgfeedback.app.panels import PatientBar
from emgfeedback.errors import EmgFeedbackError
from emgfeedback.session import (
    STREAMING,
    LiveSession,
    RecordingStatus,
    recording_path,
    write_session_report,
)

__all__ = ["RecordingControls"]


class RecordingControls(QObject):
    """Start/stop recording, show its state, make and open the report.

    Parameters
    ----------
    bridge : SessionBridge
        Gives the running :class:`LiveSession`.
    patient : PatientBar
        Patient code, record button, indicator and message line.
    summary : SummaryPage
        Holds the "Open report" button.
    recordings_dir : str or Path, optional
        Folder for recordings (default ``$EMGFEEDBACK_RECORDINGS`` or ``~/emgfeedback-recordings``).
    db_path : str or Path, optional
        Session database (default ``storage.default_db_path()``; ``$EMGFEEDBACK_DB``).
    """

    #: (report path, error) from the report thread.
    report_done = Signal(str, str)

    def __init__(self, bridge: SessionBridge, patient: PatientBar, summary: SummaryPage, *,
                 recordings_dir: "str | Path | None" = None, db_path: "str | Path | None" = None,
                 parent: "QObject | None" = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.patient = patient
        self.summary = summary
        self.recordings_dir = None if recordings_dir is None else Path(recordings_dir)
        self.db_path = db_path
        #: Shows a whole line where there is room (the main window's status bar).
        self.notify: Callable[[str], Any] = lambda text: None
        #: Opens the report (tests replace it; default ``QDesktopServices.openUrl``).
        self.open_url: Callable[[QUrl], Any] = QDesktopServices.openUrl
        #: The patient's visit by code (the main window's; None: each recording is its own visit).
        self.visit_for: "Callable[[str], Any] | None" = None
        #: The session being recorded (None when not recording).
        self.live: "LiveSession | None" = None
        self.last_recording: "Path | None" = None
        self.last_report: "Path | None" = None
        self._last_mvc: dict[str, float] = {}
        #: Where the MVC in use came from, for the report (the MVC page's ``report_note``).
        self.mvc_note: Callable[[], str] = lambda: ""
        self._last_mvc_note = ""
        self._seen: "RecordingStatus | None" = None
        patient.record_toggled.connect(self.toggle)
        summary.report.clicked.connect(self.open_report)
        self.report_done.connect(self._on_report_done)

    def toggle(self) -> None:
        """Record button: start, or stop the running recording."""
        if self.live is not None:
            self.stop()
        else:
            self.start()

    def start(self) -> bool:
        """Start recording the streaming device to ``CODE_DATE.edf`` in the recordings folder
        (the file is created on the session worker); False with a message when it cannot."""
        live = self.bridge.live
        if live is None or live.state != STREAMING:
            self.patient.show_message("connect a device before recording", error=True)
            return False
        code = self.patient.patient_code()
        if code is None:
            self.patient.show_message("enter a de-identified patient code (e.g. P-0042) to record", error=True)
            return False
        try:
            path = recording_path(code, self.recordings_dir)
        except (ValueError, EmgFeedbackError) as err:
            self.patient.show_message(str(err), error=True)
            return False
        session_id = None
        if self.visit_for is not None:  # the recording joins the patient's visit
            try:
                visit = self.visit_for(code)
                session_id = visit.ensure()
                live.set_visit(visit, self.db_path)  # reps after the recording stay in the visit
            except (EmgFeedbackError, ValueError, OSError, sqlite3.Error) as err:
                self.notify(f"session database: {err}")
        live.start_recording(path, code, db_path=self.db_path, session_id=session_id)
        self.live, self._seen = live, None
        self.patient.set_recording(True)
        self.patient.show_message("")
        self.patient.indicator.setToolTip(f"recording to {path}")
        return True

    def stop(self) -> None:
        """Finish the recording (on the worker; the window shows it on a later tick)."""
        if self.live is not None:
            self.live.stop_recording()

    def poll(self) -> None:
        """Show the recording's latest status (cheap: nothing happens when it did not change)."""
        live = self.live
        st = live.recording_status if live is not None else None
        if st is None or st is self._seen:
            return
        self._seen = st
        if st.active:
            self.patient.indicator.set_text(st.line())
            if st.warning and self.patient.message.text() != st.warning:
                self.patient.show_message(st.warning, error=True)
            return
        self.live = None
        self.patient.set_recording(False)
        engine = live.engine if live is not None else None
        self._last_mvc = engine.mvc_uv if engine is not None else {}
        self._last_mvc_note = self.mvc_note() if self._last_mvc else ""
        if st.error:
            self.patient.show_message(st.error, error=True)
            self.notify(st.error)
        elif st.warning:
            self.patient.show_message(f"saved {st.path.name}; {st.warning}", error=True)
            self.notify(f"saved {st.path}; {st.warning}")
        else:
            self.patient.show_message(f"saved ({st.recorded_s:.0f} s, {st.reps} reps)")
            self.patient.message.setToolTip(str(st.path))
            self.notify(f"saved {st.path} ({st.recorded_s:.0f} s, {st.reps} reps)")
        if st.recorded_s > 0 and st.path.is_file():
            self.last_recording = st.path
            self.summary.set_report_state("ready")
            self.summary.show_report_message(f"recording: {st.path}")

    def open_report(self) -> None:
        """Make the last recording's HTML report on a background thread, then open it."""
        path = self.last_recording
        if path is None or self.summary.report_state == "busy":
            return
        self.summary.set_report_state("busy")
        self.summary.show_report_message(f"analysing {path.name}…")
        mvc = dict(self._last_mvc)
        threading.Thread(target=self._make_report, args=(path, mvc, self._last_mvc_note),
                         name="emgfeedback-report", daemon=True).start()

    def _make_report(self, path: Path, mvc: Mapping[str, float], mvc_note: str = "") -> None:
        try:
            out = write_session_report(path, mvc_uv=mvc or None, mvc_note=mvc_note)
        except (EmgFeedbackError, ValueError, OSError) as err:
            self.report_done.emit("", f"no report for {path.name}: {err}")
            return
        self.report_done.emit(str(out), "")

    def _on_report_done(self, out: str, error: str) -> None:
        self.summary.set_report_state("ready")
        if error:
            self.summary.show_report_message(error, error=True)
            return
        self.last_report = Path(out)
        self.summary.show_report_message(f"report: {out}")
        self.open_url(QUrl.fromLocalFile(out))
