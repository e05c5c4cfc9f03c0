"""Offline trial analysis: reps, onsets, firing order, ratios, symmetry, fatigue; JSON/CSV tables
and a self-contained HTML report. Composes :mod:`emgfeedback.dsp`; see docs/analysis.md."""

from emgfeedback.analysis.channels import ChannelMap, expected_labels, map_channels
from emgfeedback.analysis.loading import LoadedRecording, load_recording
from emgfeedback.analysis.report import render_report, write_report
from emgfeedback.analysis.result import ChannelFatigue, RepMetrics, SideSummary, TracePreview, TrialResult
from emgfeedback.analysis.tables import csv_columns, rep_rows, trial_to_dict, trial_to_json, write_csv
from emgfeedback.analysis.trial import analyze_trial
from emgfeedback.analysis.chunked import analyze_file, analyze_stream

__all__ = [
    "analyze_trial",
    "analyze_file",
    "analyze_stream",
    "load_recording",
    "LoadedRecording",
    "map_channels",
    "expected_labels",
    "ChannelMap",
    "TrialResult",
    "RepMetrics",
    "SideSummary",
    "ChannelFatigue",
    "TracePreview",
    "trial_to_dict",
    "trial_to_json",
    "rep_rows",
    "csv_columns",
    "write_csv",
    "render_report",
    "write_report",
]
