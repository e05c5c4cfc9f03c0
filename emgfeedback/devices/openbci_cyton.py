"""``cyton://`` — OpenBCI Cyton (8 channels, 250 Hz) over its USB dongle's serial port.

URL form: ``cyton:///dev/ttyUSB0?gain=24&baud=115200&timeout=3&montage=ID,ID,...``.

Handshake: ``s`` (stop, in case it streams), ``v`` (soft reset) and wait for the board's
greeting ending in ``$$$``; ``b`` starts the stream, ``s`` stops it. Packets are parsed by
:class:`~emgfeedback.devices._openbci.CytonParser`; sample-number gaps become lost samples.
"""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from emgfeedback.devices._boards import board_gain
from emgfeedback.devices._options import check_ranges, montage_option, ranged
from emgfeedback.devices._serial import MAX_BAUD, open_serial_port
from emgfeedback.devices import _openbci as ob
from emgfeedback.devices.base import Chunk, Device
from emgfeedback.errors import DeviceConnectionError, DeviceTimeoutError
from emgfeedback.model import StreamInfo

__all__ = ["CytonDevice", "CytonOptions"]


@dataclass(frozen=True)
class CytonOptions:
    """Options of ``cyton://``.

    Parameters
    ----------
    gain : int
        ADS1299 channel gain set on the board (1, 2, 4, 6, 8, 12 or 24), for µV scaling.
    baud : int
        Serial rate, bit/s (the dongle speaks 115200).
    timeout : float
        How long to wait for the greeting after ``v``, and for data once streaming, s.
    montage : str
        Comma-separated channel ids or labels in board order (default: the 8-channel glute
        montage, GMax/GMed/TFL/ES left then right).
    """

    gain: int = ranged(ob.CYTON_DEFAULT_GAIN, 1, 24)
    baud: int = ranged(115200, 50, MAX_BAUD, "bit/s")
    timeout: float = ranged(3.0, 0.0, 60.0, "s", lo_open=True)
    montage: str = ""

    def __post_init__(self) -> None:
        check_ranges(self)
        ob.cyton_uv_per_count(self.gain)  # one of the ADS1299 gains


class CytonDevice(Device):
    """OpenBCI Cyton: 8 × 24-bit channels at 250 Hz, scaled to µV from the channel gain."""

    scheme = "cyton"
    url_form = "cyton:///dev/ttyUSB0?gain=24&baud=115200&timeout=3&montage=ID,..."
    Options = CytonOptions

    def __init__(self, url: str, **options: Any) -> None:
        super().__init__(url, **options)
        if not self.target:
            raise ValueError(f"cyton:// needs a serial port, e.g. cyton:///dev/ttyUSB0 or cyton://COM3; got {url!r}")
        self._montage = montage_option(self.options.montage, ob.CYTON_N_CHANNELS, self.url_form)
        # counts -> µV from the board file (ADS1299 reference and full scale), at this channel gain
        self._board = board_gain("openbci_cyton")
        self._scale = self._board.vref_v * 1e6 / self._board.adc_full_scale / self.options.gain
        self._ser: Any = None
        self._parser = ob.CytonParser()
        self._pending: deque[Chunk] = deque()
        self._last_sn = -1
        self._last_rx = 0.0
        self.greeting = ""

    # ------------------------------------------------------------------ hooks
    def _open(self) -> StreamInfo:
        opts: CytonOptions = self.options
        ser = open_serial_port(self.target, opts.baud, what="dongle", user="OpenBCI GUI?")
        try:
            self.greeting = self._handshake(ser, opts.timeout)
        except BaseException:
            ser.close()
            raise
        self._ser = ser
        match = re.search(r"Firmware:\s*(v[\w.]+)", self.greeting)
        return StreamInfo(fs=ob.CYTON_FS_HZ, montage=self._montage, source=self.url,
                          board="cyton", firmware=match.group(1) if match else "",
                          adc_bits=self._board.adc_bits)

    def _handshake(self, ser: Any, timeout: float) -> str:
        self._write(ser, ob.CMD_STOP)
        time.sleep(0.05)
        ser.reset_input_buffer()
        self._write(ser, ob.CMD_RESET)
        reply = bytearray()
        deadline = time.monotonic() + timeout
        while ob.CYTON_EOT not in reply and time.monotonic() < deadline:
            reply += self._read(ser, 256)
        text = reply.decode("ascii", "replace")
        if ob.CYTON_EOT not in reply:
            if not reply:
                raise DeviceTimeoutError(
                    f"{self.url}: the Cyton did not answer the reset command 'v' within "
                    f"{timeout:g} s — is the board switched on (PC side) and the dongle on GPIO6?")
            raise DeviceTimeoutError(
                f"{self.url}: got {len(reply)} bytes after 'v' but no '$$$' end of greeting — "
                f"not a Cyton, or wrong baud rate ({ser.baudrate}; the dongle uses 115200)")
        if "OpenBCI" not in text:
            raise DeviceConnectionError(
                f"{self.url}: the board answered 'v' but is not an OpenBCI board: {text[:60]!r}")
        return text

    def _start(self) -> None:
        self._parser.reset()
        self._pending.clear()
        self._last_sn = -1
        self._ser.reset_input_buffer()
        self._write(self._ser, ob.CMD_START)
        self._last_rx = time.monotonic()

    def _stop(self) -> None:
        if self._ser is not None:
            self._write(self._ser, ob.CMD_STOP)

    def _read_chunk(self) -> "Chunk | None":
        if self._pending:
            return self._pending.popleft()
        data = self._read(self._ser)
        now = time.monotonic()
        if not data:
            if now - self._last_rx > self.options.timeout:
                raise DeviceConnectionError(
                    f"{self.url}: no data from the Cyton for {self.options.timeout:g} s — "
                    "is the board still on and in range?")
            return None
        self._last_rx = now
        sn, counts = self._parser.feed(data)
        if sn.size == 0:
            return None
        prev = np.r_[self._last_sn if self._last_sn >= 0 else sn[0] - 1, sn[:-1]]
        gaps = (sn - prev - 1) % 256
        self._last_sn = int(sn[-1])
        for gap, run in ob.split_at_gaps(counts, gaps):
            self._pending.append(Chunk(run * self._scale, gap=gap))
        return self._pending.popleft()

    def _close(self) -> None:
        ser, self._ser = self._ser, None
        if ser is not None:
            try:
                ser.close()
            except Exception:  # closing a vanished port may fail; nothing more to release
                pass

    def _stats_extra(self) -> dict[str, int]:
        return {"bytes_skipped": self._parser.bytes_skipped, "packets": self._parser.packets}

    @classmethod
    def _detect_available(cls, comports: Any = None, **hints: Any) -> list:
        from emgfeedback.devices.discovery import found_serial_ports

        return [f for f in found_serial_ports(comports) if f.url.startswith("cyton://")]

    # ------------------------------------------------------------------ I/O with clear errors
    def _write(self, ser: Any, data: bytes) -> None:
        try:
            ser.write(data)
        except Exception as err:  # pyserial raises SerialException / OSError / timeouts
            raise DeviceConnectionError(f"{self.url}: writing to the port failed: {err}") from err

    def _read(self, ser: Any, n: "int | None" = None) -> bytes:
        """Up to ``n`` bytes (default: what the port holds, waiting for at least one packet's
        worth), or a lost-link error."""
        try:  # in_waiting fails too (EIO) when the dongle is pulled
            return bytes(ser.read(max(ob.CYTON_PACKET_SIZE, ser.in_waiting) if n is None else n))
        except Exception as err:
            raise DeviceConnectionError(f"{self.url}: the port stopped answering: {err}") from err
