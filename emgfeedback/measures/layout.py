"""What each row of a stream or recording records: a glute channel, or something else."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from emgfeedback.model import Channel, Montage, Muscle, Side

__all__ = ["ChannelMap"]


@dataclass(frozen=True)
class ChannelMap:
    """What each row of a recording records.

    Parameters
    ----------
    names : tuple of str
        Name of each row: the channel id (``glute_max_left``) where the row is a glute channel,
        else the label as found (``Recto Femoral``).
    channels : tuple of (Channel or None)
        The glute channel of each row, None for other rows.
    labels : tuple of str
        The labels as the file gave them (the EDF labels for a montage).
    """

    names: tuple[str, ...]
    channels: "tuple[Channel | None, ...]"
    labels: tuple[str, ...]

    @classmethod
    def from_montage(cls, montage: Montage) -> "ChannelMap":
        """Every row a glute channel, as a live stream's montage says."""
        return cls(montage.ids, tuple(montage.channels), montage.labels)

    @cached_property
    def glute_rows(self) -> dict[str, int]:
        """Row of each glute channel, by channel id (computed once: the map is frozen)."""
        return {c.id: i for i, c in enumerate(self.channels) if c is not None}

    @property
    def has_glute(self) -> bool:
        """True when at least one row is a glute channel."""
        return any(c is not None for c in self.channels)

    def row(self, muscle: Muscle, side: Side) -> "int | None":
        """Row of ``muscle`` on ``side``, None when the recording lacks it."""
        return self.glute_rows.get(Channel(muscle, side).id)
