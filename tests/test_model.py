import numpy as np
import pytest

from emgfeedback.model import (
    Channel,
    FiringOrder,
    Montage,
    Muscle,
    Onset,
    SampleBlock,
    Side,
    StreamInfo,
)


def test_channel_ids_and_labels():
    ch = Channel(Muscle.GLUTE_MAX, Side.LEFT)
    assert ch.id == "glute_max_left"
    assert ch.label == "GMax L"
    assert Channel(Muscle.LUMBAR_ES, Side.RIGHT).label == "ES R"
    assert Channel(Muscle.TFL, Side.LEFT).label == "TFL L"
    assert Channel.parse("GMed R") == Channel(Muscle.GLUTE_MED, Side.RIGHT)
    assert Channel.parse("gmed r") == Channel(Muscle.GLUTE_MED, Side.RIGHT)
    assert Channel.parse("tfl_left") == Channel(Muscle.TFL, Side.LEFT)


def test_unknown_channel_lists_known_ones():
    with pytest.raises(ValueError, match=r"unknown channel 'hamstring'.*glute_max_left \(GMax L\)"):
        Channel.parse("hamstring")


def test_default_montage_is_eight_channels_left_then_right():
    m = Montage.default()
    assert len(m) == 8
    assert m.labels == ("GMax L", "GMed L", "TFL L", "ES L", "GMax R", "GMed R", "TFL R", "ES R")
    assert m.index("ES R") == 7
    assert m.find(Muscle.TFL, Side.RIGHT) == 6


def test_montage_rejects_duplicates_and_reports_missing_channels():
    with pytest.raises(ValueError, match="twice: glute_max_left"):
        Montage.from_names(["GMax L", "glute_max_left"])
    m = Montage.from_names(["GMax L", "ES L"])
    assert m.find(Muscle.TFL, Side.LEFT) is None
    with pytest.raises(KeyError, match="tfl_left is not in this montage"):
        m.index("TFL L")


def test_sample_block_shape_checks_and_times():
    data = np.zeros((2, 5))
    block = SampleBlock(t0=1.0, fs=1000.0, data=data, seq=1000, channels=("glute_max_left", "lumbar_es_left"))
    assert block.n_samples == 5 and block.n_channels == 2 and block.n_lost == 0
    assert block.t_end == pytest.approx(1.005)
    np.testing.assert_allclose(block.times(), [1.0, 1.001, 1.002, 1.003, 1.004])
    with pytest.raises(ValueError, match="must be 2-D"):
        SampleBlock(t0=0.0, fs=1000.0, data=np.zeros(5))
    with pytest.raises(ValueError, match="2 rows but 1 channel names"):
        SampleBlock(t0=0.0, fs=1000.0, data=data, channels=("a",))
    with pytest.raises(ValueError, match=r"lost must have shape \(5,\)"):
        SampleBlock(t0=0.0, fs=1000.0, data=data, lost=np.zeros(4, bool))
    lost = np.array([False, True, True, False, False])
    assert SampleBlock(t0=0.0, fs=1000.0, data=data, lost=lost).n_lost == 2


def test_stream_info_rejects_bad_rate():
    with pytest.raises(ValueError, match="fs must be a positive number of Hz"):
        StreamInfo(fs=0, montage=Montage.default())
    assert StreamInfo(fs=2000.0, montage=Montage.default()).n_channels == 8


def test_firing_order_latency_sign():
    fo = FiringOrder(Side.LEFT, (Muscle.LUMBAR_ES, Muscle.GLUTE_MAX), (10.000, 10.080), rep=3)
    assert fo.first is Muscle.LUMBAR_ES
    assert fo.latency_ms(Muscle.GLUTE_MAX, Muscle.LUMBAR_ES) == pytest.approx(80.0)
    with pytest.raises(KeyError, match="tensor fasciae latae did not fire"):
        fo.latency_ms(Muscle.TFL, Muscle.GLUTE_MAX)


def test_onset_duration():
    assert Onset(1.0, 1.5, "tfl_left").duration_s == pytest.approx(0.5)
    assert Onset(1.0, None, "tfl_left").duration_s is None
