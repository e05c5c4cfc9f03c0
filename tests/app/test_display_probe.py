"""`make run`'s display check: Qt is tried in a child process, and where its X11 plugin lacks
system libraries the one line names them and the install commands."""

from __future__ import annotations

import emgfeedback.app as app

LDD = """\tlinux-vdso.so.1 (0x00007ffc)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxkbcommon-x11.so.0 => /lib/x86_64-linux-gnu/libxkbcommon-x11.so.0 (0x00007f)
"""


def test_missing_libraries_are_read_from_ldd_and_named_with_their_packages() -> None:
    missing = app.missing_qt_libraries(ldd=lambda path: LDD)
    assert missing == ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    line = app.xcb_install_hint(missing)
    assert "\n" not in line
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in line
    assert "sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-keysyms" in line
    assert app.debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"


def test_this_machine_has_what_qt_needs() -> None:
    # CI installs the xcb libraries (.ci/run): the real plugin's dependencies resolve
    assert app.missing_qt_libraries() == []


def test_a_display_qt_cannot_open_names_the_missing_libraries(monkeypatch) -> None:
    monkeypatch.setenv("DISPLAY", ":59")  # no X server there: the child's Qt fails
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(app, "missing_qt_libraries", lambda: ["libxcb-cursor.so.0"])
    problem = app.display_problem()
    assert problem.startswith("Qt cannot load its X11 (xcb) platform plugin: missing libxcb-cursor.so.0")
    assert "apt install libxcb-cursor0" in problem


def test_a_display_without_a_server_is_one_line_without_libraries(monkeypatch) -> None:
    monkeypatch.setenv("DISPLAY", ":59")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    problem = app.display_problem()
    assert problem.startswith("Qt cannot open the display :59") and "\n" not in problem
