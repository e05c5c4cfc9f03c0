"""The data model shared by every layer: muscles, sides, channels, montages and the
blocks, onsets and feedback frames that flow between them.

Conventions (see docs/architecture.md):

- time is the last axis: arrays are ``(n_channels, n_samples)``, float64, in µV;
- times are seconds (monotonic, or since the start of a recording), rates are Hz;
- a channel is named by its id (``"glute_max_left"``) in code and by its EDF-style label
  (``"GMax L"``) in files and on screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterator, Mapping

import numpy as np

__all__ = [
    "Muscle",
    "Side",
    "Channel",
    "Montage",
    "StreamInfo",
    "SampleBlock",
    "Onset",
    "FiringOrder",
    "ChannelQuality",
    "FeedbackFrame",
]


class Muscle(str, Enum):
    """A muscle emgfeedback knows how to place an electrode on."""

    GLUTE_MAX = "glute_max"
    GLUTE_MED = "glute_med"
    TFL = "tfl"
    LUMBAR_ES = "lumbar_es"

    @property
    def label(self) -> str:
        """Short EDF-style label: ``GMax``, ``GMed``, ``TFL``, ``ES``."""
        return _MUSCLE_LABELS[self]

    @property
    def full_name(self) -> str:
        """Anatomical name, e.g. ``gluteus maximus``."""
        return _MUSCLE_NAMES[self]


_MUSCLE_LABELS = {
    Muscle.GLUTE_MAX: "GMax",
    Muscle.GLUTE_MED: "GMed",
    Muscle.TFL: "TFL",
    Muscle.LUMBAR_ES: "ES",
}
_MUSCLE_NAMES = {
    Muscle.GLUTE_MAX: "gluteus maximus",
    Muscle.GLUTE_MED: "gluteus medius",
    Muscle.TFL: "tensor fasciae latae",
    Muscle.LUMBAR_ES: "lumbar erector spinae",
}


class Side(str, Enum):
    """Body side of an electrode."""

    LEFT = "left"
    RIGHT = "right"

    @property
    def letter(self) -> str:
        """``L`` or ``R``."""
        return "L" if self is Side.LEFT else "R"

    @property
    def other(self) -> "Side":
        """The opposite side."""
        return Side.RIGHT if self is Side.LEFT else Side.LEFT


@dataclass(frozen=True)
class Channel:
    """One electrode pair: a muscle on a side."""

    muscle: Muscle
    side: Side

    @property
    def id(self) -> str:
        """Identifier used in code and JSON, e.g. ``glute_max_left``."""
        return f"{self.muscle.value}_{self.side.value}"

    @property
    def label(self) -> str:
        """EDF-style label, e.g. ``GMax L``."""
        return f"{self.muscle.label} {self.side.letter}"

    @classmethod
    def parse(cls, text: str) -> "Channel":
        """Build a channel from its id (``glute_max_left``) or label (``GMax L``).

        Raises
        ------
        ValueError
            If ``text`` is neither a known id nor a known label.
        """
        key = text.strip()
        for ch in _ALL_CHANNELS:
            if key == ch.id or key.lower() == ch.label.lower():
                return ch
        known = ", ".join(f"{c.id} ({c.label})" for c in _ALL_CHANNELS)
        raise ValueError(f"unknown channel {text!r}; expected one of: {known}")

    def __str__(self) -> str:
        return self.id


_ALL_CHANNELS = tuple(Channel(m, s) for s in Side for m in Muscle)


@dataclass(frozen=True)
class Montage:
    """Order of device channels and the (muscle, side) each one records.

    Parameters
    ----------
    channels : tuple of Channel
        Device channel ``i`` records ``channels[i]``. No channel may appear twice.
    """

    channels: tuple[Channel, ...]

    def __post_init__(self) -> None:
        if not self.channels:
            raise ValueError("a montage needs at least one channel")
        ids = [c.id for c in self.channels]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"montage lists channel(s) twice: {', '.join(dupes)}")

    @classmethod
    def default(cls) -> "Montage":
        """The 8-channel glute montage: left GMax, GMed, TFL, ES then the same on the right."""
        return cls(_ALL_CHANNELS)

    @classmethod
    def from_names(cls, names: "list[str] | tuple[str, ...]") -> "Montage":
        """Build a montage from channel ids or labels, in device order."""
        return cls(tuple(Channel.parse(n) for n in names))

    @property
    def ids(self) -> tuple[str, ...]:
        """Channel ids in device order."""
        return tuple(c.id for c in self.channels)

    @property
    def labels(self) -> tuple[str, ...]:
        """EDF-style labels in device order."""
        return tuple(c.label for c in self.channels)

    def index(self, channel: "Channel | str") -> int:
        """Row of ``channel`` (a Channel, id or label) in data arrays.

        Raises
        ------
        KeyError
            If the montage does not record that channel.
        """
        ch = channel if isinstance(channel, Channel) else Channel.parse(channel)
        try:
            return self.channels.index(ch)
        except ValueError:
            raise KeyError(f"channel {ch.id} is not in this montage ({', '.join(self.ids)})") from None

    def find(self, muscle: Muscle, side: Side) -> "int | None":
        """Row of ``muscle`` on ``side``, or None when the montage lacks it."""
        ch = Channel(muscle, side)
        return self.channels.index(ch) if ch in self.channels else None

    def __len__(self) -> int:
        return len(self.channels)

    def __iter__(self) -> Iterator[Channel]:
        return iter(self.channels)


@dataclass(frozen=True)
class StreamInfo:
    """What a source says about its stream (frozen once the stream is open).

    Parameters
    ----------
    fs : float
        Sample rate, Hz.
    montage : Montage
        Which muscle each channel records.
    source : str
        The URL the stream was opened from, e.g. ``sim://?scenario=healthy``.
    board : str
        Board name, e.g. ``simulator``, ``arduino_myoware``, ``cyton``.
    units : str
        Always ``"uV"`` after a driver's scaling.
    firmware : str
        Firmware version, if the board reports one.
    adc_bits : int or None
        Resolution of the board's ADC, bits (from its board file or its DEVICE_INFO); None for
        sources without one (simulator, float streams). Recordings of more than 16 bits are BDF+.
    """

    fs: float
    montage: Montage
    source: str = ""
    board: str = ""
    units: str = "uV"
    firmware: str = ""
    adc_bits: "int | None" = None

    def __post_init__(self) -> None:
        if not (isinstance(self.fs, (int, float)) and math.isfinite(self.fs) and self.fs > 0):
            raise ValueError(f"fs must be a positive number of Hz, got {self.fs!r}")

    @property
    def n_channels(self) -> int:
        """Number of channels."""
        return len(self.montage)


@dataclass(frozen=True, eq=False)
class SampleBlock:
    """A block of consecutive samples of all channels.

    Parameters
    ----------
    t0 : float
        Time of the first sample, s.
    fs : float
        Sample rate, Hz.
    data : ndarray, shape (n_channels, n_samples)
        Samples in µV, float64. Lost samples are filled with the channel's last good
        value (so filters see no step) and flagged in ``lost``.
    seq : int
        Index of the first sample since the stream started (sample counter); the next
        block of a gap-free stream starts at ``seq + n_samples``.
    lost : ndarray of bool, shape (n_samples,), optional
        True where a sample was lost in transport and filled in. None means none lost.
    channels : tuple of str
        Channel ids, one per row.
    """

    t0: float
    fs: float
    data: np.ndarray
    seq: int = 0
    lost: "np.ndarray | None" = None
    channels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.data.ndim != 2:
            raise ValueError(
                f"SampleBlock.data must be 2-D (n_channels, n_samples), got shape {self.data.shape}"
            )
        if self.channels and len(self.channels) != self.data.shape[0]:
            raise ValueError(
                f"SampleBlock has {self.data.shape[0]} rows but {len(self.channels)} channel names"
            )
        if self.lost is not None and self.lost.shape != (self.data.shape[1],):
            raise ValueError(
                f"SampleBlock.lost must have shape ({self.data.shape[1]},), got {self.lost.shape}"
            )

    @property
    def n_channels(self) -> int:
        """Number of channels (rows)."""
        return int(self.data.shape[0])

    @property
    def n_samples(self) -> int:
        """Number of samples per channel (columns)."""
        return int(self.data.shape[1])

    @property
    def n_lost(self) -> int:
        """Number of samples flagged lost in this block."""
        return 0 if self.lost is None else int(np.count_nonzero(self.lost))

    @property
    def duration_s(self) -> float:
        """Length of the block, s."""
        return self.n_samples / self.fs

    @property
    def t_end(self) -> float:
        """Time just after the last sample, s."""
        return self.t0 + self.duration_s

    def times(self) -> np.ndarray:
        """Time of each sample, s, shape (n_samples,)."""
        return self.t0 + np.arange(self.n_samples) / self.fs


@dataclass(frozen=True)
class Onset:
    """A detected (or true) muscle activation burst.

    Parameters
    ----------
    onset_s : float
        Start of the activation, s.
    offset_s : float or None
        End of the activation, s; None while a live burst is still going on.
    channel : str
        Channel id, e.g. ``glute_max_left``.
    """

    onset_s: float
    offset_s: "float | None"
    channel: str

    @property
    def duration_s(self) -> "float | None":
        """Burst length, s, or None while it is still open."""
        return None if self.offset_s is None else self.offset_s - self.onset_s


@dataclass(frozen=True)
class FiringOrder:
    """Which muscles fired first in one rep on one side.

    Parameters
    ----------
    side : Side
        Body side the order is for.
    order : tuple of Muscle
        Muscles in order of onset, earliest first.
    onset_s : tuple of float
        Onset time of each muscle in ``order``, s.
    rep : int
        Rep index this order belongs to (0-based), -1 when unknown.
    """

    side: Side
    order: tuple[Muscle, ...]
    onset_s: tuple[float, ...]
    rep: int = -1

    @property
    def first(self) -> Muscle:
        """The muscle that fired first."""
        return self.order[0]

    def latency_ms(self, a: Muscle, b: Muscle) -> float:
        """Onset of ``a`` minus onset of ``b``, ms (positive when ``b`` fired first).

        Raises
        ------
        KeyError
            If either muscle has no onset in this rep.
        """
        times = dict(zip(self.order, self.onset_s))
        for m in (a, b):
            if m not in times:
                raise KeyError(f"{m.full_name} did not fire in this rep on the {self.side.value} side")
        return (times[a] - times[b]) * 1000.0


@dataclass(frozen=True)
class ChannelQuality:
    """Signal quality of one electrode over a recent window.

    Parameters
    ----------
    channel : str
        Channel id.
    powerline_ratio : float
        Power at mains frequency and harmonics over total power in 20–450 Hz, 0–1.
    clipping_fraction : float
        Fraction of samples at the ADC rails, 0–1.
    flat : bool
        True when the channel is flat or lead-off (no signal at all).
    noise_floor_uv : float
        RMS of the quietest part of the window after band-pass, µV.
    problems : tuple of str
        Human-readable problems a clinician can fix, empty when the channel is good.
    """

    channel: str
    powerline_ratio: float
    clipping_fraction: float
    flat: bool
    noise_floor_uv: float
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when there is no problem to report."""
        return not self.problems


