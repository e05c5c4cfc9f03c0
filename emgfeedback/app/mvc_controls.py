"""The MVC page's logic, for the main window: start / redo / skip / cancel the wizard on the
session worker, show its state, name the MVC in use (measured today, or a patient's stored
one), offer a returning patient's stored MVC, keep the MVC across a reconnect of the same
patient and drop it when the patient code changes to another patient.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from PySide6.QtCore import QObject, QTimer

from emgfeedback.app.bridge import SessionBridge
from emgfeedback.app.pages import MvcPage
from emgfeedback.app.panels import PatientBar
from emgfeedback.calibration import MvcProcedure
from emgfeedback.errors import EmgFeedbackError
from emgfeedback.model import Montage, StreamInfo
from emgfeedback.session import MvcStep, MvcWizardState, SessionUpdate

__all__ = ["MvcControls", "MvcInUse"]

_RUNNING = (MvcStep.PREPARE, MvcStep.CONTRACT, MvcStep.REST)


@dataclass(frozen=True)
class MvcInUse:
    """The MVC the session uses and where it came from.

    Parameters
    ----------
    values_uv : mapping of str to float
        MVC per channel id, µV.
    measured_at : str
        When it was measured, ISO date and time.
    source : {"measured", "stored"}
        Measured by the wizard in this session, or the patient's stored MVC.
    patient : str or None
        Patient code it belongs to (None: measured before a code was entered).
    """

    values_uv: Mapping[str, float]
    measured_at: str
    source: str
    patient: "str | None" = None

    def describe(self, today: "dt.date | None" = None) -> str:
        """One line for the screen: "MVC measured today 14:32", "MVC from 2026-11-12 (stored)"."""
        when = dt.datetime.fromisoformat(self.measured_at)
        if self.source == "stored":
            return f"MVC from {when.date().isoformat()} (stored)"
        day = "today" if when.date() == (today or dt.date.today()) else when.date().isoformat()
        return f"MVC measured {day} {when:%H:%M}"

    def report_note(self) -> str:
        """Where the MVC came from, for a report read later (absolute date)."""
        when = dt.datetime.fromisoformat(self.measured_at)
        if self.source == "stored":
            return (f"MVC from {when.date().isoformat()} (the patient's stored MVC, measured "
                    f"{when:%Y-%m-%d %H:%M}), not re-measured in this session")
        return f"MVC measured {when:%Y-%m-%d %H:%M} with the dashboard's MVC wizard (best accepted trial)"


class MvcControls(QObject):
    """Run the MVC wizard from the MVC page and keep track of the MVC in use.

    Parameters
    ----------
    bridge : SessionBridge
        Runs engine calls on the session worker and emits the updates.
    patient : PatientBar
        Patient code (a returning patient's stored MVC is offered).
    page : MvcPage
        Buttons, trace and tables.
    procedures : mapping or sequence of MvcProcedure
        Muscles to test, in order (``load_mvc_procedures()``).
    db_path : str or Path, optional
        Session database the stored MVC is read from (default ``storage.default_db_path()``).
    """

    #: Wait after the last keystroke in the patient code before acting on it, ms.
    CODE_DELAY_MS = 400

    def __init__(self, bridge: SessionBridge, patient: PatientBar, page: MvcPage,
                 procedures: "Mapping[Any, MvcProcedure] | Sequence[MvcProcedure]", *,
                 db_path: "str | Path | None" = None, parent: "QObject | None" = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.patient = patient
        self.page = page
        self.procedures = list(procedures.values()) if isinstance(procedures, Mapping) else list(procedures)
        self.db_path = db_path
        #: Called with (values per channel id in µV, ISO time measured, "measured" or "stored")
        #: when the wizard ends with accepted values, a stored MVC is used, or an MVC measured
        #: before a patient code was entered gets its patient.
        self.on_mvc_changed: Callable[[dict[str, float], str, str], Any] = lambda values, measured_at, source: None
        self.in_use: "MvcInUse | None" = None
        #: The patient's stored (values, measured_at) offered on the page, if any.
        self.stored: "tuple[dict[str, float], str] | None" = None
        self._running = False  # a wizard was asked for and has not ended
        self._seen_running = False  # ... and its running state has been seen
        self._montage: "Montage | None" = None
        self._last_state: "MvcWizardState | None" = None
        self._code_timer = QTimer(self)
        self._code_timer.setSingleShot(True)
        self._code_timer.setInterval(self.CODE_DELAY_MS)
        self._code_timer.timeout.connect(self.patient_changed)
        page.start_requested.connect(self.start)
        page.redo_requested.connect(self.redo)
        page.skip_requested.connect(self.skip)
        page.cancel_requested.connect(self.cancel)
        page.use_stored_requested.connect(self.use_stored)
        bridge.tick.connect(self.show_updates)
        bridge.connected.connect(self._on_connected)
        bridge.disconnected.connect(self._on_disconnected)
        patient.code.textChanged.connect(lambda _text: self._code_timer.start())

    # ------------------------------------------------------------------ wizard
    def start(self) -> bool:
        """Start the wizard for every procedure; False (and a line on the page) without a device."""
        if not self.bridge.is_connected:
            self.page.text.setText("Connect a device before measuring the MVC.")
            return False
        procs = list(self.procedures)
        self._running, self._seen_running = True, False
        self.bridge.call(lambda e: e.start_mvc(procs))
        return True

    def redo(self) -> None:
        """Repeat the trial under way, or the last one (also right after the wizard is done)."""
        self._running, self._seen_running = True, False
        self.bridge.call(lambda e: e.redo_mvc_trial())

    def skip(self) -> None:
        """Move on to the next muscle."""
        self.bridge.call(lambda e: e.skip_mvc_muscle())

    def cancel(self) -> None:
        """Stop the wizard; the MVC in use before it stays."""
        self.bridge.call(lambda e: e.cancel_mvc())

    def show_updates(self, updates: "Sequence[SessionUpdate]") -> None:
        """Show the wizard's latest state; note the MVC it hands over when it is done."""
        states = [u.mvc for u in updates if u.mvc is not None]
        if not states:
            return
        for st in states:
            self._follow(st)
        self._last_state = states[-1]
        self.page.show_state(states[-1])

    def _follow(self, st: MvcWizardState) -> None:
        if not self._running:
            return
        if st.step in _RUNNING:
            self._seen_running = True
        elif self._seen_running and st.step is MvcStep.CANCELLED:
            self._running = False
        elif self._seen_running and st.step is MvcStep.DONE:
            self._running = False
            if st.mvc_uv:  # the engine applied these (accepted trials only)
                self._use(dict(st.mvc_uv), dt.datetime.now().isoformat(timespec="seconds"), "measured")

    # ------------------------------------------------------------------ the MVC in use
    def use_stored(self) -> None:
        """Use the patient's stored MVC (the offer on the page)."""
        if self.stored is None:
            return
        values, measured_at = self.stored
        self._apply(values)
        self._use(values, measured_at, "stored")

    def _use(self, values: dict[str, float], measured_at: str, source: str) -> None:
        self.in_use = MvcInUse(dict(values), measured_at, source, self.patient.patient_code())
        self._show_in_use()
        self.on_mvc_changed(dict(values), measured_at, source)

    def _show_in_use(self) -> None:
        self.page.show_in_use(self.in_use.describe() if self.in_use is not None else "none (bars show µV)")
        offer = self.stored
        same = offer is not None and self.in_use is not None and offer[1] == self.in_use.measured_at
        self.page.offer_stored(None if offer is None or same else offer[1][:10])

    def _apply(self, values: Mapping[str, float]) -> None:
        """Replace the engine's MVC with ``values`` (channels the device has, positive values)."""
        ids = set(self._montage.ids) if self._montage is not None else None
        keep = {ch: float(v) for ch, v in values.items() if (ids is None or ch in ids) and v > 0}
        self.bridge.call(lambda e: e.replace_mvc(keep))

    def report_note(self) -> str:
        """Where the MVC in use came from, for the session report ("" when none)."""
        return self.in_use.report_note() if self.in_use is not None else ""

    def patient_changed(self) -> None:
        """Act on the patient code: keep, bind or drop the MVC in use; offer a stored one."""
        code = self.patient.patient_code()
        if self.in_use is not None and self.in_use.patient is None and code is not None:
            self.in_use = replace(self.in_use, patient=code)  # measured before the code was typed
            self.on_mvc_changed(dict(self.in_use.values_uv), self.in_use.measured_at, self.in_use.source)
        elif self.in_use is not None and code != self.in_use.patient:
            self.in_use = None  # another patient: never their MVC
            self.bridge.call(lambda e: e.replace_mvc({}))
        self.stored = self._read_stored(code)
        self._show_in_use()

    def _read_stored(self, code: "str | None") -> "tuple[dict[str, float], str] | None":
        if code is None:
            return None
        from emgfeedback.storage import SessionDatabase, default_db_path

        path = Path(self.db_path) if self.db_path is not None else default_db_path()
        if not path.is_file():  # typing a code never creates a database
            return None
        try:
            with SessionDatabase(path) as db:
                return db.latest_mvc_record(code)
        except (EmgFeedbackError, ValueError, OSError) as err:
            self.page.use_stored.setToolTip(f"stored MVC not readable: {err}")
            return None

    def _on_connected(self, info: StreamInfo) -> None:
        self._montage = info.montage
        if self.in_use is not None and self.in_use.patient == self.patient.patient_code():
            self._apply(self.in_use.values_uv)  # same patient, new session: same MVC

    def _on_disconnected(self) -> None:
        if self._running:
            self._running = False
            last = self._last_state or MvcWizardState(MvcStep.IDLE, None, 0, 0, 0.0, "", {})
            self.page.show_state(replace(last, step=MvcStep.CANCELLED, muscle=None, remaining_s=0.0,
                                         text="MVC stopped: the device disconnected. The MVC in use before stays."))
