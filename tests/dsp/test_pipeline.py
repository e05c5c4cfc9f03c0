"""OnlinePipeline: streaming equals offline, frames, onsets and firing order, ratio, lost samples,
bounded memory, bad input."""

from __future__ import annotations

import tracemalloc
from collections import Counter
from functools import lru_cache

import numpy as np
import pytest
from scipy import signal

from emgfeedback.dsp import filters as F
from emgfeedback.dsp.onsets import conditioning_sos
from emgfeedback.dsp.pipeline import OnlinePipeline
from emgfeedback.errors import PipelineError
from emgfeedback.model import FeedbackFrame, Montage, Muscle, SampleBlock
from emgfeedback.settings import ProcessingSettings
from emgfeedback.simulation import SimulatedRecording, simulate

FS = 2000.0
MONTAGE = Montage.default()


@lru_cache(maxsize=None)
def _rec(scenario: str, duration_s: float = 30.0, seed: int = 3) -> SimulatedRecording:
    return simulate(scenario, duration_s, fs=FS, seed=seed)


def _blocks_of(x: np.ndarray, sizes: "list[int]", fs: float = FS):
    start = 0
    for n in sizes:
        yield SampleBlock(t0=start / fs, fs=fs, data=x[:, start : start + n], seq=start,
                          channels=MONTAGE.ids)
        start += n


def _noise(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 20.0, (len(MONTAGE), n))


