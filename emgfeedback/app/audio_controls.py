"""Audio feedback in the dashboard: Sound on/off, volume, the sounds of the selected exercise,
and one status line (the device and its latency, or "no audio output: …").

The :class:`~emgfeedback.audio.AudioFeedback` is fed on the session worker (a
``LiveSession`` listener added when a device starts connecting), never by the UI timer: the
sound does not wait for a frame. Which sounds an exercise plays: the clinician's choice made
here in this session, else the patient's plan (``PlanItem.audio``, with the plan's targets),
else the exercise's defaults (cues, plus the target tone and/or the warning its targets call for).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Mapping

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QMenu, QSlider, QToolButton, QWidget

from emgfeedback.app.bridge import SessionBridge
from emgfeedback.app.layout import ElidedLabel
from emgfeedback.app.theme import BAD, MUTED
from emgfeedback.audio import AUDIO_MODES, MODE_LABELS, AudioFeedback, AudioOutput
from emgfeedback.audio.speech import load_speech
from emgfeedback.calibration import Protocol

__all__ = ["AudioControls"]

log = logging.getLogger(__name__)


class AudioControls(QWidget):
    """The audio panel (it sits in the status bar).

    Parameters
    ----------
    bridge : SessionBridge
        Its sessions get the feedback as a listener.
    protocols : mapping of str to Protocol
        The exercises.
    current : callable
        ``() -> Protocol``: the exercise selected in the protocol panel.
    plan_item : callable
        ``(protocol_id) -> PlanItem | None``: the patient's plan for an exercise.
    enabled : bool
        Open the audio output now (``dashboard --audio``); else Sound starts unchecked.
    device : int, str or None
        Output device (None: the system default; ``"null"``: no sound card).
    """

    def __init__(self, bridge: SessionBridge, protocols: Mapping[str, Protocol], current: Callable[[], Protocol],
                 plan_item: "Callable[[str], Any]" = lambda _pid: None, *, enabled: bool = False,
                 device: "int | str | None" = None, parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.bridge, self.protocols, self.current, self.plan_item = bridge, protocols, current, plan_item
        self.feedback = AudioFeedback()
        self.output = AudioOutput(self.feedback, device=device)
        # spoken cues ("hold", "three") where espeak-ng is installed, made once off the GUI thread
        threading.Thread(target=lambda: self.feedback.set_speech(load_speech(self.feedback.sample_rate)),
                         name="emgfeedback-speech", daemon=True).start()
        #: Modes the clinician chose here, per protocol id (kept while the dashboard runs).
        self.chosen: dict[str, tuple[str, ...]] = {}
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        self.sound = QCheckBox("Sound")
        self.sound.setToolTip("Audio feedback the patient can hear (off: muted)")
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(int(round(100 * self.feedback.volume)))
        self.volume.setFixedWidth(70)
        self.volume.setToolTip("Volume")
        self.modes = QToolButton()
        self.modes.setText("Sounds")
        self.modes.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = QMenu(self.modes)
        self.menu_title = self.menu.addSection("")
        self.actions = {}
        for mode in AUDIO_MODES:
            act = self.menu.addAction(MODE_LABELS[mode])
            act.setCheckable(True)
            act.toggled.connect(self._modes_changed)
            self.actions[mode] = act
        self.modes.setMenu(self.menu)
        self.status = ElidedLabel("", min_width=80, hint_width=260, elide=Qt.TextElideMode.ElideMiddle)
        for w in (self.sound, self.volume, self.modes, self.status):
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            lay.addWidget(w)
        self.sound.toggled.connect(self.set_sound)
        self.volume.valueChanged.connect(lambda v: self.feedback.set_volume(v / 100.0))
        bridge.connecting.connect(self._attach)
        bridge.disconnected.connect(self.feedback.silence)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.show_status)
        self.timer.start()
        self.refresh()
        self.sound.setChecked(enabled)
        self.show_status()

    # ------------------------------------------------------------------ wiring
    def _attach(self, _url: str = "") -> None:
        live = self.bridge.live
        if live is not None:
            live.add_listener(self.feedback.listen)

    def set_sound(self, on: bool) -> None:
        """Sound on (opens the output the first time; one line when there is none) or muted."""
        if on and not self.output.active and not self.output.start():
            log.info("%s", self.output.status)
            self.sound.blockSignals(True)
            self.sound.setChecked(False)  # shows what is true: silent (check again to retry)
            self.sound.blockSignals(False)
            on = False
        self.feedback.set_muted(not on)
        self.show_status()

    def close_output(self) -> None:
        """Close the audio output (the window is closing)."""
        self.timer.stop()
        self.output.close()

    # ------------------------------------------------------------------ the exercise's sounds
    def refresh(self) -> None:
        """Show (and apply) the sounds of the selected exercise: chosen here, else the plan's,
        else its defaults; the plan's targets go with them."""
        protocol = self.current()
        item = self.plan_item(protocol.id)
        targets = tuple(getattr(item, "targets", ()) or ())
        modes = self.chosen.get(protocol.id, tuple(getattr(item, "audio", ()) or ()) or None)
        self.feedback.configure(protocol.id, modes, targets)
        active = self.feedback.modes_for(protocol)
        self.menu_title.setText(f"Sounds for {protocol.name}")
        for mode, act in self.actions.items():
            act.blockSignals(True)
            act.setChecked(mode in active)
            act.blockSignals(False)
        self.modes.setText(f"Sounds ({len(active)})")

    def set_modes(self, modes: "tuple[str, ...] | list[str]") -> None:
        """The clinician's choice of sounds for the selected exercise."""
        protocol = self.current()
        self.chosen[protocol.id] = tuple(m for m in AUDIO_MODES if m in modes)
        self.refresh()

    def _modes_changed(self, _on: bool) -> None:
        self.set_modes([m for m, act in self.actions.items() if act.isChecked()])

    # ------------------------------------------------------------------ status
    def status_text(self) -> str:
        """One line: the output (device, reported and measured latency) or why there is none,
        and why a chosen sound cannot play."""
        out = self.output
        if out.active:
            text = f"♪ {out.device_name}"
            if out.reported_latency_s == out.reported_latency_s and out.reported_latency_s > 0:
                text += f", output latency {1000 * out.reported_latency_s:.0f} ms"
            measured = out.latency_text()
            text += f"; {measured}" if measured else ""
            text += "" if self.sound.isChecked() else " (muted)"
        elif out.status.startswith("no audio output"):
            text = out.status
        else:
            text = "sound off"
        return f"{text} · {self.feedback.notice}" if self.feedback.notice and out.active else text

    def show_status(self) -> None:
        text = self.status_text()
        self.status.setText(text)
        bad = text.startswith("no audio output")
        self.status.setStyleSheet(f"color: {BAD if bad else MUTED};")
