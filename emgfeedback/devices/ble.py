"""``ble://`` — a board running emgfeedback firmware (docs/protocol.md) over Bluetooth LE.

URL form: ``ble://AA:BB:CC:DD:EE:FF`` or ``ble://name=EMG-1``; options ``scan`` (s), ``timeout``
(s to wait for DEVICE_INFO, and for data while streaming) and ``montage``.

The same COBS frames as ``serial://`` travel in notifications of the Nordic-UART-style TX
characteristic (board → host) and host commands are written to the RX characteristic. Frames
may span notifications; :class:`~emgfeedback.protocol.StreamDecoder` reassembles them, drops
damaged ones and counts sequence gaps. A lost link is re-established by the base class with
back-off (re-scan, reconnect, INFO, START).
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

import numpy as np

from emgfeedback.devices._boards import calibrated
from emgfeedback.devices._options import montage_option
from emgfeedback.devices._ble_bridge import BleBridge
from emgfeedback.devices.base import Chunk, Device
from emgfeedback.devices.ganglion import GanglionOptions, parse_ble_target
from emgfeedback.errors import DeviceTimeoutError
from emgfeedback.model import StreamInfo
from emgfeedback.protocol import (
    BLE_COMMAND_UUID, BLE_DATA_UUID, BLE_SERVICE_UUID, Command, DeviceInfo, FrameType, Samples,
    Status, StreamDecoder, encode_frame, sample_gap,
)

__all__ = ["BleDevice", "BleOptions", "EMG_SERVICE_UUID", "EMG_TX_UUID", "EMG_RX_UUID"]

#: The GATT layout of docs/protocol.md (one source: emgfeedback.protocol, shared with firmware/esp32_ble).
EMG_SERVICE_UUID = BLE_SERVICE_UUID
#: Host writes commands here.
EMG_RX_UUID = BLE_COMMAND_UUID
#: Board notifies frames here.
EMG_TX_UUID = BLE_DATA_UUID


#: ``ble://`` takes the same link options as ``ganglion://`` (scan, timeout, montage).
BleOptions = GanglionOptions


class BleDevice(Device):
    """emgfeedback firmware over BLE notifications.

    Parameters
    ----------
    url : str
        See the module docstring.
    ble_backend : object, optional
        Has ``BleakClient``/``BleakScanner`` (default: the ``bleak`` module).
    """

    scheme = "ble"
    url_form = "ble://AA:BB:CC:DD:EE:FF | ble://name=EMG-1 ?scan=5&timeout=2&montage=ID,..."
    Options = BleOptions

    def __init__(self, url: str, *, ble_backend: Any = None, **options: Any) -> None:
        super().__init__(url, **options)
        self._address, self._name = parse_ble_target(self.target, self.url_form)
        if not (self._address or self._name):
            raise ValueError(f"ble:// needs an address or name=NAME; expected {self.url_form}")
        self._backend = ble_backend
        self._bridge: "BleBridge | None" = None
        self._decoder = StreamDecoder()
        self._board: "DeviceInfo | None" = None
        self._next_index: "int | None" = None
        self._pending: deque[Chunk] = deque()
        self._cmd_seq = 0
        self.status: "Status | None" = None

    @classmethod
    def _detect_available(cls, ble_scan: Any = None, **hints: Any) -> list:
        """Boards of this project's firmware advertising in ``ble_scan`` (Ganglions excluded). Without a scan: none
        (scanning takes seconds; ``emgfeedback devices`` scans once for every BLE driver)."""
        from emgfeedback.devices.discovery import found_ble_boards

        return [f for f in found_ble_boards(ble_scan) if f.url.startswith("ble://")]

    def _open(self) -> StreamInfo:
        opts: BleOptions = self.options
        bridge = BleBridge(self.url, self._backend)
        try:
            device = bridge.find(address=self._address, name=self._name, scan_s=opts.scan)
            bridge.connect(device, EMG_TX_UUID)
            self._bridge = bridge
            info = calibrated(self._handshake(opts.timeout))
        except BaseException:
            self._bridge = None
            bridge.close()
            raise
        self._board = info
        montage = montage_option(self.options.montage, info.n_channels, self.url_form)
        return StreamInfo(fs=info.fs, montage=montage, source=self.url,
                          board=info.board, firmware=info.firmware_version, adc_bits=info.adc_bits)

    def _handshake(self, timeout: float) -> DeviceInfo:
        assert self._bridge is not None
        self._command(FrameType.STOP)
        self._command(FrameType.INFO)
        decoder = StreamDecoder()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            data = self._bridge.get(0.05)
            for frame in decoder.feed(data or b""):
                if isinstance(frame, DeviceInfo):
                    self._decoder = StreamDecoder()
                    return frame
        raise DeviceTimeoutError(
            f"{self.url}: connected, but the board sent no DEVICE_INFO within {timeout:g} s — "
            "is it running emgfeedback firmware?")

    def _start(self) -> None:
        self._next_index = None
        self._pending.clear()
        self._command(FrameType.START)
        assert self._bridge is not None
        self._bridge.mark_alive()

    def _stop(self) -> None:
        if self._bridge is not None and self._bridge.connected:
            self._command(FrameType.STOP)

    def _read_chunk(self) -> "Chunk | None":
        if self._pending:
            return self._pending.popleft()
        assert self._bridge is not None
        for data in self._bridge.receive(self.options.timeout, 100) or ():
            for frame in self._decoder.feed(data):
                self._take(frame)
        return self._pending.popleft() if self._pending else None

    def _take(self, frame: Any) -> None:
        info = self._board
        assert info is not None
        if isinstance(frame, Samples) and frame.counts.shape[0] == info.n_channels:
            gap = 0
            if self._next_index is not None:
                gap = max(sample_gap(frame.sample_index, self._next_index), 0)
            self._next_index = (frame.sample_index + frame.n_samples) & 0xFFFFFFFF
            self._pending.append(Chunk(np.asarray(frame.counts) * info.uv_per_count, gap))
        elif isinstance(frame, Status):
            self.status = frame

    def _command(self, kind: FrameType) -> None:
        assert self._bridge is not None
        frame = Command(kind, self._cmd_seq)
        self._cmd_seq = (self._cmd_seq + 1) & 0xFFFF
        self._bridge.write(EMG_RX_UUID, encode_frame(frame))

    def _close(self) -> None:
        bridge, self._bridge = self._bridge, None
        if bridge is not None:
            bridge.close()

    def _stats_extra(self) -> dict[str, int]:
        out = self._decoder.counters()
        if self._bridge is not None:
            out["queue_dropped_notifications"] = self._bridge.dropped
        return out