def test_filtered_and_envelope_equal_offline_causal_for_any_chunking() -> None:
    x = _rec("healthy").data[:, :6000]
    # the one conditioning filter (the detectors' band-pass + Q = 10 notch), causal from zero state
    want_f = signal.sosfilt(conditioning_sos(FS, 20.0, 450.0, 50.0), x, axis=-1)
    want_e = F.envelope(want_f, FS, 6.0)
    rng = np.random.default_rng(0)
    for sizes in ([20] * 300, [1, 0, 7, 1999, 3993], list(rng.integers(0, 60, 400))):
        sizes = [int(s) for s in sizes]
        sizes.append(6000 - sum(sizes)) if sum(sizes) < 6000 else None
        pipe = OnlinePipeline(FS, MONTAGE)
        frames = [pipe.process(b) for b in _blocks_of(x, sizes)]
        got_f = np.concatenate([f.filtered_uv for f in frames], axis=1)
        got_e = np.concatenate([f.envelope_uv for f in frames], axis=1)
        np.testing.assert_allclose(got_f, want_f, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(got_e, want_e, rtol=1e-9, atol=1e-9)


def test_frame_shapes_ids_levels_and_time() -> None:
    pipe = OnlinePipeline(FS, MONTAGE)
    x = _noise(100)
    frames = [pipe.process(b) for b in _blocks_of(x, [40, 0, 60])]
    f = frames[-1]
    assert isinstance(f, FeedbackFrame)
    assert f.channels == MONTAGE.ids
    assert f.filtered_uv.shape == f.envelope_uv.shape == (8, 60)
    np.testing.assert_array_equal(f.level_uv, f.envelope_uv[:, -1])
    assert f.percent_mvc is None
    assert f.t_s == pytest.approx(100 / FS)
    empty = frames[1]
    assert empty.envelope_uv.shape == (8, 0)
    np.testing.assert_array_equal(empty.level_uv, frames[0].envelope_uv[:, -1])
    assert pipe.samples_seen == 100


def test_percent_mvc_per_channel() -> None:
    pipe = OnlinePipeline(FS, MONTAGE, mvc_uv={"glute_max_left": 50.0, "TFL R": 200.0})
    f = None
    for f in (pipe.process(b) for b in _blocks_of(_noise(400), [200, 200])):
        pass
    assert f is not None and f.percent_mvc is not None
    assert f.percent_mvc[0] == pytest.approx(f.level_uv[0] / 50.0 * 100.0)
    assert f.percent_mvc[MONTAGE.index("tfl_right")] == pytest.approx(
        f.level_uv[MONTAGE.index("tfl_right")] / 2.0)
    assert np.isnan(f.percent_mvc[1])


@pytest.mark.parametrize(
    ("scenario", "first"), [("healthy", Muscle.GLUTE_MAX), ("lbp-lumbar-first", Muscle.LUMBAR_ES)]
)
def test_onsets_on_simulated_scenarios(scenario: str, first: Muscle) -> None:
    rec = _rec(scenario)
    pipe = OnlinePipeline(FS, rec.montage)
    onset_count: Counter[str] = Counter()
    for block in rec.blocks(20):
        frame = pipe.process(block)
        assert frame.firing_order == {} and frame.tfl_to_glute_ratio == {}  # per-rep values: the engine's
        for o in frame.onsets:
            if o.offset_s is None:
                onset_count[o.channel] += 1
    for ch in ("glute_max_left", "lumbar_es_right"):
        true_n = len(rec.truth.onsets_for(ch))
        assert abs(onset_count[ch] - true_n) <= 1, (ch, onset_count[ch], true_n)


def test_live_onset_times_close_to_truth() -> None:
    rec = _rec("healthy")
    pipe = OnlinePipeline(FS, rec.montage)
    found = [o for b in rec.blocks(20) for o in pipe.process(b).onsets if o.offset_s is None]
    errors = []
    for o in found:
        truth = [t.onset_s for t in rec.truth.onsets_for(o.channel)]
        errors.append(min(abs(o.onset_s - t) for t in truth))
    assert np.median(errors) < 0.03


def test_lost_samples_from_mask_and_sequence_gaps() -> None:
    pipe = OnlinePipeline(FS, MONTAGE)
    x = _noise(100)
    lost = np.zeros(20, dtype=bool)
    lost[[3, 4, 5]] = True
    f1 = pipe.process(SampleBlock(0.0, FS, x[:, :20], seq=0, lost=lost))
    f2 = pipe.process(SampleBlock(30 / FS, FS, x[:, 30:50], seq=30))  # 10 samples never came
    f3 = pipe.process(SampleBlock(50 / FS, FS, x[:, 50:70], seq=50))
    assert (f1.lost_samples, f2.lost_samples, f3.lost_samples) == (3, 10, 0)
    assert pipe.lost_samples_total == 13
    with pytest.raises(PipelineError, match=r"block starts at sample 10 but sample 70 was expected"):
        pipe.process(SampleBlock(10 / FS, FS, x[:, 10:30], seq=10))


def test_reset_gives_the_same_output_again() -> None:
    x = _rec("healthy").data[:, :4000]
    pipe = OnlinePipeline(FS, MONTAGE)
    a = [pipe.process(b) for b in _blocks_of(x, [20] * 200)]
    pipe.reset()
    assert pipe.lost_samples_total == 0 and pipe.samples_seen == 0
    b = [pipe.process(b) for b in _blocks_of(x, [20] * 200)]
    np.testing.assert_array_equal(a[-1].envelope_uv, b[-1].envelope_uv)
    assert [f.onsets for f in a] == [f.onsets for f in b]


def test_memory_stays_flat_over_many_blocks() -> None:
    rec = _rec("healthy")
    blocks = list(rec.blocks(20))
    pipe = OnlinePipeline(FS, rec.montage)
    for b in blocks[:300]:
        pipe.process(b)
    tracemalloc.start()
    try:
        base = tracemalloc.take_snapshot()
        seq = 300 * 20
        for rep in range(2):
            for b in blocks[:600]:
                blk = SampleBlock(seq / FS, FS, b.data, seq=seq, channels=b.channels)
                pipe.process(blk)
                seq += b.n_samples
        grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(base, "filename"))
    finally:
        tracemalloc.stop()
    assert grown < 64_000, f"pipeline memory grew by {grown} bytes over 1200 blocks"


