"""Reading and writing recordings and results.

- EDF+/BDF+: :class:`EdfWriter` (crash-safe, appends as it records), :func:`write_edf`,
  :func:`read_edf` / :class:`EdfReader` (recover cut files on open), :func:`repair_edf`;
- annotations: :class:`Annotation` and the vocabulary helpers in :mod:`.annotations`;
  :func:`recording_settings` gives back the settings that made a recording's annotations;
- text recordings of other tools: :func:`read_openbci_gui_txt`, :func:`read_uci_lower_limb`;
- de-identified patient codes: :func:`validate_patient_code`.
- the recording loop :class:`Recorder` (device -> file), the SQLite :class:`SessionDatabase`,
  the opt-in :class:`LslOutlet` (pylsl is imported only when one is created).
"""

from emgfeedback.storage.annotations import (
    Annotation,
    onsets_from_annotations,
    reps_from_annotations,
    settings_from_annotations,
    settings_text,
    truth_annotations,
)
from emgfeedback.storage.database import PatientOverview, SessionDatabase, default_db_path
from emgfeedback.storage.deidentify import validate_patient_code
from emgfeedback.storage.edf import EdfWriter, write_edf
from emgfeedback.storage.c3d import read_c3d
from emgfeedback.storage.edf_reader import EdfReader, EdfRecording, read_edf, read_edf_header, recording_settings
from emgfeedback.storage.xdf import read_xdf
from emgfeedback.storage.edf_repair import RepairResult, repair_edf
from emgfeedback.storage.lsl_outlet import LslOutlet
from emgfeedback.storage.recorder import Recorder, RecordingProgress
from emgfeedback.storage.textfiles import (
    TextRecording,
    read_openbci_gui_txt,
    read_text_recording,
    read_uci_lower_limb,
)

__all__ = [
    "Annotation",
    "EdfReader",
    "EdfRecording",
    "EdfWriter",
    "LslOutlet",
    "PatientOverview",
    "Recorder",
    "RecordingProgress",
    "RepairResult",
    "SessionDatabase",
    "TextRecording",
    "default_db_path",
    "onsets_from_annotations",
    "read_edf",
    "read_xdf",
    "read_c3d",
    "read_edf_header",
    "read_openbci_gui_txt",
    "read_text_recording",
    "read_uci_lower_limb",
    "repair_edf",
    "recording_settings",
    "reps_from_annotations",
    "settings_from_annotations",
    "settings_text",
    "truth_annotations",
    "validate_patient_code",
    "write_edf",
]
