"""The Device base class through a tiny in-test driver: numbering, gap filling, the bounded
queue, idempotent lifecycle, error propagation and reconnection."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
import pytest

from emgfeedback.devices import Chunk, Device, EndOfStream
from emgfeedback.devices._reader import DropOldestQueue
from emgfeedback.errors import DeviceConnectionError, DeviceIOError, ProtocolError
from emgfeedback.model import Montage, StreamInfo


@dataclass(frozen=True)
class RampOptions:
    n: int = 10          # samples per chunk
    chunks: int = 5      # chunks before EndOfStream (0: endless)
    gap_at: int = -1     # chunk index that reports a gap
    gap: int = 0
    fail_at: int = -1    # chunk index that raises DeviceConnectionError (once)
    sleep: float = 0.0


class RampDevice(Device):
    scheme = "ramp"
    url_form = "ramp://?n=INT&chunks=INT"
    Options = RampOptions

    def __init__(self, url: str, **kw) -> None:
        super().__init__(url, **kw)
        self.calls: list[str] = []
        self.k = 0
        self.failed = False
        self.fail_opens = 0

    def _open(self) -> StreamInfo:
        self.calls.append("open")
        if self.fail_opens > 0:
            self.fail_opens -= 1
            raise DeviceConnectionError("ramp: not there yet")
        return StreamInfo(fs=100.0, montage=Montage.default(), board="ramp")

    def _start(self) -> None:
        self.calls.append("start")

    def _stop(self) -> None:
        self.calls.append("stop")

    def _close(self) -> None:
        self.calls.append("close")

    def _read_chunk(self):
        o = self.options
        if o.sleep:
            time.sleep(o.sleep)
        if o.chunks and self.k >= o.chunks:
            raise EndOfStream
        if self.k == o.fail_at and not self.failed:
            self.failed = True
            self.fail_opens = max(self.fail_opens, 2)
            raise DeviceConnectionError("ramp: cable pulled")
        k = self.k
        self.k += 1
        base = k * o.n
        data = np.tile(np.arange(base, base + o.n, dtype=float), (8, 1)) + np.arange(8)[:, None]
        return Chunk(data, gap=o.gap if k == o.gap_at else 0)


def collect(dev: Device) -> list:
    return list(dev)


def test_blocks_are_numbered_and_iteration_ends_at_end_of_stream():
    dev = RampDevice("ramp://?n=10&chunks=5", queue_blocks=100)
    with dev:
        blocks = collect(dev)
    assert [b.seq for b in blocks] == [0, 10, 20, 30, 40]
    assert [b.t0 for b in blocks] == pytest.approx([0, 0.1, 0.2, 0.3, 0.4])
    assert blocks[0].channels == Montage.default().ids
    assert all(b.lost is None for b in blocks)
    np.testing.assert_array_equal(blocks[2].data[3], np.arange(20, 30) + 3)
    s = dev.stats
    assert (s.blocks, s.samples, s.lost_samples, s.dropped_blocks) == (5, 50, 0, 0)
    assert dev.info.source == "ramp://?n=10&chunks=5"


def test_gap_is_filled_with_last_good_value_and_flagged():
    dev = RampDevice("ramp://?n=10&chunks=3&gap_at=1&gap=4", queue_blocks=100)
    with dev:
        blocks = collect(dev)
    b = blocks[1]
    assert b.seq == 10 and b.n_samples == 14 and b.n_lost == 4
    np.testing.assert_array_equal(b.lost, [True] * 4 + [False] * 10)
    np.testing.assert_array_equal(b.data[0, :4], [9.0] * 4)  # last good value of block 0
    np.testing.assert_array_equal(b.data[0, 4:], np.arange(10, 20))
    assert blocks[2].seq == 24
    assert dev.stats.lost_samples == 4


def test_slow_consumer_keeps_memory_bounded_and_drops_are_counted():
    dev = RampDevice("ramp://?n=5&chunks=200", queue_blocks=8)
    dev.start()
    deadline = time.monotonic() + 5
    while dev.is_streaming and time.monotonic() < deadline:
        time.sleep(0.01)
    blocks = collect(dev)
    s = dev.stats
    dev.close()
    assert len(blocks) == 8, "queue must hold at most queue_blocks blocks"
    assert s.blocks == 200 and s.dropped_blocks == 192 and s.dropped_samples == 192 * 5
    assert blocks[-1].seq == 199 * 5, "the newest blocks are kept, the oldest dropped"


def test_lifecycle_is_idempotent_and_reading_before_start_is_explained():
    dev = RampDevice("ramp://?chunks=0&sleep=0.01")
    dev.open()
    dev.open()
    with pytest.raises(DeviceIOError, match=r"call start\(\)"):
        dev.read(timeout=0)
    dev.start()
    dev.start()
    assert dev.read(timeout=2.0) is not None
    dev.stop()
    dev.stop()
    dev.close()
    dev.close()
    assert dev.calls == ["open", "start", "stop", "close"]
    assert not dev.is_open


def test_info_before_open_is_an_error():
    with pytest.raises(DeviceIOError, match="open the device"):
        RampDevice("ramp://").info


def test_reconnects_after_link_loss_and_reports_the_gap_from_the_clock():
    dev = RampDevice("ramp://?n=10&chunks=6&fail_at=3&sleep=0.1", queue_blocks=100,
                     reconnect_timeout_s=5)
    with dev:
        blocks = collect(dev)
    s = dev.stats
    assert s.reconnects == 1
    assert dev.calls.count("open") == 4  # first open, two refused, one accepted
    seqs = [b.seq for b in blocks]
    assert all(b.seq + b.n_samples == nb.seq for b, nb in zip(blocks, blocks[1:])), seqs
    # back-off waits 0.05 + 0.1 + 0.2 s plus one 0.1 s chunk period: about 45 samples at 100 Hz
    assert s.lost_samples >= 20 and blocks[3].n_lost == s.lost_samples


def test_link_loss_without_reconnect_is_raised_to_the_reader():
    dev = RampDevice("ramp://?chunks=0&fail_at=2", reconnect_timeout_s=0)
    with pytest.raises(DeviceConnectionError, match="cable pulled"):
        with dev:
            collect(dev)


class BrokenDevice(RampDevice):
    def _read_chunk(self):
        raise KeyError("driver bug")


def test_unexpected_driver_exception_becomes_device_io_error_with_cause():
    dev = BrokenDevice("ramp://")
    with pytest.raises(DeviceIOError, match="reading failed: KeyError") as info:
        with dev:
            collect(dev)
    assert isinstance(info.value.__cause__, KeyError)


class ProtocolBrokenDevice(RampDevice):
    def _read_chunk(self):
        raise ProtocolError("wrong protocol version 9")


def test_own_errors_pass_through_unchanged():
    with pytest.raises(ProtocolError, match="version 9"):
        with ProtocolBrokenDevice("ramp://") as dev:
            collect(dev)


@pytest.mark.parametrize(
    "url, match",
    [
        ("ramp://?bogus=1", r"unknown option 'bogus' \(known options: .*\); expected ramp://"),
        ("ramp://?n=ten", r"option n must be an integer, got 'ten'; expected ramp://"),
        ("ramp://?n=1&n=2", "gives option 'n' twice"),
        ("sim://?n=1", r"RampDevice opens ramp:// URLs, got 'sim://\?n=1'"),
        ("no-scheme", r"scheme://target\?option=value"),
    ],
)
def test_bad_urls_are_rejected_before_any_io(url, match):
    with pytest.raises(ValueError, match=match):
        RampDevice(url)


def test_keyword_options_override_the_url():
    assert RampDevice("ramp://?n=3", n=7).options.n == 7


def test_drop_oldest_queue_contract():
    q: DropOldestQueue[int] = DropOldestQueue(2)
    assert q.put(1) is None and q.put(2) is None
    assert q.put(3) == 1
    assert q.get(0) == 2 and q.get(0) == 3 and q.get(0) is None
    q.close()
    t = time.monotonic()
    assert q.get(5.0) is None and time.monotonic() - t < 1.0
    with pytest.raises(ValueError, match="queue size must be an integer of at least 1"):
        DropOldestQueue(0)


def test_put_when_room_waits_for_the_consumer():
    q: DropOldestQueue[int] = DropOldestQueue(1)
    q.put(1)
    assert q.put_when_room(2, 0.05) is False
    threading.Timer(0.05, lambda: q.get(0)).start()
    assert q.put_when_room(2, 2.0) is True
    assert q.get(0) == 2


class WrongShapeDevice(RampDevice):
    def _read_chunk(self):
        return Chunk(np.zeros((3, 4)))


def test_driver_returning_the_wrong_shape_stops_with_a_clear_error():
    with pytest.raises(DeviceIOError, match=r"driver returned shape \(3, 4\), expected \(8, n\)"):
        with WrongShapeDevice("ramp://") as dev:
            collect(dev)


def test_giving_up_reconnecting_is_raised_with_the_cause():
    dev = RampDevice("ramp://?chunks=0&fail_at=1", reconnect_timeout_s=0.2)
    t = time.monotonic()
    with pytest.raises(DeviceConnectionError, match=r"cable pulled \(gave up reconnecting after 0.2 s\)") as info:
        with dev:
            dev.fail_opens = 10**6  # every reopen after the first open fails
            collect(dev)
    assert isinstance(info.value.__cause__, DeviceConnectionError)
    assert time.monotonic() - t < 3
