"""MVC procedures (``calibration/mvc.toml``): how to get a maximum contraction per muscle."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from emgfeedback.calibration._reader import TomlFile, default_calibration_dir
from emgfeedback.model import Muscle

__all__ = ["MvcProcedure", "load_mvc_procedures"]

_TIMING = ("trials", "contraction_s", "rest_s", "window_s")


@dataclass(frozen=True)
class MvcProcedure:
    """One muscle's maximum voluntary contraction test.

    Parameters
    ----------
    muscle : Muscle
        The muscle tested (both sides at once).
    position, instruction, resistance : str
        What the clinician sets up and says.
    trials : int
        Number of maximal contractions.
    contraction_s, rest_s : float
        Length of each contraction and the rest after it, s.
    window_s : float
        Averaging window for the MVC value, s: the highest mean envelope over this window.
    """

    muscle: Muscle
    position: str
    instruction: str
    resistance: str
    trials: int = 3
    contraction_s: float = 5.0
    rest_s: float = 30.0
    window_s: float = 0.5


def _timing(f: TomlFile, t: Mapping, prefix: str, base: Mapping) -> dict:
    return {
        "trials": f.integer(t, "trials", prefix + "trials", default=base.get("trials", 3), low=1, high=10),
        "contraction_s": f.number(t, "contraction_s", prefix + "contraction_s",
                                  default=base.get("contraction_s", 5.0), low=1, high=30, unit="s"),
        "rest_s": f.number(t, "rest_s", prefix + "rest_s", default=base.get("rest_s", 30.0),
                           low=0, high=600, unit="s"),
        "window_s": f.number(t, "window_s", prefix + "window_s", default=base.get("window_s", 0.5),
                             low=0.05, high=5, unit="s"),
    }


def load_mvc_procedures(path: "Path | str | None" = None) -> dict[Muscle, MvcProcedure]:
    """Load and validate ``mvc.toml``: one procedure for every muscle, in ``Muscle`` order.

    Raises
    ------
    ConfigError
        Naming the file and key when the file is missing or invalid.
    """
    f = TomlFile(path if path is not None else default_calibration_dir() / "mvc.toml")
    f.schema()
    f.check_keys(f.data, ("schema", "defaults", "muscle"))
    defaults_t = f.table(f.data, "defaults", "defaults", required=False)
    f.check_keys(defaults_t, _TIMING, "defaults.")
    base = _timing(f, defaults_t, "defaults.", {})
    muscles_t = f.table(f.data, "muscle", "muscle")
    f.check_keys(muscles_t, [m.value for m in Muscle], "muscle.")
    out: dict[Muscle, MvcProcedure] = {}
    for m in Muscle:
        key = f"muscle.{m.value}"
        t = f.table(muscles_t, m.value, key)
        f.check_keys(t, ("position", "instruction", "resistance") + _TIMING, key + ".")
        out[m] = MvcProcedure(
            muscle=m,
            position=f.text(t, "position", key + ".position"),
            instruction=f.text(t, "instruction", key + ".instruction"),
            resistance=f.text(t, "resistance", key + ".resistance"),
            **_timing(f, t, key + ".", base),
        )
    return out
