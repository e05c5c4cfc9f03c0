"""Fatigue per channel: the median-frequency trend over a channel's reps (the per-rep summary is
:func:`emgfeedback.measures.summarise`)."""

from __future__ import annotations

import math

import numpy as np

from emgfeedback.analysis.result import ChannelFatigue
from emgfeedback.dsp.fatigue import mdf_slope_pct_per_min

__all__ = ["channel_fatigue"]


def channel_fatigue(name: str, times_s: np.ndarray, mdf_hz: np.ndarray) -> ChannelFatigue:
    """A channel's median-frequency windows from all its reps and their slope, %/min."""
    t = np.asarray(times_s, dtype=np.float64)
    f = np.asarray(mdf_hz, dtype=np.float64)
    slope = float(mdf_slope_pct_per_min(t, f)) if np.isfinite(f).sum() >= 2 else math.nan
    return ChannelFatigue(channel=name, times_s=t, mdf_hz=f, slope_pct_per_min=slope)
