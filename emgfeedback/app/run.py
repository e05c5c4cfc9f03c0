"""``emgfeedback dashboard``: the QApplication, the main window and its device, until the window
closes (or a screenshot is taken)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Sequence

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from emgfeedback.app.layout import fit_to_screen
from emgfeedback.app.main_window import VIEWS, MainWindow
from emgfeedback.app.theme import STYLE_SHEET
from emgfeedback.settings import ProcessingSettings

__all__ = ["run_dashboard"]


def run_dashboard(url: str = "sim://", *, screenshot: "str | None" = None, exit_after: "float | None" = None,
                  view: str = "live", protocol: "str | None" = None, mvc: bool = False,
                  recordings_dir: "str | Path | None" = None, lsl: bool = False,
                  settings: "ProcessingSettings | None" = None,
                  on_ready: "Callable[[MainWindow], None] | None" = None, markers: Sequence[str] = (),
                  audio: bool = False) -> int:
    """Start the dashboard (a QApplication, the window, the device); returns the exit code.

    Parameters
    ----------
    url : str
        Device URL to connect at start.
    screenshot : str, optional
        Save a PNG of the window after ``exit_after`` seconds, then quit.
    exit_after : float, optional
        Quit after this many seconds (default 5 with ``screenshot``).
    view : str
        Tab to show (one of ``VIEWS``).
    protocol : str, optional
        Protocol id to start once connected.
    mvc : bool
        Start the MVC wizard once connected.
    recordings_dir : str or Path, optional
        Folder for recordings (default ``$EMGFEEDBACK_RECORDINGS`` or ``~/emgfeedback-recordings``).
    lsl : bool
        Publish the live channels and onset markers over LSL (opt-in).
    settings : ProcessingSettings, optional
        Processing settings (band, mains, onset detector …; default ``ProcessingSettings()``).
    markers : sequence of str
        LSL marker streams (``lsl://NAME``) to annotate as ``marker TEXT``.
    audio : bool
        Audio feedback on (``--audio``): without an output device, one line on stderr and the
        dashboard runs silent.
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of: {', '.join(VIEWS)}, got {view!r}")
    app = QApplication.instance() or QApplication(["emgfeedback"])
    app.setStyleSheet(STYLE_SHEET)
    win = MainWindow(url, recordings_dir=recordings_dir, lsl=lsl, settings=settings, markers=markers, audio=audio)
    if audio and not win.audio_controls.output.active:  # say it once
        print(f"emgfeedback dashboard: {win.audio_controls.output.status}", file=sys.stderr)
    win.show_view(view)
    win.show()
    fit_to_screen(win)  # fills the screen's available area, frame included, never more
    QTimer.singleShot(300, lambda: fit_to_screen(win))  # again once the window manager drew the frame
    if win.connect_device(url) and (protocol or mvc):
        # started once the device streams: a connect starts clean (no protocol), so a protocol
        # started before it would run on the worker while the window had forgotten it
        def start_once(_info: object) -> None:
            win.bridge.connected.disconnect(start_once)
            if protocol:
                win.start_protocol(protocol)
            if mvc:
                win.start_mvc()

        win.bridge.connected.connect(start_once)  # queued from the worker: the loop below runs it
    if on_ready is not None:
        on_ready(win)
    result = {"code": 0}
    if screenshot is not None or exit_after is not None:
        delay_s = 5.0 if exit_after is None else exit_after

        def finish() -> None:
            if screenshot is not None:
                if not win.grab().save(screenshot):
                    result["code"] = 2
                    print(f"emgfeedback dashboard: error: cannot write screenshot {screenshot}")
            win.close()
            app.quit()

        QTimer.singleShot(int(delay_s * 1000), finish)
    code = app.exec()
    win.bridge.disconnect_device()
    return result["code"] or int(code)
