"""The patient-facing view: a second window, full screen on a second monitor when there is one,
with one big feedback element for the running exercise, the rep counter, the hold timer and the
phase word — readable at 3 m and free of clinical jargon.

It is driven by the same ``SessionUpdate``s as the dashboard (``MainWindow._show_updates``); the
numbers it shows are the session's (runner state, %MVC, the measurement core's reps judged by
:func:`emgfeedback.measures.rep_meets_target`). The feedback element follows the protocol's
``feedback.metric``:

- ``percent_mvc``: a big bar of the target muscle with its target zone in green;
- ``tfl_to_glute_ratio``: a balance bar, "glute working" (green) against "front of hip taking
  over" (amber); its marker follows TFL over glute med (``dsp.ratios.tfl_to_glute_ratio`` of the
  working side's levels) during a hold and shows the last rep's ratio between holds;
- ``firing_order``: "Glute first!" in green when the last rep's glute max fired before the lower
  back (``onset(GMax) − onset(ES) < 0``), "Squeeze your buttock first" in amber when not;
- ``symmetry``: left and right bars of the muscle.

Every text is painted in one widget (``app/patient_display.PatientScreen``) with fonts derived
from the window's height (``FONT_RULES``), so changing numbers never relayout anything.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QVBoxLayout, QWidget

from emgfeedback.app.patient_display import Bar, PatientScreen, rep_verdict, score_text
from emgfeedback.calibration import Protocol
from emgfeedback.dsp.ratios import tfl_to_glute_ratio
from emgfeedback.measures import RepMetrics, rep_meets_target
from emgfeedback.model import Muscle, Side
from emgfeedback.session import Phase, RunnerState, SessionUpdate

__all__ = ["PatientView", "patient_screen"]


def patient_screen(screens: Sequence[QRect], main: QRect) -> "int | None":
    """Index of the screen for the patient view: the largest screen the main window is not on
    (the one holding its centre, else the one it overlaps most); None with a single screen."""
    if len(screens) < 2:
        return None
    centre = main.center()
    on = [i for i, s in enumerate(screens) if s.contains(centre)]
    if on:
        mine = on[0]
    else:
        overlap = [s.intersected(main) for s in screens]
        mine = max(range(len(screens)), key=lambda i: overlap[i].width() * overlap[i].height())
    others = [i for i in range(len(screens)) if i != mine]
    return max(others, key=lambda i: (screens[i].width() * screens[i].height(), -i))


# ---------------------------------------------------------------------- the window
class PatientView(QWidget):
    """The patient's window: follows the dashboard's updates (:meth:`show_updates`).

    Esc leaves full screen (and closes the window when it is not full screen); a double click
    toggles full screen. :meth:`place` puts it full screen on a second monitor when there is one.
    """

    def __init__(self, parent: "QWidget | None" = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("emgfeedback — patient view")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.screen_widget = PatientScreen()
        lay.addWidget(self.screen_widget)
        self.protocol: "Protocol | None" = None
        self.state: "RunnerState | None" = None
        self.judged: list["bool | None"] = []
        self.last_rep: "RepMetrics | None" = None
        self._peak = 0.0  # largest level seen without MVC values (scales the bars), µV
        self._bars: list[Bar] = []
        self._live_ratio = math.nan  # TFL over glute med now, during a hold

    # ------------------------------------------------------------------ content
    def clear(self) -> None:
        """Forget the exercise and its reps (a new stream or patient)."""
        self.protocol, self.state, self.last_rep, self.judged = None, None, None, []
        self._peak, self._bars, self._live_ratio = 0.0, [], math.nan
        self._refresh()

    def show_updates(self, updates: Sequence[SessionUpdate], protocol: "Protocol | None",
                     channel_ids: Sequence[str]) -> None:
        """Follow the updates drained this frame (those of ``protocol``, the running exercise)."""
        if protocol is not self.protocol:
            self.clear()
            self.protocol = protocol
        if not updates:
            return
        last = updates[-1]
        if last.runner is not None:
            self.state = last.runner
        for u in updates:
            if u.runner is None:  # reps measured before the protocol started are not its reps
                continue
            for rep in u.reps:
                if not rep.artefact:
                    self.last_rep = rep
                    self.judged.append(rep_meets_target(rep, protocol))
        self._bars = self._levels(last, list(channel_ids))
        self._live_ratio = self._ratio_now(last, list(channel_ids))
        self._refresh()

    def _levels(self, update: SessionUpdate, ids: list[str]) -> list[Bar]:
        """The bars of the percent_mvc and symmetry elements, 0–1 of their scale."""
        p = self.protocol
        if p is None or p.feedback.muscle is None or p.feedback.metric not in ("percent_mvc", "symmetry"):
            return []
        fb = p.feedback
        side = self.state.side if self.state is not None else None
        sides = list(Side) if fb.metric == "symmetry" or side is None else [side]
        pct = update.percent_mvc
        idx = [ids.index(f"{fb.muscle.value}_{s.value}") if f"{fb.muscle.value}_{s.value}" in ids else -1
               for s in sides]
        if pct is not None and fb.target_pct_mvc is not None:  # %MVC against the target zone
            full = fb.target_pct_mvc[1] * 1.3
            vals = [float(pct[i]) / full if i >= 0 else math.nan for i in idx]
            zone: "tuple[float, float] | None" = (fb.target_pct_mvc[0] / full, fb.target_pct_mvc[1] / full)
        else:  # no MVC (or no zone): the level against the largest seen in this exercise
            level = np.asarray(update.frame.level_uv, dtype=np.float64)
            raw = [float(level[i]) if i >= 0 else math.nan for i in idx]
            finite = [v for v in raw if math.isfinite(v)]
            self._peak = max([self._peak, *finite])
            vals = [v / self._peak if self._peak > 0 else math.nan for v in raw]
            zone = None
        labels = [s.value.capitalize() for s in sides] if len(sides) > 1 else [""]
        return [Bar(lab, v, zone) for lab, v in zip(labels, vals)]

    def _ratio_now(self, update: SessionUpdate, ids: list[str]) -> float:
        """During a hold of a ratio exercise: TFL over glute med of the working side(s) now
        (the larger of the two sides when both work); NaN otherwise."""
        p, st = self.protocol, self.state
        if p is None or p.feedback.metric != "tfl_to_glute_ratio" or st is None or st.phase is not Phase.HOLD:
            return math.nan
        level = np.asarray(update.frame.level_uv, dtype=np.float64)
        vals = []
        for s in ([st.side] if st.side is not None else list(Side)):
            tfl, gmed = f"{Muscle.TFL.value}_{s.value}", f"{Muscle.GLUTE_MED.value}_{s.value}"
            if tfl in ids and gmed in ids:
                vals.append(tfl_to_glute_ratio(level[[ids.index(tfl)]], level[[ids.index(gmed)]]))
        vals = [v for v in vals if math.isfinite(v)]
        return max(vals) if vals else math.nan

    def _marker(self) -> float:
        """Balance bar: TFL over glute med now (during a hold) or in the last rep, as 0–1 of
        twice the target."""
        p, rep = self.protocol, self.last_rep
        if p is None or not p.feedback.max_ratio:
            return math.nan
        if math.isfinite(self._live_ratio):
            return self._live_ratio / (2 * p.feedback.max_ratio)
        if rep is None:
            return math.nan
        sides = [rep.side] if rep.side is not None else list(Side)
        vals = [rep.tfl_to_glute_ratio.get(s, math.nan) for s in sides]
        vals = [v for v in vals if math.isfinite(v)]
        return max(vals) / (2 * p.feedback.max_ratio) if vals else math.nan

    def _refresh(self) -> None:
        self.screen_widget.set_content(self.protocol, self.state, self._bars, self._marker(),
                                       rep_verdict(self.protocol, self.last_rep), score_text(self.judged))

    def visible_texts(self) -> list[str]:
        """Every non-empty text the patient sees (the window title included)."""
        return [self.windowTitle()] + [b.text for b in self.screen_widget.text_boxes() if b.text]

    # ------------------------------------------------------------------ placement and keys
    def place(self, main: QWidget) -> "int | None":
        """Show full screen on a screen ``main`` is not on (returns its index), else as a normal
        window two thirds of ``main``'s screen (returns None) the clinician can maximise."""
        screens = QGuiApplication.screens()
        i = patient_screen([s.geometry() for s in screens], main.frameGeometry())
        if i is None:
            avail = main.screen().availableGeometry()
            self.resize(avail.width() * 2 // 3, avail.height() * 2 // 3)
            self.move(avail.center() - self.rect().center())
            self.showNormal()
        else:
            self.setScreen(screens[i])
            self.setGeometry(screens[i].geometry())
            self.showFullScreen()
        self.raise_()
        return i

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 - Qt name
        if event.key() == Qt.Key.Key_Escape:
            if self.isFullScreen():
                self.showNormal()
            else:
                self.close()
            return
        super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: Any) -> None:  # noqa: N802 - Qt name
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
