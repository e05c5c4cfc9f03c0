"""Electrode placements (``calibration/placements.toml``), SENIAM-style."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from emgfeedback.calibration._reader import TomlFile, default_calibration_dir
from emgfeedback.model import Muscle

__all__ = ["Placement", "Placements", "load_placements"]

_MUSCLE_KEYS = ("starting_posture", "location", "orientation", "clinical_test", "note")


@dataclass(frozen=True)
class Placement:
    """Where and how to put one muscle's electrode pair.

    Parameters
    ----------
    muscle : Muscle
        The muscle.
    starting_posture, location, orientation, clinical_test : str
        SENIAM-style instructions.
    note : str
        Anything else worth knowing (may be empty).
    """

    muscle: Muscle
    starting_posture: str
    location: str
    orientation: str
    clinical_test: str
    note: str = ""


@dataclass(frozen=True)
class Placements:
    """All placements plus the general rules and the reference electrode.

    Parameters
    ----------
    muscles : mapping of Muscle to Placement
        One placement for every muscle in ``Muscle``.
    reference : str
        Where the reference electrode goes.
    reference_note : str
        Extra advice on the reference (may be empty).
    skin_preparation, fixation : str
        General instructions.
    electrode_size_mm, inter_electrode_distance_mm : float
        Electrode size along the fibres and centre-to-centre distance, mm.
    """

    muscles: Mapping[Muscle, Placement]
    reference: str
    reference_note: str
    skin_preparation: str
    fixation: str
    electrode_size_mm: float
    inter_electrode_distance_mm: float


def load_placements(path: "Path | str | None" = None) -> Placements:
    """Load and validate ``placements.toml``.

    Parameters
    ----------
    path : path, optional
        File to read; default ``<calibration dir>/placements.toml``.

    Raises
    ------
    ConfigError
        Naming the file and key when the file is missing or invalid.
    """
    f = TomlFile(path if path is not None else default_calibration_dir() / "placements.toml")
    f.schema()
    f.check_keys(f.data, ("schema", "general", "muscle", "reference"))
    general = f.table(f.data, "general", "general")
    f.check_keys(general, ("skin_preparation", "electrode_size_mm",
                           "inter_electrode_distance_mm", "fixation"), "general.")
    muscles_t = f.table(f.data, "muscle", "muscle")
    f.check_keys(muscles_t, [m.value for m in Muscle], "muscle.")
    muscles: dict[Muscle, Placement] = {}
    for m in Muscle:
        key = f"muscle.{m.value}"
        t = f.table(muscles_t, m.value, key)
        f.check_keys(t, _MUSCLE_KEYS, key + ".")
        muscles[m] = Placement(
            muscle=m,
            starting_posture=f.text(t, "starting_posture", key + ".starting_posture"),
            location=f.text(t, "location", key + ".location"),
            orientation=f.text(t, "orientation", key + ".orientation"),
            clinical_test=f.text(t, "clinical_test", key + ".clinical_test"),
            note=str(t.get("note", "")),
        )
    ref = f.table(f.data, "reference", "reference")
    f.check_keys(ref, ("location", "note"), "reference.")
    return Placements(
        muscles=muscles,
        reference=f.text(ref, "location", "reference.location"),
        reference_note=str(ref.get("note", "")),
        skin_preparation=f.text(general, "skin_preparation", "general.skin_preparation"),
        fixation=f.text(general, "fixation", "general.fixation"),
        electrode_size_mm=f.number(general, "electrode_size_mm", "general.electrode_size_mm",
                                   low=0, high=100, low_open=True, unit="mm"),
        inter_electrode_distance_mm=f.number(
            general, "inter_electrode_distance_mm", "general.inter_electrode_distance_mm",
            low=0, high=100, low_open=True, unit="mm"),
    )
