"""``emgfeedback record``: record a device to a crash-safe EDF+/BDF+ file.

It runs the live session (:class:`~emgfeedback.session.LiveSession`: device → pipeline →
session engine → reps → writer), the same loop as ``monitor`` and the dashboard, so the file
carries the same annotations: detected onsets, reps, gaps and the processing settings that made
them. Prints a progress line (elapsed, samples, lost samples, file size). Ctrl-C (or SIGTERM)
finishes the file cleanly; a killed process leaves a file MNE reads as is and
``emgfeedback repair`` makes acceptable to strict readers.

Markers: ``--markers lsl://NAME`` annotates each sample of an LSL marker stream as ``marker TEXT``
at its time stamp (clock offset applied); on a terminal, each line typed + Enter is a
``marker TEXT`` at the moment Enter was pressed (``--no-keys`` turns that off).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

from emgfeedback.commands._database import add_db_argument, db_path
from emgfeedback.commands._outputs import check_output
from emgfeedback.commands._settings import MAX_LIVE_S, add_settings_arguments, settings_from_args
from emgfeedback.validation import check_number

__all__ = ["add_parser", "run"]


def add_parser(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser(
        "record",
        help="record a device to an EDF+ (or BDF+) file with annotations",
        description="Record a device to a crash-safe EDF+ file (BDF+ for .bdf or boards of more than "
        "16 ADC bits): data reach the disk at least once a second; Ctrl-C finishes the file cleanly. "
        "The live pipeline runs as in the dashboard: onsets, reps and the settings used are annotated.",
    )
    p.add_argument("--device", required=True, metavar="URL",
                   help="device URL, e.g. 'sim://?scenario=healthy' or serial:///dev/ttyUSB0")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.edf", help="file to create")
    p.add_argument("--force", action="store_true",
                   help="replace --out if it exists (removed once the device is open)")
    p.add_argument("--duration", type=float, default=None, metavar="S",
                   help="stop after S seconds of signal (default: until Ctrl-C or the source ends)")
    p.add_argument("--patient", default=None, metavar="CODE",
                   help="de-identified patient code such as P017 (never a name); the recording and "
                   "its reps are added to a new visit of that patient in the session database, as "
                   "the dashboard does; default: none, written as EDF+'s unknown X, nothing stored")
    add_db_argument(p)
    p.add_argument("--range", type=float, default=None, metavar="UV", dest="range_uv",
                   help="file range ±µV (default 5000 for EDF, 187500 for BDF)")
    p.add_argument("--onsets", action="store_true",
                   help="kept for old scripts: onsets (and reps) are always annotated now")
    p.add_argument("--lsl", action="store_true",
                   help="also publish the samples and onset markers as Lab Streaming Layer streams "
                   "(off by default: LSL announces itself on the local network)")
    p.add_argument("--markers", action="append", default=[], metavar="lsl://NAME",
                   help="annotate the markers of an LSL marker stream (name, type=Markers or a "
                   "predicate) as 'marker TEXT' at their time stamps; may be repeated")
    p.add_argument("--no-keys", action="store_true",
                   help="do not read typed lines as markers (default on a terminal: each line + Enter "
                   "is a 'marker TEXT' at that moment)")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    add_settings_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emgfeedback.devices import open_device
    from emgfeedback.devices.markers import LineMarkers, LslMarkerInlet
    from emgfeedback.errors import RecordingError
    from emgfeedback.session import LiveSession, Visit
    from emgfeedback.storage.deidentify import validate_patient_code
    from emgfeedback.storage.recorder import RecordingProgress

    if args.duration is not None:
        check_number(args.duration, "--duration", "s", lo=0.0, lo_open=True, hi=MAX_LIVE_S)
    patient = None if args.patient is None else validate_patient_code(args.patient)
    check_output(args.out, "--out", force=args.force, suffixes=(".edf", ".bdf"))
    if args.range_uv is not None:
        check_number(args.range_uv, "--range", "µV", lo=0.0, lo_open=True, hi=1e9)
    settings = settings_from_args(args)
    inlets = [LslMarkerInlet(url) for url in args.markers]  # URLs checked before any I/O

    device = open_device(args.device)
    if args.force and (args.out.exists() or args.out.is_symlink()):
        try:  # recordings are written as measured, not renamed into place: the old file goes first
            os.unlink(args.out)
        except BaseException:
            device.close()
            raise
    try:
        live = LiveSession(device, settings=settings, lsl=args.lsl, stop_after_s=args.duration,
                           max_updates=16)
    except BaseException:
        device.close()
        raise
    visit = None
    if patient is not None:  # the patient's visit in the session database, as the dashboard keeps it
        visit = Visit(patient, db_path(args.db))
        try:
            session_id = visit.ensure()
        except BaseException:
            device.close()
            raise
        live.set_visit(visit, visit.db_path)
    # before start(): the recording begins with the stream's first block
    live.start_recording(args.out, patient, db_path=None if visit is None else visit.db_path,
                         use_db=visit is not None, physical_range_uv=args.range_uv,
                         session_id=None if visit is None else session_id)
    stop = threading.Event()
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGINT, signal.SIGTERM)}
    tty = sys.stderr.isatty()
    fs = device.info.fs
    t_start = time.monotonic()

    def progress(stopped_by: str = "") -> RecordingProgress:
        st = live.recording_status
        return RecordingProgress(
            elapsed_s=time.monotonic() - t_start, samples=st.samples if st else 0,
            lost_samples=st.lost_samples if st else 0, clipped_samples=st.clipped_samples if st else 0,
            file_bytes=st.file_bytes if st else 0, fs=fs, stopped_by=stopped_by)

    def show() -> None:
        if not args.quiet:
            print(("\r" if tty else "") + progress().line(), end="" if tty else "\n", file=sys.stderr, flush=True)

    def mark(text: str, t_monotonic: float) -> None:
        live.add_marker(text, live.stream_time(t_monotonic))

    try:
        for inlet in inlets:
            inlet.open()
        live.start()
        for inlet in inlets:
            inlet.start(mark)
        if sys.stdin is not None and sys.stdin.isatty() and not args.no_keys:
            LineMarkers(sys.stdin).start(mark)
            if not args.quiet:
                print("type a note and press Enter to mark a moment in the file", file=sys.stderr)
        last_report = time.monotonic()
        while live.running and not stop.is_set():
            stop.wait(0.05)
            live.drain_results()  # nothing to show here; keeps the results queue short
            st = live.recording_status
            if st is not None and not st.active:  # a write error (disk full) ended the file
                break
            if time.monotonic() - last_report >= 0.5:
                show()
                last_report = time.monotonic()
    finally:
        for inlet in inlets:
            inlet.close()
        live.stop()
        if visit is not None:
            visit.end()
        for s, h in previous.items():
            signal.signal(s, h)
    if tty and not args.quiet:
        print(file=sys.stderr)
    st = live.recording_status
    if st is not None and st.error:
        raise RecordingError(st.error)
    if live.error is not None:
        raise live.error
    if st is None:
        raise RecordingError(f"{args.out}: the recording did not start")
    final = progress("stop" if stop.is_set() else live.stopped_by or "stop")
    if not os.path.exists(st.path):  # the writer removes a file that got no sample
        raise RecordingError(f"{st.path}: nothing was recorded (stopped before the first sample), "
                             f"so no file was left")
    size = os.path.getsize(st.path)
    if st.path != args.out:
        print(f"note: {device.info.board} has a {device.info.adc_bits}-bit ADC; recorded BDF+ to {st.path}",
              file=sys.stderr)
    print(f"wrote {st.path}: {final.recorded_s:.1f} s, {final.samples} samples per channel, "
          f"{final.lost_samples} lost, {size / 1e6:.2f} MB (stopped by {final.stopped_by})")
    if visit is not None:
        if live.visit_warning:
            print(f"warning: {live.visit_warning}", file=sys.stderr)
        else:
            print(f"stored as visit {visit.session_id} of {patient} in {visit.db_path}")
    if final.clipped_samples:
        print(f"warning: {final.clipped_samples} samples exceeded the file range and were clipped; "
              f"record with a larger --range", file=sys.stderr)
    return 0
