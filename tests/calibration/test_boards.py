"""Board gain files: the shipped ones load and agree with the drivers; broken ones are one-line
ConfigErrors naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from emgfeedback.calibration import BoardGain, load_board, load_boards
from emgfeedback.errors import ConfigError

GOOD = """schema = 1
[board]
name = "test_board"
description = "a test"
adc_bits = 10
vref_v = 5.0
adc_full_scale = 1024
gain = 201.0
offset_counts = 512
uv_per_count = 24.2926
source = "here"
"""


def test_shipped_boards_load_with_their_derived_gains() -> None:
    boards = load_boards()
    assert {"arduino_myoware", "openbci_cyton", "openbci_ganglion"} <= set(boards)
    assert boards["arduino_myoware"].uv_per_count == pytest.approx(5e6 / 1024 / 201, rel=1e-6)
    assert boards["openbci_cyton"].uv_per_count == pytest.approx(4.5e6 / 24 / (2**23 - 1), rel=1e-6)
    assert all(isinstance(b, BoardGain) and b.source for b in boards.values())


def test_gains_agree_with_the_openbci_drivers() -> None:
    from emgfeedback.devices._openbci import CYTON_VREF_V, GANGLION_UV_PER_COUNT

    assert load_board("openbci_ganglion").uv_per_count == pytest.approx(GANGLION_UV_PER_COUNT, rel=1e-6)
    assert load_board("openbci_cyton").vref_v == CYTON_VREF_V


def test_to_microvolts() -> None:
    assert load_board("arduino_myoware").to_microvolts(-10) == pytest.approx(-242.926)


@pytest.mark.parametrize("edit, key, message", [
    (("gain = 201.0", "gain = 100.0"), "board.uv_per_count", "disagrees with vref_v"),
    (("gain = 201.0", "gain = -1.0"), "board.gain", r"expected a number V/V in \(0, 1e\+06\]"),
    (("adc_bits = 10", "adc_bits = 3"), "board.adc_bits", r"whole number in \[8, 32\]"),
    (('source = "here"\n', ""), "board.source", "missing; expected text"),
    (("offset_counts", "offset_count"), "board.offset_count", "unknown key"),
    (("adc_full_scale = 1024", "adc_full_scale = 1048576"), "board.uv_per_count", "disagrees"),
    (("schema = 1", "schema = 2"), "schema", "expected 1"),
])
def test_broken_files_name_file_and_key(tmp_path: Path, edit: tuple[str, str], key: str,
                                        message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace(*edit))
    with pytest.raises(ConfigError, match=f"bad.toml: key '{key}': .*{message}"):
        load_board(path)


def test_good_file_by_path_and_duplicate_names(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD)
    assert load_board(tmp_path / "a.toml").name == "test_board"
    assert load_board("a", directory=tmp_path).gain == 201.0
    (tmp_path / "b.toml").write_text(GOOD)
    with pytest.raises(ConfigError, match="b.toml: key 'board.name': board 'test_board' is already"):
        load_boards(tmp_path)


def test_missing_board_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nope.toml: file not found"):
        load_board("nope", directory=tmp_path)
