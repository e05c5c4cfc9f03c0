"""Calibration TOML: the shipped files load, and every broken file gives a one-line
ConfigError naming the file and the key."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from emgfeedback.calibration import (
    CALIBRATION_ENV,
    default_calibration_dir,
    load_mvc_procedures,
    load_placements,
    load_protocol,
    load_protocols,
)
from emgfeedback.errors import ConfigError
from emgfeedback.model import Muscle

SHIPPED = default_calibration_dir()


def test_shipped_protocols_cover_the_issue() -> None:
    protocols = load_protocols()
    for pid in ("glute_squeeze", "clamshell", "side_lying_abduction", "quadruped_hip_extension",
                "prone_hip_extension", "bridge", "squat", "lunge", "deadlift"):
        assert pid in protocols
    squeeze = protocols["glute_squeeze"]
    assert (squeeze.reps, squeeze.hold_s) == (10, 10.0)
    clam = protocols["clamshell"]
    assert clam.feedback.metric == "tfl_to_glute_ratio" and clam.feedback.muscle is Muscle.GLUTE_MED
    assert "60°" in clam.position
    quad = protocols["quadruped_hip_extension"]
    assert (quad.feedback.first, quad.feedback.before) == (Muscle.GLUTE_MAX, Muscle.LUMBAR_ES)
    assert clam.total_sets == 2 * clam.sets
    orders = [p.order for p in protocols.values()]
    assert orders == sorted(orders)


def test_shipped_placements_and_mvc_cover_every_muscle() -> None:
    placements = load_placements()
    assert set(placements.muscles) == set(Muscle)
    assert "greater trochanter" in placements.muscles[Muscle.GLUTE_MED].location
    assert placements.inter_electrode_distance_mm == 20.0
    assert placements.reference
    mvc = load_mvc_procedures()
    assert set(mvc) == set(Muscle)
    assert mvc[Muscle.LUMBAR_ES].trials == 2 and mvc[Muscle.GLUTE_MAX].trials == 3


def test_env_variable_moves_the_calibration_dir(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CALIBRATION_ENV, str(tmp_path))
    assert default_calibration_dir() == tmp_path
    with pytest.raises(ConfigError, match=re.escape(f"{tmp_path / 'protocols'}: protocol folder not found")):
        load_protocols()


def _protocol_copy(tmp_path: Path, edit) -> Path:
    text = (SHIPPED / "protocols" / "clamshell.toml").read_text(encoding="utf-8")
    path = tmp_path / "clamshell.toml"
    path.write_text(edit(text), encoding="utf-8")
    return path


PROTOCOL_BREAKS = [
    ("reps = 12", "reps = 0", "reps", r"whole number in \[1, 100\], got a number 0"),
    ("reps = 12", "reps = 'twelve'", "reps", "got text 'twelve'"),
    ("reps = 12\n", "", "reps", "missing"),
    ("hold_s = 3.0", "hold_s = -1", "hold_s", r"number s in \(0, 120\], got -1"),
    ("hold_s = 3.0", "hold_seconds = 3.0", "hold_seconds", "unknown key; expected one of"),
    ('sides = "each"', 'sides = "both sides"', "sides", "expected one of: both, left, right, each"),
    ('metric = "tfl_to_glute_ratio"', 'metric = "ratio"', "feedback.metric", "expected one of: percent_mvc"),
    ("max_ratio = 0.6", "max_ratio = 0", "feedback.max_ratio", r"in \(0, 10\], got 0"),
    ("target_pct_mvc = [20.0, 60.0]", "target_pct_mvc = [60.0, 20.0]", "feedback.target_pct_mvc",
     "low < high"),
    ('muscle = "glute_med"', 'muscle = "gluteus"', "feedback.muscle", "expected a muscle, one of: glute_max"),
    ('target_muscles = ["glute_med", "tfl"]', 'target_muscles = ["glute_med", "hamstring"]',
     r"target_muscles\[1\]", "expected a muscle"),
    ('target_muscles = ["glute_med", "tfl"]', "target_muscles = []", "target_muscles", "non-empty list"),
    ('id = "clamshell"', 'id = "clam"', "id", "must equal the file name"),
    ("schema = 1", "schema = 2", "schema", "expected 1"),
    ('hold = "Lift the top knee, keep the heels together, don\'t roll back."', "", "cues.hold", "missing"),
    ("[cues]", "[cues.prepare]", "cues.prepare", "expected non-empty text, got a table"),
]


@pytest.mark.parametrize("old, new, key, message", PROTOCOL_BREAKS)
def test_broken_protocol_names_file_and_key(tmp_path: Path, old: str, new: str, key: str, message: str) -> None:
    path = _protocol_copy(tmp_path, lambda t: t.replace(old, new, 1))
    assert old in (SHIPPED / "protocols" / "clamshell.toml").read_text(encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(str(path)) + f": key '{key}': .*{message}") as info:
        load_protocol(path)
    assert "\n" not in str(info.value)


def test_feedback_rules_per_metric(tmp_path: Path) -> None:
    fo = (SHIPPED / "protocols" / "prone_hip_extension.toml").read_text(encoding="utf-8")
    path = tmp_path / "prone_hip_extension.toml"
    path.write_text(fo.replace('before = "lumbar_es"', 'before = "glute_max"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="key 'feedback.before': must differ from feedback.first"):
        load_protocol(path)
    sq = (SHIPPED / "protocols" / "glute_squeeze.toml").read_text(encoding="utf-8")
    path = tmp_path / "glute_squeeze.toml"
    path.write_text(sq.replace("target_pct_mvc = [20.0, 60.0]\n", ""), encoding="utf-8")
    with pytest.raises(ConfigError, match="key 'feedback.target_pct_mvc': missing; metric 'percent_mvc' needs"):
        load_protocol(path)
    sym = (SHIPPED / "protocols" / "squat.toml").read_text(encoding="utf-8")
    path = tmp_path / "squat.toml"
    path.write_text(sym.replace("max_asymmetry_pct = 15.0", "max_asymmetry_pct = 150"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key 'feedback.max_asymmetry_pct': expected a number % in \(0, 100\]"):
        load_protocol(path)


@pytest.mark.parametrize(
    "content, message",
    [
        ("reps = [1,", "not valid TOML"),
        (b"\xff\xfe\x00bad", "not valid TOML|cannot read"),
    ],
)
def test_unparseable_files(tmp_path: Path, content, message: str) -> None:
    path = tmp_path / "clamshell.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(str(path)) + f": ({message})"):
        load_protocol(path)


def test_missing_file_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=re.escape(str(tmp_path / "nope.toml")) + ": file not found"):
        load_protocol(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="no protocol files"):
        load_protocols(tmp_path)


def test_one_broken_file_breaks_the_folder_load(tmp_path: Path) -> None:
    shutil.copytree(SHIPPED / "protocols", tmp_path / "protocols")
    (tmp_path / "protocols" / "bridge.toml").write_text("schema = 1\nid = 'bridge'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bridge.toml: key '\w+': missing"):
        load_protocols(tmp_path / "protocols")


PLACEMENT_BREAKS = [
    ("[muscle.tfl]", "[muscle.tensor]", "muscle.tensor", "unknown key; expected one of: glute_max"),
    ('location = "Two finger-widths', 'place = "Two finger-widths', "muscle.lumbar_es.place", "unknown key"),
    ("electrode_size_mm = 10.0", "electrode_size_mm = 0", "general.electrode_size_mm",
     r"number mm in \(0, 100\], got 0"),
    ("[reference]\nlocation", "[reference]\nwhere", "reference.where", "unknown key"),
]


@pytest.mark.parametrize("old, new, key, message", PLACEMENT_BREAKS)
def test_broken_placements(tmp_path: Path, old: str, new: str, key: str, message: str) -> None:
    text = (SHIPPED / "placements.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "placements.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(str(path)) + f": key '{key}': .*{message}"):
        load_placements(path)


def test_placements_missing_muscle(tmp_path: Path) -> None:
    text = (SHIPPED / "placements.toml").read_text(encoding="utf-8")
    head, _, rest = text.partition("[muscle.glute_med]")
    path = tmp_path / "placements.toml"
    path.write_text(head + "[muscle.tfl]" + rest.partition("[muscle.tfl]")[2], encoding="utf-8")
    with pytest.raises(ConfigError, match="key 'muscle.glute_med': missing; expected a table"):
        load_placements(path)


@pytest.mark.parametrize(
    "old, new, key, message",
    [
        ("trials = 3", "trials = 0", "defaults.trials", r"whole number in \[1, 10\]"),
        ("trials = 2", "trials = 2.5", "muscle.lumbar_es.trials", "got a number 2.5"),
        ("window_s = 0.5", "window_s = 'half'", "defaults.window_s", "got text 'half'"),
        ('instruction = "Lift the top leg', 'instructions = "Lift the top leg', "muscle.glute_med.instructions",
         "unknown key"),
    ],
)
def test_broken_mvc(tmp_path: Path, old: str, new: str, key: str, message: str) -> None:
    text = (SHIPPED / "mvc.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "mvc.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(str(path)) + f": key '{key}': .*{message}"):
        load_mvc_procedures(path)
