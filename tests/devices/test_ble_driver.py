"""ble:// (emgfeedback frames over notifications) through the BLE bridge and the fake bleak client."""

import threading
import time

import numpy as np
import pytest

from emgfeedback.devices import open_device
from emgfeedback.devices.ble import EMG_RX_UUID, EMG_TX_UUID
from emgfeedback.errors import DeviceConnectionError, DeviceTimeoutError, DeviceUnavailableError
from emgfeedback.protocol import DeviceInfo, FrameType, Samples, StreamDecoder, encode_frame
from emgfeedback.testing.fake_ble import FakeBleWorld, FakePeripheral
from emgfeedback.testing.blocks import read_samples

FS, N_CH, PER_FRAME, UV = 500.0, 4, 10, 0.5


def truth(start, n):
    i = start + np.arange(n)
    return np.stack([(i * (k + 1)) % 3000 - 1500 for k in range(N_CH)]).astype(np.int32)


class EmgBoard(FakePeripheral):
    """emgfeedback firmware over BLE: answers INFO, streams Samples frames after START."""

    def __init__(self, answer_info=True):
        super().__init__("AA:BB:CC:DD:EE:01", "EMG-1", notify_uuids={EMG_TX_UUID},
                         write_uuids={EMG_RX_UUID})
        self.answer_info = answer_info
        self.drop_frames: set[int] = set()
        self.frames_made = 0
        self._dec = StreamDecoder()
        self._run = threading.Event()
        self._seq = 0

    def on_write(self, uuid, data):
        for cmd in self._dec.feed(data):
            if cmd.kind == FrameType.INFO and self.answer_info:
                self._send(encode_frame(DeviceInfo("esp32_ble", N_CH, FS, 12, UV, seq=self._seq)))
                self._seq += 1
            elif cmd.kind == FrameType.START:
                self._run.set()
                threading.Thread(target=self._stream, daemon=True).start()
            elif cmd.kind == FrameType.STOP:
                self._run.clear()

    def on_disconnect(self):
        self._run.clear()

    def _send(self, encoded):
        # frames may straddle notifications: cut into 20-byte pieces like a small-MTU link
        for k in range(0, len(encoded), 20):
            self.notify(EMG_TX_UUID, encoded[k : k + 20])

    def _stream(self):
        start = 0
        while self._run.is_set():
            i = self.frames_made
            if i not in self.drop_frames:
                frame = Samples(start, truth(start, PER_FRAME), seq=self._seq & 0xFFFF)
                self._send(encode_frame(frame))
            self._seq += 1
            self.frames_made += 1
            start += PER_FRAME
            time.sleep(PER_FRAME / FS / 4)  # 4x real time


@pytest.fixture
def world():
    w = FakeBleWorld()
    w.add(EmgBoard())
    return w


def test_frames_over_notifications_in_order_with_right_values(world):
    with open_device("ble://name=EMG-1", ble_backend=world, reconnect_timeout_s=0) as dev:
        assert dev.info.fs == FS and dev.info.n_channels == N_CH and dev.info.board == "esp32_ble"
        blocks = read_samples(dev, 300)
    data = np.concatenate([b.data for b in blocks], axis=1)
    np.testing.assert_allclose(data, truth(0, data.shape[1]) * UV)
    assert all(b.lost is None or not b.lost.any() for b in blocks)


def test_missing_frames_are_counted_and_flagged(world):
    board = world.peripherals["AA:BB:CC:DD:EE:01"]
    board.drop_frames.update({3, 4, 10})
    with open_device("ble://AA:BB:CC:DD:EE:01", ble_backend=world, reconnect_timeout_s=0) as dev:
        blocks = read_samples(dev, 200)
        assert dev.stats.lost_samples == 30
    lost = np.concatenate([b.lost if b.lost is not None else np.zeros(b.n_samples, bool) for b in blocks])
    assert np.flatnonzero(lost[:200]).tolist() == list(range(30, 50)) + list(range(100, 110))


def test_disconnect_reconnects(world):
    board = world.peripherals["AA:BB:CC:DD:EE:01"]
    with open_device("ble://name=EMG-1", ble_backend=world, reconnect_timeout_s=10) as dev:
        read_samples(dev, 50)
        board.drop_link()
        blocks = read_samples(dev, 200)
        assert dev.stats.reconnects == 1


def test_not_found_no_info_and_no_adapter_are_clear(world):
    with pytest.raises(DeviceConnectionError, match="no BLE board named EMG-9 found in 0.1 s scan — is it powered and advertising\\?"):
        open_device("ble://name=EMG-9?scan=0.1", ble_backend=world)
    world.peripherals["AA:BB:CC:DD:EE:01"].answer_info = False
    with pytest.raises(DeviceTimeoutError, match="sent no DEVICE_INFO within 0.2 s"):
        open_device("ble://name=EMG-1?timeout=0.2", ble_backend=world)
    world.adapter_present = False
    with pytest.raises(DeviceUnavailableError, match="no Bluetooth adapter found"):
        open_device("ble://name=EMG-1", ble_backend=world)
    with pytest.raises(ValueError, match="ble:// needs an address or name=NAME"):
        open_device("ble://")
