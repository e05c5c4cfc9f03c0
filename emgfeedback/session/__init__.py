"""Exercise sessions: the protocol runner (sample-clock timed), MVC calibration, reps and their
results from the measurement core (:mod:`emgfeedback.measures`), the live loop that runs device → pipeline on a worker
thread, recording a live session to EDF+ and its results to the session database, and the
session report. No Qt here: the dashboard in ``emgfeedback.app`` only observes."""

from emgfeedback.session.engine import Pipeline, SessionEngine, SessionUpdate
from emgfeedback.session.live import CONNECTING, STOPPED, STREAMING, LiveSession, default_pipeline
from emgfeedback.session.mvc import MvcStep, MvcTrial, MvcWizard, MvcWizardState, contraction_threshold_uv
from emgfeedback.session.recording import (
    RECORDINGS_ENV,
    LiveRecording,
    RecordingStatus,
    default_recordings_dir,
    recording_path,
)
from emgfeedback.session.report import report_path, write_session_report
from emgfeedback.session.history import patient_history, patient_plan, targets_in_force
from emgfeedback.session.plan import (
    AUDIO_MODES,
    ExercisePlan,
    PlanItem,
    plan_from_json,
    plan_item_from_protocol,
    plan_to_json,
    protocol_for,
    validate_plan_item,
)
from emgfeedback.session.patient import PATIENT_CODE_PATTERN, validate_patient_code
from emgfeedback.session.ringbuffer import RingBuffer
from emgfeedback.session.store import SessionStore, rep_fields
from emgfeedback.session.visit import Visit
from emgfeedback.session.runner import Phase, PhaseEvent, ProtocolRunner, RunnerState

__all__ = [
    "AUDIO_MODES",
    "patient_history",
    "patient_plan",
    "targets_in_force",
    "ExercisePlan",
    "PlanItem",
    "plan_from_json",
    "plan_item_from_protocol",
    "plan_to_json",
    "protocol_for",
    "validate_plan_item",
    "CONNECTING",
    "PATIENT_CODE_PATTERN",
    "RECORDINGS_ENV",
    "STOPPED",
    "STREAMING",
    "LiveRecording",
    "RecordingStatus",
    "SessionStore",
    "Visit",
    "default_recordings_dir",
    "recording_path",
    "rep_fields",
    "report_path",
    "write_session_report",
    "LiveSession",
    "MvcStep",
    "MvcTrial",
    "MvcWizard",
    "MvcWizardState",
    "Phase",
    "PhaseEvent",
    "Pipeline",
    "ProtocolRunner",
    "RingBuffer",
    "RunnerState",
    "SessionEngine",
    "SessionUpdate",
    "contraction_threshold_uv",
    "default_pipeline",
    "validate_patient_code",
]
