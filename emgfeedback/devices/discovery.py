"""What is plugged in or in range: serial ports (with USB ids) and advertising BLE boards.

The drivers' ``_detect_available`` hooks use these to say which of them can open what
(:func:`emgfeedback.devices.find_devices`); ``emgfeedback devices`` prints that.

Serial ports come from ``serial.tools.list_ports``; USB VID:PID pairs of common USB-serial chips
are named (the OpenBCI dongle is an FTDI FT231X; Arduino clones use CH340 or CP210x). BLE boards
come from one bleak scan; when the machine has no Bluetooth adapter (or no BlueZ/D-Bus) the scan
reports that in one line instead of failing, so serial ports are still listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emgfeedback.devices._ble_bridge import BleBridge
from emgfeedback.devices.base import FoundDevice
from emgfeedback.errors import EmgFeedbackError

__all__ = ["SerialPortInfo", "BleBoardInfo", "BleScan", "list_serial_ports", "scan_ble", "USB_SERIAL_CHIPS",
           "found_serial_ports", "found_ble_boards"]

#: (VID, PID) -> chip, for USB-serial adapters boards commonly use.
USB_SERIAL_CHIPS: dict[tuple[int, int], str] = {
    (0x0403, 0x6015): "FTDI FT231X (OpenBCI dongle)",
    (0x0403, 0x6001): "FTDI FT232R",
    (0x0403, 0x6010): "FTDI FT2232",
    (0x1A86, 0x7523): "WCH CH340",
    (0x1A86, 0x55D4): "WCH CH9102",
    (0x10C4, 0xEA60): "Silicon Labs CP210x",
    (0x2341, 0x0043): "Arduino Uno",
    (0x2341, 0x0001): "Arduino Uno",
    (0x2341, 0x0036): "Arduino Leonardo bootloader",
    (0x303A, 0x1001): "Espressif ESP32-S3 USB",
}


@dataclass(frozen=True)
class SerialPortInfo:
    """One serial port.

    Parameters
    ----------
    device : str
        Path or name to open, e.g. ``/dev/ttyUSB0``, ``COM3``.
    description : str
        What the OS says it is.
    vid, pid : int or None
        USB vendor and product ids (None for non-USB ports).
    chip : str
        Known USB-serial chip or board for (vid, pid), else empty.
    """

    device: str
    description: str = ""
    vid: "int | None" = None
    pid: "int | None" = None
    chip: str = ""

    @property
    def usb_id(self) -> str:
        """``VID:PID`` in hex, or empty for non-USB ports."""
        return f"{self.vid:04X}:{self.pid:04X}" if self.vid is not None and self.pid is not None else ""

    @property
    def openbci_dongle(self) -> bool:
        """True for the OpenBCI USB dongle's FTDI chip."""
        return (self.vid, self.pid) == (0x0403, 0x6015)

    @property
    def suggested_url(self) -> str:
        """The URL most likely to open it."""
        return f"cyton://{self.device}" if self.openbci_dongle else f"serial://{self.device}"


@dataclass(frozen=True)
class BleBoardInfo:
    """One advertising BLE board: address, name and the URL to open it."""

    address: str
    name: str

    @property
    def suggested_url(self) -> str:
        """``ganglion://ADDRESS`` for Ganglions, else ``ble://ADDRESS``."""
        scheme = "ganglion" if self.name.startswith("Ganglion") else "ble"
        return f"{scheme}://{self.address}"


@dataclass(frozen=True)
class BleScan:
    """Result of a BLE scan: boards seen, or why scanning was impossible."""

    boards: tuple[BleBoardInfo, ...] = ()
    error: str = ""


def list_serial_ports(comports: Any = None) -> list[SerialPortInfo]:
    """Serial ports present now, USB ones first.

    Parameters
    ----------
    comports : callable, optional
        Replacement for ``serial.tools.list_ports.comports`` (tests).
    """
    if comports is None:
        from serial.tools.list_ports import comports
    out = []
    for p in comports():
        vid, pid = getattr(p, "vid", None), getattr(p, "pid", None)
        desc = getattr(p, "description", "") or ""
        out.append(SerialPortInfo(p.device, "" if desc == "n/a" else desc, vid, pid,
                                  USB_SERIAL_CHIPS.get((vid, pid), "") if vid is not None else ""))
    return sorted(out, key=lambda s: (s.vid is None, s.device))


def scan_ble(scan_s: float = 5.0, backend: Any = None) -> BleScan:
    """Scan for advertising BLE boards for ``scan_s`` seconds.

    Never raises for a missing adapter, BlueZ or bleak: the reason is in ``BleScan.error``.
    """
    if not scan_s > 0:
        raise ValueError(f"scan_s must be a positive number of s, got {scan_s!r}")
    try:
        bridge = BleBridge("BLE scan", backend)
    except EmgFeedbackError as err:
        return BleScan(error=str(err))
    try:
        found = bridge.discover(scan_s)
    except EmgFeedbackError as err:
        return BleScan(error=str(err))
    finally:
        bridge.close()
    return BleScan(tuple(BleBoardInfo(a, n) for a, n in sorted(found, key=lambda x: (x[1] == "", x[1]))))


def found_serial_ports(comports: Any = None) -> list[FoundDevice]:
    """Every serial port as a :class:`FoundDevice` with the URL most likely to open it
    (``cyton://`` for the OpenBCI dongle, else ``serial://``), USB ones first."""
    return [FoundDevice(p.suggested_url, p.device, p.description, p.usb_id, p.chip, "serial")
            for p in list_serial_ports(comports)]


def found_ble_boards(scan: "BleScan | None") -> list[FoundDevice]:
    """The boards of a finished BLE scan as :class:`FoundDevice` (``ganglion://`` for
    Ganglions, else ``ble://``); none without a scan."""
    if scan is None:
        return []
    return [FoundDevice(b.suggested_url, b.address, b.name, transport="ble") for b in scan.boards]
