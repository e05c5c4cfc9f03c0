"""Qt tests run on the offscreen platform, set before anything imports Qt."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _qt_test_paths(qapp):
    """Keep QStandardPaths (recent devices) out of the user's real config folder; collect the
    garbage of each test's windows here, in the GUI thread, once they are closed (qtbot closes
    them before this fixture ends), then give collection back to Python for the next test."""
    from PySide6.QtCore import QStandardPaths

    from emgfeedback.app.gui_gc import restore_automatic_collection

    QStandardPaths.setTestModeEnabled(True)
    yield
    restore_automatic_collection()


@pytest.fixture()
def xvfb_run() -> str:
    """Path of ``xvfb-run`` (an X server for tests of the real window on a screen of a given
    size); skipped where missing, a failure when ``EMGFEEDBACK_REQUIRE_ALL`` is set (CI)."""
    import shutil

    path = shutil.which("xvfb-run")
    if path is None:
        why = "xvfb-run is missing (Debian: apt-get install xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1)"
        if os.environ.get("EMGFEEDBACK_REQUIRE_ALL"):
            pytest.fail(why + "; EMGFEEDBACK_REQUIRE_ALL is set, so this is a failure")
        pytest.skip(why)
    return path


@pytest.fixture()
def open_dashboard(qtbot, tmp_path):
    """``open_dashboard(url, scenarios=())``: the real main window, shown, connected to ``url``
    on its session worker (waits until the stream's info is known); recent devices kept in
    ``tmp_path``."""
    from emgfeedback.app.bridge import SessionBridge
    from emgfeedback.app.main_window import MainWindow
    from emgfeedback.app.panels import RecentDevices

    def open_(url: str, scenarios=()):
        win = MainWindow(url, bridge=SessionBridge(fps=60.0), recent=RecentDevices(tmp_path / "recent.json"),
                         scenarios=list(scenarios))
        qtbot.addWidget(win)
        win.show()
        assert win.connect_device()
        qtbot.waitUntil(lambda: win.info is not None, timeout=20_000)  # opened on the worker
        return win

    return open_
