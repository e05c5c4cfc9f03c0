"""The clinician's keyboard shortcuts, on the dashboard and on the patient view (the clinician may
be looking at either), and the foot-pedal mapping (a USB foot pedal is a keyboard).

Single keys (Space, Page Up/Down, F-keys, ``?``) are what pedals and presenters send; they never
fire while the clinician types in a text field (patient code, marker note, device URL): there
the key belongs to the field. Shortcuts with Ctrl always fire. One action fires at most once per
:data:`DEBOUNCE_S` (a pedal that bounces starts a protocol once).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QDialog, QLabel, QLineEdit, QPlainTextEdit,
                               QPushButton, QTextEdit, QVBoxLayout, QWidget)

from emgfeedback.session import Phase

if TYPE_CHECKING:  # pragma: no cover
    from emgfeedback.app.main_window import MainWindow

__all__ = ["Shortcut", "SHORTCUTS", "PEDAL", "DEBOUNCE_S", "ClinicianShortcuts", "ShortcutsDialog", "is_typing",
           "is_single_key", "shortcuts_html"]

#: Least time between two firings of one action, s.
DEBOUNCE_S = 0.4


@dataclass(frozen=True)
class Shortcut:
    """One action and its keys (``QKeySequence`` portable text)."""

    action: str
    keys: tuple[str, ...]
    what: str


SHORTCUTS = (
    Shortcut("start_stop", ("Space", "F5"), "Start the selected exercise, or stop the one running"),
    Shortcut("next_set", ("PgDown",), "Next set: end the set break now"),
    Shortcut("marker", ("Ctrl+M", "PgUp"), "Marker: mark this moment (with the marker note's text)"),
    Shortcut("record", ("Ctrl+R", "F9"), "Start or stop recording"),
    Shortcut("patient_view", ("Ctrl+P", "F11"), "Open or close the patient view"),
    Shortcut("help", ("F1", "?"), "This list of shortcuts"),
)

#: A three-pedal USB foot switch (or a page-turner pedal): (pedal, key it sends, action).
PEDAL = (("left pedal", "PgUp", "marker"), ("middle pedal", "Space", "start_stop"),
         ("right pedal", "PgDown", "next_set"))


def is_single_key(keys: str) -> bool:
    """True for a key without Ctrl, Alt or Meta (what a pedal sends)."""
    seq = QKeySequence(keys)
    mods = seq[0].keyboardModifiers() if seq.count() else Qt.KeyboardModifier.NoModifier
    heavy = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
    return not (mods & heavy)


def is_typing(widget: "QWidget | None") -> bool:
    """True when ``widget`` (the focus) is a field the clinician types in."""
    if isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit)):
        return not widget.isReadOnly()
    return isinstance(widget, QAbstractSpinBox)


def _key_name(keys: str) -> str:
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText) or keys


class ClinicianShortcuts(QObject):
    """The actions of :data:`SHORTCUTS` on ``window``; :meth:`install` binds their keys on a
    window (the dashboard, the patient view)."""

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.window = window
        self._last: dict[str, float] = {}
        #: Least time between two firings of one action, s.
        self.debounce_s = DEBOUNCE_S
        self.dialog: "ShortcutsDialog | None" = None
        self.actions: dict[str, Callable[[], None]] = {
            "start_stop": self.start_stop, "next_set": self.next_set, "marker": window.patient.request_marker,
            "record": self.record, "patient_view": window.toggle_patient_view, "help": self.show_help,
        }

    def status_buttons(self) -> "tuple[QPushButton, QPushButton]":
        """The status bar's "Patient view (F11)" and "Shortcuts (F1)" buttons (they never take
        the keyboard focus: single-key shortcuts keep working)."""
        view = QPushButton("Patient view (F11)")
        view.setToolTip("A second window for the patient: full screen on a second monitor")
        view.clicked.connect(self.window.toggle_patient_view)
        keys = QPushButton("Shortcuts (F1)")
        keys.clicked.connect(self.show_help)
        for b in (view, keys):
            b.setStyleSheet("padding: 2px 10px; font-size: 14px;")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return view, keys

    def install(self, widget: QWidget) -> list[QShortcut]:
        """Bind every shortcut's keys on ``widget``'s window."""
        made = []
        for sc in SHORTCUTS:
            for keys in sc.keys:
                s = QShortcut(QKeySequence(keys), widget)
                s.setContext(Qt.ShortcutContext.WindowShortcut)
                s.activated.connect(lambda a=sc.action, k=keys: self.trigger(a, single=is_single_key(k)))
                made.append(s)
        return made

    def trigger(self, action: str, *, single: bool = False) -> bool:
        """Run ``action`` unless a single key was pressed while typing in a text field or the
        action fired less than :attr:`debounce_s` ago; True when it ran."""
        if single and is_typing(QApplication.focusWidget()):
            return False
        now = time.monotonic()
        if now - self._last.get(action, -1e9) < self.debounce_s:
            return False
        self._last[action] = now
        self.actions[action]()
        return True

    def _say(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 5000)

    # ------------------------------------------------------------------ actions
    def start_stop(self) -> None:
        """Stop the running exercise, or start the one selected in the protocol panel."""
        win = self.window
        st = win.runner_state
        if st is not None and st.phase not in (Phase.IDLE, Phase.DONE):
            win.protocol_panel.stop_requested.emit()
            self._say("Exercise stopped")
        elif not win.bridge.is_connected:
            self._say("Connect a device first, then start the exercise")
        else:
            win.start_protocol(win.protocol_panel.current())
            self._say(f"Started: {win.protocol_panel.current().name}")

    def next_set(self) -> None:
        """End the set break now (nothing outside a set break)."""
        st = self.window.runner_state
        if st is None or st.phase is not Phase.SET_REST:
            self._say("Next set works during a set break")
            return
        self.window.bridge.call(lambda engine: engine.next_set())
        self._say("Next set")

    def record(self) -> None:
        """Start or stop recording (the Record button's rules: a device and a patient code)."""
        button = self.window.patient.record
        if button.isEnabled():
            button.click()
        else:
            self._say(f"Cannot record: {button.toolTip()}")

    def show_help(self) -> None:
        """Show the list of shortcuts and the pedal mapping."""
        if self.dialog is None:
            self.dialog = ShortcutsDialog(self.window)
        self.dialog.show()
        self.dialog.raise_()


def shortcuts_html() -> str:
    """The shortcuts and the pedal mapping as an HTML table (the help dialog's text)."""
    rows = "".join(f"<tr><td><b>{' / '.join(_key_name(k) for k in sc.keys)}</b></td><td>{sc.what}</td></tr>"
                   for sc in SHORTCUTS)
    what = {sc.action: sc.what for sc in SHORTCUTS}
    pedal = "".join(f"<tr><td><b>{name}</b> ({_key_name(k)})</td><td>{what[a]}</td></tr>" for name, k, a in PEDAL)
    return (f"<table cellpadding=4>{rows}</table><p><b>Foot pedal</b> (set the pedal to send these keys):</p>"
            f"<table cellpadding=4>{pedal}</table><p>Single keys do nothing while you type in a text field "
            "(patient code, marker note): click outside it first. They work in the patient view too.</p>")


class ShortcutsDialog(QDialog):
    """The shortcuts and the pedal mapping (F1 or ``?``)."""

    def __init__(self, parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Shortcuts and foot pedal")
        lay = QVBoxLayout(self)
        self.text = QLabel(shortcuts_html())
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        lay.addWidget(self.text)
