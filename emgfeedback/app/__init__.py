"""The clinician's dashboard (PySide6 + pyqtgraph): the only package that imports Qt.

Importing ``emgfeedback.app`` itself does not import Qt, so :func:`display_available` can be
asked anywhere (``make run`` uses it to fall back to the terminal view); the Qt classes load
on first use.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["display_available", "NO_DISPLAY_MESSAGE", "MainWindow", "SessionBridge", "run_dashboard"]

#: The one line printed when there is nowhere to show a window.
NO_DISPLAY_MESSAGE = (
    "no display found: run under xvfb-run, or set QT_QPA_PLATFORM=offscreen "
    "(or use 'emgfeedback monitor' for the terminal view)"
)


def display_available() -> bool:
    """True when a window can be shown: an X11 or Wayland display is set, or the user chose
    a Qt platform explicitly with ``QT_QPA_PLATFORM`` (e.g. ``offscreen``)."""
    return any(os.environ.get(k) for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def __getattr__(name: str) -> Any:
    if name == "MainWindow":
        from emgfeedback.app.main_window import MainWindow

        return MainWindow
    if name == "run_dashboard":
        from emgfeedback.app.main_window import run_dashboard

        return run_dashboard
    if name == "SessionBridge":
        from emgfeedback.app.bridge import SessionBridge

        return SessionBridge
    raise AttributeError(f"module 'emgfeedback.app' has no attribute {name!r}")
