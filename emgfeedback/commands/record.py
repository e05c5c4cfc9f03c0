"""``emgfeedback record``: record a device to a crash-safe EDF+/BDF+ file.

Prints a progress line (elapsed, samples, lost samples, file size). Ctrl-C (or SIGTERM) finishes
the file cleanly; a killed process leaves a file MNE reads as is and ``emgfeedback repair``
makes acceptable to strict readers.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

__all__ = ["add_parser", "run"]


def add_parser(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser(
        "record",
        help="record a device to an EDF+ (or BDF+) file with annotations",
        description="Record a device to a crash-safe EDF+ file (BDF+ for .bdf or 24-bit boards): "
        "data reach the disk at least once a second; Ctrl-C finishes the file cleanly.",
    )
    p.add_argument("--device", required=True, metavar="URL",
                   help="device URL, e.g. 'sim://?scenario=healthy' or serial:///dev/ttyUSB0")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.edf", help="file to create")
    p.add_argument("--duration", type=float, default=None, metavar="S",
                   help="stop after S seconds of signal (default: until Ctrl-C or the source ends)")
    p.add_argument("--patient", default="X", metavar="CODE",
                   help="de-identified patient code such as P017 (never a name); default X (unknown)")
    p.add_argument("--range", type=float, default=None, metavar="UV", dest="range_uv",
                   help="file range ±µV (default 5000 for EDF, 187500 for BDF)")
    p.add_argument("--onsets", action="store_true",
                   help="run the live pipeline and annotate detected muscle onsets")
    p.add_argument("--lsl", action="store_true",
                   help="also publish the samples and annotations as Lab Streaming Layer streams "
                   "(off by default: LSL announces itself on the local network)")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emgfeedback.devices import open_device
    from emgfeedback.storage.deidentify import validate_patient_code
    from emgfeedback.storage.recorder import Recorder

    if args.duration is not None and not args.duration > 0:
        raise ValueError(f"--duration must be a positive number of seconds, got {args.duration}")
    validate_patient_code(args.patient)
    if args.out.suffix.lower() not in (".edf", ".bdf"):
        raise ValueError(f"--out must end in .edf or .bdf, got {args.out}")
    if args.out.exists():
        raise ValueError(f"--out {args.out} already exists; choose another file name")
    if not args.out.parent.is_dir():
        raise ValueError(f"--out: folder {args.out.parent} does not exist")

    device = open_device(args.device)
    pipeline = outlet = None
    try:
        if args.onsets:
            from emgfeedback.dsp.pipeline import OnlinePipeline

            pipeline = OnlinePipeline(device.info.fs, device.info.montage)
        if args.lsl:
            from emgfeedback.storage.lsl_outlet import LslOutlet

            outlet = LslOutlet(device.info)
        rec = Recorder(device, args.out, patient_code=args.patient, duration_s=args.duration,
                       physical_range_uv=args.range_uv, pipeline=pipeline, outlet=outlet)
    except BaseException:
        device.close()
        raise
    previous = {s: signal.signal(s, lambda *_: rec.stop()) for s in (signal.SIGINT, signal.SIGTERM)}
    tty = sys.stderr.isatty()

    def show(p) -> None:
        if not args.quiet:
            print(("\r" if tty else "") + p.line(), end="" if tty else "\n", file=sys.stderr, flush=True)

    try:
        final = rec.run(on_progress=show)
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
        if outlet is not None:
            outlet.close()
    if tty and not args.quiet:
        print(file=sys.stderr)
    size = os.path.getsize(rec.path)
    if rec.path != args.out:
        print(f"note: {device.info.board} has a 24-bit ADC; recorded BDF+ to {rec.path}", file=sys.stderr)
    print(f"wrote {rec.path}: {final.recorded_s:.1f} s, {final.samples} samples per channel, "
          f"{final.lost_samples} lost, {size / 1e6:.2f} MB (stopped by {final.stopped_by})")
    if final.clipped_samples:
        print(f"warning: {final.clipped_samples} samples exceeded the file range and were clipped; "
              f"record with a larger --range", file=sys.stderr)
    return 0
