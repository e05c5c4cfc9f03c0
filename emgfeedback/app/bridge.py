"""The one QObject between the session and the widgets: it owns the :class:`LiveSession`
(device → pipeline on a worker thread) and, on a steady QTimer, drains its updates and emits
them on the UI thread. Widgets never touch the device or the DSP."""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from emgfeedback.errors import EmgFeedbackError
from emgfeedback.model import StreamInfo
from emgfeedback.session import LiveSession, Pipeline

__all__ = ["SessionBridge"]

log = logging.getLogger(__name__)


class SessionBridge(QObject):
    """Connect to a device by URL and re-emit what the session produces.

    Signals
    -------
    connected(StreamInfo)
        A device is streaming.
    disconnected()
        The device was closed.
    failed(str)
        Opening failed or the stream stopped with an error (one line to show).
    tick(list)
        Every redraw interval: the ``SessionUpdate``s drained since the last tick (may be empty).

    Parameters
    ----------
    fps : float
        Redraw rate, frames per second.
    window_s : float
        Length of the trace ring buffers, s.
    pipeline_factory : callable, optional
        ``StreamInfo -> Pipeline`` (default: the project's ``OnlinePipeline``).
    open_device : callable, optional
        ``url -> device`` (default ``emgfeedback.devices.open_device``).
    """

    connected = Signal(object)
    disconnected = Signal()
    failed = Signal(str)
    tick = Signal(list)

    def __init__(self, parent: "QObject | None" = None, *, fps: float = 30.0, window_s: float = 10.0,
                 pipeline_factory: "Callable[[StreamInfo], Pipeline] | None" = None,
                 open_device: "Callable[[str], Any] | None" = None) -> None:
        super().__init__(parent)
        if not 1.0 <= fps <= 240.0:
            raise ValueError(f"fps must be in [1, 240] frames per second, got {fps!r}")
        self.window_s = window_s
        self._factory = pipeline_factory
        self._open = open_device
        self.live: "LiveSession | None" = None
        self.url = ""
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(max(int(round(1000.0 / fps)), 1))
        self.timer.timeout.connect(self._on_timer)

    @property
    def is_connected(self) -> bool:
        """True while a session is running."""
        return self.live is not None and self.live.running

    def connect_device(self, url: str) -> bool:
        """Open ``url`` and start streaming; emits ``connected`` or ``failed``."""
        self.disconnect_device()
        try:
            if self._open is None:
                from emgfeedback.devices import open_device
            device = (self._open or open_device)(url)
            live = LiveSession(device, pipeline_factory=self._factory, window_s=self.window_s)
            info = live.start()
        except (EmgFeedbackError, ValueError, OSError) as err:
            self.failed.emit(f"cannot open {url}: {err}")
            return False
        self.live, self.url = live, url
        self.timer.start()
        self.connected.emit(info)
        return True

    def disconnect_device(self) -> None:
        """Stop the session and close the device (no-op when not connected)."""
        if self.live is None:
            return
        self.timer.stop()
        live, self.live = self.live, None
        live.stop()
        self.disconnected.emit()

    def call(self, fn: Callable[[Any], Any]) -> None:
        """Run ``fn(engine)`` on the session's worker (e.g. start a protocol)."""
        if self.live is not None:
            self.live.call(fn)

    def _on_timer(self) -> None:
        live = self.live
        if live is None:
            return
        updates = live.drain()
        self.tick.emit(updates)
        if not live.running:
            message = str(live.error) if live.error else "the stream ended"
            self.disconnect_device()
            self.failed.emit(message)
