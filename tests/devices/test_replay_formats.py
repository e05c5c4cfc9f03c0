"""replay:// plays XDF (LabRecorder) and C3D files made by their writers, with their values and rates."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from emgfeedback.devices import open_device
from emgfeedback.errors import RecordingError
from emgfeedback.model import Montage

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "storage"))
from test_c3d import write_c3d  # noqa: E402  (the C3D files are made by ezc3d)
from test_xdf import FS, T0, XdfStream, emg_stream, marker_stream, write_xdf  # noqa: E402


def _play(url: str):
    with open_device(url) as dev:
        info = dev.info
        blocks = list(dev)
    return info, np.concatenate([b.data for b in blocks], axis=1), blocks


def test_xdf_replay_gives_the_emg_stream_samples_at_its_rate(tmp_path):
    s = emg_stream(5000)
    path = write_xdf(tmp_path / "a.xdf", [s, marker_stream(["go"], [T0 + 1.0])])
    info, data, blocks = _play(f"replay://{path}?speed=0&block=97")
    assert info.fs == FS and info.montage == Montage.default() and info.board == "replay:xdf"
    np.testing.assert_array_equal(data, s.samples.T)
    assert [b.seq for b in blocks] == list(np.cumsum([0] + [b.n_samples for b in blocks[:-1]]))


def test_xdf_replay_picks_the_stream_by_name(tmp_path):
    other = emg_stream(3000, name="Delsys", seed=7)
    path = write_xdf(tmp_path / "two.xdf", [emg_stream(3000), other])
    with pytest.raises(RecordingError, match="stream=NAME"):
        _play(f"replay://{path}?speed=0")
    _, data, _ = _play(f"replay://{path}?speed=0&stream=Delsys")
    np.testing.assert_array_equal(data, other.samples.T)


def test_xdf_replay_plays_in_real_time(tmp_path):
    path = write_xdf(tmp_path / "rt.xdf", [emg_stream(1000)])  # 0.5 s
    t = __import__("time").monotonic()
    _play(f"replay://{path}?speed=1")
    assert 0.4 < __import__("time").monotonic() - t < 2.0


def test_xdf_channels_not_named_after_muscles_need_montage_default(tmp_path):
    x = np.random.default_rng(0).normal(0, 10, (2000, 4)).astype(np.float32)
    s = XdfStream("EMG", "EMG", FS, x, T0 + np.arange(2000) / FS, ("A1", "A2", "A3", "A4"))
    path = write_xdf(tmp_path / "plain.xdf", [s])
    with pytest.raises(RecordingError, match=r"\['A1', 'A2', 'A3', 'A4'\] are not emgfeedback channels.*"
                                             r"montage=default"):
        _play(f"replay://{path}?speed=0")
    info, data, _ = _play(f"replay://{path}?speed=0&montage=default")
    assert info.montage.labels == ("GMax L", "GMed L", "TFL L", "ES L")
    np.testing.assert_array_equal(data, x.T)


def test_c3d_replay_gives_the_analog_emg_in_microvolts_at_the_analog_rate(tmp_path):
    x = np.random.default_rng(1).normal(0, 1e-4, (3, 3000))
    path = write_c3d(tmp_path / "a.c3d", x, ["EMG GMax R", "Fz", "EMG ES R"], ["V", "N", "V"], fs=1500.0)
    info, data, _ = _play(f"replay://{path}?speed=0")
    assert info.fs == 1500.0 and info.montage.labels == ("GMax R", "ES R") and info.board == "replay:c3d"
    np.testing.assert_allclose(data, x[[0, 2]] * 1e6, rtol=1e-6)


def test_c3d_replay_takes_the_channels_asked_for(tmp_path):
    x = np.random.default_rng(2).normal(0, 1e-4, (2, 2000))
    path = write_c3d(tmp_path / "v.c3d", x, ["Voltage.1", "Voltage.2"], ["V", "V"])
    info, data, _ = _play(f"replay://{path}?speed=0&montage=default&channels=Voltage.2,Voltage.1")
    assert info.montage.labels == ("GMax L", "GMed L")
    np.testing.assert_allclose(data, x[[1, 0]] * 1e6, rtol=1e-6)


def test_a_corrupt_file_fails_on_open_with_a_recording_error(tmp_path):
    for name in ("bad.xdf", "bad.c3d"):
        path = tmp_path / name
        path.write_bytes(b"XDF:" + b"\x01" * 50 if name.endswith("xdf") else b"\x02P" + b"\x00" * 600)
        with pytest.raises(RecordingError, match=str(path)):
            _play(f"replay://{path}?speed=0")

