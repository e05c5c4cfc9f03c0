"""The calibration folder is found without a source tree: a wheel ships it as data files
(<prefix>/share/emgfeedback/calibration) and default_calibration_dir() looks there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from emgfeedback.calibration import CALIBRATION_ENV, default_calibration_dir
from emgfeedback.calibration import _reader

ROOT = Path(__file__).resolve().parents[2]


def test_source_tree_first_then_installed_copy(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv(CALIBRATION_ENV, raising=False)
    assert default_calibration_dir() == ROOT / "calibration"
    installed = tmp_path / _reader.INSTALLED_SUBDIR
    (installed / "protocols").mkdir(parents=True)
    monkeypatch.setattr(_reader, "_candidates", lambda: [tmp_path / "no-source-tree" / "calibration", installed])
    assert default_calibration_dir() == installed
    monkeypatch.setenv(CALIBRATION_ENV, str(tmp_path / "mine"))
    assert default_calibration_dir() == tmp_path / "mine"  # the environment variable still wins


def test_nothing_found_names_the_source_tree_path(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv(CALIBRATION_ENV, raising=False)
    monkeypatch.setattr(_reader, "_candidates", lambda: [tmp_path / "a", tmp_path / "b"])
    assert default_calibration_dir() == tmp_path / "a"


@pytest.mark.slow
def test_a_built_wheel_installs_and_finds_its_calibration(tmp_path) -> None:
    pytest.importorskip("wheel", reason="building a wheel with setuptools < 70 needs the 'wheel' package (dev extra)")
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "emgfeedback", src / "emgfeedback", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "calibration", src / "calibration")
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path / "dist"),
                    str(src)], check=True, capture_output=True, timeout=300)
    (whl,) = (tmp_path / "dist").glob("emgfeedback-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    subprocess.run([*pip, "--python", str(py), "install", "--no-deps", "--no-index", "-q", str(whl)],
                   check=True, capture_output=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if k != CALIBRATION_ENV}
    env["PYTHONPATH"] = sysconfig.get_path("purelib")  # numpy & co. from this environment only
    probe = ("import emgfeedback, emgfeedback.calibration as c; print(emgfeedback.__file__); "
             "print(c.default_calibration_dir()); print(len(c.load_protocols()), len(c.load_boards()))")
    out = subprocess.run([str(py), "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    module, folder, counts = out.stdout.strip().splitlines()
    assert module.startswith(str(venv))  # the installed copy, not this source tree
    assert Path(folder) == venv / "share" / "emgfeedback" / "calibration"
    assert counts == f"{len(list((ROOT / 'calibration' / 'protocols').glob('*.toml')))} " \
                     f"{len(list((ROOT / 'calibration' / 'boards').glob('*.toml')))}"
