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
    assert detect_devices(("serial",)) == {"serial": ["serial:///dev/ttyACM1", "serial:///dev/ttyUSB0"]}


def test_find_devices_asks_every_driver_with_shared_hints(monkeypatch):
    # the OpenBCI dongle is the cyton driver's, the CH340 the serial driver's, BLE boards come
    # from one scan shared by ble:// and ganglion://; a third-party driver is asked too
    from types import SimpleNamespace

    from emgfeedback.devices import FoundDevice, find_devices
    from emgfeedback.devices.discovery import BleBoardInfo, BleScan

    class Plugin:
        @classmethod
        def _detect_available(cls):
            return ["plug://one"]

    monkeypatch.setitem(registry.BUILTIN_DRIVERS, "plug", ("test_registry_plugin", "Plugin"))
    monkeypatch.setitem(sys.modules, "test_registry_plugin", SimpleNamespace(Plugin=Plugin))
    ports = lambda: [SimpleNamespace(device="/dev/ttyUSB0", vid=0x0403, pid=0x6015, description="FT231X"),  # noqa: E731
                     SimpleNamespace(device="/dev/ttyUSB1", vid=0x1A86, pid=0x7523, description="USB Serial")]
    scan = BleScan((BleBoardInfo("AA:BB", "EMG-1"), BleBoardInfo("C0:FF", "Ganglion-1a2b")))
    found = find_devices(comports=ports, ble_scan=scan)
    assert [f.url for f in found["cyton"]] == ["cyton:///dev/ttyUSB0"]
    assert [f.url for f in found["serial"]] == ["serial:///dev/ttyUSB1"]
    assert found["serial"][0].chip == "WCH CH340" and found["serial"][0].transport == "serial"
    assert [f.url for f in found["ble"]] == ["ble://AA:BB"]
    assert [f.url for f in found["ganglion"]] == ["ganglion://C0:FF"]
    assert found["plug"] == [FoundDevice("plug://one")]
    assert found["sim"] == [] and find_devices(("ble",)) == {"ble": []}  # no scan given: none
