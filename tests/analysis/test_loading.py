"""load_recording: EDF+/BDF+ and the text formats of other tools, recognised by content."""

import pytest

from emgfeedback.analysis.loading import load_recording
from emgfeedback.errors import RecordingError
from emgfeedback.simulation import simulate
from emgfeedback.storage import write_edf


def test_edf_is_read_in_microvolts_with_its_labels(tmp_path):
    rec = simulate("healthy", 6.0)
    path = tmp_path / "trial.dat"  # the name does not matter, the header does
    write_edf(path, rec.data, rec.fs, rec.montage.labels)
    got = load_recording(path)
    assert got.kind == "edf" and got.fs == rec.fs and got.labels == rec.montage.labels
    assert got.data.shape == rec.data.shape
    assert abs(got.data - rec.data).max() < 0.2  # 16-bit steps over ±5000 µV


def test_bdf_is_read_too(tmp_path):
    rec = simulate("healthy", 4.0)
    path = tmp_path / "t.bdf"
    write_edf(path, rec.data, rec.fs, rec.montage.labels, bdf=True)
    got = load_recording(path)
    assert got.kind == "bdf" and got.data.shape == rec.data.shape


def test_edf_cut_by_a_crash_is_recovered_and_says_so(tmp_path):
    rec = simulate("healthy", 6.0)
    path = tmp_path / "t.edf"
    write_edf(path, rec.data, rec.fs, rec.montage.labels)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) - 5000])  # the last record cut short
    got = load_recording(path)
    assert got.recovered and 4.0 < got.data.shape[1] / got.fs < 6.0


def test_text_formats_of_other_tools(real_data_dir):
    uci = load_recording(real_data_dir / "uci_lower_limb" / "5Nsen.txt")
    assert uci.kind == "text" and uci.fs == 1000.0 and len(uci.labels) == 4
    obci = load_recording(real_data_dir / "openbci_gui" / "OpenBCI_GUI-v6-blinks-jawClench-alpha.txt")
    assert obci.fs == 250.0 and obci.data.shape[0] == 8


@pytest.mark.parametrize("content,match", [
    (b"", r"is empty \(0 bytes\)"),
    (b"time,GMax L\n0,1\n", r"is not a recording emgfeedback reads: expected an EDF\+/BDF\+ file"),
    (b"0       " + b"x" * 100, r"x\.edf"),
])
def test_bad_files_raise_recording_errors_naming_the_file(tmp_path, content, match):
    p = tmp_path / "x.edf"
    p.write_bytes(content)
    with pytest.raises(RecordingError, match=match):
        load_recording(p)


def test_missing_file(tmp_path):
    with pytest.raises(RecordingError, match=r"no such recording: .*nope\.edf"):
        load_recording(tmp_path / "nope.edf")
