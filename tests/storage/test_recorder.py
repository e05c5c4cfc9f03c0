"""The Recorder loop with a scripted device: gaps, dropped blocks, annotations, duration, failures."""

import threading

import numpy as np
import pytest

from emgfeedback.errors import DeviceIOError
from emgfeedback.model import Montage, SampleBlock, StreamInfo
from emgfeedback.storage import read_edf
from emgfeedback.storage.recorder import Recorder

FS = 1000.0
MONTAGE = Montage.from_names(["GMax L", "GMax R"])


class ScriptedDevice:
    """Duck-typed device returning given blocks, then ending (or raising)."""

    def __init__(self, blocks, error=None, board="test", adc_bits=None):
        self.blocks = list(blocks)
        self.error = error
        self.info = StreamInfo(fs=FS, montage=MONTAGE, source="scripted://", board=board, adc_bits=adc_bits)
        self.closed = False
        self.started = False

    def start(self):
        self.started = True

    @property
    def is_streaming(self):
        return bool(self.blocks)

    def read(self, timeout=None):
        if self.blocks:
            return self.blocks.pop(0)
        if self.error is not None:
            err, self.error = self.error, None
            raise err
        return None

    def close(self):
        self.closed = True


def _block(seq, n, lost=None, value=None):
    data = np.vstack([np.arange(seq, seq + n, dtype=float), -np.arange(seq, seq + n, dtype=float)]) * 0.1
    if value is not None:
        data[:] = value
    return SampleBlock(t0=seq / FS, fs=FS, data=data, seq=seq, lost=lost, channels=MONTAGE.ids)


def test_transport_gaps_and_dropped_blocks_are_annotated_and_time_stays_true(tmp_path):
    lost = np.zeros(100, dtype=bool)
    lost[10:30] = True
    blocks = [_block(0, 100), _block(100, 100, lost=lost), _block(300, 100)]  # 200..299 dropped
    rec = Recorder(ScriptedDevice(blocks), tmp_path / "g.edf")
    final = rec.run()
    assert final.stopped_by == "end of stream" and final.lost_samples == 20 + 100
    r = read_edf(tmp_path / "g.edf")
    assert r.data.shape == (2, 400)  # the dropped block is filled: samples keep their times
    np.testing.assert_allclose(r.data[0, 300:], np.arange(300, 400) * 0.1, atol=0.2)
    gaps = [(a.onset_s, a.duration_s, a.text) for a in r.annotations if a.kind == "gap"]
    assert gaps == [(pytest.approx(0.11), pytest.approx(0.02), "gap 20 samples lost"),
                    (pytest.approx(0.2), pytest.approx(0.1), "gap 100 samples lost")]


def test_duration_cuts_exactly_and_user_annotations_from_another_thread(tmp_path):
    blocks = [_block(k, 50) for k in range(0, 5000, 50)]
    rec = Recorder(ScriptedDevice(blocks), tmp_path / "d.edf", duration_s=1.234, patient_code="P5")
    t = threading.Thread(target=lambda: [rec.annotate(f"cue {i}", onset_s=0.1 * i) for i in range(5)])
    t.start()
    t.join()
    rec.annotate("rep 1 left", onset_s=0.2, duration_s=0.5)
    final = rec.run()
    assert final.stopped_by == "duration" and final.samples == 1234
    r = read_edf(tmp_path / "d.edf")
    assert r.data.shape == (2, 1234)
    assert sorted(a.text for a in r.annotations if a.kind in ("cue", "rep")) == \
        ["cue 0", "cue 1", "cue 2", "cue 3", "cue 4", "rep 1 left"]


def test_stop_from_another_thread_finishes_the_file(tmp_path):
    class Endless(ScriptedDevice):
        def __init__(self):
            super().__init__([])
            self.seq = 0

        @property
        def is_streaming(self):
            return True

        def read(self, timeout=None):
            b = _block(self.seq, 10)
            self.seq += 10
            if self.seq >= 700:
                rec.stop()
            return b

    rec = Recorder(Endless(), tmp_path / "s.edf")
    final = rec.run()
    assert final.stopped_by == "stop" and 700 <= final.samples <= 710
    assert read_edf(tmp_path / "s.edf").data.shape[1] == final.samples


def test_device_failure_leaves_a_finished_file_and_is_raised(tmp_path):
    dev = ScriptedDevice([_block(0, 600)], error=DeviceIOError("scripted://: cable pulled"))
    rec = Recorder(dev, tmp_path / "f.edf")
    with pytest.raises(DeviceIOError, match="cable pulled"):
        rec.run()
    assert dev.closed
    r = read_edf(tmp_path / "f.edf")
    assert r.data.shape == (2, 600) and r.recovered == ""


def test_high_resolution_boards_record_bdf(tmp_path):
    # the stream's ADC bit depth decides, not the board's name
    rec = Recorder(ScriptedDevice([_block(0, 500, value=100000.0)], board="any", adc_bits=24), tmp_path / "c.edf")
    final = rec.run()
    assert rec.path == tmp_path / "c.bdf" and not (tmp_path / "c.edf").exists()
    r = read_edf(tmp_path / "c.bdf")
    assert r.bdf and final.clipped_samples == 0
    np.testing.assert_allclose(r.data, 100000.0, atol=0.05)
    rec16 = Recorder(ScriptedDevice([_block(0, 500, value=100.0)], board="cyton", adc_bits=16), tmp_path / "d.edf")
    rec16.run()
    assert rec16.path == tmp_path / "d.edf" and not read_edf(rec16.path).bdf


@pytest.mark.parametrize("kwargs,match", [
    (dict(duration_s=0), "duration_s must be a positive number of seconds"),
    (dict(patient_code="Anna"), "may be a name"),
])
def test_recorder_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        Recorder(ScriptedDevice([]), tmp_path / "x.edf", **kwargs)
    with pytest.raises(ValueError, match="must end in .edf or .bdf"):
        Recorder(ScriptedDevice([]), tmp_path / "x.dat")
