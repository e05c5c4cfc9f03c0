"""The one QObject between the session and the widgets: it owns the :class:`LiveSession`
(device → pipeline on a worker thread) and, on a steady QTimer, drains its updates and emits
them on the UI thread: every rep and phase event (from the session's results queue, which never
drops) and the display updates (which may be dropped when the UI falls behind). Widgets never
touch the device or the DSP.

Connecting never blocks the UI thread: the device is opened on the session's worker (a serial
or BLE handshake can take seconds); the timer watches it go from ``connecting`` to streaming
(``connected``) or to an error (``failed``, one line)."""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from emgfeedback.model import StreamInfo
from emgfeedback.session import CONNECTING, STREAMING, LiveSession, Pipeline
from emgfeedback.settings import ProcessingSettings

__all__ = ["SessionBridge"]

log = logging.getLogger(__name__)


class SessionBridge(QObject):
    """Connect to a device by URL and re-emit what the session produces.

    Signals
    -------
    connecting(str)
        Opening the device at this URL has begun (on the worker).
    connected(StreamInfo)
        A device is streaming.
    disconnected()
        The device was closed.
    failed(str)
        Opening failed or the stream stopped with an error (one line to show).
    tick(list)
        Every redraw interval: the ``SessionUpdate``s drained since the last tick (may be empty):
        those carrying reps or phase events first (never dropped), then the display updates.

    Parameters
    ----------
    fps : float
        Redraw rate, frames per second.
    window_s : float
        Length of the trace ring buffers, s.
    pipeline_factory : callable, optional
        ``(StreamInfo, ProcessingSettings) -> Pipeline`` (default: the project's ``OnlinePipeline``).
    max_updates : int
        Display updates kept for the next tick (older ones are dropped and counted; reps and
        phase events never are).
    settings : ProcessingSettings, optional
        Processing settings of the sessions it starts (default ``ProcessingSettings()``); change
        :attr:`settings` before :meth:`connect_device` to use others (e.g. 60 Hz mains).
    open_device : callable, optional
        ``url -> device`` (default ``emgfeedback.devices.open_device``).
    """

    connecting = Signal(str)
    connected = Signal(object)
    disconnected = Signal()
    failed = Signal(str)
    tick = Signal(list)

    def __init__(self, parent: "QObject | None" = None, *, fps: float = 30.0, window_s: float = 10.0,
                 pipeline_factory: "Callable[[StreamInfo, ProcessingSettings], Pipeline] | None" = None,
                 open_device: "Callable[[str], Any] | None" = None, lsl: bool = False,
                 settings: "ProcessingSettings | None" = None, max_updates: int = 4096) -> None:
        super().__init__(parent)
        self.max_updates = max_updates
        self.lsl = lsl
        self.settings = ProcessingSettings() if settings is None else settings
        if not 1.0 <= fps <= 240.0:
            raise ValueError(f"fps must be in [1, 240] frames per second, got {fps!r}")
        self.window_s = window_s
        self._factory = pipeline_factory
        self._open = open_device
        self.live: "LiveSession | None" = None
        #: The session stopped last (its final recording status stays readable).
        self.last_session: "LiveSession | None" = None
        self.url = ""
        self._announced = False
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(max(int(round(1000.0 / fps)), 1))
        self.timer.timeout.connect(self._on_timer)

    @property
    def is_connected(self) -> bool:
        """True while a session is running."""
        return self.live is not None and self.live.running

    @property
    def is_connecting(self) -> bool:
        """True while the device is being opened."""
        return self.live is not None and self.live.state == CONNECTING and self.live.running

    def connect_device(self, url: str) -> bool:
        """Start opening ``url`` on the session worker and return at once; ``connected`` or
        ``failed`` follows on a later tick. Returns False only for an empty URL (``failed``)."""
        self.disconnect_device()
        if not url:
            self.failed.emit("cannot open the device: the device URL is empty (e.g. sim:// or serial:///dev/ttyUSB0)")
            return False
        if self._open is None:
            from emgfeedback.devices import open_device
        opener = self._open or open_device
        self.live = LiveSession(opener=lambda: opener(url), settings=self.settings,
                                pipeline_factory=self._factory, window_s=self.window_s, lsl=self.lsl,
                                max_updates=self.max_updates)
        self.url = url
        self._announced = False
        self.live.start_async()
        self.timer.start()
        self.connecting.emit(url)
        return True

    def disconnect_device(self) -> None:
        """Stop the session and close the device (no-op when not connected). A handshake still
        running is abandoned without waiting; its device is closed when it returns."""
        if self.live is None:
            return
        self.timer.stop()
        live, self.live = self.live, None
        live.stop(wait=live.state != CONNECTING)
        self.last_session = live
        self.disconnected.emit()

    def call(self, fn: Callable[[Any], Any]) -> None:
        """Run ``fn(engine)`` on the session's worker (e.g. start a protocol)."""
        if self.live is not None:
            self.live.call(fn)

    def _on_timer(self) -> None:
        live = self.live
        if live is None:
            return
        if not self._announced:
            if live.state == CONNECTING and live.running:
                return
            if live.state == STREAMING:
                self._announced = True
                self.connected.emit(live.info)
        if self._announced:
            self.tick.emit(live.drain_all())
        if not live.running:
            if live.error is not None:
                text = str(live.error).strip().splitlines()[0] if str(live.error).strip() else type(live.error).__name__
                message = text if self._announced else f"cannot open {self.url}: {text}"
            else:
                message = "the stream ended"
            self.disconnect_device()
            self.failed.emit(message)
