"""The live loop on a worker thread over sim:// run as fast as it can go."""

from __future__ import annotations

import time

import numpy as np
import pytest

from emgfeedback.calibration import load_protocols
from emgfeedback.devices import open_device
from emgfeedback.errors import EmgFeedbackError
from emgfeedback.session import LiveSession, RingBuffer
from emgfeedback.settings import ProcessingSettings


def test_live_session_fills_rings_and_runs_calls_on_the_worker() -> None:
    live = LiveSession(open_device("sim://?scenario=lbp-lumbar-first&realtime=0&block=100"),
                       window_s=2.0, max_updates=5)
    info = live.start()
    try:
        live.call(lambda eng: eng.start_protocol(load_protocols()["prone_hip_extension"]))
        deadline = time.monotonic() + 20.0
        reps = []
        while time.monotonic() < deadline and not reps:
            reps += [r for u in live.drain_results() for r in u.reps]
            time.sleep(0.02)
        time.sleep(0.3)  # not draining: the bounded queue drops the oldest and counts them
        dropped = live.dropped_updates
    finally:
        live.stop()
    assert live.error is None
    assert len(reps) >= 1 and all(r.firing_order[s].first.value == "lumbar_es" for r in reps for s in r.firing_order)
    assert live.engine is not None and live.engine.protocol is not None
    assert live.filtered is not None and live.filtered.capacity == int(2.0 * info.fs)
    snap = live.filtered.snapshot()
    assert snap.shape == (8, 4000) and np.isfinite(snap).all() and np.abs(snap).max() > 10
    assert dropped > 0
    live.stop()  # idempotent


def test_a_reader_that_never_drains_frames_still_gets_every_rep() -> None:
    # one display slot: nearly every frame is dropped; reps and phase events are not
    live = LiveSession(open_device("sim://?scenario=lbp-lumbar-first&realtime=0&block=100&seed=3"),
                       max_updates=1, stop_after_s=40.0)
    live.call(lambda eng: eng.start_protocol(load_protocols()["prone_hip_extension"]))
    live.start()
    assert live.wait(60.0)
    live.stop()
    assert live.error is None and live.stopped_by == "duration"
    results = live.drain_results()
    got = [r for u in results for r in u.reps]
    assert live.engine is not None and len(live.engine.results) >= 3
    assert [r.index for r in got] == [r.index for r in live.engine.results]
    assert any(u.events for u in results)  # protocol cues too
    assert live.dropped_updates > 100
    (last,) = live.drain()
    assert last.reps == () and last.events == ()  # display updates never carry results
    assert live.drain_results() == []


def test_settings_reach_the_pipeline_and_the_engine_and_duration_is_exact() -> None:
    settings = ProcessingSettings(mains_hz=60.0, onset_method="tkeo")
    live = LiveSession(open_device("sim://?scenario=healthy&realtime=0&block=300"), settings=settings,
                       stop_after_s=1.234)
    info = live.start()
    assert live.wait(20.0)
    live.stop()
    assert live.engine.settings is settings and live.engine.pipeline.settings is settings
    assert live.stopped_by == "duration"
    assert live.filtered.total_written == round(1.234 * info.fs)
    with pytest.raises(TypeError, match="settings must be a ProcessingSettings"):
        LiveSession(object(), settings={"mains_hz": 60})


class _EndedSource:
    """A source that has just ended with blocks still queued: the first wait times out."""

    def __init__(self, n_blocks: int) -> None:
        from emgfeedback.model import Montage, SampleBlock, StreamInfo

        montage = Montage.default()
        self.info = StreamInfo(fs=1000.0, montage=montage, source="ended://", board="test")
        self.blocks = [SampleBlock(t0=i * 0.1, fs=1000.0, data=np.zeros((8, 100)), seq=i * 100,
                                   channels=montage.ids) for i in range(n_blocks)]
        self.is_streaming = False
        self.waited = False

    def start(self) -> None:
        pass

    def read(self, timeout=None):
        if timeout and not self.waited:
            self.waited = True
            return None
        return self.blocks.pop(0) if self.blocks else None

    def close(self) -> None:
        pass


def test_blocks_still_queued_when_the_source_ends_are_processed() -> None:
    live = LiveSession(_EndedSource(7))
    live.start()
    assert live.wait(10)
    live.stop()
    assert live.stopped_by == "end of stream" and live.blocks == 7
    assert live.filtered.total_written == 700


def test_live_session_reports_device_errors_on_start() -> None:
    with pytest.raises(EmgFeedbackError):
        LiveSession(open_device("serial:///dev/does-not-exist")).start()
    with pytest.raises(ValueError, match="window_s must be a positive number of seconds, got 0"):
        LiveSession(object(), window_s=0)


def test_ring_buffer_keeps_the_latest_samples() -> None:
    ring = RingBuffer(2, 5)
    ring.write(np.array([[1.0, 2, 3], [4, 5, 6]]))
    assert ring.snapshot(3).tolist() == [[1, 2, 3], [4, 5, 6]]
    ring.write(np.array([[7.0, 8, 9, 10], [0, 0, 0, 0]]))
    assert ring.snapshot().tolist()[0] == [3, 7, 8, 9, 10] and ring.total_written == 7
    ring.write(np.arange(14.0).reshape(2, 7))
    assert ring.snapshot(2).tolist() == [[5, 6], [12, 13]]
    with pytest.raises(ValueError, match=r"data must have shape \(2, n\), got \(3, 1\)"):
        ring.write(np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"n must be in \[1, 5\] samples, got 6"):
        ring.snapshot(6)


def test_a_rep_that_ends_just_before_the_stream_is_still_reported() -> None:
    # lbp-lumbar-first, seed 3: the first rep ends near 5.4 s; a rep is final only once late
    # bursts can no longer join it (~1 s later), so at 5.8 s it is still waiting: finish() flushes it
    live = LiveSession(open_device("sim://?scenario=lbp-lumbar-first&realtime=0&block=100&seed=3"),
                       stop_after_s=5.8)
    live.start()
    assert live.wait(30.0)
    live.stop()
    assert live.stopped_by == "duration" and live.error is None
    got = [r for u in live.drain_results() for r in u.reps]
    assert len(got) == 1 and got == live.engine.results
    assert 3.0 < got[0].start_s < 3.3 and got[0].end_s <= 5.8 + 1e-9  # a burst still open is closed at the end
