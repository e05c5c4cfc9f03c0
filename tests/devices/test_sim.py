"""sim:// — the simulator as a device; plus the driver contract every source must keep."""

from __future__ import annotations

import time

import numpy as np
import pytest

from emgfeedback.devices import open_device
from emgfeedback.model import Montage
from emgfeedback.simulation import LiveSimulator
from emgfeedback.simulation.virtual_board import VirtualBoard


def test_sim_yields_the_simulator_samples_exactly():
    with open_device("sim://?scenario=healthy&fs=1000&seed=3&realtime=0&block=25") as dev:
        assert dev.info.fs == 1000.0 and dev.info.board == "simulator"
        assert dev.info.montage == Montage.default()
        blocks = [dev.read(timeout=2.0) for _ in range(8)]
        assert dev.stats.dropped_blocks == 0  # not paced: the reader waits for the consumer
    data = np.concatenate([b.data for b in blocks], axis=1)
    ref = LiveSimulator("healthy", fs=1000.0, snr_db=20.0, seed=3).read(200)
    np.testing.assert_array_equal(data, ref)
    assert [b.seq for b in blocks] == list(range(0, 200, 25))


def test_sim_realtime_is_paced_by_the_clock():
    with open_device("sim://?fs=2000&block=40") as dev:
        t0 = time.monotonic()
        n = 0
        while n < 1000:
            n += dev.read(timeout=2.0).n_samples
        elapsed = time.monotonic() - t0
    assert 0.4 <= elapsed <= 1.5, f"1000 samples at 2 kHz took {elapsed:.2f} s"


@pytest.mark.parametrize("url, match", [
    ("sim://?scenario=healthy&fs=abc", r"option fs must be a number, got 'abc'; expected sim://\?scenario=NAME"),
    ("sim://?speed=2", r"unknown option 'speed' \(known options: block, follow, fs, ramp, realtime, recovery, scenario, seed, snr\)"),
    ("sim://?realtime=maybe", "option realtime must be 0 or 1"),
    ("sim://?block=0", "option block must be a whole number ≥ 1 and ≤ 100000, got 0"),
    ("sim://?ramp=slow", r"^option ramp must be 'scenario', 'fast' or a scale factor between 0.1 and 4, got 'slow'$"),
    ("sim://?ramp=0", r"option ramp must be .* got '0'$"),
    ("sim://?ramp=5", r"option ramp must be .* got '5'$"),
])
def test_sim_rejects_bad_options_before_any_work(url, match):
    with pytest.raises(ValueError, match=match):
        open_device(url)


@pytest.mark.parametrize("ramp", ["scenario", "fast", "0.5"])
def test_sim_ramp_option_reaches_the_simulator(ramp):
    with open_device(f"sim://?scenario=lbp-lumbar-first&fs=1000&seed=2&realtime=0&block=500&ramp={ramp}") as dev:
        data = np.concatenate([dev.read(timeout=2.0).data for _ in range(10)], axis=1)
    value = float(ramp) if ramp[0].isdigit() else ramp
    ref = LiveSimulator("lbp-lumbar-first", fs=1000.0, snr_db=20.0, seed=2, ramp=value).read(5000)
    np.testing.assert_array_equal(data, ref)
    if ramp != "scenario":  # the first rep (from ~3 s) differs from the default ramps
        default = LiveSimulator("lbp-lumbar-first", fs=1000.0, snr_db=20.0, seed=2).read(5000)
        assert not np.array_equal(data, default)


def test_unknown_scenario_is_a_value_error():
    with pytest.raises(ValueError, match="no-such"):
        open_device("sim://?scenario=no-such&realtime=0")


@pytest.fixture(params=["sim", "serial"])
def any_device_url(request):
    if request.param == "sim":
        yield "sim://?scenario=healthy&realtime=0"
    else:
        with VirtualBoard("healthy", 2000.0) as vb:
            yield f"serial://{vb.path}"


def test_driver_contract(any_device_url):
    """What every driver promises: info, contiguous numbered float64 µV blocks, idempotent close."""
    dev = open_device(any_device_url)
    info = dev.info
    with dev:
        blocks = []
        while sum(b.n_samples for b in blocks) < 200:
            b = dev.read(timeout=2.0)
            assert b is not None
            blocks.append(b)
    dev.close()
    assert info.n_channels == 8 and info.fs == 2000.0 and info.source == any_device_url
    for a, b in zip(blocks, blocks[1:]):
        assert a.seq + a.n_samples == b.seq
        assert b.t0 == pytest.approx(b.seq / info.fs)
    for b in blocks:
        assert b.data.dtype == np.float64 and b.data.shape[0] == 8
        assert b.channels == info.montage.ids and np.isfinite(b.data).all()
    rms = np.sqrt(np.mean(np.concatenate([b.data for b in blocks], axis=1) ** 2))
    assert 0.1 < rms < 5000, f"RMS {rms} µV is not sEMG-like"
