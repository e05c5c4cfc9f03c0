"""An OpenBCI Ganglion behind the fake BLE client: real compressed packets, real timing.

After ``b`` on the send characteristic it produces 200 samples/s (times ``speed``), encodes
them with the firmware's 19-bit (or 18-bit) delta compression — a raw packet every 201
samples — and notifies 20-byte packets on the receive characteristic; ``s`` stops it.

Example::

    world = FakeBleWorld()
    board = world.add(GanglionEmulator())
    with open_device(f"ganglion://{board.address}", ble_backend=world) as dev:
        block = dev.read()
"""

from __future__ import annotations

import threading
import time
from typing import Callable

import numpy as np

from emgfeedback.devices import _openbci as ob
from emgfeedback.testing.fake_ble import FakePeripheral

__all__ = ["GanglionEmulator", "ganglion_sine_counts"]


def ganglion_sine_counts(start: int, n: int) -> np.ndarray:
    """Default signal: channel k is a sine of 20000·(k+1) counts at (k+1)·5 Hz, plus an offset."""
    t = (start + np.arange(n)) / ob.GANGLION_FS_HZ
    k = np.arange(1, 5)[:, None]
    return np.round(3000 * k + 20000 * k * np.sin(2 * np.pi * 5 * k * t)).astype(np.int64)


class GanglionEmulator(FakePeripheral):
    """A Ganglion board for :class:`~emgfeedback.testing.fake_ble.FakeBleWorld`.

    Parameters
    ----------
    address, name : str
        Advertised address and name (real boards advertise ``Ganglion-XXXX``).
    signal : callable (start, n) -> ndarray (4, n) of int
        Channel values in counts (default :func:`ganglion_sine_counts`).
    speed : float
        Multiple of real time.
    bits : {19, 18}
        Compression (18 = accelerometer on).

    Attributes
    ----------
    drop : set of int
        Packet numbers (0-based, counted since ``b``) never notified.
    sent_samples : int
        Samples generated so far (the source of truth is ``signal(0, sent_samples)``).
    """

    def __init__(self, address: str = "C0:FF:EE:00:00:01", name: str = "Ganglion-1a2b", *,
                 signal: "Callable[[int, int], np.ndarray] | None" = None, speed: float = 1.0,
                 bits: int = 19) -> None:
        super().__init__(address, name, notify_uuids={ob.GANGLION_RECEIVE_UUID},
                         write_uuids={ob.GANGLION_SEND_UUID, ob.GANGLION_DISCONNECT_UUID},
                         service_uuids=(ob.GANGLION_SERVICE_UUID,))
        self.signal = signal or ganglion_sine_counts
        self.speed = speed
        self.bits = bits
        self.drop: set[int] = set()
        self.sent_samples = 0
        self.packets_made = 0
        self._encoder = ob.GanglionEncoder(bits)
        self._run = threading.Event()
        self._thread: "threading.Thread | None" = None

    def on_write(self, uuid: str, data: bytes) -> None:
        if uuid != ob.GANGLION_SEND_UUID.lower():
            return
        if data == ob.CMD_START:
            self._encoder = ob.GanglionEncoder(self.bits)  # streams start with a raw packet
            self._start()
        elif data == ob.CMD_STOP:
            self._run.clear()

    def on_disconnect(self) -> None:
        self._run.clear()  # the real board resets when the link goes

    def truth(self, start: int, n: int) -> np.ndarray:
        """Counts of samples ``start .. start+n-1`` (4, n)."""
        return self.signal(start, n)

    def _start(self) -> None:
        self._run.set()
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._stream, name="ganglion-emulator", daemon=True)
            self._thread.start()

    def _stream(self) -> None:
        period = 1.0 / (ob.GANGLION_FS_HZ * self.speed)
        next_t = time.monotonic()
        while self._run.is_set():
            now = time.monotonic()
            n = min(int((now - next_t) / period) + 1, 40) if now >= next_t else 0
            if n:
                counts = self.signal(self.sent_samples, n)
                self.sent_samples += n
                next_t += n * period
                for pkt in self._encoder.encode(counts):
                    if self.packets_made not in self.drop:
                        self.notify(ob.GANGLION_RECEIVE_UUID, pkt)
                    self.packets_made += 1
            time.sleep(max(0.0, min(0.005, next_t - time.monotonic())))
