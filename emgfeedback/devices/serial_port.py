"""``serial://`` — a board running emgfeedback firmware (docs/protocol.md) over a serial port.

URL form: ``serial:///dev/ttyUSB0?baud=460800&timeout=1&montage=ID,ID,...`` (``serial://COM3``
on Windows). Opening does the handshake (STOP, then INFO until a DEVICE_INFO answers); counts
are scaled to µV by the board's ``uv_per_count``; sequence gaps become lost samples; damaged
bytes cost only their frame; a vanished port is reopened by the base class with back-off.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from emgfeedback.devices._boards import calibrated
from emgfeedback.devices._options import check_ranges, montage_option, ranged
from emgfeedback.devices._serial import MAX_BAUD, open_serial_port
from emgfeedback.devices.base import Chunk, Device, FoundDevice
from emgfeedback.errors import (
    DeviceConnectionError, DeviceTimeoutError, ProtocolError,
)
from emgfeedback.model import StreamInfo
from emgfeedback.protocol import (
    Ack, AckResult, Command, DeviceInfo, FrameType, Samples, Status, StreamDecoder, encode_frame,
    sample_gap,
)

__all__ = ["SerialDevice", "SerialOptions"]


@dataclass(frozen=True)
class SerialOptions:
    """Options of ``serial://``.

    Parameters
    ----------
    baud : int
        Baud rate, bit/s (the firmware default is 460800).
    timeout : float
        How long to wait for the board's DEVICE_INFO at open, s.
    montage : str
        Channel ids or labels in device order, comma-separated; default: the 8-channel glute
        montage (or its first n channels for a smaller board).
    """

    baud: int = ranged(460800, 50, MAX_BAUD, "bit/s")
    timeout: float = ranged(1.0, 0.0, 60.0, "s", lo_open=True)
    montage: str = ""

    def __post_init__(self) -> None:
        check_ranges(self)


class SerialDevice(Device):
    """A board speaking the emgfeedback wire protocol over a serial port (or a pty)."""

    scheme = "serial"
    url_form = "serial:///dev/ttyUSB0?baud=460800&timeout=S&montage=ID,ID,..."
    Options = SerialOptions

    def __init__(self, url: str, **options: Any) -> None:
        super().__init__(url, **options)
        if not self.target:
            raise ValueError(f"serial:// needs a port, e.g. serial:///dev/ttyUSB0 or serial://COM3; "
                             f"got {url!r}")
        self._port: Any = None
        self._decoder = StreamDecoder()
        self._device_info: "DeviceInfo | None" = None
        self._next_index: "int | None" = None
        self._pending: deque[Chunk] = deque()
        self._cmd_seq = 0
        self._totals: dict[str, int] = {}
        self.status: "Status | None" = None

    # ----------------------------------------------------------------- hooks
    def _open(self) -> StreamInfo:
        opts: SerialOptions = self.options
        self._port = open_serial_port(self.target, opts.baud)
        try:
            info = calibrated(self._handshake(opts.timeout))
            montage = montage_option(self.options.montage, info.n_channels, self.url_form)
        except BaseException:
            self._drop_port()
            raise
        self._device_info = info
        return StreamInfo(fs=info.fs, montage=montage, source=self.url, board=info.board,
                          firmware=info.firmware_version, adc_bits=info.adc_bits)

    def _handshake(self, timeout: float) -> DeviceInfo:
        self._port.reset_input_buffer()
        self._command(FrameType.STOP)
        self._command(FrameType.INFO)
        decoder = StreamDecoder()
        deadline = time.monotonic() + timeout
        next_ask = time.monotonic() + 0.25
        while time.monotonic() < deadline:
            for frame in decoder.feed(self._read_port()):
                if isinstance(frame, DeviceInfo):
                    self._decoder = StreamDecoder()
                    self._next_index = None
                    self._pending.clear()
                    return frame
            if time.monotonic() >= next_ask:  # the first INFO may have met a half-open line
                self._command(FrameType.INFO)
                next_ask += 0.25
        if "protocol version" in decoder.last_error:
            raise ProtocolError(f"{self.target}: {decoder.last_error}")
        baud = self.options.baud
        raise DeviceTimeoutError(
            f"no answer from {self.target} within {timeout:g} s — is the board powered and flashed "
            f"with emgfeedback firmware? is the baud rate right (tried {baud})?")

    def _start(self) -> None:
        self._next_index = None
        self._command(FrameType.START)

    def _stop(self) -> None:
        if self._port is not None:
            try:
                self._command(FrameType.STOP)
            except DeviceConnectionError:
                pass

    def _close(self) -> None:
        self._drop_port()

    def _read_chunk(self) -> "Chunk | None":
        if not self._pending:
            for frame in self._decoder.feed(self._read_port()):
                self._take(frame)
        if not self._pending:
            return None
        first = self._pending.popleft()
        parts = [first.data]
        while self._pending and self._pending[0].gap == 0:  # merge what arrived together
            parts.append(self._pending.popleft().data)
        return Chunk(np.concatenate(parts, axis=1) if len(parts) > 1 else first.data, first.gap)

    def _stats_extra(self) -> dict[str, int]:
        out = dict(self._totals)
        for key, value in self._decoder.counters().items():
            out[key] = out.get(key, 0) + value
        if self.status is not None:
            out["lead_off"] = self.status.lead_off
            out["battery_pct"] = self.status.battery_pct
            out["board_dropped_samples"] = self.status.dropped_samples
        return out

    @classmethod
    def _detect_available(cls, comports: Any = None, **hints: Any) -> "list[FoundDevice]":
        from emgfeedback.devices.discovery import found_serial_ports

        return [f for f in found_serial_ports(comports) if f.url.startswith("serial://")]

    # ----------------------------------------------------------------- internals
    def _take(self, frame: Any) -> None:
        info = self._device_info
        assert info is not None
        if isinstance(frame, Samples):
            if frame.counts.shape[0] != info.n_channels:
                raise ProtocolError(f"{self.target}: samples frame has {frame.counts.shape[0]} "
                                    f"channels, the board said {info.n_channels}")
            gap = 0
            if self._next_index is not None:
                gap = max(sample_gap(frame.sample_index, self._next_index), 0)
            self._next_index = (frame.sample_index + frame.n_samples) & 0xFFFFFFFF
            self._pending.append(Chunk(frame.counts * info.uv_per_count, gap))
        elif isinstance(frame, Status):
            if self.status is None or frame.lead_off != self.status.lead_off:
                if frame.lead_off:
                    self.log.warning("%s: electrode off on channel bits %s", self.target,
                                     bin(frame.lead_off))
            self.status = frame
        elif isinstance(frame, DeviceInfo) and frame.seq == 0:
            raise DeviceConnectionError(f"{self.target}: the board restarted")
        elif isinstance(frame, Ack) and frame.result is not AckResult.OK:
            self.log.warning("%s: board refused command 0x%02x: %s", self.target, frame.command,
                             frame.result.name)

    def _command(self, kind: FrameType, fs: float = 0.0) -> None:
        frame = Command(kind, self._cmd_seq, fs)
        self._cmd_seq = (self._cmd_seq + 1) & 0xFFFF
        try:
            self._port.write(encode_frame(frame))
        except Exception as err:  # SerialException, SerialTimeoutException, OSError
            raise DeviceConnectionError(f"{self.target}: writing to the port failed: {err}") from err

    def _read_port(self) -> bytes:
        try:
            n = self._port.in_waiting
            return self._port.read(max(1, min(n, 65536)))
        except Exception as err:  # SerialException / OSError when the port vanishes
            raise DeviceConnectionError(f"{self.target}: the port went away: {err}") from err

    def _drop_port(self) -> None:
        for key, value in self._decoder.counters().items():
            self._totals[key] = self._totals.get(key, 0) + value
        self._decoder = StreamDecoder()
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception as err:  # already gone
                self.log.debug("%s: close failed: %s", self.target, err)