class TestBadInput:
    def test_nan_names_position(self) -> None:
        pipe = OnlinePipeline(FS, MONTAGE)
        x = _noise(20)
        x[5, 7] = np.nan
        with pytest.raises(ValueError, match=r"block.data contains NaN at sample 7 of channel 5"):
            pipe.process(SampleBlock(0.0, FS, x))

    def test_wrong_channel_count(self) -> None:
        pipe = OnlinePipeline(FS, MONTAGE)
        with pytest.raises(PipelineError, match=r"block has 4 channel\(s\) but the pipeline was set up for 8"):
            pipe.process(SampleBlock(0.0, FS, np.zeros((4, 10))))

    def test_wrong_channel_names(self) -> None:
        pipe = OnlinePipeline(FS, MONTAGE)
        names = tuple(reversed(MONTAGE.ids))
        with pytest.raises(PipelineError, match=r"do not match the montage"):
            pipe.process(SampleBlock(0.0, FS, np.zeros((8, 10)), channels=names))

    def test_wrong_rate(self) -> None:
        pipe = OnlinePipeline(FS, MONTAGE)
        with pytest.raises(PipelineError, match=r"block sample rate 1000 Hz differs from the pipeline's 2000 Hz"):
            pipe.process(SampleBlock(0.0, 1000.0, np.zeros((8, 10))))

    def test_not_a_block(self) -> None:
        with pytest.raises(TypeError, match="block must be a SampleBlock, got ndarray"):
            OnlinePipeline(FS, MONTAGE).process(np.zeros((8, 10)))  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("kwargs", "pattern"),
        [
            ({"mvc_uv": {"biceps_left": 10.0}}, r"mvc_uv has a value for 'biceps_left', which is not a channel"),
            ({"mvc_uv": {"tfl_left": -1.0}}, r"mvc_uv\['tfl_left'\] must be a positive"),
            ({"settings": ProcessingSettings(baseline="quietest")}, r"baseline='quietest' needs the whole recording"),
            ({"quality_window_s": 0}, r"quality_window_s must be a positive"),
        ],
    )
    def test_bad_arguments(self, kwargs: dict, pattern: str) -> None:
        with pytest.raises(ValueError, match=pattern):
            OnlinePipeline(FS, MONTAGE, **kwargs)

    def test_settings_type(self) -> None:
        with pytest.raises(TypeError, match="settings must be a ProcessingSettings, got dict"):
            OnlinePipeline(FS, MONTAGE, settings={"mains_hz": 60.0})  # type: ignore[arg-type]

    def test_settings_reach_the_filters_and_detector(self) -> None:
        t = np.arange(int(2.0 * FS)) / FS
        hum = np.tile(100.0 * np.sin(2 * np.pi * 60.0 * t), (8, 1))
        tail = {}
        for mains in (50.0, 60.0):
            st = ProcessingSettings(mains_hz=mains, onset_method="tkeo")
            pipe = OnlinePipeline(FS, MONTAGE, settings=st)
            assert pipe.settings is st and pipe.detector.method == "tkeo"
            frames = [pipe.process(b) for b in _blocks_of(hum, [100] * (hum.shape[1] // 100))]
            tail[mains] = float(np.abs(frames[-1].filtered_uv).max())
        assert tail[60.0] < 5.0 < 50.0 < tail[50.0]  # the 60 Hz setting notches 60 Hz hum

    def test_fs_too_low(self) -> None:
        with pytest.raises(ValueError, match=r"fs=50 Hz is too low"):
            OnlinePipeline(50.0, MONTAGE)

    def test_montage_type(self) -> None:
        with pytest.raises(TypeError, match="montage must be a Montage"):
            OnlinePipeline(FS, ["glute_max_left"])  # type: ignore[arg-type]


def test_quality_reaches_frames_and_flags_a_flat_channel() -> None:
    x = _noise(int(1.5 * FS))
    x[2] = 0.0  # lead-off: nothing at all on TFL L
    pipe = OnlinePipeline(FS, MONTAGE)
    frames = [pipe.process(b) for b in _blocks_of(x, [20] * (x.shape[1] // 20))]
    assert frames[90].quality == ()  # the first second is not in yet
    q = frames[-1].quality
    assert [c.channel for c in q] == list(MONTAGE.ids)
    assert q[2].flat and q[2].problems and not q[0].flat


def test_known_onset_baseline_starts_detection_at_once() -> None:
    from emgfeedback.dsp.onsets import detection_signal_stats

    rec = _rec("healthy")
    first_true = min(o.onset_s for o in rec.truth.onsets)
    rest = rec.data[:, : int(first_true * FS) - 200]
    stats = detection_signal_stats(rest, FS, baseline=(0.0, rest.shape[1] / FS))
    pipe = OnlinePipeline(FS, rec.montage, onset_baseline=stats, settings=ProcessingSettings(baseline_s=30.0))
    assert pipe.detector.threshold is not None
    found = [o for b in rec.blocks(20) for o in pipe.process(b).onsets if o.offset_s is None]
    assert found, "no onsets although the baseline was given"
