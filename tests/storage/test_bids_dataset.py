"""Reading an EMG-BIDS dataset: recordings by subject/session/task, channel names from
channels.tsv by the inheritance principle, broken TSV files."""

from __future__ import annotations

import pytest

from emgfeedback.errors import RecordingError
from emgfeedback.storage.bids_dataset import bids_channel_names, find_recordings


def _dataset(root, names):
    (root / "dataset_description.json").write_text('{"Name": "x", "BIDSVersion": "1.11.0"}')
    for rel in names:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"")
    return root


def test_find_recordings_filters_and_says_what_is_there(tmp_path):
    root = _dataset(tmp_path, ["sub-A1/ses-1/emg/sub-A1_ses-1_task-bridge_emg.edf",
                               "sub-A1/ses-2/emg/sub-A1_ses-2_task-clam_run-1_emg.bdf",
                               "sub-B2/emg/sub-B2_task-bridge_emg.edf",
                               "sub-B2/emg/sub-B2_task-bridge_channels.tsv"])
    assert [r.subject for r in find_recordings(root)] == ["A1", "A1", "B2"]
    (r,) = find_recordings(root, subject="sub-A1", task="clam")
    assert (r.session, r.run, r.path.suffix) == ("2", "1", ".bdf")
    assert [r.subject for r in find_recordings(root, task="bridge")] == ["A1", "B2"]
    with pytest.raises(ValueError, match=r"matches sub-C3 \(subjects A1, B2; sessions 1, 2; tasks bridge, clam\)"):
        find_recordings(root, subject="C3")
    with pytest.raises(ValueError, match="not a BIDS dataset"):
        find_recordings(tmp_path / "sub-A1")


def test_channel_names_follow_the_inheritance_principle(tmp_path):
    root = _dataset(tmp_path, ["sub-A1/ses-1/emg/sub-A1_ses-1_task-bridge_emg.edf",
                               "sub-A1/ses-1/emg/sub-A1_ses-1_task-clam_emg.edf"])
    (root / "sub-A1" / "sub-A1_task-bridge_channels.tsv").write_text("name\ttype\tunits\nGMax L\tEMG\tuV\n")
    (root / "sub-A1/ses-1/emg/sub-A1_ses-1_task-clam_channels.tsv").write_text(
        "name\ttype\tunits\nES R\tEMG\tuV\nES L\tEMG\tuV\n")
    (root / "task-clam_channels.tsv").write_text("name\ttype\tunits\nTFL L\tEMG\tuV\n")
    emg = root / "sub-A1/ses-1/emg"
    assert bids_channel_names(emg / "sub-A1_ses-1_task-bridge_emg.edf") == ("GMax L",)  # from the subject folder
    assert bids_channel_names(emg / "sub-A1_ses-1_task-clam_emg.edf") == ("ES R", "ES L")  # nearest wins
    assert bids_channel_names(tmp_path / "plain.edf") is None
    (emg / "sub-A1_ses-1_task-clam_channels.tsv").write_text("name\ttype\nES R\n")
    with pytest.raises(RecordingError, match="line 2 has 1 columns, its header 2"):
        bids_channel_names(emg / "sub-A1_ses-1_task-clam_emg.edf")
