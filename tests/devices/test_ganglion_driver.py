"""ganglion:// through the BLE bridge and the fake bleak client, against the Ganglion emulator."""

import time

import numpy as np
import pytest

from emgfeedback.devices import open_device
from emgfeedback.devices._openbci import GANGLION_UV_PER_COUNT
from emgfeedback.errors import DeviceConnectionError, DeviceUnavailableError
from emgfeedback.testing.fake_ble import FakeBleWorld, FakePeripheral
from emgfeedback.testing.ganglion_emulator import GanglionEmulator
from emgfeedback.testing.blocks import read_samples, stack_blocks


@pytest.fixture
def world():
    w = FakeBleWorld()
    w.add(GanglionEmulator(speed=4.0))
    return w


def _board(world):
    return next(iter(world.peripherals.values()))


@pytest.mark.parametrize("target", ["C0:FF:EE:00:00:01", "name=Ganglion-1a2b", ""])
def test_connect_by_address_name_or_first_found(world, target):
    with open_device(f"ganglion://{target}", ble_backend=world, reconnect_timeout_s=0) as dev:
        assert dev.info.fs == 200.0 and dev.info.n_channels == 4
        assert dev.info.board == "ganglion (Ganglion-1a2b)"
        read_samples(dev, 10)
    assert _board(world).writes[0] == ("2d30c083-f39f-4ce6-923f-3484ea480596", b"b")
    assert _board(world).writes[-1][1] == b"s"


def test_values_in_order_within_the_compression_error(world):
    board = _board(world)
    with open_device("ganglion://C0:FF:EE:00:00:01", ble_backend=world, reconnect_timeout_s=0) as dev:
        blocks = read_samples(dev, 450)
    data, lost = stack_blocks(blocks)
    assert not lost.any()
    for b1, b2 in zip(blocks, blocks[1:]):
        assert b2.seq == b1.seq + b1.n_samples
    n = data.shape[1]
    truth = board.truth(0, n) * GANGLION_UV_PER_COUNT
    # deltas lose their LSB: at most one count per sample since the last raw packet
    err = np.abs(data - truth)
    assert err.max() <= 200 * GANGLION_UV_PER_COUNT
    np.testing.assert_allclose(data[:, 0], truth[:, 0])  # the raw packet is exact
    np.testing.assert_allclose(data[:, 201], truth[:, 201])
    assert np.abs(data).max() > 100  # channel 4: 80000 counts ≈ 150 µV peak


def test_lost_notification_costs_two_flagged_samples(world):
    board = _board(world)
    board.drop.update({5, 40})
    with open_device("ganglion://", ble_backend=world, reconnect_timeout_s=0) as dev:
        blocks = read_samples(dev, 250)
        stats = dev.stats
    data, lost = stack_blocks(blocks)
    # packet 0 is raw (sample 0); packet k >= 1 carries samples 2k-1, 2k
    assert np.flatnonzero(lost[:250]).tolist() == [9, 10, 79, 80]
    assert stats.lost_samples == 4 and stats.extra["decoder_lost_samples"] == 4
    np.testing.assert_array_equal(data[:, 9], data[:, 8])
    truth = board.truth(0, 250) * GANGLION_UV_PER_COUNT
    np.testing.assert_allclose(data[:, 201], truth[:, 201])  # next raw packet: exact again


def test_link_loss_reconnects_and_reports_the_outage(world):
    board = _board(world)
    with open_device("ganglion://name=Ganglion-1a2b", ble_backend=world, reconnect_timeout_s=10) as dev:
        read_samples(dev, 40)
        board.advertising = False
        board.drop_link()
        time.sleep(0.4)
        board.advertising = True
        blocks = read_samples(dev, 300)
        assert dev.stats.reconnects == 1
    assert sum(b.n_lost for b in blocks) > 0
    assert board.writes.count(("2d30c083-f39f-4ce6-923f-3484ea480596", b"b")) == 2


def test_board_not_found_is_clear(world):
    with pytest.raises(DeviceConnectionError, match="no BLE board named Nope found in 0.1 s scan — is it powered"):
        open_device("ganglion://name=Nope?scan=0.1", ble_backend=world)
    with pytest.raises(DeviceConnectionError, match="no Ganglion found in 0.1 s scan"):
        open_device("ganglion://?scan=0.1", ble_backend=FakeBleWorld())


def test_wrong_board_is_a_clear_handshake_error():
    w = FakeBleWorld()
    w.add(FakePeripheral("11:22:33:44:55:66", "Ganglion-fake", notify_uuids={"0000ffe1-0000-1000-8000-00805f9b34fb"}))
    with pytest.raises(DeviceConnectionError, match="has no characteristic 2d30c082"):
        open_device("ganglion://11:22:33:44:55:66", ble_backend=w)


def test_no_adapter_is_clear(world):
    world.adapter_present = False
    with pytest.raises(DeviceUnavailableError, match="no Bluetooth adapter found"):
        open_device("ganglion://name=Ganglion-1a2b", ble_backend=world)


def test_bad_target_and_options():
    with pytest.raises(ValueError, match="BLE target must be an address AA:BB:CC:DD:EE:FF or name=NAME, got 'xyz'"):
        open_device("ganglion://xyz")
    with pytest.raises(ValueError, match="option scan must be a finite number s > 0 and ≤ 60, got -1"):
        open_device("ganglion://?scan=-1")
    with pytest.raises(ValueError, match="option montage must name 4 channels: it names 1 but the board has 4"):
        open_device("ganglion://?montage=GMax L")
