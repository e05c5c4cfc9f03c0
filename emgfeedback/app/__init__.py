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

__all__ = ["display_available", "display_problem", "missing_qt_libraries", "xcb_install_hint", "debian_package", "NO_DISPLAY_MESSAGE", "MainWindow", "SessionBridge",
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
    missing = missing_qt_libraries()
    if missing:
        return xcb_install_hint(missing)
    lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip() and "Traceback" not in ln]
    hint = next((ln for ln in lines if "could not" in ln.lower() or "cannot" in ln.lower()), lines[-1] if lines else "")
    return f"Qt cannot open the display {os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY') or ''}".rstrip() + (
        f" ({hint[:160]})" if hint else f" (exit code {proc.returncode})")


#: Debian/Ubuntu package of a library Qt's xcb plugin needs, where its name does not follow
#: the usual rule (``libfoo-bar.so.0`` → ``libfoo-bar0``).
_DEBIAN_PACKAGES = {"libxkbcommon-x11.so.0": "libxkbcommon-x11-0", "libxcb-util.so.1": "libxcb-util1"}
#: The Fedora packages for the same libraries.
_FEDORA_PACKAGES = {"libxcb-cursor.so.0": "xcb-util-cursor", "libxcb-icccm.so.4": "xcb-util-wm",
                    "libxcb-keysyms.so.1": "xcb-util-keysyms", "libxcb-image.so.0": "xcb-util-image",
                    "libxcb-render-util.so.0": "xcb-util-renderutil", "libxkbcommon-x11.so.0": "libxkbcommon-x11"}


def _ldd(path: str) -> str:
    try:
        return subprocess.run(["ldd", path], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def missing_qt_libraries(ldd: "Any" = None) -> list[str]:
    """System libraries Qt's X11 (xcb) platform plugin needs but cannot find (Linux; empty
    elsewhere or when all are there). ``ldd`` runs ``ldd FILE`` (tests pass a fake)."""
    if not sys.platform.startswith("linux"):
        return []
    try:
        import importlib.util

        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    base = os.path.join(list(spec.submodule_search_locations)[0], "Qt")
    files = [os.path.join(base, "plugins", "platforms", "libqxcb.so"), os.path.join(base, "lib", "libQt6XcbQpa.so.6")]
    run = ldd or _ldd
    missing: list[str] = []
    for f in files:
        if not os.path.exists(f):
            continue
        for line in run(f).splitlines():
            if "not found" in line:
                name = line.split("=>")[0].strip()
                if name and name not in missing:
                    missing.append(name)
    return missing


def debian_package(library: str) -> str:
    """The Debian/Ubuntu package that ships ``library`` (``libxcb-cursor.so.0`` →
    ``libxcb-cursor0``)."""
    if library in _DEBIAN_PACKAGES:
        return _DEBIAN_PACKAGES[library]
    stem, _, version = library.partition(".so.")
    version = version.split(".")[0]
    return f"{stem}{'-' if stem[-1:].isdigit() else ''}{version}"


def xcb_install_hint(missing: "list[str]") -> str:
    """One line: which libraries are missing and the commands that install them."""
    deb = " ".join(debian_package(m) for m in missing)
    fed = " ".join(dict.fromkeys(_FEDORA_PACKAGES.get(m, debian_package(m)) for m in missing))
    return (f"Qt cannot load its X11 (xcb) platform plugin: missing {', '.join(missing)}; install with "
            f"'sudo apt install {deb}' (Debian/Ubuntu) or 'sudo dnf install {fed}' (Fedora)")


def display_available() -> bool:
    """True when a window can be shown here (see :func:`display_problem`)."""
    return display_problem() == ""


def __getattr__(name: str) -> Any:
    if name == "MainWindow":
        from emgfeedback.app.main_window import MainWindow

        return MainWindow
    if name == "run_dashboard":
        from emgfeedback.app.run import run_dashboard

        return run_dashboard
    if name == "SessionBridge":
        from emgfeedback.app.bridge import SessionBridge

        return SessionBridge
    raise AttributeError(f"module 'emgfeedback.app' has no attribute {name!r}")
