"""``emgfeedback devices``: list serial ports and BLE boards, with the URL to open each.

Built on the device registry: every driver (built-in or registered through entry points) says
what it can open through its ``_detect_available`` hook (:func:`emgfeedback.devices.find_devices`);
the BLE scan runs once and is shared by the BLE drivers."""

from __future__ import annotations

import argparse
import json
import sys

from emgfeedback.validation import check_number

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
    from emgfeedback.devices import find_devices
    from emgfeedback.devices.discovery import BleScan, scan_ble

    check_number(args.scan_seconds, "--scan-seconds", "s", lo=0.0, hi=60.0)
    ble = scan_ble(args.scan_seconds, backend) if args.scan_seconds > 0 else BleScan()
    found = [f for per_scheme in find_devices(comports=comports, ble_scan=ble).values() for f in per_scheme]
    ports = sorted((f for f in found if f.transport == "serial"), key=lambda f: (not f.usb_id, f.where))
    boards = [f for f in found if f.transport == "ble"]
    others = [f for f in found if f.transport not in ("serial", "ble")]
    if args.json:
        print(json.dumps({
            "serial": [{"device": p.where, "description": p.description, "usb_id": p.usb_id,
                        "chip": p.chip, "url": p.url} for p in ports],
            "ble": [{"address": b.where, "name": b.description, "url": b.url} for b in boards],
            "ble_error": ble.error,
            "other": [{"url": f.url, "description": f.description} for f in others],
        }))
        return 0
    print(f"Serial ports ({len(ports)}):")
    for p in ports:
        usb = f"  USB {p.usb_id}" if p.usb_id else ""
        what = p.chip or p.description
        print(f"  {p.where:<16}{usb}  {what}".rstrip() + f"   → {p.url}")
    if not ports:
        print("  none found")
    if args.scan_seconds == 0:
        print("BLE boards: scan skipped (--scan-seconds 0)")
    elif ble.error:
        print(f"BLE boards: scan not possible: {ble.error}")
    else:
        print(f"BLE boards ({len(boards)}, {args.scan_seconds:g} s scan):")
        for b in boards:
            print(f"  {b.where}  {b.description or '(no name)'}   → {b.url}")
        if not boards:
            print("  none found — are they powered and advertising?")
    for f in others:
        print(f"Other: {f.description or f.url}   → {f.url}")
    sys.stdout.flush()
    return 0
