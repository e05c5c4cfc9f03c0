"""Open any board by URL: a registry ``scheme -> (module, class)`` importing drivers lazily.

Like python-can's interface table and pyserial's ``serial_for_url``: the driver module is
imported only when its scheme is used, so a missing optional library (bleak, pylsl) only
matters to whoever opens that kind of device. Third-party drivers register through the entry
point group ``emgfeedback.devices`` (``name = "package.module:ClassName"``).
"""

from __future__ import annotations

import importlib
import inspect
from importlib.metadata import entry_points
from typing import Any

from emgfeedback.devices._options import split_url
from emgfeedback.devices.base import Device, FoundDevice
from emgfeedback.errors import DeviceUnavailableError

__all__ = ["BUILTIN_DRIVERS", "known_schemes", "driver_class", "open_device", "detect_devices", "find_devices"]

#: Built-in drivers: scheme -> (module, class name).
BUILTIN_DRIVERS: dict[str, tuple[str, str]] = {
    "sim": ("emgfeedback.devices.sim", "SimDevice"),
    "serial": ("emgfeedback.devices.serial_port", "SerialDevice"),
    "ble": ("emgfeedback.devices.ble", "BleDevice"),
    "cyton": ("emgfeedback.devices.openbci_cyton", "CytonDevice"),
    "ganglion": ("emgfeedback.devices.ganglion", "GanglionDevice"),
    "lsl": ("emgfeedback.devices.lsl", "LslDevice"),
    "replay": ("emgfeedback.devices.replay", "ReplayDevice"),
}

ENTRY_POINT_GROUP = "emgfeedback.devices"


def _drivers() -> dict[str, tuple[str, str]]:
    table = dict(BUILTIN_DRIVERS)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        module, _, attr = ep.value.partition(":")
        table.setdefault(ep.name.lower(), (module, attr))
    return table


def known_schemes() -> tuple[str, ...]:
    """URL schemes that have a driver, sorted."""
    return tuple(sorted(_drivers()))


def driver_class(scheme: str) -> type[Device]:
    """The driver class for ``scheme`` (imported now).

    Raises
    ------
    ValueError
        If no driver handles ``scheme``; the message lists the known ones.
    DeviceUnavailableError
        If the driver module cannot be imported; the ImportError is kept as ``__cause__``.
    """
    table = _drivers()
    key = scheme.lower()
    if key not in table:
        known = ", ".join(f"{s}://" for s in sorted(table))
        raise ValueError(f"unknown device scheme {scheme + '://'!r}; known schemes: {known}")
    module_name, class_name = table[key]
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, class_name)
    except (ImportError, AttributeError) as err:
        raise DeviceUnavailableError(
            f"the {key}:// driver is unavailable: {type(err).__name__}: {err}"
        ) from err
    return cls


def open_device(url: str, **options: Any) -> Device:
    """Open the board at ``url`` (handshake done) and return its :class:`Device`.

    Parameters
    ----------
    url : str
        E.g. ``sim://?scenario=healthy&fs=2000``, ``serial:///dev/ttyUSB0?baud=460800``.
    **options
        Driver options (override the URL query) and the base options ``queue_blocks``,
        ``reconnect_timeout_s``.

    Returns
    -------
    Device
        Open but not streaming; use it as a context manager or call ``start()``.

    Raises
    ------
    ValueError
        Malformed URL, unknown scheme or unknown/invalid option (before any I/O).
    DeviceUnavailableError
        The driver's library cannot be imported here.
    DeviceConnectionError, DeviceTimeoutError
        The board cannot be reached or does not answer.
    """
    scheme, _, _ = split_url(url)
    device = driver_class(scheme)(url, **options)
    device.open()
    return device


def find_devices(schemes: "tuple[str, ...] | None" = None, **hints: Any) -> dict[str, list[FoundDevice]]:
    """Boards visible now, per scheme, from each driver's ``_detect_available`` hook (drivers
    that cannot be imported here are skipped).

    Parameters
    ----------
    schemes : tuple of str, optional
        Only these schemes; default all known (third-party drivers included).
    **hints
        Shared look-ups passed to the hooks that take them: ``comports`` (a replacement for
        ``serial.tools.list_ports.comports``), ``ble_scan`` (a finished
        :class:`~emgfeedback.devices.discovery.BleScan`; without one BLE drivers report none).
    """
    found: dict[str, list[FoundDevice]] = {}
    for scheme in schemes or known_schemes():
        try:
            cls = driver_class(scheme)
        except DeviceUnavailableError:
            continue
        hook = cls._detect_available
        params = inspect.signature(hook).parameters.values()
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            names = {p.name for p in params}
            hints_for = {k: v for k, v in hints.items() if k in names}
        else:
            hints_for = hints
        found[scheme] = [f if isinstance(f, FoundDevice) else FoundDevice(str(f)) for f in hook(**hints_for)]
    return found


def detect_devices(schemes: "tuple[str, ...] | None" = None, **hints: Any) -> dict[str, list[str]]:
    """URLs of boards visible now, per scheme (see :func:`find_devices`)."""
    return {scheme: [f.url for f in found] for scheme, found in find_devices(schemes, **hints).items()}
