"""emgfeedback dashboard: the --screenshot file follows the overwrite policy; --help reads right."""

import os
import stat
import subprocess
import sys

import pytest

from emgfeedback.cli import build_parser, main


def test_help_says_percent_mvc_once(capsys):
    with pytest.raises(SystemExit):
        main(["dashboard", "--help"])
    out = capsys.readouterr().out
    assert "%MVC bars" in out and "%%" not in out


def test_no_command_help_shows_a_doubled_percent():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        assert "%%" not in p.format_help(), name


def test_an_existing_screenshot_is_refused_before_the_window_opens(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    out = tmp_path / "shot.png"
    out.write_bytes(b"keep")
    assert main(["dashboard", "--screenshot", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "shot.png already exists" in err and "--force" in err
    assert out.read_bytes() == b"keep"


@pytest.mark.slow
def test_force_replaces_the_screenshot_owner_only(tmp_path):
    out = tmp_path / "shot.png"
    out.write_bytes(b"old")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-m", "emgfeedback.cli", "dashboard", "--device", "sim://?scenario=healthy",
         "--screenshot", str(out), "--exit-after", "1", "--force"],
        capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".png") == ["shot.png"]
