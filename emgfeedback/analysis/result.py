"""What an offline trial analysis finds: per-rep metrics, per-side and per-muscle summaries,
fatigue per channel and small plot previews (the report needs no raw samples)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from emgfeedback.model import FiringOrder, Muscle, Onset, Side

__all__ = ["RepMetrics", "SideSummary", "ChannelFatigue", "TracePreview", "TrialResult"]


@dataclass(frozen=True)
class RepMetrics:
    """One rep (a run of overlapping bursts on any channels).

    Parameters
    ----------
    index : int
        0-based rep number in the trial (shown 1-based to users).
    start_s, end_s : float
        Earliest detected onset and latest offset in the rep, s.
    core_s : tuple of float
        The plateau window amplitudes and spectra are taken from, s: the rep trimmed by a
        quarter of its length (at most 0.5 s) at each end.
    side : Side or None
        Working side when only one side's glute channels were active, None otherwise.
    active : tuple of str
        Channels with a burst in the rep.
    onset_s : mapping of str to float
        First onset of each active channel in the rep, s.
    amplitude_uv : mapping of str to float
        Mean linear envelope over the core window, every channel, µV.
    firing_order : mapping of Side to FiringOrder
        Muscles in onset order per side (sides where fewer than two fired are absent).
    gmax_minus_es_ms : mapping of Side to float
        Glute max minus lumbar ES onset, ms (positive: ES fired first).
    tfl_to_glute_ratio : mapping of Side to float
        TFL / gluteus medius mean envelope over the core window (sides where either worked).
    gluteal_to_tfl_index : mapping of Side to float
        Selkowitz gluteal-to-TFL activation index from %MVC (only with MVC values).
    symmetry_index : mapping of Muscle to float
        Left/right symmetry index, %, of muscles active on both sides in this rep.
    mdf_hz : mapping of str to float
        Median frequency over the core window of each active channel, Hz.
    """

    index: int
    start_s: float
    end_s: float
    core_s: tuple[float, float]
    side: "Side | None" = None
    active: tuple[str, ...] = ()
    onset_s: Mapping[str, float] = field(default_factory=dict)
    amplitude_uv: Mapping[str, float] = field(default_factory=dict)
    firing_order: Mapping[Side, FiringOrder] = field(default_factory=dict)
    gmax_minus_es_ms: Mapping[Side, float] = field(default_factory=dict)
    tfl_to_glute_ratio: Mapping[Side, float] = field(default_factory=dict)
    gluteal_to_tfl_index: Mapping[Side, float] = field(default_factory=dict)
    symmetry_index: Mapping[Muscle, float] = field(default_factory=dict)
    mdf_hz: Mapping[str, float] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        """Rep length, s."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class SideSummary:
    """One side over the whole trial.

    Parameters
    ----------
    side : Side
        The side.
    first_to_fire : Muscle or None
        Muscle that fired first in most ordered reps (ties: the one first in more reps
        by median onset), None when no rep had two muscles firing.
    first_counts : mapping of Muscle to int
        Reps in which each muscle fired first.
    n_ordered : int
        Reps with an order (two or more muscles fired).
    gmax_minus_es_onset_ms : float
        Median glute max minus lumbar ES onset, ms (positive: ES first); NaN when unknown.
    tfl_to_glute_ratio : float
        Median TFL-to-gluteus-medius ratio over reps; NaN when unknown.
    gluteal_to_tfl_index : float
        Median gluteal-to-TFL activation index (needs MVC values); NaN when unknown.
    """

    side: Side
    first_to_fire: "Muscle | None" = None
    first_counts: Mapping[Muscle, int] = field(default_factory=dict)
    n_ordered: int = 0
    gmax_minus_es_onset_ms: float = math.nan
    tfl_to_glute_ratio: float = math.nan
    gluteal_to_tfl_index: float = math.nan


