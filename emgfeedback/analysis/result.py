"""What an offline trial analysis finds: the reps and their summary (the measurement core's
:class:`~emgfeedback.measures.RepMetrics` and :class:`~emgfeedback.measures.RepSummary`), fatigue per
channel and small plot previews (the report needs no raw samples)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from emgfeedback.measures import RepMetrics, RepSummary, SideSummary
from emgfeedback.model import Muscle, Onset, Side
from emgfeedback.settings import ProcessingSettings

__all__ = ["RepMetrics", "SideSummary", "ChannelFatigue", "TracePreview", "TrialResult"]


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
        Bursts found (onsets detector's burst rules applied), by onset time.
    reps : tuple of RepMetrics
        The reps, in time order.
    summary : RepSummary
        The reps summarised (the same summary the dashboard shows).
    fatigue : mapping of str to ChannelFatigue
        Median-frequency trend of each channel that was active.
    preview : TracePreview
        Reduced signals for plots.
    notes : tuple of str
        What could not be computed and why, in words a clinician can act on.
    settings : ProcessingSettings
        The processing settings used.
    """

    source: str
    fs: float
    duration_s: float
    channels: tuple[str, ...]
    labels: tuple[str, ...]
    glute: bool
    onsets: tuple[Onset, ...]
    reps: tuple[RepMetrics, ...]
    summary: RepSummary
    fatigue: Mapping[str, ChannelFatigue]
    preview: TracePreview
    notes: tuple[str, ...] = ()
    settings: ProcessingSettings = field(default_factory=ProcessingSettings)

    @property
    def sides(self) -> Mapping[Side, SideSummary]:
        """Per-side summary (empty without glute channels)."""
        return self.summary.sides if self.glute else {}

    @property
    def symmetry_index(self) -> Mapping[Muscle, float]:
        """Median left/right symmetry index per muscle over reps where both sides worked, %."""
        return self.summary.symmetry_pct

    def onsets_for(self, channel: str) -> tuple[Onset, ...]:
        """Bursts of one channel, in time order."""
        return tuple(o for o in self.onsets if o.channel == channel)
