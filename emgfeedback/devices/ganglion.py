"""``ganglion://`` — OpenBCI Ganglion (4 channels, 200 Hz) over Bluetooth LE.

URL form: ``ganglion://AA:BB:CC:DD:EE:FF``, ``ganglion://name=Ganglion-1a2b`` or ``ganglion://``
(the first board advertising a name starting with ``Ganglion``); options ``scan`` (s),
``timeout`` (s without data before the link counts as lost) and ``montage``.

Connects with bleak through :class:`~emgfeedback.devices._ble_bridge.BleBridge`, subscribes to
the receive characteristic, writes ``b``/``s`` to the send characteristic and decodes the
compressed packets with :class:`~emgfeedback.devices._openbci.GanglionDecoder`. A lost
notification costs its two samples (flagged lost); the samples after it keep the level of the
last good one until the next raw packet (at most 1 s later) restores the true level.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from emgfeedback.devices import _openbci as ob
from emgfeedback.devices._boards import board_gain
from emgfeedback.devices._options import check_ranges, montage_option, ranged
from emgfeedback.devices._ble_bridge import BleBridge
from emgfeedback.devices.base import Chunk, Device
from emgfeedback.errors import DeviceConnectionError
from emgfeedback.model import StreamInfo

__all__ = ["GanglionDevice", "GanglionOptions", "parse_ble_target"]

#: Four channels, one side: GMax, GMed, TFL, ES on the left (firing order and TFL ratio).

_ADDRESS = re.compile(r"^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f-]{36}$")


def parse_ble_target(target: str, form: str) -> tuple[str, str]:
    """(address, name) from a BLE URL target: ``AA:BB:..``, a macOS UUID, or ``name=NAME``.

    Raises
    ------
    ValueError
        If the target is neither.
    """
    target = target.strip("/")
    if target.startswith("name="):
        name = target[5:]
        if not name:
            raise ValueError(f"name= needs the advertised board name; expected {form}")
        return "", name
    if not target or _ADDRESS.match(target):
        return target.upper(), ""
    raise ValueError(f"BLE target must be an address AA:BB:CC:DD:EE:FF or name=NAME, "
                     f"got {target!r}; expected {form}")


@dataclass(frozen=True)
class GanglionOptions:
    """Options of ``ganglion://`` and ``ble://`` (a BLE link: scan, then watch for silence).

    Parameters
    ----------
    scan : float
        How long to scan for the board, s.
    timeout : float
        Seconds without a packet (or without the DEVICE_INFO answer, for ``ble://``) before the
        link counts as lost.
    montage : str
        Comma-separated channel ids or labels in board order (default: the glute montage's
        first n channels).
    """

    scan: float = ranged(5.0, 0.0, 60.0, "s", lo_open=True)
    timeout: float = ranged(2.0, 0.0, 60.0, "s", lo_open=True)
    montage: str = ""

    def __post_init__(self) -> None:
        check_ranges(self)


class GanglionDevice(Device):
    """OpenBCI Ganglion over BLE: 4 channels at 200 Hz in µV.

    Parameters
    ----------
    url : str
        See the module docstring.
    ble_backend : object, optional
        Has ``BleakClient``/``BleakScanner`` (default: the ``bleak`` module); tests pass
        :class:`emgfeedback.testing.fake_ble.FakeBleWorld`.
    """

    scheme = "ganglion"
    url_form = "ganglion://AA:BB:CC:DD:EE:FF | ganglion://name=NAME ?scan=5&timeout=2&montage=ID,..."
    Options = GanglionOptions

    def __init__(self, url: str, *, ble_backend: Any = None, **options: Any) -> None:
        super().__init__(url, **options)
        self._address, self._name = parse_ble_target(self.target, self.url_form)
        self._montage = montage_option(self.options.montage, ob.GANGLION_N_CHANNELS, self.url_form)
        self._backend = ble_backend
        self._bridge: "BleBridge | None" = None
        self._decoder = ob.GanglionDecoder()
        self._pending: deque[Chunk] = deque()
        self._board = board_gain("openbci_ganglion")  # counts -> µV and ADC bits

    @classmethod
    def _detect_available(cls, ble_scan: Any = None, **hints: Any) -> list:
        """Ganglions advertising in ``ble_scan``. Without a scan: none
        (scanning takes seconds; ``emgfeedback devices`` scans once for every BLE driver)."""
        from emgfeedback.devices.discovery import found_ble_boards

        return [f for f in found_ble_boards(ble_scan) if f.url.startswith("ganglion://")]

    def _open(self) -> StreamInfo:
        bridge = BleBridge(self.url, self._backend)
        try:
            device = self._find(bridge)
            bridge.connect(device, ob.GANGLION_RECEIVE_UUID)
        except BaseException:
            bridge.close()
            raise
        self._bridge = bridge
        name = getattr(device, "name", "") or ""
        return StreamInfo(fs=ob.GANGLION_FS_HZ, montage=self._montage, source=self.url,
                          board=f"ganglion ({name})" if name else "ganglion", adc_bits=self._board.adc_bits)

    def _find(self, bridge: BleBridge) -> Any:
        scan = self.options.scan
        if self._address or self._name:
            return bridge.find(address=self._address, name=self._name, scan_s=scan)
        for address, name in bridge.discover(scan):
            if name.startswith("Ganglion"):
                return bridge.find(address=address, scan_s=scan)
        raise DeviceConnectionError(
            f"no Ganglion found in {scan:g} s scan — is it switched on (blue light blinking) "
            "and not connected to another app?")

    def _start(self) -> None:
        assert self._bridge is not None
        self._decoder.reset()
        self._pending.clear()
        self._bridge.write(ob.GANGLION_SEND_UUID, ob.CMD_START)
        self._bridge.mark_alive()

    def _stop(self) -> None:
        if self._bridge is not None and self._bridge.connected:
            self._bridge.write(ob.GANGLION_SEND_UUID, ob.CMD_STOP)

    def _read_chunk(self) -> "Chunk | None":
        if self._pending:
            return self._pending.popleft()
        assert self._bridge is not None
        packets = self._bridge.receive(self.options.timeout, 50)
        if not packets:
            return None
        gaps: list[int] = []
        cols: list[np.ndarray] = []
        for pkt in packets:
            g, counts = self._decoder.decode(pkt)
            gaps += g
            cols.append(counts)
        values = np.concatenate(cols, axis=1)
        for gap, run in ob.split_at_gaps(values, gaps):
            self._pending.append(Chunk(run * self._board.uv_per_count, gap=gap))
        return self._pending.popleft() if self._pending else None

    def _close(self) -> None:
        bridge, self._bridge = self._bridge, None
        if bridge is not None:
            bridge.close()

    def _stats_extra(self) -> dict[str, int]:
        d = self._decoder
        dropped = self._bridge.dropped if self._bridge is not None else 0
        return {"bad_packets": d.bad_packets, "decoder_lost_samples": d.lost_samples,
                "queue_dropped_packets": dropped}
