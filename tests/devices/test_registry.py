"""open_device: scheme registry, lazy driver import, clear errors."""

from __future__ import annotations

import sys

import pytest

from emgfeedback.devices import registry
from emgfeedback.devices.registry import driver_class, known_schemes, open_device
from emgfeedback.errors import DeviceUnavailableError


def test_known_schemes_cover_the_architecture():
    assert {"sim", "serial", "ble", "cyton", "ganglion", "lsl"} <= set(known_schemes())


def test_unknown_scheme_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown device scheme 'nope://'; known schemes: .*serial://.*sim://"):
        open_device("nope://x")


def test_driver_import_failure_is_device_unavailable_with_the_import_error(monkeypatch):
    monkeypatch.setitem(registry.BUILTIN_DRIVERS, "broken", ("emgfeedback.devices._no_such_driver", "X"))
    with pytest.raises(DeviceUnavailableError, match=r"broken:// driver is unavailable: ModuleNotFoundError") as info:
        open_device("broken://x")
    assert isinstance(info.value.__cause__, ImportError)


def test_drivers_are_imported_only_when_used(monkeypatch):
    monkeypatch.delitem(sys.modules, "emgfeedback.devices.serial_port", raising=False)
    import emgfeedback.devices  # noqa: F401

    assert "emgfeedback.devices.serial_port" not in sys.modules
    cls = driver_class("SERIAL")
    assert cls.scheme == "serial" and "emgfeedback.devices.serial_port" in sys.modules


def test_detect_devices_lists_serial_ports_as_urls(monkeypatch):
    from types import SimpleNamespace

    from serial.tools import list_ports

    from emgfeedback.devices import detect_devices

    monkeypatch.setattr(list_ports, "comports", lambda: [SimpleNamespace(device="/dev/ttyUSB0"),
                                                         SimpleNamespace(device="/dev/ttyACM1")])
    assert detect_devices(("serial",)) == {"serial": ["serial:///dev/ttyUSB0", "serial:///dev/ttyACM1"]}
