"""What a simulated recording really contains: its ground truth, kept beside the samples."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Mapping

import numpy as np

from emgfeedback.model import Montage, Muscle, Onset, SampleBlock, Side

__all__ = ["Rep", "Ramp", "GroundTruth", "SimulatedRecording"]


@dataclass(frozen=True)
class Rep:
    """One repetition of an exercise.

    Parameters
    ----------
    index : int
        0-based rep number.
    start_s, end_s : float
        Earliest true onset and latest true offset of any muscle in the rep, s.
    side : Side or None
        Working side for one-sided exercises (clamshell), None when both sides work.
    """

    index: int
    start_s: float
    end_s: float
    side: "Side | None" = None


@dataclass(frozen=True)
class Ramp:
    """The recruitment ramp of one true burst (kept beside its :class:`~emgfeedback.model.Onset`).

    On the ramp the noise-free EMG amplitude is ``A·((t − onset_s)/ramp_s)^exponent`` for
    ``onset_s ≤ t < onset_s + ramp_s``, then the plateau ``A``.

    Parameters
    ----------
    channel : str
        Channel id, as in the burst's ``Onset``.
    onset_s : float
        True onset of the burst (start of the ramp), s; equals the ``Onset``'s ``onset_s``.
    ramp_s : float
        Time from the true onset to the plateau, s.
    exponent : float
        Shape of the ramp: 1 linear, up to 2 convex (slow start).
    """

    channel: str
    onset_s: float
    ramp_s: float
    exponent: float = 1.0


@dataclass(frozen=True)
class GroundTruth:
    """The truth a simulated recording was generated from.

    Parameters
    ----------
    scenario : str
        Scenario name, e.g. ``healthy``.
    onsets : tuple of Onset
        True onset and offset of every burst, per channel and rep, s. The true onset is the
        start of the burst's recruitment ramp: the first instant its EMG amplitude is above 0
        (with gradual ramps a detector sees the burst later; see ``ramps``). The true offset is
        the end of the linear fall, the last instant the amplitude is above 0.
    reps : tuple of Rep
        The reps in time order.
    amplitude_uv : mapping of str to float
        Noise-free RMS of each channel's EMG at the plateau of its activation, µV
        (0 for channels that stay quiet).
    tfl_to_glute_ratio : mapping of Side to float
        True TFL / gluteus medius plateau amplitude ratio per side (NaN where the
        scenario does not define one).
    first_to_fire : mapping of Side to Muscle
        Muscle that fires first (glute max or lumbar ES) per side, where defined.
    median_freq_change_pct : mapping of str to float
        Change of median frequency from start to end of the recording per channel, %
        (negative when it falls with fatigue); 0 when there is no fatigue.
    description : str
        One paragraph a user can read: what the scenario models.
    noise_floor_uv : mapping of str to float
        RMS of the broadband baseline noise (10–500 Hz) per channel, µV; the SNR is
        ``20·log10(amplitude_uv / noise_floor_uv)`` on active channels.
    lead_off : tuple of str
        Channels simulated with the electrode off (flat); their bursts are not in ``onsets``.
    ramps : tuple of Ramp
        Recruitment ramp of every burst, parallel to ``onsets``: ``ramps[i]`` belongs to
        ``onsets[i]`` (same channel and onset). Empty only for hand-made truths.
    ramp : str
        The ramp choice the recording was made with: ``"scenario"``, ``"fast"`` or a scale
        factor written ``"x0.5"``.
    """

    scenario: str
    onsets: tuple[Onset, ...]
    reps: tuple[Rep, ...]
    amplitude_uv: Mapping[str, float] = field(default_factory=dict)
    tfl_to_glute_ratio: Mapping[Side, float] = field(default_factory=dict)
    first_to_fire: Mapping[Side, Muscle] = field(default_factory=dict)
    median_freq_change_pct: Mapping[str, float] = field(default_factory=dict)
    description: str = ""
    noise_floor_uv: Mapping[str, float] = field(default_factory=dict)
    lead_off: tuple[str, ...] = ()
    ramps: tuple[Ramp, ...] = ()
    ramp: str = "scenario"

    def __post_init__(self) -> None:
        if self.ramps and (
            len(self.ramps) != len(self.onsets)
            or any(r.channel != o.channel or r.onset_s != o.onset_s for r, o in zip(self.ramps, self.onsets))
        ):
            raise ValueError("GroundTruth.ramps must be parallel to onsets (same channel and onset_s, same order)")

    def onsets_for(self, channel: str) -> tuple[Onset, ...]:
        """True bursts of one channel (by id), in time order."""
        return tuple(o for o in self.onsets if o.channel == channel)

    def ramps_for(self, channel: str) -> tuple[Ramp, ...]:
        """Recruitment ramps of one channel's bursts, aligned with :meth:`onsets_for`."""
        return tuple(r for r in self.ramps if r.channel == channel)

    def ramp_s_for(self, channel: str) -> list[float]:
        """Recruitment ramp durations of one channel's bursts, s, aligned with :meth:`onsets_for`
        (``ramp_s_for(c)[i]`` belongs to ``onsets_for(c)[i]``)."""
        return [r.ramp_s for r in self.ramps_for(channel)]


@dataclass(frozen=True, eq=False)
class SimulatedRecording:
    """Simulated samples and the truth behind them.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        Raw signal in µV as an electrode would see it (EMG, noise, mains, artefacts).
    fs : float
        Sample rate, Hz.
    montage : Montage
        Channel order.
    truth : GroundTruth
        What was simulated.
    """

    data: np.ndarray
    fs: float
    montage: Montage
    truth: GroundTruth

    @property
    def duration_s(self) -> float:
        """Length of the recording, s."""
        return self.data.shape[1] / self.fs

    def blocks(self, block_size: int) -> Iterator[SampleBlock]:
        """Cut the recording into consecutive ``SampleBlock``s of ``block_size`` samples
        (the last one may be shorter)."""
        if block_size < 1:
            raise ValueError(f"block_size must be at least 1 sample, got {block_size}")
        n = self.data.shape[1]
        for start in range(0, n, block_size):
            yield SampleBlock(
                t0=start / self.fs,
                fs=self.fs,
                data=self.data[:, start : start + block_size],
                seq=start,
                channels=self.montage.ids,
            )
