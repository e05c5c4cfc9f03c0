"""Device discovery and `emgfeedback devices`: USB ids named, BLE boards listed, no adapter is one line."""

import argparse
import json
from types import SimpleNamespace

import pytest

from emgfeedback.commands import devices as devices_cmd
from emgfeedback.devices.discovery import list_serial_ports, scan_ble
from emgfeedback.testing.fake_ble import FakeBleWorld, FakePeripheral
from emgfeedback.testing.ganglion_emulator import GanglionEmulator


def fake_comports():
    return [
        SimpleNamespace(device="/dev/ttyS0", vid=None, pid=None, description="n/a"),
        SimpleNamespace(device="/dev/ttyUSB1", vid=0x1A86, pid=0x7523, description="USB Serial"),
        SimpleNamespace(device="/dev/ttyUSB0", vid=0x0403, pid=0x6015, description="FT231X USB UART"),
    ]


def test_serial_ports_named_by_usb_id_usb_first():
    ports = list_serial_ports(fake_comports)
    assert [p.device for p in ports] == ["/dev/ttyUSB0", "/dev/ttyUSB1", "/dev/ttyS0"]
    assert ports[0].usb_id == "0403:6015" and ports[0].openbci_dongle
    assert ports[0].suggested_url == "cyton:///dev/ttyUSB0"
    assert ports[1].chip == "WCH CH340" and ports[1].suggested_url == "serial:///dev/ttyUSB1"
    assert ports[2].usb_id == "" and ports[2].description == ""


def _world():
    w = FakeBleWorld()
    w.add(GanglionEmulator())
    w.add(FakePeripheral("AA:BB:CC:DD:EE:01", "EMG-1"))
    return w


def test_ble_scan_lists_boards_with_urls():
    scan = scan_ble(0.1, _world())
    assert scan.error == ""
    urls = {b.name: b.suggested_url for b in scan.boards}
    assert urls == {"EMG-1": "ble://AA:BB:CC:DD:EE:01", "Ganglion-1a2b": "ganglion://C0:FF:EE:00:00:01"}


def test_no_adapter_is_reported_not_raised():
    w = _world()
    w.adapter_present = False
    scan = scan_ble(0.1, w)
    assert scan.boards == () and scan.error.startswith("no Bluetooth adapter found (BleakError")


def _args(**kw):
    return argparse.Namespace(**{"scan_seconds": 0.1, "json": False, **kw})


def test_command_prints_ports_and_boards(capsys):
    assert devices_cmd.run(_args(), backend=_world(), comports=fake_comports) == 0
    out = capsys.readouterr().out
    assert "/dev/ttyUSB0" in out and "USB 0403:6015" in out and "OpenBCI dongle" in out
    assert "→ cyton:///dev/ttyUSB0" in out
    assert "Ganglion-1a2b   → ganglion://C0:FF:EE:00:00:01" in out


def test_command_without_adapter_exits_0_and_still_lists_ports(capsys):
    w = _world()
    w.adapter_present = False
    assert devices_cmd.run(_args(json=True), backend=w, comports=fake_comports) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["serial"]) == 3 and out["ble"] == []
    assert out["ble_error"].startswith("no Bluetooth adapter found")


def test_command_through_the_cli_with_real_libraries(capsys):
    """Real pyserial and bleak on this machine: whatever is here, exit 0 and one BLE line."""
    from emgfeedback.cli import main

    code = main(["devices", "--scan-seconds", "0.5"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("Serial ports (")
    ble_lines = [line for line in out.splitlines() if line.startswith("BLE boards")]
    assert len(ble_lines) == 1


@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf"), 1e308])
def test_bad_scan_seconds(value):
    with pytest.raises(ValueError, match="--scan-seconds must be a finite number s ≥ 0 and ≤ 60, got"):
        devices_cmd.run(_args(scan_seconds=value), comports=fake_comports)


def test_command_lists_what_every_registered_driver_finds(monkeypatch, capsys):
    # built on the registry: a third-party driver's detection shows up too
    import sys

    from emgfeedback.devices import registry

    class Plugin:
        @classmethod
        def _detect_available(cls, **hints):
            return ["plug://box-1"]

    monkeypatch.setitem(registry.BUILTIN_DRIVERS, "plug", ("test_discovery_plugin", "Plugin"))
    monkeypatch.setitem(sys.modules, "test_discovery_plugin", SimpleNamespace(Plugin=Plugin))
    assert devices_cmd.run(_args(), backend=_world(), comports=fake_comports) == 0
    out = capsys.readouterr().out
    assert "Other: plug://box-1   → plug://box-1" in out
    assert "Serial ports (3):" in out and "BLE boards (2, 0.1 s scan):" in out
