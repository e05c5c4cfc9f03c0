"""The main window: connect bar, patient code, and tabs Live / MVC / Summary / Placement /
Patients / Plan; the status bar's sound controls and the patient view it opens.

Everything shown comes from ``SessionUpdate``s the :class:`SessionBridge` drains on its QTimer;
the traces are copied from the session's ring buffers once per frame (skipped when no sample
came). Recording, the session database and the report run off the UI thread: the window starts
and stops them and shows their state.
"""

from __future__ import annotations

import math
import time
from collections import deque
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QMainWindow,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from emgfeedback.app.audio_controls import AudioControls
from emgfeedback.app.bridge import SessionBridge
from emgfeedback.app.gui_gc import collect_in_gui_thread
from emgfeedback.app.handover_report import HandoverReport
from emgfeedback.app.indicators import MvcBars, QualityLights, RatioGauge, SymmetryView
from emgfeedback.app.layout import ElidedLabel, window_size
from emgfeedback.app.markers import MarkerControls
from emgfeedback.app.mvc_controls import MvcControls
from emgfeedback.app.pages import MvcPage, PlacementPage, SummaryPage
from emgfeedback.app.panels import ConnectPanel, PatientBar, ProtocolPanel, RecentDevices
from emgfeedback.app.patient_view import PatientView
from emgfeedback.app.patients_page import PatientsPage
from emgfeedback.app.plan_editor import PlanEditor
from emgfeedback.app.recording import RecordingControls
from emgfeedback.app.shortcuts import ClinicianShortcuts
from emgfeedback.app.theme import BAD, MUTED
from emgfeedback.app.timeline import FiringTimeline
from emgfeedback.app.traces import TracePanel
from emgfeedback.app.visit_controls import VisitControls
from emgfeedback.calibration import Protocol, load_mvc_procedures, load_placements, load_protocols
from emgfeedback.model import Channel, Side, StreamInfo
from emgfeedback.measures import RepMetrics, summarise
from emgfeedback.session import RunnerState, SessionUpdate, Visit
from emgfeedback.session.plan import protocol_for
from emgfeedback.settings import ProcessingSettings

__all__ = ["MainWindow", "VIEWS"]

#: Tabs by name (``--view``).
VIEWS = ("live", "mvc", "summary", "placement", "patients", "plan")


