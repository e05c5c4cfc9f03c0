"""serial:// end to end through pyserial against the virtual board on a pseudo-terminal."""

from __future__ import annotations

import errno
import functools
import os
import time

import numpy as np
import pytest

from emgfeedback.devices import open_device
from emgfeedback.errors import DeviceConnectionError, DeviceTimeoutError
from emgfeedback.simulation.virtual_board import VirtualBoard
from emgfeedback.testing.blocks import read_samples as _read_samples

GAIN = 0.25


class Ramp:
    """Exact test signal: channel c at sample k is ((k + 1000 c) mod 30000 - 15000) counts."""

    def __init__(self, n_channels: int = 8) -> None:
        self.k = 0
        self.n_channels = n_channels

    def read(self, n: int) -> np.ndarray:
        k = self.k + np.arange(n)
        self.k += n
        c = np.arange(self.n_channels)[:, None]
        return (((k + 1000 * c) % 30000) - 15000) * GAIN


def expected(seq: int, n: int, n_channels: int = 8) -> np.ndarray:
    return Ramp(n_channels).read(seq + n)[:, seq:]


#: the virtual board streams in real time: 5 s is ample
read_samples = functools.partial(_read_samples, timeout_s=5.0)


@pytest.fixture
def board():
    with VirtualBoard(source=Ramp(), fs=2000.0, uv_per_count=GAIN) as vb:
        yield vb


def test_streams_exact_samples_in_microvolts(board):
    with open_device(f"serial://{board.path}") as dev:
        info = dev.info
        assert (info.fs, info.n_channels, info.board, info.firmware) == (2000.0, 8, "virtual_board", "0.1.0")
        blocks = read_samples(dev, 400)
    data = np.concatenate([b.data for b in blocks], axis=1)
    assert blocks[0].seq == 0
    assert all(b.lost is None for b in blocks)
    assert all(a.seq + a.n_samples == b.seq for a, b in zip(blocks, blocks[1:]))
    # the board may have streamed a few frames before our START's first frame: compare by value
    first = int(round(data[0, 0] / GAIN)) + 15000
    np.testing.assert_array_equal(data, expected(first, data.shape[1]))


def test_a_damaged_frame_costs_that_frame_only_and_is_flagged_lost(board):
    with open_device(f"serial://{board.path}") as dev:
        read_samples(dev, 100)
        board.damage_next_frame(offset=20)
        blocks = read_samples(dev, 200)
        stats = dev.stats
    lost = [b for b in blocks if b.n_lost]
    assert len(lost) == 1 and lost[0].n_lost == 8  # one frame = 8 samples
    assert stats.lost_samples == 8 and stats.extra["bad_frames"] == 1
    assert stats.extra["frames_lost"] == 1 and stats.extra["samples_lost"] == 8
    b = lost[0]
    idx = np.flatnonzero(b.lost)
    if idx[0] > 0:  # filled with the last good value
        np.testing.assert_array_equal(b.data[:, idx], np.repeat(b.data[:, idx[0] - 1:idx[0]], 8, axis=1))
    good = b.data[:, ~b.lost]
    first = int(round(good[0, 0] / GAIN)) + 15000
    np.testing.assert_array_equal(good[:, -4:], expected(first, good.shape[1])[:, -4:])


def test_port_vanishing_and_coming_back_reconnects_and_reports_the_gap(tmp_path):
    link = str(tmp_path / "ttyEMG0")
    with VirtualBoard(source=Ramp(), link=link, uv_per_count=GAIN) as vb:
        with open_device(f"serial://{link}", reconnect_timeout_s=5) as dev:
            before = read_samples(dev, 200)
            vb.vanish()
            time.sleep(0.3)
            vb.reappear()
            after = read_samples(dev, 800)
            stats = dev.stats
    blocks = before + after
    assert stats.reconnects == 1
    assert all(a.seq + a.n_samples == b.seq for a, b in zip(blocks, blocks[1:]))
    gap = sum(b.n_lost for b in blocks)
    assert gap == stats.lost_samples
    assert 0.2 * 2000 <= gap <= 3.0 * 2000, gap  # ~0.3 s away plus back-off, from the host clock


def test_missing_port_is_a_one_line_connection_error(tmp_path):
    with pytest.raises(DeviceConnectionError, match=r"serial port .*nope not found — is the board plugged in\?"):
        open_device(f"serial://{tmp_path}/nope")


def test_busy_port_is_a_one_line_connection_error(board):
    with open_device(f"serial://{board.path}"):
        with pytest.raises(DeviceConnectionError, match=r"is busy — another program"):
            open_device(f"serial://{board.path}")


def test_permission_denied_names_the_fix(monkeypatch):
    import serial

    def refuse(*a, **k):
        raise serial.SerialException(errno.EACCES, "could not open port /dev/ttyUSB9: [Errno 13] Permission denied")

    monkeypatch.setattr(serial, "Serial", refuse)
    with pytest.raises(DeviceConnectionError, match=r"permission denied on /dev/ttyUSB9 — .*dialout"):
        open_device("serial:///dev/ttyUSB9")


def test_a_board_that_never_answers_times_out_clearly():
    master, slave = os.openpty()
    try:
        t = time.monotonic()
        with pytest.raises(DeviceTimeoutError, match=r"no answer from .* within 0.3 s — is the board powered "
                                                     r"and flashed with emgfeedback firmware\? is the baud rate right"):
            open_device(f"serial://{os.ttyname(slave)}?timeout=0.3")
        assert time.monotonic() - t < 2.0
    finally:
        os.close(master)
        os.close(slave)


def test_wrong_baud_rate_gets_no_answer():
    with VirtualBoard(source=Ramp(), baud=115200) as vb:
        with pytest.raises(DeviceTimeoutError, match=r"tried 460800"):
            open_device(f"serial://{vb.path}?timeout=0.3")
        with open_device(f"serial://{vb.path}?baud=115200") as dev:
            assert dev.info.board == "virtual_board"


def test_slow_consumer_memory_is_bounded_and_drops_are_counted(board):
    with open_device(f"serial://{board.path}", queue_blocks=4) as dev:
        time.sleep(0.5)
        stats = dev.stats
        kept = 0
        while dev.read(timeout=0) is not None and kept < 100:
            kept += 1
    assert stats.dropped_blocks > 0 and stats.blocks - stats.dropped_blocks <= 4
    assert kept <= 4 + 20  # the 4 queued plus what arrived while draining


def test_stop_and_start_again(board):
    dev = open_device(f"serial://{board.path}")
    try:
        dev.start()
        read_samples(dev, 50)
        dev.stop()
        while dev.read(timeout=0) is not None:
            pass
        dev.start()
        blocks = read_samples(dev, 50)
        assert blocks[-1].n_samples > 0
    finally:
        dev.close()


@pytest.mark.parametrize("url, match", [
    ("serial://", r"serial:// needs a port"),
    ("serial:///dev/x?bogus=1", r"unknown option 'bogus' .*expected serial:///dev/ttyUSB0\?baud=460800"),
    ("serial:///dev/x?baud=-5", r"option baud must be a whole number ≥ 50 and ≤ 12000000, got -5"),
])
def test_bad_serial_urls(url, match):
    with pytest.raises(ValueError, match=match):
        open_device(url)


def test_montage_option_must_match_the_board(board):
    with pytest.raises(ValueError, match="option montage must name 8 channels: it names 2 but the board has 8"):
        open_device(f"serial://{board.path}?montage=glute_max_left,tfl_right")
