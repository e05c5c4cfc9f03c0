"""Control panels: connect (device URL, recent devices, simulated scenarios), patient code,
record button and recording indicator, and the protocol panel (exercise, cue, hold timer, rep/set counter, beeps)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Mapping, Sequence

from PySide6.QtCore import QRectF, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emgfeedback.app.layout import ElidedLabel, TextBox, fit_font
from emgfeedback.app.theme import BAD, GOOD, MUTED, PANEL, PHASE_COLORS, TEXT, WARN
from emgfeedback.calibration import Protocol
from emgfeedback.measures import RepPlan
from emgfeedback.session import Phase, PhaseEvent, RunnerState, validate_patient_code

__all__ = ["ConnectPanel", "PatientBar", "PhaseDisplay", "ProtocolPanel", "RecentDevices", "RecordIndicator",
           "RECORD_TOOLTIP"]

#: Record button tooltips: what it does, and why it is disabled.
RECORD_TOOLTIP = {
    "ready": "Record the session to an EDF+ file and store per-rep results in the session database",
    "recording": "Stop recording and finish the file",
    "no_device": "Connect a device to record",
    "no_code": "Enter a de-identified patient code (e.g. P-0042) to record",
}


class RecentDevices:
    """The last device URLs used, newest first, in a small JSON file (no patient data)."""

    def __init__(self, path: "Path | None" = None, limit: int = 8) -> None:
        if path is None:
            base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation)
            path = Path(base or Path.home() / ".config" / "emgfeedback") / "recent_devices.json"
        self.path = Path(path)
        self.limit = limit

    def load(self) -> list[str]:
        """Recent URLs (empty when the file is missing or unreadable)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [u for u in data if isinstance(u, str)][: self.limit] if isinstance(data, list) else []

    def add(self, url: str) -> list[str]:
        """Put ``url`` first and save; returns the new list (saving errors are ignored)."""
        urls = [url] + [u for u in self.load() if u != url]
        urls = urls[: self.limit]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(urls), encoding="utf-8")
        except OSError:
            pass
        return urls


#: The mains choices of the connect bar: label -> ``ProcessingSettings.mains_hz``.
MAINS_CHOICES = {"50 Hz mains": 50.0, "60 Hz mains": 60.0, "no notch": None}


