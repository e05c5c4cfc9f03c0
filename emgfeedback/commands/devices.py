"""``emgfeedback devices``: list serial ports and BLE boards, with the URL to open each."""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["add_parser", "run"]


def add_parser(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser(
        "devices",
        help="list serial ports and BLE boards found",
        description="List serial ports (with USB VID:PID and chip, e.g. the OpenBCI dongle's FTDI or "
        "an Arduino's CH340) and BLE boards advertising nearby, each with the device URL to use.",
    )
    p.add_argument("--scan-seconds", type=float, default=5.0, metavar="S",
                   help="how long to scan for BLE boards, s (default 5; 0 skips the BLE scan)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, backend: object = None, comports: object = None) -> int:
    """List devices; returns 0 (also when there is no Bluetooth adapter)."""
    from emgfeedback.devices.discovery import BleScan, list_serial_ports, scan_ble

    if args.scan_seconds < 0:
        raise ValueError(f"--scan-seconds must be >= 0 s, got {args.scan_seconds:g}")
    ports = list_serial_ports(comports)
    ble = scan_ble(args.scan_seconds, backend) if args.scan_seconds > 0 else BleScan()
    if args.json:
        print(json.dumps({
            "serial": [{"device": p.device, "description": p.description, "usb_id": p.usb_id,
                        "chip": p.chip, "url": p.suggested_url} for p in ports],
            "ble": [{"address": b.address, "name": b.name, "url": b.suggested_url} for b in ble.boards],
            "ble_error": ble.error,
        }))
        return 0
    print(f"Serial ports ({len(ports)}):")
    for p in ports:
        usb = f"  USB {p.usb_id}" if p.usb_id else ""
        what = p.chip or p.description
        print(f"  {p.device:<16}{usb}  {what}".rstrip() + f"   → {p.suggested_url}")
    if not ports:
        print("  none found")
    if args.scan_seconds == 0:
        print("BLE boards: scan skipped (--scan-seconds 0)")
    elif ble.error:
        print(f"BLE boards: scan not possible: {ble.error}")
    else:
        print(f"BLE boards ({len(ble.boards)}, {args.scan_seconds:g} s scan):")
        for b in ble.boards:
            print(f"  {b.address}  {b.name or '(no name)'}   → {b.suggested_url}")
        if not ble.boards:
            print("  none found — are they powered and advertising?")
    sys.stdout.flush()
    return 0
