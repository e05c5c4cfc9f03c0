"""Pieces of the live pipeline: firing-order pairing, TFL ratio, quality ring."""

from __future__ import annotations


import numpy as np

from emgfeedback.dsp._pipeline_parts import QualityWindow
from emgfeedback.model import Channel, ChannelQuality, Montage, Muscle, Side

MONTAGE = Montage.default()
GMAX_L = Channel(Muscle.GLUTE_MAX, Side.LEFT)
ES_L = Channel(Muscle.LUMBAR_ES, Side.LEFT)
ES_R = Channel(Muscle.LUMBAR_ES, Side.RIGHT)


def test_quality_window_rates_the_last_window_at_most_once_per_interval() -> None:
    seen: list[np.ndarray] = []

    def assess(x: np.ndarray, fs: float, channels: "tuple[str, ...]") -> "tuple[ChannelQuality, ...]":
        seen.append(x.copy())
        return tuple(ChannelQuality(c, 0.0, 0.0, False, float(x[i].std())) for i, c in enumerate(channels))

    qw = QualityWindow(MONTAGE, 100.0, window_s=1.0, interval_s=0.5, mains=50.0, assess=assess,
                       per_block=8)
    x = np.arange(8 * 400, dtype=float).reshape(8, 400)
    pos = 0
    rated_at: list[int] = []
    for n in [30, 30, 30, 7, 3, 150, 0, 1, 149]:
        before = len(seen)
        qw.update(x[:, pos : pos + n])
        pos += n
        if len(seen) > before:
            rated_at.append(pos)
            np.testing.assert_array_equal(seen[-1], x[:, pos - 100 : pos])
    assert rated_at == [100, 250, 400]  # full at 100, then ≥ 50 samples apart
    assert len(qw.latest) == 8 and qw.latest[0].channel == "glute_max_left"
    qw.reset()
    assert qw.latest == ()


def test_quality_window_block_longer_than_ring() -> None:
    got: list[np.ndarray] = []
    qw = QualityWindow(MONTAGE, 100.0, 0.5, 0.1, None, assess=lambda x, fs, ch: got.append(x) or (),
                       per_block=8)
    x = np.random.default_rng(0).normal(size=(8, 130))
    qw.update(x)
    np.testing.assert_array_equal(got[-1], x[:, -50:])


def test_quality_round_is_spread_one_channel_per_block() -> None:
    calls: list[tuple[str, ...]] = []

    def assess(x: np.ndarray, fs: float, channels: "tuple[str, ...]") -> "tuple[ChannelQuality, ...]":
        calls.append(tuple(channels))
        assert x.shape == (len(channels), 100)
        return tuple(ChannelQuality(c, 0.0, 0.0, False, float(x[i, -1])) for i, c in enumerate(channels))

    qw = QualityWindow(MONTAGE, 100.0, 1.0, 1.0, 50.0, assess=assess, per_block=1)
    x = np.arange(8 * 300, dtype=float).reshape(8, 300)
    for k in range(9):
        qw.update(x[:, k * 10 : (k + 1) * 10])
    assert calls == [] and qw.latest == ()  # ring not full yet
    for k in range(9, 16):
        qw.update(x[:, k * 10 : (k + 1) * 10])
        assert len(calls) == k - 8 and qw.latest == ()  # one channel per block
    qw.update(x[:, 160:170])
    assert calls == [(cid,) for cid in MONTAGE.ids]
    # each channel rated on its own latest window: last sample of row i when it was rated
    assert [q.noise_floor_uv for q in qw.latest] == [x[i, 99 + 10 * i] for i in range(8)]
    for k in range(17, 19):
        qw.update(x[:, k * 10 : (k + 1) * 10])
    assert len(calls) == 8  # next round only interval_s (100 samples) after the last began
    qw.update(x[:, 190:200])
    assert len(calls) == 9


def test_default_quality_runs_on_real_signal() -> None:
    qw = QualityWindow(MONTAGE, 1000.0, 1.0, 1.0, None, per_block=8)
    rng = np.random.default_rng(0)
    x = rng.normal(0, 10, (8, 1000))
    x[3] = 0.0  # a flat channel
    qw.update(x)
    assert len(qw.latest) == 8 and not qw.latest[3].problems  # one rating raises nothing yet
    qw.update(x)  # the second consecutive rating raises it
    assert qw.latest[3].flat and not qw.latest[0].flat


def test_quality_default_rates_four_channels_per_block() -> None:
    calls: list[int] = []
    qw = QualityWindow(MONTAGE, 100.0, 1.0, 1.0, 50.0,
                       assess=lambda x, fs, ch: calls.append(len(ch)) or tuple(
                           ChannelQuality(c, 0.0, 0.0, False, 0.0) for c in ch))
    for _ in range(12):
        qw.update(np.zeros((8, 10)))
    assert calls == [4, 4] and len(qw.latest) == 8
