"""Markers in the dashboard: the Marker button (and Ctrl+M, Enter in the note) and LSL marker
streams (``dashboard --markers lsl://NAME``), each as ``marker TEXT`` at its moment in the stream.

The session worker annotates them (:meth:`~emgfeedback.session.LiveSession.add_marker`): in the
recording when one runs, and on the LSL outlet with ``--lsl``. Marker streams are opened when a
device connects (off the UI thread: looking for a stream may take seconds) and closed when it
disconnects; a stream that cannot be found is one red line beside the patient code.
"""

from __future__ import annotations

import threading
from typing import Any, Sequence

from PySide6.QtCore import QObject, Signal

from emgfeedback.app.bridge import SessionBridge
from emgfeedback.app.panels import PatientBar
from emgfeedback.devices.markers import LslMarkerInlet
from emgfeedback.errors import EmgFeedbackError

__all__ = ["MarkerControls"]


class MarkerControls(QObject):
    """Route button markers and LSL marker streams to the running session.

    Parameters
    ----------
    bridge : SessionBridge
        Gives the running :class:`~emgfeedback.session.LiveSession`.
    bar : PatientBar
        The Marker button, note field and message line.
    urls : sequence of str
        LSL marker streams (``lsl://NAME``…), checked here (``ValueError`` before any network use).
    """

    #: A marker stream could not be opened or was lost (emitted from its thread).
    failed = Signal(str)

    def __init__(self, bridge: SessionBridge, bar: PatientBar, urls: Sequence[str] = (),
                 parent: "QObject | None" = None) -> None:
        super().__init__(parent)
        self.bridge, self.bar = bridge, bar
        self.urls = [LslMarkerInlet(u).url for u in urls]  # refuse bad URLs now
        self.inlets: list[LslMarkerInlet] = []
        #: Markers sent to the session (button and streams).
        self.count = 0
        bar.marker_requested.connect(self.add)
        bridge.connected.connect(self._open_streams)
        bridge.disconnected.connect(self.close)
        self.failed.connect(lambda text: self.bar.show_message(text, error=True))

    def add(self, text: str, t_monotonic: float) -> None:
        """A marker at ``t_monotonic`` (s, ``time.monotonic()``) into the running session."""
        live = self.bridge.live
        if live is None:
            return
        t_s = live.stream_time(t_monotonic)
        live.add_marker(text, t_s)
        self.count += 1
        where = "in the recording" if live.recording_status is not None and live.recording_status.active \
            else "(not recording)"
        self.bar.show_message(f"marker at {t_s or live.stream_t_s:.1f} s {where}")

    def _open_streams(self, _info: Any = None) -> None:
        live = self.bridge.live
        if live is None or not self.urls:
            return
        self.close()
        inlets = [LslMarkerInlet(u) for u in self.urls]
        self.inlets = inlets

        def on_marker(text: str, t: float) -> None:  # reader thread: the session queue is thread-safe
            live.add_marker(text, live.stream_time(t))

        def run(inlet: LslMarkerInlet) -> None:
            try:
                inlet.start(on_marker, on_error=lambda err: self.failed.emit(str(err)))
            except (EmgFeedbackError, ValueError, OSError) as err:
                self.failed.emit(str(err))

        for inlet in inlets:
            threading.Thread(target=run, args=(inlet,), name="emgfeedback-open-markers", daemon=True).start()

    def close(self) -> None:
        """Close the marker streams (the device disconnected); idempotent."""
        inlets, self.inlets = self.inlets, []
        for inlet in inlets:
            inlet.close()
