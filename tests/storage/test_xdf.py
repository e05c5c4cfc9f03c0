"""XDF import: real XDF files (written here to the XDF 1.0 specification) read back through pyxdf.

The writer below follows https://github.com/sccn/xdf/wiki/Specifications (pyxdf has no writer):
magic ``XDF:``, then chunks ``[NumLengthBytes][Length][Tag uint16][content]`` — FileHeader (1),
StreamHeader (2), Samples (3), ClockOffset (4), Boundary (5), StreamFooter (6).
"""

from __future__ import annotations

import struct
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pytest

from emgfeedback.analysis.loading import load_recording
from emgfeedback.cli import main
from emgfeedback.errors import RecordingError
from emgfeedback.storage.xdf import read_xdf

# --------------------------------------------------------------------------- the XDF writer


@dataclass
class XdfStream:
    """One stream to write: numeric (``samples`` (n, n_ch)) or string (``samples`` list of str)."""

    name: str
    type: str
    fs: float
    samples: "np.ndarray | list[str]"
    times: np.ndarray
    labels: tuple = ()
    units: tuple = ()
    offsets: list = field(default_factory=list)  # (collection time, offset value) pairs, s

    @property
    def string(self) -> bool:
        return not isinstance(self.samples, np.ndarray)


def _varlen(n: int) -> bytes:
    if n < 256:
        return struct.pack("<BB", 1, n)
    if n < 2**32:
        return struct.pack("<BI", 4, n)
    return struct.pack("<BQ", 8, n)


def _chunk(tag: int, content: bytes) -> bytes:
    body = struct.pack("<H", tag) + content
    return struct.pack("<BQ", 8, len(body)) + body  # 8 length bytes: valid for any size


def _header_xml(s: XdfStream) -> str:
    n_ch = 1 if s.string else s.samples.shape[1]
    chans = "".join(f"<channel><label>{escape(lab)}</label><unit>{escape(u)}</unit><type>EMG</type></channel>"
                    for lab, u in zip(s.labels, s.units or ("microvolts",) * len(s.labels)))
    return (f'<?xml version="1.0"?><info><name>{escape(s.name)}</name><type>{escape(s.type)}</type>'
            f"<channel_count>{n_ch}</channel_count><nominal_srate>{s.fs}</nominal_srate>"
            f"<channel_format>{'string' if s.string else 'float32'}</channel_format>"
            f"<source_id>{escape(s.name)}-src</source_id><created_at>0</created_at>"
            f"<desc>{'<channels>' + chans + '</channels>' if chans else ''}</desc></info>")


def _samples(sid: int, s: XdfStream, lo: int, hi: int) -> bytes:
    out = [struct.pack("<I", sid), _varlen(hi - lo)]
    if s.string:
        for k in range(lo, hi):
            text = s.samples[k].encode("utf-8")
            out.append(struct.pack("<Bd", 8, float(s.times[k])) + _varlen(len(text)) + text)
    else:  # per sample: [TimeStampBytes = 8][double time stamp][n_ch float32], packed
        rows = np.zeros(hi - lo, np.dtype([("n", "u1"), ("t", "<f8"), ("x", "<f4", (s.samples.shape[1],))]))
        rows["n"], rows["t"], rows["x"] = 8, s.times[lo:hi], s.samples[lo:hi]
        out.append(rows.tobytes())
    return _chunk(3, b"".join(out))


