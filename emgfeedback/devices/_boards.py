"""Board gains for the drivers, from ``calibration/boards/*.toml`` (one place for every board's
ADC bit depth and counts → µV scale; edit a board's file to calibrate a unit).

Files are read once per process and per calibration folder (``$EMGFEEDBACK_CALIBRATION`` or the
source tree / installed copy, see :func:`emgfeedback.calibration.default_calibration_dir`).
"""

from __future__ import annotations

import functools
from pathlib import Path

from emgfeedback.calibration import BoardGain, default_calibration_dir, load_boards

__all__ = ["board_gain", "known_board", "calibrated"]


@functools.lru_cache(maxsize=8)
def _boards(folder: Path) -> dict[str, BoardGain]:
    return load_boards(folder)


def _all() -> dict[str, BoardGain]:
    return _boards(default_calibration_dir() / "boards")


def board_gain(name: str) -> BoardGain:
    """The board file of ``name`` (e.g. ``openbci_cyton``).

    Raises
    ------
    ConfigError
        The file is missing or broken (the message names file and key).
    """
    from emgfeedback.calibration import load_board

    boards = _all()
    if name in boards:
        return boards[name]
    return load_board(name)  # raises the "file not found" ConfigError naming the path


def known_board(name: str) -> "BoardGain | None":
    """The board file of ``name`` if there is one (boards of other makers have none), else None."""
    return _all().get(name)


def calibrated(info):
    """A board's DEVICE_INFO with the ADC bits and µV per count of its board file, when there is
    one (the file is where a unit is calibrated); unchanged for boards without a file."""
    import dataclasses

    board = known_board(info.board)
    if board is None:
        return info
    return dataclasses.replace(info, adc_bits=board.adc_bits, uv_per_count=board.uv_per_count)
