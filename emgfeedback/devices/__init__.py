"""Device drivers behind one entry point, :func:`open_device`, chosen by URL scheme.

``sim://`` (in-process simulator), ``serial://`` (this project's firmware protocol),
``ble://``, ``cyton://``, ``ganglion://``, ``lsl://``. Drivers are imported only when used.
"""

from emgfeedback.devices.base import Chunk, Device, DeviceStats, EndOfStream, FoundDevice
from emgfeedback.devices.registry import (
    BUILTIN_DRIVERS,
    detect_devices,
    driver_class,
    find_devices,
    known_schemes,
    open_device,
)

__all__ = [
    "BUILTIN_DRIVERS",
    "Chunk",
    "Device",
    "DeviceStats",
    "EndOfStream",
    "FoundDevice",
    "detect_devices",
    "driver_class",
    "find_devices",
    "known_schemes",
    "open_device",
]