def _shrinkable(combo: QComboBox, chars: int) -> None:
    """Let ``combo`` be as narrow as ``chars`` characters (its longest item no longer sets the
    window's minimum width); the drop-down list stays wide enough for every item."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)


class ConnectPanel(QFrame):
    """Device URL (editable, with recent devices), a simulated-scenario picker, the mains
    frequency (the notch: 50 Hz in Europe, 60 Hz in the Americas), the onset detector (every
    registered one) and Connect."""

    connect_requested = Signal(str)
    disconnect_requested = Signal()

    def __init__(self, scenarios: Sequence[str], recent: RecentDevices, url: str = "sim://",
                 parent: "QWidget | None" = None, mains_hz: "float | None" = 50.0,
                 method: str = "hodges") -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.recent = recent
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 4, 10, 4)
        lay.addWidget(QLabel("Device"))
        self.url = QComboBox()
        self.url.setEditable(True)
        _shrinkable(self.url, 16)
        self.url.addItems([url] + [u for u in recent.load() if u != url])
        self.url.setToolTip("sim://?scenario=NAME, serial:///dev/ttyUSB0, ble://NAME, cyton://PORT …")
        lay.addWidget(self.url, 3)
        self.scenario = QComboBox()
        self.scenario.addItem("simulated scenario…")
        self.scenario.addItems(list(scenarios))
        _shrinkable(self.scenario, 10)
        self.scenario.activated.connect(self._pick_scenario)
        lay.addWidget(self.scenario, 2)
        self.mains = QComboBox()
        self.mains.addItems(list(MAINS_CHOICES))
        self.mains.setToolTip("powerline frequency to notch (applies at the next Connect)")
        self.set_mains(mains_hz)
        lay.addWidget(self.mains)
        from emgfeedback.dsp.onsets import METHODS  # every registered detector, plug-ins too

        self.method = QComboBox()
        self.method.addItems(list(METHODS))
        self.method.setToolTip("onset detector (applies at the next Connect; docs/onsets.md)")
        self.method.setCurrentText(method)
        lay.addWidget(self.method)
        self.button = QPushButton("Connect")
        self.button.setObjectName("primary")
        self.button.clicked.connect(self._clicked)
        lay.addWidget(self.button)
        self.status = ElidedLabel("not connected", min_width=60, hint_width=200,
                                  elide=Qt.TextElideMode.ElideMiddle)  # keeps the error's advice
        self.status.setStyleSheet(f"color: {MUTED};")
        lay.addWidget(self.status, 2)
        self._connected = False

    def mains_hz(self) -> "float | None":
        """The chosen mains frequency, Hz (None: no notch)."""
        return MAINS_CHOICES[self.mains.currentText()]

    def set_mains(self, mains_hz: "float | None") -> None:
        """Select ``mains_hz`` (50.0, 60.0 or None)."""
        for i, value in enumerate(MAINS_CHOICES.values()):
            if value == mains_hz:
                self.mains.setCurrentIndex(i)

    def onset_method(self) -> str:
        """The chosen onset detector (a registered name)."""
        return self.method.currentText()

    def _pick_scenario(self, index: int) -> None:
        if index > 0:
            # the simulated patient follows the protocol's cues, as a patient on the plinth would
            self.url.setEditText(f"sim://?scenario={self.scenario.itemText(index)}&follow=1")

    def _clicked(self) -> None:
        if self._connected:
            self.disconnect_requested.emit()
        else:
            self.connect_requested.emit(self.url.currentText().strip())

    def set_connecting(self, url: str) -> None:
        """Show that the device is being opened (the button then cancels)."""
        self._connected = True
        self.button.setText("Cancel")
        self.status.setText(f"connecting to {url}…")
        self.status.setStyleSheet(f"color: {WARN};")

    def set_connected(self, connected: bool, text: str) -> None:
        """Show the link state (``text`` is one line)."""
        self._connected = connected
        self.button.setText("Disconnect" if connected else "Connect")
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {GOOD if connected else MUTED};")
        if connected:
            urls = self.recent.add(self.url.currentText().strip())
            current = self.url.currentText()
            self.url.blockSignals(True)
            self.url.clear()
            self.url.addItems(urls)
            self.url.setEditText(current)
            self.url.blockSignals(False)

    def show_error(self, text: str) -> None:
        """Show a failure in red (one line)."""
        self.set_connected(False, text)
        self.status.setStyleSheet(f"color: {BAD};")


class RecordIndicator(QWidget):
    """``● REC 01:23 · 2.4 MB`` in red while recording, painted in a fixed-size widget so that
    the once-a-second change never relayouts the window."""

    def __init__(self, parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.setFixedSize(180, 28)
        self.text = ""
        self.hide()  # takes room beside the tabs only while recording

    def set_text(self, text: str) -> None:
        """Show ``text`` (empty: nothing, and no room taken); repaints only when it changed."""
        if text != self.text:
            self.text = text
            self.setVisible(bool(text))
            self.update()

    def paintEvent(self, event: object) -> None:  # noqa: N802 - Qt name
        from PySide6.QtGui import QColor, QPainter

        p = QPainter(self)
        p.fillRect(self.rect(), QColor(PANEL))
        if self.text:
            # 16 px, smaller for an hour-long recording's longer text: never cut in the fixed box
            p.setFont(fit_font("● " + self.text, self.width(), self.height(), 16, bold=True))
            p.setPen(QColor(BAD))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignVCenter, "● " + self.text)
        p.end()


class PatientBar(QFrame):
    """De-identified patient code (validated as typed), the record button and indicator.

    The button is enabled when a device streams and the code is valid; ``record_toggled``
    asks the window to start or stop. :meth:`show_message` puts one line (red for errors)
    where the code's problems are shown.
    """

    record_toggled = Signal()
    #: The Marker button (or Enter in the note, or Ctrl+M): ``(note, time.monotonic())``.
    marker_requested = Signal(str, float)

    def __init__(self, parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 1, 2, 1)  # it sits beside the tabs, as high as the tab bar
        label = QLabel("Patient")  # short: six tabs and this bar share one row at 1366 px
        label.setToolTip("De-identified patient code")
        lay.addWidget(label)
        self.code = QLineEdit()
        self.code.setPlaceholderText("e.g. P-0042")
        self.code.setToolTip("De-identified code only: letters, digits, '-' or '_', with a digit. Never a name.")
        self.code.setMaxLength(16)
        self.code.setFixedWidth(130)
        self.code.setStyleSheet("padding: 3px 6px;")  # as high as the tab bar it sits beside
        self.code.textChanged.connect(self._check)
        lay.addWidget(self.code)
        self.message = ElidedLabel("", min_width=60, hint_width=100)
        self.message.setStyleSheet(f"color: {BAD};")
        lay.addWidget(self.message, 1)
        self.indicator = RecordIndicator()
        lay.addWidget(self.indicator)
        self.note = QLineEdit()
        self.note.setPlaceholderText("marker note")
        self.note.setMaxLength(200)
        self.note.setFixedWidth(110)
        self.note.setStyleSheet("padding: 3px 6px;")
        self.note.setToolTip("Optional text of the next marker; Enter marks the moment")
        self.note.returnPressed.connect(self.request_marker)
        lay.addWidget(self.note)
        self.mark = QPushButton("⚑ Marker")
        self.mark.setStyleSheet("padding: 5px 8px;")
        self.mark.setToolTip("Mark this moment (Ctrl+M): 'marker NOTE' in the recording and on the LSL outlet")
        self.mark.clicked.connect(self.request_marker)
        lay.addWidget(self.mark)
        self.record = QPushButton("● Record")
        self.record.setFixedWidth(120)
        self.record.setStyleSheet("padding: 5px 12px;")
        self.record.clicked.connect(self.record_toggled.emit)
        lay.addWidget(self.record)
        self.streaming = False
        self.recording = False
        self._update_button()

    def _check(self, text: str) -> None:
        if not text:
            self.message.setText("")
            self.code.setProperty("invalid", False)
        else:
            try:
                validate_patient_code(text)
                self.message.setText("")
                self.code.setProperty("invalid", False)
            except ValueError as err:
                self.message.setText(str(err).split(";")[-1].strip())
                self.message.setToolTip(str(err))
                self.message.setStyleSheet(f"color: {BAD};")
                self.code.setProperty("invalid", True)
        self.code.style().unpolish(self.code)
        self.code.style().polish(self.code)
        self._update_button()

    def patient_code(self) -> "str | None":
        """The validated code, or None when empty or invalid."""
        try:
            return validate_patient_code(self.code.text())
        except ValueError:
            return None

    def request_marker(self) -> None:
        """Ask for a marker now (with the note's text, then cleared) while a device streams."""
        if self.streaming:
            self.marker_requested.emit(self.note.text(), time.monotonic())
            self.note.clear()

    def set_streaming(self, streaming: bool) -> None:
        """A device streams (recording possible) or not."""
        self.streaming = streaming
        self._update_button()

    def set_recording(self, recording: bool) -> None:
        """Switch the button between Record and Stop; the code is locked while recording."""
        self.recording = recording
        self.code.setReadOnly(recording)
        if not recording:
            self.indicator.set_text("")
        self._update_button()

    def show_message(self, text: str, error: bool = False) -> None:
        """One line beside the code (red for an error), the full text as its tooltip."""
        self.message.setText(text)
        self.message.setToolTip(text)
        self.message.setStyleSheet(f"color: {BAD if error else GOOD};")

    def _update_button(self) -> None:
        self.mark.setEnabled(self.streaming)
        if self.recording:
            self.record.setText("■ Stop")
            self.record.setEnabled(True)
            self.record.setToolTip(RECORD_TOOLTIP["recording"])
            return
        self.record.setText("● Record")
        ok = self.streaming and self.patient_code() is not None
        self.record.setEnabled(ok)
        self.record.setToolTip(RECORD_TOOLTIP["ready" if ok else "no_device" if not self.streaming else "no_code"])


class ProtocolPanel(QFrame):
    """Exercise picker, Start/Stop, and the big phase word, hold timer, rep/set counter and cue.

    A beep marks the start of each hold and of each rest (``QApplication.beep``).
    """

    start_requested = Signal(object)  # Protocol
    stop_requested = Signal()

    def __init__(self, protocols: Mapping[str, Protocol], parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.protocols = dict(protocols)
        self.beeps = 0
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        row = QHBoxLayout()
        self.choice = QComboBox()
        for p in self.protocols.values():
            self.choice.addItem(p.name, p.id)
        self.choice.currentIndexChanged.connect(self._show_summary)
        _shrinkable(self.choice, 14)
        row.addWidget(self.choice, 1)
        self.start = QPushButton("Start")
        self.start.setObjectName("primary")
        self.start.clicked.connect(lambda: self.start_requested.emit(self.current()))
        self.stop = QPushButton("Stop")
        self.stop.clicked.connect(self.stop_requested.emit)
        row.addWidget(self.start)
        row.addWidget(self.stop)
        lay.addLayout(row)
        self.position = QLabel()
        self.position.setWordWrap(True)
        self.position.setStyleSheet(f"color: {MUTED}; font-size: 15px;")
        lay.addWidget(self.position)
        self.display = PhaseDisplay()
        lay.addWidget(self.display, 1)
        self._show_summary()

    def current(self) -> Protocol:
        """The selected protocol."""
        return self.protocols[self.choice.currentData()]

    def select(self, protocol_id: str) -> None:
        """Select a protocol by id."""
        i = self.choice.findData(protocol_id)
        if i < 0:
            raise ValueError(f"unknown protocol {protocol_id!r}; expected one of: {', '.join(self.protocols)}")
        self.choice.setCurrentIndex(i)

    def _show_summary(self) -> None:
        self.show_protocol(self.current())

    def show_protocol(self, p: Protocol, note: str = "") -> None:
        """Describe ``p`` under the picker: set-up, reps and sets, hold and rest (and ``note``,
        e.g. that the numbers are the patient's plan)."""
        self.position.setText(f"{p.position}  ·  {RepPlan.of(p).describe()}, "
                              f"hold {p.hold_s:g} s, rest {p.rest_s:g} s" + (f"  ·  {note}" if note else ""))

    def show_events(self, events: Sequence[PhaseEvent]) -> None:
        """Cue phase changes: beep when a hold or a rest begins."""
        for e in events:
            if e.phase in (Phase.HOLD, Phase.REST, Phase.DONE):
                QApplication.beep()
                self.beeps += 1

    def reset(self) -> None:
        """No protocol running (a new stream or patient): nothing left of the last one."""
        self.display.set_texts("READY", PHASE_COLORS["idle"], "–", "", "Choose an exercise and press Start.")

    def show_state(self, st: "RunnerState | None") -> None:
        """Show the runner's state (None: no protocol running)."""
        if st is None:
            return
        word = {"set_rest": "SET BREAK"}.get(st.phase.value, st.phase.value.upper())
        running = st.phase not in (Phase.IDLE, Phase.DONE)
        self.display.set_texts(word, PHASE_COLORS[st.phase.value],
                               f"{st.remaining_s:4.1f} s" if running else "–", st.counter_text(), st.cue)


class PhaseDisplay(QWidget):
    """The big phase word, hold timer, rep/set counter and cue, painted in one widget so that
    changing text never relayouts the window (a QLabel whose text changes asks its parents
    to lay out again, which repaints everything each frame)."""

    def __init__(self, parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(260, 110)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.phase_text, self.phase_color = "READY", MUTED
        self.timer_text = "–"
        self.counter_text = "Rep – / –   Set – / –"
        self.cue_text = "Choose an exercise and press Start."

    def set_texts(self, phase: str, color: str, timer: str, counter: str, cue: str) -> None:
        """Change what is shown; repaints only when something changed."""
        new = (phase, color, timer, counter, cue)
        if new != (self.phase_text, self.phase_color, self.timer_text, self.counter_text, self.cue_text):
            self.phase_text, self.phase_color, self.timer_text, self.counter_text, self.cue_text = new
            self.update()

    def text_boxes(self) -> list[TextBox]:
        """Phase word, timer, counter and cue with fonts fitted to the widget's size (the cue
        wraps and shrinks until it fits; the phase word and the timer are fitted to their
        longest form, so their size does not jump as they change)."""
        w, h = self.width(), self.height()
        top_h, counter_h = h * 0.38, h * 0.2
        cue_h = h - top_h - counter_h
        left, right = Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignRight
        v = Qt.AlignmentFlag.AlignVCenter
        return [
            TextBox(self.phase_text, QRectF(0, 0, w * 0.58, top_h),
                    fit_font(("SET BREAK", "PREPARE", self.phase_text), w * 0.58, top_h, top_h * 0.7, bold=True),
                    int(left | v),
                    self.phase_color),
            TextBox(self.timer_text, QRectF(w * 0.6, 0, w * 0.4, top_h),
                    fit_font(("00.0 s", self.timer_text), w * 0.4, top_h, top_h * 0.85, bold=True),
                    int(right | v), TEXT),
            TextBox(self.counter_text, QRectF(0, top_h, w, counter_h),
                    fit_font(self.counter_text, w, counter_h, counter_h * 0.8, bold=True), int(left | v), TEXT),
            TextBox(self.cue_text, QRectF(0, top_h + counter_h, w, cue_h),
                    fit_font(self.cue_text, w, cue_h, cue_h * 0.45, wrap=True),
                    int(left | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap), TEXT),
        ]

    def paintEvent(self, event: object) -> None:  # noqa: N802 - Qt name
        from PySide6.QtGui import QColor, QPainter

        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        p.fillRect(self.rect(), QColor(PANEL))
        for b in self.text_boxes():
            p.setFont(b.font)
            p.setPen(QColor(b.color))
            p.drawText(b.rect, b.flags, b.text)
        p.end()
