"""The clinician's dashboard (PySide6 + pyqtgraph): the only package that imports Qt.

Importing ``emgfeedback.app`` itself does not import Qt, so :func:`display_available` can be
asked anywhere (``make run`` uses it to fall back to the terminal view; it opens Qt in a child
process first); the Qt classes load on first use.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

__all__ = ["display_available", "display_problem", "NO_DISPLAY_MESSAGE", "MainWindow", "SessionBridge",
           "run_dashboard"]

#: The one line printed when there is nowhere to show a window.
NO_DISPLAY_MESSAGE = (
    "run under xvfb-run, or set QT_QPA_PLATFORM=offscreen (or use 'emgfeedback monitor' for the "
    "terminal view)"
)


#: Qt opened in a child process: Qt ≥ 6.5 aborts the whole process (no exception) when its
#: platform plugin cannot load (no X server behind DISPLAY, missing libxcb-cursor0 …).
_PROBE = "from PySide6.QtWidgets import QApplication; app = QApplication([]); print(app.platformName())"


def display_problem(timeout_s: float = 20.0) -> str:
    """Why no window can be shown here ("" when one can).

    A display must be named (``DISPLAY``, ``WAYLAND_DISPLAY`` or an explicit
    ``QT_QPA_PLATFORM`` such as ``offscreen``), and Qt must open its platform plugin there: that
    is tried in a child process, so a broken display costs a line, never this process.
    """
    if not any(os.environ.get(k) for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        return "no display found (DISPLAY and WAYLAND_DISPLAY unset)"
    try:
        proc = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return f"Qt did not open the display within {timeout_s:g} s"
    except OSError as err:
        return f"cannot start Python to test the display: {err}"
    if proc.returncode == 0:
        return ""
    lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip() and "Traceback" not in ln]
    hint = next((ln for ln in lines if "could not" in ln.lower() or "cannot" in ln.lower()), lines[-1] if lines else "")
    return f"Qt cannot open the display {os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY') or ''}".rstrip() + (
        f" ({hint[:160]})" if hint else f" (exit code {proc.returncode})")


def display_available() -> bool:
    """True when a window can be shown here (see :func:`display_problem`)."""
    return display_problem() == ""


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
