"""Offline trial analysis: reps, onsets, firing order, ratios, symmetry, fatigue; tables and an
HTML report. Composes :mod:`emgfeedback.dsp`; see docs/analysis.md."""

from emgfeedback.analysis.channels import ChannelMap, expected_labels, map_channels
from emgfeedback.analysis.result import ChannelFatigue, RepMetrics, SideSummary, TracePreview, TrialResult
from emgfeedback.analysis.trial import analyze_trial

__all__ = [
    "analyze_trial",
    "map_channels",
    "expected_labels",
    "ChannelMap",
    "TrialResult",
    "RepMetrics",
    "SideSummary",
    "ChannelFatigue",
    "TracePreview",
]