@dataclass(frozen=True, eq=False)
class FeedbackFrame:
    """What the live pipeline says after each block: everything a display needs.

    Parameters
    ----------
    t_s : float
        Time just after the last sample processed, s.
    channels : tuple of str
        Channel ids, one per row of the arrays below.
    envelope_uv : ndarray, shape (n_channels, n_samples)
        Linear envelope of this block, µV.
    filtered_uv : ndarray, shape (n_channels, n_samples)
        Band-passed, notch-filtered signal of this block, µV.
    level_uv : ndarray, shape (n_channels,)
        Latest envelope value per channel, µV.
    percent_mvc : ndarray, shape (n_channels,), or None
        Latest envelope value as %MVC, when MVC values are known.
    onsets : tuple of Onset
        Onsets (and offsets) that became known in this block.
    firing_order : mapping of Side to FiringOrder
        Latest complete firing order per side.
    tfl_to_glute_ratio : mapping of Side to float
        Latest TFL-to-gluteus-medius envelope ratio per side (NaN when both are quiet).
    quality : tuple of ChannelQuality
        Latest quality per channel (may be empty between quality updates).
    lost_samples : int
        Samples lost in transport in this block.
    """

    t_s: float
    channels: tuple[str, ...]
    envelope_uv: np.ndarray
    filtered_uv: np.ndarray
    level_uv: np.ndarray
    percent_mvc: "np.ndarray | None" = None
    onsets: tuple[Onset, ...] = ()
    firing_order: Mapping[Side, FiringOrder] = field(default_factory=dict)
    tfl_to_glute_ratio: Mapping[Side, float] = field(default_factory=dict)
    quality: tuple[ChannelQuality, ...] = ()
    lost_samples: int = 0
