"""Board gain files (``calibration/boards/*.toml``): ADC counts → µV at the electrodes.

Each file has one ``[board]`` table: the ADC (``adc_bits``, ``vref_v``, ``adc_full_scale``
counts per reference), the analog front-end ``gain``, the mid-scale ``offset_counts`` the
firmware subtracts, the resulting ``uv_per_count``, and its ``source``. The loader checks
``uv_per_count == vref_v * 1e6 / adc_full_scale / gain`` (within 0.1 %), so a gain edited for
one unit cannot silently disagree with the scale used to read it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from emgfeedback.calibration._reader import TomlFile, default_calibration_dir
from emgfeedback.errors import ConfigError

__all__ = ["BoardGain", "load_board", "load_boards"]

_KEYS = ("name", "description", "adc_bits", "vref_v", "adc_full_scale", "gain", "offset_counts",
         "uv_per_count", "source")


@dataclass(frozen=True)
class BoardGain:
    """How one board's counts become microvolts.

    Parameters
    ----------
    name : str
        Board name as its DEVICE_INFO reports it (e.g. ``arduino_myoware``).
    description, source : str
        What the board is; where the numbers come from.
    adc_bits : int
        ADC resolution, bits.
    vref_v : float
        ADC reference, V.
    adc_full_scale : float
        Counts per ``vref_v`` (1024 for the ATmega328P, 2^23 - 1 for the ADS1299).
    gain : float
        Front-end voltage gain from the electrodes to the ADC input (V/V).
    offset_counts : int
        Counts subtracted by the firmware (mid-scale of a single-supply front end).
    uv_per_count : float
        µV at the electrodes per count.
    """

    name: str
    description: str
    adc_bits: int
    vref_v: float
    adc_full_scale: float
    gain: float
    offset_counts: int
    uv_per_count: float
    source: str

    def to_microvolts(self, counts: "float | int") -> float:
        """µV at the electrodes for ``counts`` (already offset-corrected by the firmware)."""
        return float(counts) * self.uv_per_count


def load_board(name_or_path: "str | Path", directory: "Path | None" = None) -> BoardGain:
    """Load one board gain file, by board name (``calibration/boards/NAME.toml``) or path.

    Raises
    ------
    ConfigError
        Missing or malformed file, missing or out-of-range key, unknown key, or a
        ``uv_per_count`` that does not follow from the other numbers.
    """
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = (directory or default_calibration_dir() / "boards") / f"{name_or_path}.toml"
    f = TomlFile(path)
    f.schema(1)
    f.check_keys(f.data, ("schema", "board"))
    t = f.table(f.data, "board", "board")
    f.check_keys(t, _KEYS, "board.")
    board = BoardGain(
        name=f.text(t, "name", "board.name"),
        description=f.text(t, "description", "board.description"),
        adc_bits=f.integer(t, "adc_bits", "board.adc_bits", low=8, high=32),
        vref_v=f.number(t, "vref_v", "board.vref_v", low=0.0, high=10.0, low_open=True, unit="V"),
        adc_full_scale=f.number(t, "adc_full_scale", "board.adc_full_scale", low=1.0,
                                high=2.0 ** 33, unit="counts"),
        gain=f.number(t, "gain", "board.gain", low=0.0, high=1e6, low_open=True, unit="V/V"),
        offset_counts=f.integer(t, "offset_counts", "board.offset_counts", low=0, high=2 ** 31),
        uv_per_count=f.number(t, "uv_per_count", "board.uv_per_count", low=0.0, high=1e6,
                              low_open=True, unit="µV"),
        source=f.text(t, "source", "board.source"),
    )
    derived = board.vref_v * 1e6 / board.adc_full_scale / board.gain
    if not math.isclose(board.uv_per_count, derived, rel_tol=1e-3):
        raise f.error("board.uv_per_count",
                      f"{board.uv_per_count:g} µV disagrees with vref_v / adc_full_scale / gain "
                      f"= {derived:.6g} µV; fix the gain or the scale")
    if 2 ** board.adc_bits < board.adc_full_scale / 2:
        raise f.error("board.adc_full_scale", f"{board.adc_full_scale:g} counts cannot come from "
                      f"a {board.adc_bits}-bit ADC")
    return board


def load_boards(directory: "Path | None" = None) -> dict[str, BoardGain]:
    """Every ``*.toml`` in ``calibration/boards/`` (or ``directory``), by board name.

    Raises
    ------
    ConfigError
        A broken file (see :func:`load_board`), or two files naming the same board.
    """
    folder = directory or default_calibration_dir() / "boards"
    boards: dict[str, BoardGain] = {}
    for path in sorted(Path(folder).glob("*.toml")):
        board = load_board(path)
        if board.name in boards:
            raise ConfigError(f"{path}: key 'board.name': board {board.name!r} is already "
                              f"defined by another file in {folder}")
        boards[board.name] = board
    return boards
