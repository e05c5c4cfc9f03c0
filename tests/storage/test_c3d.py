"""C3D import: real C3D files written with ezc3d, read back through read_c3d and analyze."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import ezc3d
import numpy as np
import pytest

from emgfeedback.analysis.loading import load_recording
from emgfeedback.cli import main
from emgfeedback.errors import RecordingError
from emgfeedback.storage.c3d import read_c3d

FS = 2000.0
POINT_RATE = 100.0


def write_c3d(path: Path, data: np.ndarray, labels, units, *, fs: float = FS, events=(),
              first_frame: int = 0) -> Path:
    """A C3D file made by ezc3d: analog ``data`` (n_channels, n_samples) in ``units``, no markers,
    ``events`` as (time s, context, label)."""
    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [POINT_RATE]
    c["parameters"]["ANALOG"]["RATE"]["value"] = [fs]
    c["parameters"]["ANALOG"]["LABELS"]["value"] = list(labels)
    c["parameters"]["ANALOG"]["UNITS"]["value"] = list(units)
    c["header"]["points"]["first_frame"] = first_frame
    c["data"]["analogs"] = data[None, :, :]
    c["data"]["points"] = np.zeros((4, 0, int(data.shape[1] * POINT_RATE / fs)))
    for t, context, label in events:
        c.add_event(time=[t // 60, t % 60], context=context, label=label)
    c.write(str(path))
    return path


def _emg(n: int = 4000, n_ch: int = 2, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 1e-4, (n_ch, n))  # V: ±100 µV


def test_analog_emg_values_in_volts_come_back_in_microvolts(tmp_path):
    x = _emg()
    path = write_c3d(tmp_path / "a.c3d", np.vstack([x, np.full((1, x.shape[1]), 700.0)]),
                     ["EMG GMax L", "EMG GMed L", "Force Fz"], ["V", "V", "N"])
    rec = read_c3d(path)
    assert rec.fs == FS and rec.labels == ("GMax L", "GMed L") and rec.recovered == ""
    np.testing.assert_allclose(rec.data, x * 1e6, rtol=1e-6)  # C3D stores float32


def test_millivolt_and_microvolt_channels_are_scaled_by_their_own_unit(tmp_path):
    x = np.vstack([_emg(n_ch=1) * 1e3, _emg(n_ch=1, seed=2) * 1e6])  # mV, µV
    rec = read_c3d(write_c3d(tmp_path / "u.c3d", x, ["GMax R", "glute_med_right"], ["mV", "uV"]))
    assert rec.labels == ("GMax R", "GMed R")
    np.testing.assert_allclose(rec.data, x * np.array([[1e3], [1.0]]), rtol=1e-6)


def test_the_analog_rate_is_the_sample_rate(tmp_path):
    rec = read_c3d(write_c3d(tmp_path / "r.c3d", _emg(3000), ["EMG GMax L", "EMG ES L"], ["V", "V"], fs=1500.0))
    assert rec.fs == 1500.0 and rec.data.shape == (2, 3000)


def test_events_become_annotations_from_the_first_frame(tmp_path):
    events = [(0.5, "Left", "Foot Strike"), (1.25, "General", "squeeze")]
    path = write_c3d(tmp_path / "e.c3d", _emg(), ["EMG GMax L", "EMG GMax R"], ["V", "V"], events=events,
                     first_frame=20)  # the trial starts 0.2 s into the capture
    rec = read_c3d(path)
    assert [a.text for a in rec.annotations] == ["marker Left Foot Strike", "marker General squeeze"]
    np.testing.assert_allclose([a.onset_s for a in rec.annotations], [0.3, 1.05], atol=1e-6)


def test_channels_by_label_when_they_are_not_named_after_muscles(tmp_path):
    x = _emg(n_ch=3)
    path = write_c3d(tmp_path / "l.c3d", x, ["Voltage.1", "Voltage.2", "Sensor 3"], ["V"] * 3)
    with pytest.raises(RecordingError, match=r"no analog EMG channel .*'Voltage.1', 'Voltage.2', 'Sensor 3'"):
        read_c3d(path)
    rec = read_c3d(path, channels=["sensor 3", "Voltage.1"])
    assert rec.labels == ("Sensor 3", "Voltage.1")
    np.testing.assert_allclose(rec.data, x[[2, 0]] * 1e6, rtol=1e-6)
    with pytest.raises(RecordingError, match=r"no analog channel 'Voltage.9'"):
        read_c3d(path, channels=["Voltage.9"])


def test_emg_prefixed_channels_are_taken_when_none_names_a_glute_muscle(tmp_path):
    x = _emg(n_ch=3)
    rec = read_c3d(write_c3d(tmp_path / "p.c3d", x, ["EMG1", "Fz", "EMG2"], ["V", "N", "V"]))
    assert rec.labels == ("EMG1", "EMG2")
    np.testing.assert_allclose(rec.data, x[[0, 2]] * 1e6, rtol=1e-6)


def test_a_unit_that_is_not_a_voltage_is_refused(tmp_path):
    path = write_c3d(tmp_path / "n.c3d", _emg(), ["EMG GMax L", "EMG GMax R"], ["V", "N"])
    with pytest.raises(RecordingError, match=r"'EMG GMax R': unit 'N' is not a voltage"):
        read_c3d(path)


def test_analyze_command_finds_the_simulated_reps_in_a_c3d_file(tmp_path, capsys):
    from emgfeedback.simulation import simulate

    sim = simulate("lbp-lumbar-first", ramp="fast")
    path = write_c3d(tmp_path / "sim.c3d", sim.data * 1e-6, [f"EMG {lab}" for lab in sim.montage.labels],
                     ["V"] * 8, fs=sim.fs, events=[(1.0, "General", "start")])
    rec = load_recording(path)
    assert rec.kind == "c3d" and [a.text for a in rec.annotations] == ["marker General start"]
    assert main(["analyze", str(path), "--json"]) == 0
    obj = json.loads(capsys.readouterr().out.splitlines()[0])
    assert obj["n_reps"] == len(sim.truth.reps)
    assert obj["summary"]["left"]["first_to_fire"] == "lumbar_es"


def test_a_cut_file_reads_what_it_holds_and_says_so(tmp_path):
    x = _emg(8000)
    good = write_c3d(tmp_path / "g.c3d", x, ["EMG GMax L", "EMG GMax R"], ["V", "V"]).read_bytes()
    cut = tmp_path / "cut.c3d"
    cut.write_bytes(good[: len(good) // 2])
    rec = read_c3d(cut)
    assert 0 < rec.data.shape[1] < 8000 and "cut short" in rec.recovered
    np.testing.assert_allclose(rec.data, x[:, : rec.data.shape[1]] * 1e6, rtol=1e-6)


@pytest.mark.parametrize("name,make", [
    ("junk.c3d", lambda good: bytes(range(256)) * 20),
    ("header.c3d", lambda good: good[:600]),
    ("zeros.c3d", lambda good: b"\x02P" + b"\x00" * 1000),
    ("empty.c3d", lambda good: b""),
])
def test_hostile_c3d_files_are_one_line_errors_from_the_command(tmp_path, name, make):
    good = write_c3d(tmp_path / "g.c3d", _emg(), ["EMG GMax L", "EMG GMax R"], ["V", "V"]).read_bytes()
    path = tmp_path / name
    path.write_bytes(make(good))
    proc = subprocess.run([sys.executable, "-m", "emgfeedback.cli", "analyze", str(path)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith(f"emgfeedback analyze: error: {path}")


def test_glute_channels_are_preferred_to_other_emg_channels(tmp_path):
    x = _emg(n_ch=3)
    rec = read_c3d(write_c3d(tmp_path / "g.c3d", x, ["EMG Biceps", "GMax L", "Fz"], ["V", "V", "N"]))
    assert rec.labels == ("GMax L",)
    np.testing.assert_allclose(rec.data, x[[1]] * 1e6, rtol=1e-6)


def test_a_file_that_crashes_the_c3d_library_is_a_recording_error(tmp_path):
    # without ANALOG:OFFSET ezc3d 1.7 dies of a segmentation fault; the read runs in a child
    good = write_c3d(tmp_path / "g.c3d", _emg(), ["EMG GMax L", "EMG GMax R"], ["V", "V"]).read_bytes()
    assert good.count(b"OFFSET") == 1
    path = tmp_path / "no-offset.c3d"
    path.write_bytes(good.replace(b"OFFSET", b"4FFSET"))
    with pytest.raises(RecordingError, match=r"no-offset.c3d is a corrupt C3D file \(the C3D reader crashed"):
        read_c3d(path)
