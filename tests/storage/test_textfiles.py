import numpy as np
import pytest

from emgfeedback.errors import RecordingError
from emgfeedback.storage import read_openbci_gui_txt, read_text_recording, read_uci_lower_limb


def test_openbci_gui_file(real_data_dir):
    rec = read_openbci_gui_txt(real_data_dir / "openbci_gui" / "OpenBCI_GUI-v6-blinks-jawClench-alpha.txt")
    assert rec.fs == 250.0
    assert rec.data.shape[0] == 8
    assert rec.labels[0] == "EXG Channel 0"
    assert 85 < rec.duration_s < 95
    # first row of the file, channel 0 and 7
    assert rec.data[0, 0] == pytest.approx(61379.36)
    assert rec.data[7, 0] == pytest.approx(1740.11)
    # the board's sample counter wraps at 255
    assert rec.sample_index.min() == 0 and rec.sample_index.max() == 255


@pytest.mark.parametrize("name,n,labels0", [("5Npie.txt", 15260, "RF"), ("3Amar.txt", 43665, "Recto Femoral")])
def test_uci_lower_limb_file(real_data_dir, name, n, labels0):
    rec = read_uci_lower_limb(real_data_dir / "uci_lower_limb" / name)
    assert rec.data.shape == (4, n)  # the header's value count
    assert rec.labels[0] == labels0
    assert rec.fs == 1000.0
    assert np.isfinite(rec.data).all()


def test_uci_values_are_converted_from_mv_to_uv(real_data_dir):
    rec = read_uci_lower_limb(real_data_dir / "uci_lower_limb" / "5Npie.txt")
    np.testing.assert_allclose(rec.data[:, 0], [4.5, 2.2, 0.7, 3.7])


def test_text_format_is_recognised(real_data_dir):
    assert read_text_recording(real_data_dir / "uci_lower_limb" / "5Nsen.txt").fs == 1000.0


def test_missing_and_foreign_files_give_one_line_errors(tmp_path):
    with pytest.raises(RecordingError, match="no such recording"):
        read_text_recording(tmp_path / "nope.txt")
    bad = tmp_path / "x.txt"
    bad.write_text("hello\n")
    with pytest.raises(RecordingError, match="unknown text format"):
        read_text_recording(bad)
    binary = tmp_path / "b.txt"
    binary.write_bytes(b"%OpenBCI\xff\xfe")
    with pytest.raises(RecordingError, match="not a text recording"):
        read_openbci_gui_txt(binary)


def _openbci_text(rows: list[str]) -> str:
    header = [
        "%OpenBCI Raw EXG Data",
        "%Number of channels = 2",
        "%Sample Rate = 250 Hz",
        "Sample Index, EXG Channel 0, EXG Channel 1, Timestamp",
    ]
    return "\n".join(header + rows) + "\n"


def test_openbci_truncated_last_row_is_dropped_but_bad_middle_row_is_an_error(tmp_path):
    f = tmp_path / "cut.txt"
    f.write_text(_openbci_text(["0, 1.0, 2.0, 5", "1, 3.0, 4.0, 6", "2, 5."]))
    rec = read_openbci_gui_txt(f)
    np.testing.assert_allclose(rec.data, [[1.0, 3.0], [2.0, 4.0]])
    f.write_text(_openbci_text(["0, 1.0, 2.0, 5", "1, x, 4.0, 6", "2, 5.0, 6.0, 7"]))
    with pytest.raises(RecordingError, match="line 6: malformed row"):
        read_openbci_gui_txt(f)
    f.write_text(_openbci_text([]))
    with pytest.raises(RecordingError, match="no samples"):
        read_openbci_gui_txt(f)
