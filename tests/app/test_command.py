"""``emgfeedback dashboard``: no display → one clear line; --screenshot writes a PNG."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from emgfeedback.app import display_available
from emgfeedback.cli import main


def test_no_display_prints_one_line_and_exits_nonzero(monkeypatch, capsys) -> None:
    for key in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(key, raising=False)
    assert display_available() is False
    assert main(["dashboard"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["emgfeedback dashboard: no display found (DISPLAY and WAYLAND_DISPLAY unset): run under "
                   "xvfb-run, or set QT_QPA_PLATFORM=offscreen (or use 'emgfeedback monitor' for the terminal view)"]


def test_no_display_in_a_fresh_process_has_no_traceback() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run([sys.executable, "-m", "emgfeedback.cli", "dashboard"], capture_output=True,
                          text=True, env=env, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "no display found" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "argv, message",
    [
        (["dashboard", "--exit-after", "-1"], "--exit-after must be a finite number s > 0 and ≤ 86400, got -1.0"),
        (["dashboard", "--screenshot", "out.jpg"], "--screenshot must end in .png, got out.jpg"),
        (["dashboard", "--protocol", "yoga"], "--protocol must be one of: glute_squeeze"),
    ],
)
def test_bad_arguments_are_one_line_errors(argv, message, capsys) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_an_unusable_display_is_found_in_a_child_process_and_refused_in_one_line() -> None:
    # DISPLAY names an X server that does not exist: Qt >= 6.5 would abort the whole process
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["DISPLAY"] = ":987"
    proc = subprocess.run([sys.executable, "-m", "emgfeedback.cli", "dashboard"], capture_output=True,
                          text=True, env=env, timeout=90)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "Aborted" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("emgfeedback dashboard: Qt cannot open the display :987") and "xvfb-run" in line


def test_display_available_with_offscreen(monkeypatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert display_available() is True


@pytest.mark.slow
def test_screenshot_is_written(tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-m", "emgfeedback.cli", "dashboard", "--device",
         "sim://?scenario=healthy", "--screenshot", str(out), "--exit-after", "1.5"],
        capture_output=True, text=True, env=env, timeout=90)
    assert proc.returncode == 0, proc.stderr
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


@pytest.mark.slow
def test_a_protocol_given_at_start_is_the_windows_once_the_device_streams(tmp_path: Path) -> None:
    """``dashboard --protocol ID``: the window (summary, patient view) knows the running
    exercise, not only the session worker — a connect starts clean, so it starts after it."""
    script = (
        "import sys\n"
        "from PySide6.QtCore import QTimer\n"
        "from emgfeedback.app.run import run_dashboard\n"
        "seen = {}\n"
        "def ready(win):\n"
        "    QTimer.singleShot(2500, lambda: seen.update(protocol=win.protocol and win.protocol.id))\n"
        "code = run_dashboard('sim://?scenario=healthy&follow=1', protocol='clamshell', exit_after=3.0,\n"
        "                     on_ready=ready, audio=False)\n"
        "print(seen)\n"
        "sys.exit(code)\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=90)
    assert proc.returncode == 0, proc.stderr
    assert "'protocol': 'clamshell'" in proc.stdout, proc.stdout
