"""A recording names the processing settings that made its annotations; one patient-code rule."""

import numpy as np
import pytest

from emgfeedback.settings import ProcessingSettings
from emgfeedback.storage import (
    Annotation,
    read_edf_header,
    recording_settings,
    settings_from_annotations,
    settings_text,
    validate_patient_code,
    write_edf,
)
from emgfeedback.storage.deidentify import edf_patient_field

FS = 1000.0


def _write(path, annotations, **kw):
    write_edf(path, np.zeros((2, 3000)), FS, ["GMax L", "GMax R"], annotations, **kw)


def test_settings_round_trip_through_an_edf_file(tmp_path):
    s = ProcessingSettings(mains_hz=None, onset_method="bonato", detector_params={"m": 5, "r0": 2})
    text = settings_text(s)
    assert text.startswith("settings {") and len(text) < 500
    _write(tmp_path / "a.edf", [Annotation(0.0, None, text), Annotation(1.0, 0.5, "onset GMax L")])
    assert recording_settings(tmp_path / "a.edf") == s
    _write(tmp_path / "b.edf", [Annotation(1.0, 0.5, "onset GMax L")])
    assert recording_settings(tmp_path / "b.edf") is None


def test_a_damaged_settings_annotation_is_a_clear_error():
    assert settings_from_annotations([Annotation(0.0, None, "onset GMax L")]) is None
    with pytest.raises(ValueError, match="settings annotation is damaged: .*mains_hz"):
        settings_from_annotations([Annotation(0.0, None, 'settings {"mains_hz": 55}')])


def test_unknown_patient_is_written_as_x_but_x_is_not_a_code(tmp_path):
    assert edf_patient_field(None) == "X X X X"
    assert edf_patient_field("P-017") == "P-017 X X X"
    with pytest.raises(ValueError, match="patient code 'X' means unknown"):
        validate_patient_code("X")
    with pytest.raises(ValueError, match="patient code 'X' means unknown"):
        _write(tmp_path / "x.edf", [], patient_code="X")
    _write(tmp_path / "u.edf", [])
    assert read_edf_header(tmp_path / "u.edf").patient.startswith("X X X X")
