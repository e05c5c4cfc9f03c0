"""A Cyton board on a pseudo-terminal: the real byte protocol, for tests without hardware.

The emulator answers ``v`` with the Cyton greeting ending in ``$$$``, streams 33-byte packets
at 250 Hz (times ``speed``) after ``b`` and stops after ``s``. Faults can be injected: packets
dropped or corrupted, silence (no greeting), a foreign greeting, and unplugging (the port
vanishes) and plugging back in at the same path (a symlink re-pointed to a new pty).

Example::

    with CytonEmulator() as board:
        with open_device(f"cyton://{board.port}") as dev:
            block = dev.read()
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
import tty
from typing import Callable

import numpy as np

from emgfeedback.devices import _openbci as ob

__all__ = ["CytonEmulator", "CYTON_GREETING", "sine_counts"]

CYTON_GREETING = (
    b"OpenBCI V3 8-16 channel\nOn Board ADS1299 Device ID: 0x3E\n"
    b"LIS3DH Device ID: 0x33\nFirmware: v3.1.2\n$$$"
)


def sine_counts(start: int, n: int) -> np.ndarray:
    """Default test signal: channel k is a sine of amplitude 1000·(k+1) counts at (k+1)·7 Hz."""
    t = (start + np.arange(n)) / ob.CYTON_FS_HZ
    k = np.arange(1, 9)[:, None]
    return np.round(1000 * k * np.sin(2 * np.pi * 7 * k * t)).astype(np.int64)


class CytonEmulator:
    """Serve the Cyton protocol on a pseudo-terminal reachable at :attr:`port`.

    Parameters
    ----------
    signal : callable (start, n) -> ndarray (8, n) of int, optional
        Channel values in counts for samples ``start .. start+n-1`` (default :func:`sine_counts`).
    speed : float
        Streaming rate as a multiple of real time (250 Hz × speed).
    greeting : bytes
        What ``v`` answers (set ``b""`` for a board that never answers).

    Attributes
    ----------
    sent : list of int
        Index (sample counter, not wrapped) of every packet written, in order.
    drop : set of int
        Sample indices to skip (a lost radio packet).
    corrupt : dict of int to callable(bytearray) -> bytes
        Sample indices whose packet bytes are mangled before writing.
    """

    def __init__(
        self,
        signal: "Callable[[int, int], np.ndarray] | None" = None,
        *,
        speed: float = 1.0,
        greeting: bytes = CYTON_GREETING,
    ) -> None:
        self.signal = signal or sine_counts
        self.speed = float(speed)
        self.greeting = greeting
        self.sent: list[int] = []
        self.drop: set[int] = set()
        self.corrupt: dict[int, Callable[[bytearray], bytes]] = {}
        self.commands = bytearray()
        self._dir = tempfile.mkdtemp(prefix="emgfeedback-cyton-")
        self.port = os.path.join(self._dir, "ttyCYTON")
        self._lock = threading.Lock()
        self._streaming = False
        self._counter = 0
        self._halt = threading.Event()
        self._master = -1
        self._slave = -1
        self._thread: "threading.Thread | None" = None
        self.plug()

    # ------------------------------------------------------------------ lifecycle
    def plug(self) -> None:
        """Create a fresh pty, point :attr:`port` at it and serve it."""
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)  # a full tty buffer drops bytes, like a radio link
        tmp = self.port + ".new"
        os.symlink(os.ttyname(slave), tmp)
        os.replace(tmp, self.port)
        self._master, self._slave = master, slave
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(master, self._halt),
                                        name="cyton-emulator", daemon=True)
        self._thread.start()

    def unplug(self) -> None:
        """The dongle is pulled out: the pty closes and the path disappears."""
        self._halt.set()
        if self._thread is not None:
            self._thread.join(2.0)
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1
        self._streaming = False
        if os.path.lexists(self.port):
            os.unlink(self.port)

    def close(self) -> None:
        """Stop serving and remove the port."""
        self.unplug()
        try:
            os.rmdir(self._dir)
        except OSError:
            pass

    def __enter__(self) -> "CytonEmulator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ the board
    @property
    def streaming(self) -> bool:
        """True between ``b`` and ``s``."""
        return self._streaming

    def expected_uv(self, indices: "list[int] | np.ndarray", gain: int = 24) -> np.ndarray:
        """µV a perfect reader gets for packets ``indices`` (8, n)."""
        idx = np.asarray(indices, dtype=np.int64)
        cols = [self.signal(int(i), 1)[:, 0] for i in idx]
        counts = np.stack(cols, axis=1) if cols else np.zeros((8, 0))
        return counts * ob.cyton_uv_per_count(gain)

    def _serve(self, fd: int, halt: threading.Event) -> None:
        period = 1.0 / (ob.CYTON_FS_HZ * self.speed)
        next_t = time.monotonic()
        while not halt.is_set():
            self._handle_commands(fd)
            if not self._streaming:
                halt.wait(0.005)
                next_t = time.monotonic()
                continue
            now = time.monotonic()
            n = int((now - next_t) / period) + 1 if now >= next_t else 0
            if n:
                n = min(n, 50)
                self._write(fd, self._packets(n))
                next_t += n * period
            halt.wait(max(0.0, min(0.004, next_t - time.monotonic())))

    def _handle_commands(self, fd: int) -> None:
        import select

        while select.select([fd], [], [], 0)[0]:
            try:
                data = os.read(fd, 64)
            except OSError:
                return
            if not data:
                return
            self.commands += data
            for c in data:
                cmd = bytes((c,))
                if cmd == ob.CMD_RESET:
                    self._streaming = False
                    self._write(fd, self.greeting)
                elif cmd == ob.CMD_START:
                    self._streaming = True
                elif cmd == ob.CMD_STOP:
                    self._streaming = False

    def _packets(self, n: int) -> bytes:
        start = self._counter
        counts = self.signal(start, n)
        out = []
        for k in range(n):
            i = start + k
            if i in self.drop:
                continue
            pkt = ob.encode_cyton_packet(i & 0xFF, counts[:, k])
            if i in self.corrupt:
                pkt = bytes(self.corrupt[i](bytearray(pkt)))
            out.append(pkt)
            self.sent.append(i)
        self._counter += n
        return b"".join(out)

    @staticmethod
    def _write(fd: int, data: bytes) -> None:
        try:
            os.write(fd, data)
        except OSError:
            pass  # reader gone or tty buffer full: like a radio, drop it