@dataclass(frozen=True, eq=False)
class ChannelFatigue:
    """Median frequency of one channel over its active periods.

    Parameters
    ----------
    channel : str
        Channel name.
    times_s : ndarray, shape (n_windows,)
        Centre of each analysis window, s from the start of the recording.
    mdf_hz : ndarray, shape (n_windows,)
        Median frequency of each window, Hz.
    slope_pct_per_min : float
        Least-squares slope of the median frequency, % of its initial value per minute
        (negative with fatigue); NaN with fewer than two windows.
    """

    channel: str
    times_s: np.ndarray
    mdf_hz: np.ndarray
    slope_pct_per_min: float


@dataclass(frozen=True, eq=False)
class TracePreview:
    """Signals reduced for plotting: the whole trial in bins, and one rep in detail.

    Parameters
    ----------
    t_s : ndarray, shape (n_bins,)
        Start of each overview bin, s.
    raw_min_uv, raw_max_uv : ndarray, shape (n_channels, n_bins)
        Extremes of the band-passed, notch-filtered signal per bin, µV (no DC offset, no mains).
    env_uv : ndarray, shape (n_channels, n_bins)
        Largest linear envelope value per bin, µV.
    detail_t_s : ndarray, shape (n_detail,)
        Times of the detail view (the first rep with 0.5 s either side), s.
    detail_raw_min_uv, detail_raw_max_uv, detail_env_uv : ndarray, shape (n_channels, n_detail)
        The same reductions over the detail window, µV.

    Notes
    -----
    The signal is filtered causally (as the live view shows it), so it lags the raw samples by
    a few ms; onsets are drawn at their delay-corrected times.
    """

    t_s: np.ndarray
    raw_min_uv: np.ndarray
    raw_max_uv: np.ndarray
    env_uv: np.ndarray
    detail_t_s: np.ndarray
    detail_raw_min_uv: np.ndarray
    detail_raw_max_uv: np.ndarray
    detail_env_uv: np.ndarray


@dataclass(frozen=True, eq=False)
class TrialResult:
    """Everything :func:`~emgfeedback.analysis.trial.analyze_trial` found in one recording.

    Parameters
    ----------
    source : str
        Where the recording came from (path or description).
    fs : float
        Sample rate, Hz.
    duration_s : float
        Length, s.
    channels : tuple of str
        Name of each row: channel id for glute channels, else the file's label.
    labels : tuple of str
        Labels as the file gave them.
    glute : bool
        True when the recording has glute channels (firing order, ratios and symmetry need them).
    onsets : tuple of Onset
        Bursts kept (at least ``min_burst_s`` long), by onset time.
    reps : tuple of RepMetrics
        The reps, in time order.
    sides : mapping of Side to SideSummary
        Per-side summary (empty without glute channels).
    symmetry_index : mapping of Muscle to float
        Left/right symmetry index per muscle over the trial, %: mean amplitude of each side
        over the reps where that side (or, if it never worked, the other side) was active.
    fatigue : mapping of str to ChannelFatigue
        Median-frequency trend of each channel that was active.
    preview : TracePreview
        Reduced signals for plots.
    notes : tuple of str
        What could not be computed and why, in words a clinician can act on.
    settings : mapping of str to object
        The analysis settings used (detector, mains, …).
    """

    source: str
    fs: float
    duration_s: float
    channels: tuple[str, ...]
    labels: tuple[str, ...]
    glute: bool
    onsets: tuple[Onset, ...]
    reps: tuple[RepMetrics, ...]
    sides: Mapping[Side, SideSummary]
    symmetry_index: Mapping[Muscle, float]
    fatigue: Mapping[str, ChannelFatigue]
    preview: TracePreview
    notes: tuple[str, ...] = ()
    settings: Mapping[str, object] = field(default_factory=dict)

    def onsets_for(self, channel: str) -> tuple[Onset, ...]:
        """Bursts of one channel, in time order."""
        return tuple(o for o in self.onsets if o.channel == channel)