def _box(title: str, widget: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    lay = QVBoxLayout(box)
    lay.setContentsMargins(4, 2, 4, 4)
    lay.addWidget(widget)
    return box


class MainWindow(QMainWindow):
    """The clinician's dashboard.

    Parameters
    ----------
    url : str
        Device URL put in the connect bar.
    bridge : SessionBridge, optional
        Made with defaults when not given (tests pass one with a fake device opener).
    recent : RecentDevices, optional
        Where recent URLs are kept.
    scenarios : sequence of str, optional
        Simulated scenarios to offer (default: the simulator's list).
    recordings_dir : str or Path, optional
        Folder for recordings (default ``session.default_recordings_dir()``:
        ``$EMGFEEDBACK_RECORDINGS`` or ``~/emgfeedback-recordings``).
    db_path : str or Path, optional
        Session database (default ``storage.default_db_path()``; ``$EMGFEEDBACK_DB``).
    settings : ProcessingSettings, optional
        Processing settings (default ``ProcessingSettings()``); the connect bar's mains choice
        overrides their ``mains_hz`` at each Connect.
    markers : sequence of str
        LSL marker streams (``lsl://NAME``) annotated as ``marker TEXT`` while a device streams.
    """

    def __init__(self, url: str = "sim://", *, bridge: "SessionBridge | None" = None,
                 recent: "RecentDevices | None" = None, scenarios: "Sequence[str] | None" = None,
                 recordings_dir: "str | Path | None" = None, db_path: "str | Path | None" = None,
                 lsl: bool = False, settings: "ProcessingSettings | None" = None,
                 markers: Sequence[str] = (), audio: bool = False) -> None:
        super().__init__()
        collect_in_gui_thread()  # never in a worker: a Qt destructor there can freeze the window
        self._drawn_total = -1
        self.setWindowTitle("emgfeedback — glute activation biofeedback")
        self.resize(window_size(self.screen().availableGeometry().size()))
        self.protocols = load_protocols()
        self.mvc_procedures = load_mvc_procedures()
        if scenarios is None:
            from emgfeedback.simulation import list_scenarios

            scenarios = list_scenarios()
        self.bridge = bridge or SessionBridge(self, lsl=lsl)
        self.bridge.setParent(self)
        if settings is not None:
            self.bridge.settings = settings
        self.info: "StreamInfo | None" = None
        self.protocol: "Protocol | None" = None
        self.reps: list[RepMetrics] = []
        self.last_rep: "RepMetrics | None" = None
        self.ui_ms: deque[float] = deque(maxlen=2000)
        self.latency_ms: deque[float] = deque(maxlen=2000)
        self.frames = 0
        self._last_rescale = 0.0
        self.traces: "TracePanel | None" = None

        central = QWidget()
        root = QVBoxLayout(central)
        root.setContentsMargins(8, 8, 8, 8)
        root.setSpacing(6)
        self.connect_panel = ConnectPanel(scenarios, recent or RecentDevices(), url,
                                          mains_hz=self.bridge.settings.mains_hz,
                                          method=self.bridge.settings.onset_method)
        root.addWidget(self.connect_panel)
        self.tabs = QTabWidget()
        self.patient = PatientBar()  # beside the tabs: one row less on a 768 px high screen
        self.tabs.setCornerWidget(self.patient, Qt.Corner.TopRightCorner)
        root.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        live = QWidget()
        grid = QGridLayout(live)
        grid.setContentsMargins(0, 6, 0, 0)
        grid.setSpacing(6)
        self.trace_box = QGroupBox("Live signals (band-passed, µV, last 10 s)")
        self.trace_layout = QVBoxLayout(self.trace_box)
        self.trace_layout.setContentsMargins(4, 2, 4, 4)
        self.per_lane = QCheckBox("scale each lane separately")
        self.per_lane.setToolTip("Off: left and right of a muscle share one scale, so rest looks like rest "
                                 "beside a working side. On: every lane fills its own height.")
        self.per_lane.toggled.connect(lambda on: self.traces is not None and self.traces.set_per_lane(on))
        self.trace_layout.addWidget(self.per_lane, 0, Qt.AlignmentFlag.AlignRight)
        self.trace_placeholder = QLabel("Connect a device to see the signals.")
        self.trace_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.trace_placeholder.setStyleSheet(f"color: {MUTED}; font-size: 22px;")
        self.trace_placeholder.setWordWrap(True)  # a connect error is shown here in full
        self.trace_placeholder.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.trace_layout.addWidget(self.trace_placeholder)
        self.protocol_panel = ProtocolPanel(self.protocols)
        self.bars = MvcBars()
        self.timeline = FiringTimeline()
        self.gauges = {s: RatioGauge(s) for s in Side}
        self.symmetry = SymmetryView()
        self.lights = QualityLights()
        gauges = QWidget()
        gl = QVBoxLayout(gauges)
        gl.setContentsMargins(0, 0, 0, 0)
        for g in self.gauges.values():
            gl.addWidget(g)
        grid.addWidget(self.trace_box, 0, 0, 2, 2)
        grid.addWidget(self.protocol_panel, 0, 2, 1, 2)
        grid.addWidget(_box("Activation", self.bars), 1, 2, 1, 2)
        grid.addWidget(_box("Firing order per rep", self.timeline), 2, 0)
        grid.addWidget(_box("TFL-to-glute ratio", gauges), 2, 1)
        grid.addWidget(_box("Left / right symmetry", self.symmetry), 2, 2)
        grid.addWidget(_box("Electrodes", self.lights), 2, 3)
        grid.setColumnStretch(0, 5)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 3)
        grid.setColumnStretch(3, 2)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 4)
        grid.setRowStretch(2, 3)
        self.tabs.addTab(live, "Live")
        self.mvc_page = MvcPage(self.mvc_procedures)
        self.tabs.addTab(self.mvc_page, "MVC")
        self.summary_page = SummaryPage()
        self.tabs.addTab(self.summary_page, "Summary")
        self.tabs.addTab(PlacementPage(load_placements()), "Placement")
        # Patients and Plan tabs, in VIEWS order
        self.patients_page = PatientsPage(db_path, self.protocols)
        self.tabs.addTab(self.patients_page, "Patients")
        self.plan_editor = PlanEditor(self.protocols, db_path)
        self.tabs.addTab(self.plan_editor, "Plan")
        self.status = ElidedLabel("", min_width=120, hint_width=520)  # its text never relayouts the window
        self.statusBar().addPermanentWidget(self.status)

        self.connect_panel.connect_requested.connect(self.bridge.connect_device)
        self.connect_panel.disconnect_requested.connect(self.bridge.disconnect_device)
        self.bridge.connecting.connect(self.connect_panel.set_connecting)
        self.bridge.connected.connect(self._on_connected)
        self.bridge.disconnected.connect(self._on_disconnected)
        self.bridge.failed.connect(self._on_failed)
        self.bridge.tick.connect(self.on_tick)
        self.recording = RecordingControls(self.bridge, self.patient, self.summary_page,
                                           recordings_dir=recordings_dir, db_path=db_path, parent=self)
        self.recording.notify = lambda text: self.statusBar().showMessage(text)
        self.markers = MarkerControls(self.bridge, self.patient, markers, parent=self)
        self.protocol_panel.start_requested.connect(self.start_protocol)
        self.protocol_panel.stop_requested.connect(lambda: self.bridge.call(lambda e: e.stop_protocol()))
        self.mvc_controls = MvcControls(self.bridge, self.patient, self.mvc_page, self.mvc_procedures,
                                        db_path=db_path, parent=self)
        self.mvc_page.start_requested.connect(lambda: self.tabs.setCurrentWidget(self.mvc_page))
        self.recording.mvc_note = self.mvc_controls.report_note
        # one visit per patient in the database: its MVC, protocols, reps and recordings
        self.visits = VisitControls(self.bridge, self.patient, db_path)
        self.recording.visit_for = self.visit_for
        self.mvc_controls.on_mvc_changed = self._store_mvc
        self.patient.code.textChanged.connect(self._patient_changed)
        # the patient view and the clinician's shortcuts (Ctrl+M among them)
        self.runner_state: "RunnerState | None" = None
        self.patient_view: "PatientView | None" = None
        self.shortcuts = ClinicianShortcuts(self)
        self.shortcuts.install(self)
        self.patient_view_button, self.shortcuts_button = self.shortcuts.status_buttons()
        for b in (self.patient_view_button, self.shortcuts_button):
            self.statusBar().addPermanentWidget(b)
        # patient list and plan follow the patient bar
        self.patients_page.patient_selected.connect(self._pick_patient)
        self.plan_editor.session_id_for = lambda: self.visit_for(self.patient.code.text()).ensure()
        self.plan_editor.notes.end.clicked.connect(self.end_visit)
        self.plan_editor.saved.connect(lambda _code: self.patients_page.refresh())
        self.tabs.currentChanged.connect(
            lambda _i: self.tabs.currentWidget() is self.patients_page and self.patients_page.refresh())
        self.plan_editor.set_patient(None)
        # the Summary page's "Handover report" (PDF + HTML of the visit)
        self.handover = HandoverReport(
            self.patient.patient_code, db_path=db_path, folder=recordings_dir, parent=self.summary_page,
            visit_of=self.visits.session_of)
        self.summary_page.layout().addWidget(self.handover)
        # audio feedback (Sound, volume, the exercise's sounds, status)
        self.audio_controls = AudioControls(self.bridge, self.protocols, self.protocol_panel.current,
                                            self.plan_editor.stored_item, enabled=audio, parent=self)
        self.statusBar().insertPermanentWidget(0, self.audio_controls)
        for changed in (self.protocol_panel.choice.currentIndexChanged, self.plan_editor.saved,
                        self.patient.code.textChanged):  # the exercise, its plan or the patient
            changed.connect(lambda *_: self.audio_controls.refresh())

    # ------------------------------------------------------------------ the visit
    @property
    def visit(self) -> "Visit | None":
        """The visit under way (see :class:`VisitControls`)."""
        return self.visits.visit

    def visit_for(self, code: str) -> Visit:
        """The visit of patient ``code`` (a new one when the patient changed)."""
        return self.visits.visit_for(code)

    # patient picked on the Patients tab, end of a visit
    def _pick_patient(self, code: str) -> None:
        """A patient picked on the Patients tab: its code goes to the patient bar."""
        if self.patient.code.text() != code:
            self.patient.code.setText(code)

    def end_visit(self) -> None:
        """End the visit under way (its end time is stored; the next thing stored for the same
        patient starts a new visit) and show it on the Patients tab."""
        if self.visits.end():
            self.statusBar().showMessage("Visit ended: the next exercise, MVC or recording starts a new one.")
        self.plan_editor.notes.clear()
        self.patients_page.refresh()

    def _store_mvc(self, values: dict, measured_at: str, source: str) -> None:
        """The MVC in use changed: stored with the patient's visit (when a code is entered)."""
        problem = self.visits.store_mvc(values, measured_at)
        if problem:
            self.statusBar().showMessage(problem)

    def _patient_changed(self, _text: str) -> None:
        """Another patient: the previous visit ends, results on screen are cleared."""
        code = self.patient.patient_code()
        if self.visit is not None and code != self.visit.patient_code:
            self.visits.end()
            self._clear_results()
        self.plan_editor.set_patient(code)  # this patient's plan
        self.patients_page.show_patient(code)

    def _clear_results(self) -> None:
        """Forget reps and protocol state shown (new device, new patient)."""
        self.reps = []
        self.last_rep = None
        self.timeline.clear()
        self.summary_page.clear()
        self.protocol_panel.reset()
        for g in self.gauges.values():
            g.set_value(math.nan)
        self.symmetry.set_values({})
        self.runner_state = None
        if self.patient_view is not None:
            self.patient_view.clear()

    # ------------------------------------------------------------------ actions
    def connect_device(self, url: "str | None" = None) -> bool:
        """Start connecting to ``url`` (default: the URL in the connect bar) on the session
        worker; returns at once (``info`` is set when the device streams)."""
        if url is not None:
            self.connect_panel.url.setEditText(url)
        self.info = None
        mains, method = self.connect_panel.mains_hz(), self.connect_panel.onset_method()
        st = self.bridge.settings
        if (mains, method) != (st.mains_hz, st.onset_method):
            self.bridge.settings = st.with_(mains_hz=mains, onset_method=method)
        return self.bridge.connect_device(self.connect_panel.url.currentText().strip())

    def _on_failed(self, message: str) -> None:
        self.connect_panel.show_error(message)
        if self.traces is None:  # the connect bar has room for one cut line: the full text here
            self.trace_placeholder.setText(message)
            self.trace_placeholder.setStyleSheet(f"color: {BAD}; font-size: 20px;")
        self.patient.set_streaming(False)

    def _on_disconnected(self) -> None:
        self.connect_panel.set_connected(False, "disconnected")
        self.patient.set_streaming(False)
        self.recording.poll()  # the worker finished the file when it stopped

    def _on_connected(self, info: StreamInfo) -> None:
        self.info = info
        self._drawn_total = -1
        # a new stream starts clean: no reps or protocol of the previous one (the MVC of the
        # same patient is kept: MvcControls applies it again)
        self.protocol = None
        self._clear_results()
        if self.visit is not None:  # the same patient's visit goes on with the new stream
            self.visits.attach()
        self.patient.set_streaming(True)
        self.connect_panel.set_connected(True, f"{info.board or 'device'}: {info.n_channels} ch at {info.fs:g} Hz")
        ids = list(info.montage.ids)
        if self.traces is not None:
            self.trace_layout.removeWidget(self.traces)
            self.traces.deleteLater()
        self.trace_placeholder.hide()
        self.traces = TracePanel(ids, info.fs, self.bridge.window_s, per_lane=self.per_lane.isChecked())
        self.trace_layout.addWidget(self.traces)
        self.bars.set_channels(ids)
        self.lights.set_channels(ids)
        self._apply_targets()

    def start_protocol(self, protocol: "Protocol | str") -> None:
        """Start a protocol (object or id) on the running session."""
        if isinstance(protocol, str):
            self.protocol_panel.select(protocol)
            protocol = self.protocols[protocol]
        # the patient's plan sets reps, sets, hold, rest and sides
        planned = self.plan_editor.stored_item(protocol.id)
        if planned is not None:
            protocol = protocol_for(planned, self.protocols)
            self.protocol_panel.show_protocol(protocol, f"plan of {self.plan_editor.code}")
        self.protocol = protocol
        self._clear_results()
        self._apply_targets()
        # the visit is attached on the worker before the protocol starts there, so its first
        # reps are stored too (a new visit included)
        problem = self.visits.note_protocol(protocol.id)
        if problem:
            self.statusBar().showMessage(problem)
        self.bridge.call(lambda e: e.start_protocol(protocol))

    def start_mvc(self) -> None:
        """Start the MVC wizard for every muscle in ``mvc.toml`` (see :class:`MvcControls`)."""
        self.mvc_controls.start()
        self.tabs.setCurrentWidget(self.mvc_page)

    def _apply_targets(self) -> None:
        fb = self.protocol.feedback if self.protocol else None
        targets = {}
        if fb and fb.muscle is not None and fb.target_pct_mvc is not None:
            targets = {Channel(fb.muscle, s).id: fb.target_pct_mvc for s in Side}
        self.bars.set_targets(targets)
        for g in self.gauges.values():
            g.set_value(math.nan, fb.max_ratio if fb and fb.max_ratio else 0.6)
        if fb and fb.first and fb.before:
            self.timeline.set_pair(fb.first, fb.before)
        self.symmetry.set_values({}, fb.max_asymmetry_pct if fb and fb.max_asymmetry_pct else 15.0)

    # ------------------------------------------------------------------ recording and report
    def start_recording(self) -> bool:
        """Start recording (see :meth:`RecordingControls.start`)."""
        return self.recording.start()

    def stop_recording(self) -> None:
        """Finish the recording on the worker."""
        self.recording.stop()

    def open_report(self) -> None:
        """Make and open the last recording's report."""
        self.recording.open_report()

    # the patient view
    def toggle_patient_view(self) -> None:
        """Open the patient view (full screen on a second monitor when there is one), or close it."""
        if self.patient_view is not None and self.patient_view.isVisible():
            self.patient_view.close()
            return
        if self.patient_view is None:
            self.patient_view = PatientView(self)
            self.shortcuts.install(self.patient_view)
            self.patient_view.show_updates([], self.protocol, self.info.montage.ids if self.info else ())
        self.patient_view.place(self)

    def show_view(self, view: str) -> None:
        """Switch to a tab by name (one of ``VIEWS``)."""
        if view not in VIEWS:
            raise ValueError(f"view must be one of: {', '.join(VIEWS)}, got {view!r}")
        self.tabs.setCurrentIndex(VIEWS.index(view))

    # ------------------------------------------------------------------ the frame
    def on_tick(self, updates: list[SessionUpdate]) -> None:
        """Redraw from the updates drained this frame and the ring buffers."""
        t_start = time.perf_counter()
        if updates:
            self._show_updates(updates)
        live = self.bridge.live
        if (self.traces is not None and live is not None and live.filtered is not None
                and live.filtered.total_written != self._drawn_total):  # nothing new: skip
            self._drawn_total = live.filtered.total_written
            buf = self.traces.snapshot_buffer()
            live.filtered.snapshot(buf.shape[1], out=buf)
            self.traces.redraw(buf)
            if t_start - self._last_rescale > 1.0:
                self.traces.rescale(buf)
                self._last_rescale = t_start
        if self.recording.live is not None:
            self.recording.poll()
        self.frames += 1
        now = time.perf_counter()
        self.ui_ms.append((now - t_start) * 1000.0)
        arrivals = [u.arrival_s for u in updates if math.isfinite(u.arrival_s)]
        if arrivals:
            self.latency_ms.append((time.monotonic() - max(arrivals)) * 1000.0)
        if self.frames % 30 == 0 and live is not None:
            self.status.setText(f"stream {live.stream_t_s:7.1f} s · UI {np.median(self.ui_ms):.1f} ms/frame"
                                f" · dropped updates {live.dropped_updates}")

    def _show_updates(self, updates: list[SessionUpdate]) -> None:
        last = updates[-1]
        frame = last.frame
        percent = last.percent_mvc is not None
        self.bars.set_values(last.percent_mvc if percent else frame.level_uv, percent)
        for s, g in self.gauges.items():  # the last rep's ratio: one number, the summary's
            g.set_value(frame.tfl_to_glute_ratio.get(s, math.nan))
        quality = [q for u in updates for q in u.frame.quality]
        if quality:
            self.lights.set_quality(quality)
        self.protocol_panel.show_events([e for u in updates for e in u.events])
        self.protocol_panel.show_state(last.runner)
        # reps measured before a protocol started (still queued when it began) are not its reps
        new_reps = [r for u in updates if self.protocol is None or u.runner is not None for r in u.reps]
        if new_reps:
            self.reps.extend(new_reps)
            self.last_rep = new_reps[-1]
            self.timeline.add_reps(new_reps)
            self.summary_page.add_reps(new_reps, self.protocol)
            self.summary_page.show_summary(summarise(self.reps, self.protocol))
            # per-rep symmetry (only muscles that worked on both sides in that rep)
            self.symmetry.set_values(self.last_rep.symmetry_pct)
        # the same updates drive the patient view and the shortcuts
        self.runner_state = last.runner if last.runner is not None else self.runner_state
        if self.patient_view is not None:
            self.patient_view.show_updates(updates, self.protocol, self.info.montage.ids if self.info else ())

    def repaint_pending(self) -> None:
        """Paint now what the last frame marked dirty, and only that (benchmarks time the
        whole frame: widget updates plus painting)."""
        QApplication.sendPostedEvents()

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt name
        self.bridge.disconnect_device()
        self.audio_controls.close_output()
        self.visits.end()
        super().closeEvent(event)
