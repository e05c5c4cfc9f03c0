"""The measurement core: one rep type, one function that measures a rep, one summary.

Below both :mod:`emgfeedback.session` (live) and :mod:`emgfeedback.analysis` (offline); every
number a user sees about a rep comes from here (docs/metrics.md gives each formula).
"""

from emgfeedback.measures.feedback import (
    FeedbackMetric,
    feedback_metrics,
    register_feedback_metric,
    rep_meets_target,
    unregister_feedback_metric,
)
from emgfeedback.measures.counting import HoldSlot, ProtocolRun, RepCounter, RepPlan, count_reps, counted
from emgfeedback.measures.grouping import RepGrouper
from emgfeedback.measures.layout import ChannelMap
from emgfeedback.measures.rep import RepMetrics, core_window, latency_text, measure_rep
from emgfeedback.measures.progress import SessionProgress, Trend, progress_rows, session_progress, trend_series
from emgfeedback.measures.summary import RepSummary, SideSummary, summarise
from emgfeedback.measures.targets import TARGET_METRICS, Target, parse_target, rep_meets, targets_from_protocol

__all__ = ["ChannelMap", "RepMetrics", "measure_rep", "core_window", "latency_text", "RepGrouper",
           "RepSummary", "SideSummary", "summarise", "RepPlan", "RepCounter", "HoldSlot", "ProtocolRun", "count_reps", "counted", "rep_meets_target",
           "FeedbackMetric", "register_feedback_metric", "unregister_feedback_metric", "feedback_metrics",
           "TARGET_METRICS", "Target", "parse_target", "rep_meets", "targets_from_protocol",
           "SessionProgress", "Trend", "session_progress", "trend_series", "progress_rows"]
