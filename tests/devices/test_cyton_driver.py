"""cyton:// through pyserial against the Cyton emulator on a pseudo-terminal."""

import time

import numpy as np
import pytest

from emgfeedback.devices import open_device
from emgfeedback.errors import DeviceConnectionError, DeviceTimeoutError
from emgfeedback.testing.cyton_emulator import CytonEmulator
from emgfeedback.testing.blocks import read_samples, stack_blocks


@pytest.fixture
def board():
    with CytonEmulator(speed=4.0) as b:
        yield b


def test_handshake_info_and_values_in_order(board):
    with open_device(f"cyton://{board.port}", reconnect_timeout_s=0) as dev:
        assert dev.info.board == "cyton" and dev.info.fs == 250.0
        assert dev.info.firmware == "v3.1.2" and dev.info.n_channels == 8
        assert dev.info.montage.ids[0] == "glute_max_left"
        blocks = read_samples(dev, 300)
    assert board.commands.startswith(b"sv") and b"b" in board.commands
    data, lost = stack_blocks(blocks)
    assert not lost.any()
    seqs = [b.seq for b in blocks]
    assert seqs == sorted(seqs) and blocks[0].seq == 0
    for b1, b2 in zip(blocks, blocks[1:]):
        assert b2.seq == b1.seq + b1.n_samples
    n = data.shape[1]
    np.testing.assert_allclose(data, board.expected_uv(board.sent[:n]), rtol=0, atol=1e-9)
    # channel 8 is a 8000-count sine: 8000 counts × 0.02235 µV
    assert np.abs(data[7]).max() == pytest.approx(8000 * 4.5 / 24 / 8388607 * 1e6, rel=0.02)


def test_gain_option_scales(board):
    with open_device(f"cyton://{board.port}?gain=1", reconnect_timeout_s=0) as dev:
        data, _ = stack_blocks(read_samples(dev, 50))
    np.testing.assert_allclose(data, board.expected_uv(board.sent[: data.shape[1]], gain=1))


def test_dropped_packets_become_flagged_lost_samples(board):
    board.drop.update({20, 21, 22, 60})
    with open_device(f"cyton://{board.port}", reconnect_timeout_s=0) as dev:
        blocks = read_samples(dev, 120)
        stats = dev.stats
    data, lost = stack_blocks(blocks)
    assert np.flatnonzero(lost[:100]).tolist() == [20, 21, 22, 60]
    assert stats.lost_samples >= 4
    # filled with the last good value, real samples unchanged
    np.testing.assert_array_equal(data[:, 20], data[:, 19])
    good = np.flatnonzero(~lost[:100])
    np.testing.assert_allclose(data[:, good], board.expected_uv(good))


def test_corruption_costs_only_the_damaged_packet(board):
    def bad_footer(p):
        p[32] = 0x12
        return p

    def truncated(p):
        return p[:20]

    board.corrupt.update({30: bad_footer, 31: lambda p: b"\xa0\xa0" + bytes(p), 70: truncated})
    with open_device(f"cyton://{board.port}", reconnect_timeout_s=0) as dev:
        data, lost = stack_blocks(read_samples(dev, 120))
        extra = dev.stats.extra
    assert np.flatnonzero(lost[:100]).tolist() == [30, 70]
    good = np.flatnonzero(~lost[:100])
    np.testing.assert_allclose(data[:, good], board.expected_uv(good))
    assert extra["bytes_skipped"] == 33 + 2 + 20


def test_silent_board_is_a_clear_timeout():
    with CytonEmulator(greeting=b"") as board:
        with pytest.raises(DeviceTimeoutError, match="did not answer the reset command 'v' within 0.3 s"):
            open_device(f"cyton://{board.port}?timeout=0.3")


def test_foreign_board_or_wrong_baud_is_a_clear_error():
    with CytonEmulator(greeting=b"\xff\x13garbage") as board:
        with pytest.raises(DeviceTimeoutError, match="no '\\$\\$\\$' end of greeting .* wrong baud"):
            open_device(f"cyton://{board.port}?timeout=0.3")
    with CytonEmulator(greeting=b"Arduino ready$$$") as board:
        with pytest.raises(DeviceConnectionError, match="not an OpenBCI board"):
            open_device(f"cyton://{board.port}?timeout=0.3")


def test_missing_port_and_bad_options_are_clear():
    with pytest.raises(DeviceConnectionError, match="serial port /dev/nonexistent-cyton not found — is the dongle plugged in"):
        open_device("cyton:///dev/nonexistent-cyton")
    with pytest.raises(ValueError, match="cyton:// needs a serial port"):
        open_device("cyton://")
    with pytest.raises(ValueError, match="gain must be one of 1, 2, 4, 6, 8, 12, 24, got 5"):
        open_device("cyton:///dev/x?gain=5")
    with pytest.raises(ValueError, match="unknown option 'daisy'"):
        open_device("cyton:///dev/x?daisy=1")
    with pytest.raises(ValueError, match="option montage must name 8 channels: it names 1 but the board has 8"):
        open_device("cyton:///dev/x?montage=glute_max_left")


def test_busy_port_is_clear(board):
    with open_device(f"cyton://{board.port}", reconnect_timeout_s=0):
        with pytest.raises(DeviceConnectionError, match="is busy"):
            open_device(f"cyton://{board.port}")


def test_montage_option(board):
    names = "ES R,TFL R,GMed R,GMax R,ES L,TFL L,GMed L,GMax L"
    with open_device(f"cyton://{board.port}?montage={names}", reconnect_timeout_s=0) as dev:
        assert dev.info.montage.ids[0] == "lumbar_es_right"


def test_unplug_and_replug_reconnects(board):
    with open_device(f"cyton://{board.port}?timeout=1", reconnect_timeout_s=10) as dev:
        read_samples(dev, 50)
        board.unplug()
        time.sleep(0.3)
        board.plug()
        blocks = read_samples(dev, 400)
        assert dev.stats.reconnects == 1
    assert any(b.n_lost for b in blocks)  # the outage shows as lost samples, not hidden
