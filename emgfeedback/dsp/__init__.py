"""Signal processing: pure numpy/scipy, no I/O, no threads, no Qt.

Every algorithm is a pure function over a whole array (time on the last axis, µV, fs in Hz
passed explicitly) and, where it must run live, a small ``Streaming…`` class fed block by block
whose output equals the offline causal output for any block sizes.
"""

from emgfeedback.dsp.fatigue import mdf_slope_pct_per_min, median_frequency
from emgfeedback.dsp.filters import (
    bandpass,
    condition,
    design_bandpass,
    design_conditioning,
    design_lowpass,
    design_notch,
    envelope,
    moving_rms,
    notch,
)
from emgfeedback.dsp.mvc import mvc_from_trial, normalize_mvc
from emgfeedback.dsp.onsets import METHODS, BaselineStats, StreamingOnsetDetector, detect_onsets
from emgfeedback.dsp.pipeline import OnlinePipeline
from emgfeedback.dsp.quality import QualityAlarms, assess_quality
from emgfeedback.dsp.ratios import gluteal_to_tfl_index, symmetry_index, tfl_to_glute_ratio
from emgfeedback.dsp.streaming import (
    StreamingBandpass,
    StreamingConditioning,
    StreamingEnvelope,
    StreamingMovingRms,
    StreamingNotch,
    StreamingSos,
)
from emgfeedback.dsp.timing import firing_order, group_reps, onset_latency_ms
from emgfeedback.dsp.tkeo import tkeo

__all__ = [
    # filters
    "design_bandpass", "design_notch", "design_lowpass", "design_conditioning",
    "bandpass", "notch", "condition", "envelope", "moving_rms",
    "StreamingSos", "StreamingBandpass", "StreamingNotch", "StreamingConditioning",
    "StreamingEnvelope", "StreamingMovingRms",
    # onsets
    "METHODS", "BaselineStats", "detect_onsets", "StreamingOnsetDetector", "tkeo",
    # metrics
    "group_reps", "onset_latency_ms", "firing_order",
    "tfl_to_glute_ratio", "gluteal_to_tfl_index", "symmetry_index",
    "median_frequency", "mdf_slope_pct_per_min", "mvc_from_trial", "normalize_mvc",
    "assess_quality",
    "QualityAlarms",
    # live
    "OnlinePipeline",
]