def write_xdf(path: Path, streams: list[XdfStream], *, block: int = 500) -> Path:
    """Write ``streams`` to ``path`` as LabRecorder does (samples in blocks, offsets, footers)."""
    parts = [b"XDF:", _chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')]
    for sid, s in enumerate(streams, 1):
        parts.append(_chunk(2, struct.pack("<I", sid) + _header_xml(s).encode("utf-8")))
    parts.append(_chunk(5, uuid.UUID("7e1c4b5e-6a2e-4d0c-9b8a-3f1c2d4e5f60").bytes))
    for sid, s in enumerate(streams, 1):
        n = len(s.samples)
        for lo in range(0, n, block):
            parts.append(_samples(sid, s, lo, min(n, lo + block)))
        for t, value in s.offsets:
            parts.append(_chunk(4, struct.pack("<Idd", sid, t, value)))
    for sid, s in enumerate(streams, 1):
        n = len(s.samples)
        footer = (f'<?xml version="1.0"?><info><first_timestamp>{s.times[0] if n else 0}</first_timestamp>'
                  f"<last_timestamp>{s.times[-1] if n else 0}</last_timestamp><sample_count>{n}</sample_count>"
                  f"</info>")
        parts.append(_chunk(6, struct.pack("<I", sid) + footer.encode("utf-8")))
    path.write_bytes(b"".join(parts))
    return path


# --------------------------------------------------------------------------- fixtures

LABELS = ("EMG GMax L", "EMG GMed L", "EMG TFL L", "EMG ES L", "EMG GMax R", "EMG GMed R", "EMG TFL R",
          "EMG ES R")
FS = 2000.0
T0 = 5000.25  # the recording computer's LSL clock at the first EMG sample, s


def emg_stream(n: int = 8000, *, name: str = "OpenBCI-EMG", units: tuple = (), times=None, seed: int = 1):
    x = np.random.default_rng(seed).normal(0.0, 50.0, (n, 8)).astype(np.float32)
    ts = T0 + np.arange(n) / FS if times is None else times
    return XdfStream(name, "EMG", FS, x, ts, LABELS, units)


def marker_stream(texts, true_times, *, clock_ahead: float = 0.0, name: str = "Cues"):
    """Markers sent by a computer whose clock reads ``clock_ahead`` s more than the recorder's;
    its ClockOffset chunks say so (offset = recorder clock − its clock)."""
    t = np.asarray(true_times, dtype=float) + clock_ahead
    offsets = [(float(t[0]) + k * 5.0, -clock_ahead) for k in range(4)] if clock_ahead else []
    return XdfStream(name, "Markers", 0.0, list(texts), t, offsets=offsets)


# --------------------------------------------------------------------------- tests


def test_emg_values_rate_and_labels_come_back(tmp_path):
    s = emg_stream()
    rec = read_xdf(write_xdf(tmp_path / "a.xdf", [s]))
    assert rec.fs == FS and rec.data.dtype == np.float64 and rec.recovered == ""
    np.testing.assert_array_equal(rec.data, s.samples.T.astype(np.float64))
    assert rec.labels == ("GMax L", "GMed L", "TFL L", "ES L", "GMax R", "GMed R", "TFL R", "ES R")


def test_channel_units_are_scaled_to_microvolts(tmp_path):
    s = emg_stream(units=("mV",) * 4 + ("V",) * 3 + ("microvolts",))
    rec = read_xdf(write_xdf(tmp_path / "u.xdf", [s]))
    scale = np.array([1e3] * 4 + [1e6] * 3 + [1.0])
    np.testing.assert_allclose(rec.data, s.samples.T.astype(np.float64) * scale[:, None], rtol=1e-12)


def test_a_channel_unit_that_is_not_a_voltage_is_refused(tmp_path):
    s = emg_stream(units=("N",) * 8)
    with pytest.raises(RecordingError, match=r"unit 'N' is not a voltage"):
        read_xdf(write_xdf(tmp_path / "n.xdf", [s]))


def test_markers_become_annotations_at_their_time_from_the_first_sample(tmp_path):
    m = marker_stream(["squeeze", "relax"], [T0 + 1.0, T0 + 2.5])
    rec = read_xdf(write_xdf(tmp_path / "m.xdf", [emg_stream(), m]))
    assert [a.text for a in rec.annotations] == ["marker squeeze", "marker relax"]
    np.testing.assert_allclose([a.onset_s for a in rec.annotations], [1.0, 2.5], atol=1e-6)


def test_a_marker_stream_on_another_clock_lines_up_through_its_clock_offsets(tmp_path):
    # the cue computer's clock is 1234.5 s ahead; only the ClockOffset chunks can undo that
    m = marker_stream(["squeeze", "relax"], [T0 + 1.0, T0 + 3.0], clock_ahead=1234.5)
    rec = read_xdf(write_xdf(tmp_path / "c.xdf", [emg_stream(), m]))
    np.testing.assert_allclose([a.onset_s for a in rec.annotations], [1.0, 3.0], atol=1e-6)


def test_jittered_emg_time_stamps_are_dejittered(tmp_path):
    # LabRecorder stamps chunks: ±1 ms jitter, and the first stamp 4 ms late; dejittering fits
    # the regular clock, so a marker's onset is exact rather than off by the first stamp's jitter
    n = 8000
    jitter = np.random.default_rng(3).uniform(-1e-3, 1e-3, n)
    jitter[0] = 4e-3
    s = emg_stream(n, times=T0 + np.arange(n) / FS + jitter)
    m = marker_stream(["go"], [T0 + 2.0])
    rec = read_xdf(write_xdf(tmp_path / "j.xdf", [s, m]))
    assert rec.annotations[0].onset_s == pytest.approx(2.0, abs=2e-4)


def test_lost_samples_are_held_and_annotated_so_later_times_stay_true(tmp_path):
    n, lost_at, lost = 12000, 4000, 6000  # 3 s lost after 2 s
    keep = np.r_[0:lost_at, lost_at + lost: n + lost]
    s = emg_stream(n)
    s.times = T0 + keep / FS
    m = marker_stream(["late"], [T0 + 7.0])
    rec = read_xdf(write_xdf(tmp_path / "g.xdf", [s, m]))
    assert rec.data.shape == (8, n + lost)
    np.testing.assert_array_equal(rec.data[:, lost_at + lost:], s.samples[lost_at:].T)
    np.testing.assert_array_equal(rec.data[:, lost_at: lost_at + lost],
                                  np.repeat(s.samples[lost_at - 1][:, None], lost, axis=1))
    gap = [a for a in rec.annotations if a.kind == "gap"]
    assert [a.text for a in gap] == [f"gap {lost} samples lost"]
    assert gap[0].onset_s == pytest.approx(lost_at / FS, abs=1e-6) and gap[0].duration_s == lost / FS
    assert [a.onset_s for a in rec.annotations if a.kind == "marker"] == pytest.approx([7.0], abs=1e-6)
    assert "1 break(s)" in rec.recovered


def test_the_emg_stream_is_chosen_by_type_or_by_name(tmp_path):
    other = emg_stream(name="Delsys", seed=9)
    path = write_xdf(tmp_path / "two.xdf", [emg_stream(), other])
    with pytest.raises(RecordingError, match=r"2 streams named or typed 'EMG': 'OpenBCI-EMG' .*'Delsys'.*"
                                             r"stream=NAME"):
        read_xdf(path)
    rec = read_xdf(path, stream="Delsys")
    np.testing.assert_array_equal(rec.data, other.samples.T)


def test_a_file_without_the_stream_lists_the_streams_it_has(tmp_path):
    path = write_xdf(tmp_path / "none.xdf", [marker_stream(["a"], [1.0])])
    with pytest.raises(RecordingError, match=r"no numeric stream named or typed 'EMG'; streams: 'Cues' "
                                             r"\(type Markers, 1 ch, 0.0 Hz\)"):
        read_xdf(path)


def test_analyze_reads_xdf_by_content_with_markers_as_annotations(tmp_path):
    path = write_xdf(tmp_path / "rec.dat", [emg_stream(), marker_stream(["squeeze"], [T0 + 1.0])])
    rec = load_recording(path)
    assert rec.kind == "xdf" and rec.fs == FS and rec.labels[0] == "GMax L"
    assert [a.text for a in rec.annotations] == ["marker squeeze"]


def test_analyze_command_finds_the_simulated_reps_in_an_xdf_file(tmp_path, capsys):
    import json

    from emgfeedback.simulation import simulate

    sim = simulate("lbp-lumbar-first", ramp="fast")
    n = sim.data.shape[1]
    s = XdfStream("EMG", "EMG", sim.fs, sim.data.T.astype(np.float32), T0 + np.arange(n) / sim.fs,
                  tuple(f"EMG {lab}" for lab in sim.montage.labels))
    path = write_xdf(tmp_path / "sim.xdf", [s])
    assert main(["analyze", str(path), "--json"]) == 0
    obj = json.loads(capsys.readouterr().out.splitlines()[0])
    assert obj["n_reps"] == len(sim.truth.reps)
    assert obj["summary"]["left"]["first_to_fire"] == "lumbar_es"


def _corrupt(tmp_path, name, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize("cut", [5, 40, 300, 2000])
def test_a_cut_xdf_file_is_one_line_error_from_the_command(tmp_path, cut):
    # a real process: pyxdf logs tracebacks about damaged files, none of which may reach the user
    good = write_xdf(tmp_path / "good.xdf", [emg_stream(800)]).read_bytes()
    path = _corrupt(tmp_path, "bad.xdf", good[:cut])
    proc = subprocess.run([sys.executable, "-m", "emgfeedback.cli", "analyze", str(path)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith(f"emgfeedback analyze: error: {path}")


def test_a_damaged_footer_is_skipped_and_said_in_recovered(tmp_path):
    s = emg_stream(800)
    good = write_xdf(tmp_path / "good.xdf", [s]).read_bytes()
    rec = read_xdf(_corrupt(tmp_path, "footer.xdf", good[:-7] + b"\xff" * 40))
    np.testing.assert_array_equal(rec.data, s.samples.T)
    assert "corrupt" in rec.recovered and "\n" not in rec.recovered


def test_hostile_chunk_lengths_and_garbage_give_a_recording_error(tmp_path):
    huge = b"XDF:" + struct.pack("<BQ", 8, 2**62) + struct.pack("<H", 2) + b"\x00" * 16
    for name, data in (("huge.xdf", huge), ("junk.xdf", b"XDF:" + bytes(range(256)) * 8),
                       ("notxdf.xdf", b"hello world"), ("head.xdf", b"XDF:")):
        with pytest.raises(RecordingError, match=str(tmp_path)):
            read_xdf(_corrupt(tmp_path, name, data))
