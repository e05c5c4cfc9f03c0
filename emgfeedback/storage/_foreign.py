"""What the readers of other labs' formats (XDF, C3D) share: the result type, labels, units."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from emgfeedback.devices.lsl import unit_scale
from emgfeedback.errors import RecordingError
from emgfeedback.model import Channel
from emgfeedback.storage.annotations import Annotation

__all__ = ["ImportedRecording", "montage_channel", "montage_label", "to_microvolts"]

_PREFIX = re.compile(r"^(emg|semg)[\s_:-]+", re.I)


@dataclass(frozen=True, eq=False)
class ImportedRecording:
    """EMG samples and events read from another lab's file (XDF, C3D).

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        Samples, µV, float64.
    fs : float
        Sample rate, Hz.
    labels : tuple of str
        Channel labels: ``GMax L`` … where the file's label names a glute-montage channel
        (``EMG GMax L``, ``glute_max_left``), else as in the file.
    source : str
        The path.
    annotations : tuple of Annotation
        Events and markers (``marker TEXT``) and filled gaps (``gap N samples lost``), onset s
        from the first sample, in time order.
    recovered : str
        Empty for an intact file; else what the reader filled in or left out.
    """

    data: np.ndarray
    fs: float
    labels: tuple[str, ...]
    source: str
    annotations: tuple[Annotation, ...] = ()
    recovered: str = ""


def montage_channel(label: str) -> "Channel | None":
    """The glute-montage channel a label names (``EMG GMax L``, ``GMax L``, ``glute_max_left``),
    or None."""
    try:
        return Channel.parse(_PREFIX.sub("", label.strip()))
    except ValueError:
        return None


def montage_label(label: str) -> str:
    """``GMax L`` for a label naming a glute-montage channel, else the label unchanged (stripped)."""
    ch = montage_channel(label)
    return label.strip() if ch is None else ch.label


def to_microvolts(unit: str, where: str) -> float:
    """Multiplier from ``unit`` (``V``, ``mV``, ``µV``, ``microvolts`` …) to µV.

    Raises
    ------
    RecordingError
        For a unit that is not a voltage (``where`` names the file and channel).
    """
    scale = unit_scale(unit.replace("\u03bc", "\u00b5"))
    if scale is None:
        raise RecordingError(f"{where}: unit {unit!r} is not a voltage emgfeedback reads "
                             f"(V, mV, µV or microvolts)")
    return scale
