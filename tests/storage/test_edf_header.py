"""Hostile EDF/BDF header fields: one line naming the field, never OverflowError/ZeroDivisionError."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from emgfeedback.cli import main
from emgfeedback.errors import RecordingError
from emgfeedback.simulation import simulate
from emgfeedback.storage import read_edf, read_edf_header, repair_edf, write_edf

# offsets of signal fields for a file of 2 signals (1 channel + annotations)
NS = 2
SIG = {"physical_min": 256 + (16 + 80 + 8) * NS, "digital_min": 256 + (16 + 80 + 8 + 8 + 8) * NS,
       "samples": 256 + (16 + 80 + 8 + 8 + 8 + 8 + 8 + 80) * NS}
SIG["physical_max"] = SIG["physical_min"] + 8 * NS
SIG["digital_max"] = SIG["digital_min"] + 8 * NS


def _file(tmp_path, bdf=False):
    path = tmp_path / ("x.bdf" if bdf else "x.edf")
    write_edf(path, np.zeros((1, 400)), 200.0, ["GMax L"], bdf=bdf)
    return path


def _set(path, offset, width, text):
    raw = bytearray(path.read_bytes())
    raw[offset: offset + width] = text.encode("latin-1").ljust(width)
    path.write_bytes(bytes(raw))


FIELDS = [  # (offset, width, what the message names)
    (252, 4, "number of signals"),
    (236, 8, "number of data records"),
    (244, 8, "record duration"),
    (SIG["samples"], 8, "samples per record of signal 1 ('GMax L')"),
    (SIG["digital_min"], 8, "digital minimum of signal 1 ('GMax L')"),
    (SIG["digital_max"], 8, "digital maximum of signal 1 ('GMax L')"),
    (SIG["physical_min"], 8, "physical minimum of signal 1 ('GMax L')"),
    (SIG["physical_max"], 8, "physical maximum of signal 1 ('GMax L')"),
]


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e99", "abc"])
@pytest.mark.parametrize("offset,width,what", FIELDS, ids=[f[2].split(" of")[0] for f in FIELDS])
def test_a_hostile_number_is_one_line_naming_the_field(tmp_path, offset, width, what, value):
    path = _file(tmp_path)
    _set(path, offset, width, value)
    for read in (read_edf, read_edf_header, repair_edf):
        with pytest.raises(RecordingError) as info:
            read(path)
        msg = str(info.value)
        assert f"header field {what} is {value!r}" in msg and "\n" not in msg


@pytest.mark.parametrize("offset,width,value,says", [
    (SIG["samples"], 8, "2.5", "not a whole number"),
    (SIG["samples"], 8, "0", "outside 1..99999999"),
    (244, 8, "-0.5", "outside 0..99999999"),
    (236, 8, "-2", "outside -1..99999999"),
    (SIG["digital_max"], 8, "40000", "outside -32768..32767"),  # beyond a 16-bit sample
])
def test_numbers_out_of_range_are_refused(tmp_path, offset, width, value, says):
    path = _file(tmp_path)
    _set(path, offset, width, value)
    with pytest.raises(RecordingError, match=says):
        read_edf(path)


def test_bdf_digital_limits_are_24_bit(tmp_path):
    path = _file(tmp_path, bdf=True)
    _set(path, SIG["digital_max"], 8, "8388608")
    with pytest.raises(RecordingError, match=r"digital maximum of signal 1 .* outside -8388608..8388607"):
        read_edf(path)


def test_physical_min_equal_to_max_is_refused_naming_the_channel(tmp_path):
    path = _file(tmp_path)
    _set(path, SIG["physical_min"], 8, "100")
    _set(path, SIG["physical_max"], 8, "100")
    with pytest.raises(RecordingError, match=r"channel 'GMax L' has physical minimum = maximum \(100\)"):
        read_edf(path)


def test_a_signal_count_the_file_cannot_hold_is_refused_before_reading(tmp_path):
    path = _file(tmp_path)
    _set(path, 252, 4, "9999")
    _set(path, 184, 8, str(256 * 10000))  # consistent with the count, not with the file
    with pytest.raises(RecordingError, match=r"truncated inside its header \(\d+ of 2560000 bytes\)"):
        read_edf_header(path)


def test_a_zero_record_duration_is_refused_not_divided_by(tmp_path):
    path = _file(tmp_path)
    _set(path, 244, 8, "0")
    with pytest.raises(RecordingError, match="record duration 0.0 s is not positive"):
        read_edf(path)


def test_a_sample_rate_beyond_a_megahertz_is_refused(tmp_path):
    path = _file(tmp_path)
    _set(path, 244, 8, "1e-9")
    with pytest.raises(RecordingError, match="sample rate beyond 1e\\+06 Hz"):
        read_edf(path)


def test_analyze_batch_writes_the_good_files_csv_and_one_line_for_a_hostile_header(tmp_path, capsys):
    good = tmp_path / "good.edf"
    sim = simulate("healthy", duration_s=12.0, fs=1000.0, seed=2)
    write_edf(good, sim.data, sim.fs, sim.montage.labels)
    bad = _file(tmp_path)
    _set(bad, 252, 4, "inf")
    out = tmp_path / "x.csv"
    code = main(["analyze", str(good), str(bad), "--csv", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert [line for line in err if "x.edf" in line] == [
        f"emgfeedback analyze: error: {bad} is not a valid EDF/BDF file: header field number of "
        f"signals is 'inf', not a number"]
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {r["file"] for r in rows} == {str(good)}
