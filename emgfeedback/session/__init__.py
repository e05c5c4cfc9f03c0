"""Exercise sessions: the protocol runner (sample-clock timed), rep detection from envelopes,
MVC calibration, per-rep results, and the live loop that runs device → pipeline on a worker
thread. No Qt here: the dashboard in ``emgfeedback.app`` only observes."""

from emgfeedback.session.engine import Pipeline, SessionEngine, SessionUpdate
from emgfeedback.session.live import LiveSession, default_pipeline
from emgfeedback.session.mvc import MvcStep, MvcWizard, MvcWizardState, peak_window_mean, percent_of_mvc
from emgfeedback.session.patient import PATIENT_CODE_PATTERN, validate_patient_code
from emgfeedback.session.reps import DetectedRep, RepDetector
from emgfeedback.session.results import (
    RepResult,
    SessionSummary,
    rep_meets_target,
    rep_result,
    summarize,
    symmetry_index,
)
from emgfeedback.session.ringbuffer import RingBuffer
from emgfeedback.session.runner import Phase, PhaseEvent, ProtocolRunner, RunnerState

__all__ = [
    "PATIENT_CODE_PATTERN",
    "DetectedRep",
    "LiveSession",
    "MvcStep",
    "MvcWizard",
    "MvcWizardState",
    "Phase",
    "PhaseEvent",
    "Pipeline",
    "ProtocolRunner",
    "RepDetector",
    "RepResult",
    "RingBuffer",
    "RunnerState",
    "SessionEngine",
    "SessionSummary",
    "SessionUpdate",
    "default_pipeline",
    "peak_window_mean",
    "percent_of_mvc",
    "rep_meets_target",
    "rep_result",
    "summarize",
    "symmetry_index",
    "validate_patient_code",
]
