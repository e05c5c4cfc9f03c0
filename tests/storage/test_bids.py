"""EMG-BIDS plan (BIDS 1.11.0): entities from the file or the session database, runs, events,
channels, refusals."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from emgfeedback.errors import RecordingError
from emgfeedback.measures.counting import RepPlan
from emgfeedback.settings import ProcessingSettings
from emgfeedback.storage import Annotation, SessionDatabase, write_edf
from emgfeedback.storage.annotations import protocol_text, settings_text
from emgfeedback.storage.bids import bids_label, plan_export

LABELS = ("GMax L", "GMed L", "TFL L", "ES L", "GMax R", "GMed R", "TFL R", "ES R")
START = dt.datetime(2026, 3, 4, 10, 30, 0)


def _edf(path, *, code="P-0042", protocol="clamshell", labels=LABELS, start=START, extra=(), **kw):
    anns = [Annotation(0.0, None, settings_text(ProcessingSettings(mains_hz=60.0))),
            Annotation(1.0, 2.0, "rep 1 left"), Annotation(1.02, 0.5, "onset GMax L"),
            Annotation(0.9, None, "cue hold: squeeze"), Annotation(4.0, None, "marker door opened"),
            Annotation(5.0, 1.0, "artefact too short"), Annotation(5.5, None, "baseline {}"), *extra]
    if protocol:
        anns.append(Annotation(0.0, None, protocol_text(RepPlan(protocol, 5, 1, "each", 3.0, 3.0))))
    data = np.random.default_rng(0).normal(0, 20, (len(labels), 2000 * 8))
    write_edf(path, data, 2000.0, labels, anns, patient_code=code, start=start, **kw)
    return path


def _files(plan):
    return {f.path: f for f in plan}


def test_entities_come_from_the_file_without_a_database(tmp_path):
    plan = _files(plan_export([_edf(tmp_path / "a.edf")]))
    stem = "sub-P0042/ses-20260304/emg/sub-P0042_ses-20260304_task-clamshell"
    assert plan[f"{stem}_emg.edf"].source == tmp_path / "a.edf"
    side = json.loads(plan[f"{stem}_emg.json"].text)
    assert side["TaskName"] == "clamshell" and side["SamplingFrequency"] == 2000.0
    assert side["PowerLineFrequency"] == 60.0  # from the recording's settings annotation
    assert side["EMGChannelCount"] == 8 and side["RecordingDuration"] == pytest.approx(8.0)
    assert plan["participants.tsv"].text == "participant_id\tpatient_code\nsub-P0042\tP-0042\n"
    assert plan["sub-P0042/ses-20260304/sub-P0042_ses-20260304_scans.tsv"].text.splitlines()[1] == \
        "emg/sub-P0042_ses-20260304_task-clamshell_emg.edf\t2026-03-04T10:30:00"
    assert json.loads(plan["dataset_description.json"].text)["BIDSVersion"] == "1.11.0"


def test_database_gives_patient_session_number_and_protocol(tmp_path):
    rec = _edf(tmp_path / "b.edf", code=None, protocol=None)
    with SessionDatabase(tmp_path / "db.sqlite3") as db:
        db.start_session("P-0007", "bridge", started_at=dt.datetime(2026, 1, 1))
        second = db.start_session("P-0007", "bridge", started_at=dt.datetime(2026, 2, 1))
        db.add_recording(second, rec, 2000.0, 8.0)
        plan = _files(plan_export([rec], db=db))
    assert "sub-P0007/ses-2/emg/sub-P0007_ses-2_task-bridge_emg.edf" in plan


def test_recordings_sharing_entities_become_runs_in_time_order(tmp_path):
    late = _edf(tmp_path / "late.edf", start=START + dt.timedelta(hours=1))
    early = _edf(tmp_path / "early.edf")
    plan = _files(plan_export([late, early]))
    stem = "sub-P0042/ses-20260304/emg/sub-P0042_ses-20260304_task-clamshell"
    assert plan[f"{stem}_run-1_emg.edf"].source == early and plan[f"{stem}_run-2_emg.edf"].source == late


def test_events_hold_reps_onsets_cues_markers_not_machine_state(tmp_path):
    plan = _files(plan_export([_edf(tmp_path / "a.edf")]))
    (events,) = [f.text for p, f in plan.items() if p.endswith("_events.tsv")]
    rows = [line.split("\t") for line in events.splitlines()]
    assert rows[0] == ["onset", "duration", "trial_type", "value"]
    assert [r[2:] for r in rows[1:]] == [["protocol", "clamshell"], ["cue", "hold: squeeze"], ["rep", "1 left"],
                                         ["onset", "GMax L"], ["marker", "door opened"],
                                         ["artefact", "too short"]]
    assert rows[3][:2] == ["1.000000", "2.000000"]


def test_channels_tsv_names_muscles_units_and_the_file_prefilter(tmp_path):
    labels = (*LABELS[:7], "Knee")
    plan = _files(plan_export([_edf(tmp_path / "a.edf", labels=labels, prefilter="HP:20Hz LP:450Hz N:50Hz")]))
    (chan,) = [f.text for p, f in plan.items() if p.endswith("_channels.tsv")]
    rows = [line.split("\t") for line in chan.splitlines()]
    assert rows[0][:3] == ["name", "type", "units"]
    assert rows[1] == ["GMax L", "EMG", "uV", "2000", "20", "450", "50", "gluteus maximus, left", "good"]
    assert rows[8][0] == "Knee" and rows[8][7] == "n/a"  # not one of our muscles: no target named


def test_incomplete_file_is_refused_with_the_repair_command(tmp_path):
    path = _edf(tmp_path / "cut.edf")
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(RecordingError, match=r"incomplete .*emgfeedback repair"):
        plan_export([path])


def test_a_file_without_patient_needs_a_subject_code(tmp_path):
    path = _edf(tmp_path / "anon.edf", code=None)
    with pytest.raises(ValueError, match="names no patient .* --subject"):
        plan_export([path])
    assert any(f.path.startswith("sub-LBP03/") for f in plan_export([path], subject="lbp-03"))
    with pytest.raises(ValueError, match="anon.edf: patient code refused"):
        plan_export([path], subject="John Smith")
    coded = _edf(tmp_path / "coded.edf", code="P-0001")
    assert any(f.path.startswith("sub-P0001/") for f in plan_export([coded], subject="P-0002"))  # the file's own


def test_same_file_twice_and_wrong_suffix_are_refused(tmp_path):
    path = _edf(tmp_path / "a.edf")
    with pytest.raises(ValueError, match="given twice"):
        plan_export([path, tmp_path / "." / "a.edf"])
    upper = path.rename(tmp_path / "a.EDF")
    with pytest.raises(ValueError, match="lower-case suffix"):
        plan_export([upper])


def test_labels_keep_letters_and_digits_only():
    assert bids_label("prone_hip-extension 2") == "pronehipextension2"
    with pytest.raises(ValueError, match="protocol id '__' has no letters or digits"):
        bids_label("__", "protocol id")


def test_bdf_recordings_keep_their_format(tmp_path):
    plan = plan_export([_edf(tmp_path / "a.bdf", bdf=True)])
    (data,) = [f for f in plan if f.source is not None]
    assert data.path.endswith("_task-clamshell_emg.bdf") and data.source == tmp_path / "a.bdf"
