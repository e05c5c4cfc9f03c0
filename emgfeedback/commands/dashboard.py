"""``emgfeedback dashboard``: the clinician's window (PySide6).

Without a display (no ``DISPLAY``, no ``WAYLAND_DISPLAY`` and no ``QT_QPA_PLATFORM``) it prints
one line saying what to do and exits 2, before importing Qt. ``--screenshot OUT.png
--exit-after S`` renders the window after S seconds, saves it and exits (tests and docs).
"""

from __future__ import annotations

import argparse
import sys

from emgfeedback.app import NO_DISPLAY_MESSAGE, display_available, display_problem
from emgfeedback.commands._outputs import atomic_output, check_output
from emgfeedback.commands._settings import MAX_LIVE_S, add_settings_arguments, settings_from_args
from emgfeedback.validation import check_number

__all__ = ["add_parser", "run", "display_available"]

#: The simulated patient, following the protocol's cues.
DEFAULT_DEVICE = "sim://?follow=1"
#: The window's tabs (``app.main_window.VIEWS``, repeated here so that --help needs no Qt; a test
#: keeps them equal).
VIEWS = ("live", "mvc", "summary", "placement", "patients", "plan")


def add_parser(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser(
        "dashboard",
        help="the clinician's live biofeedback window (default device sim://)",
        description="Live biofeedback: traces, %MVC bars, TFL-to-glute gauge, firing order, "
        "symmetry, electrode quality, exercise protocols and the MVC wizard.",
    )
    p.add_argument("--device", default=DEFAULT_DEVICE, metavar="URL",
                   help=f"device URL (default {DEFAULT_DEVICE!r}, the simulator)")
    p.add_argument("--protocol", default=None, metavar="ID",
                   help="start this exercise protocol once connected (e.g. clamshell)")
    p.add_argument("--mvc", action="store_true", help="start the MVC wizard once connected")
    p.add_argument("--view", default="live", choices=VIEWS, help="tab to show first")
    p.add_argument("--patient", default=None, metavar="CODE",
                   help="de-identified patient code to open with (its plan on the Plan tab, its visits on "
                   "the Patients tab), e.g. P-0042")
    p.add_argument("--recordings", default=None, metavar="DIR",
                   help="folder for recordings (default $EMGFEEDBACK_RECORDINGS or ~/emgfeedback-recordings); "
                   "per-rep results go to the session database ($EMGFEEDBACK_DB)")
    p.add_argument("--lsl", action="store_true",
                   help="also publish the live channels and onset markers as Lab Streaming Layer streams "
                   "(opt-in: an LSL outlet announces itself on the local network)")
    p.add_argument("--markers", action="append", default=[], metavar="lsl://NAME",
                   help="annotate an LSL marker stream (name, type=Markers or a predicate) as "
                   "'marker TEXT' at its time stamps; may be repeated (the Marker button and Ctrl+M "
                   "mark by hand)")
    p.add_argument("--audio", action=argparse.BooleanOptionalAction, default=True,
                   help="audio feedback the patient can hear (default on; without an audio output one "
                   "line says so and the dashboard runs silent); --no-audio: none")
    p.add_argument("--screenshot", default=None, metavar="OUT.png",
                   help="save a PNG of the window after --exit-after seconds, then exit")
    p.add_argument("--force", action="store_true", help="replace the --screenshot file if it exists")
    p.add_argument("--exit-after", type=float, default=None, metavar="S",
                   help="quit after S seconds (default 5 with --screenshot)")
    add_settings_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.exit_after is not None:
        check_number(args.exit_after, "--exit-after", "s", lo=0.0, lo_open=True, hi=MAX_LIVE_S)
    if args.screenshot is not None:
        check_output(args.screenshot, "--screenshot", force=args.force, suffixes=(".png",))
    if args.protocol is not None:
        from emgfeedback.calibration import load_protocols

        known = load_protocols()
        if args.protocol not in known:
            raise ValueError(f"--protocol must be one of: {', '.join(known)}; got {args.protocol!r}")
    patient = None
    if args.patient is not None:
        from emgfeedback.storage.deidentify import validate_patient_code

        patient = validate_patient_code(args.patient)  # a name or a bad code: one line, before any window
    settings = settings_from_args(args)
    from emgfeedback.devices.markers import LslMarkerInlet

    for url in args.markers:
        LslMarkerInlet(url)  # a bad URL is refused before the window opens
    problem = display_problem()
    if problem:
        print(f"emgfeedback dashboard: {problem}: {NO_DISPLAY_MESSAGE}", file=sys.stderr)
        return 2
    from emgfeedback.app.run import run_dashboard

    kwargs = dict(exit_after=args.exit_after, view=args.view, protocol=args.protocol, mvc=args.mvc,
                  recordings_dir=args.recordings, lsl=args.lsl, settings=settings, markers=args.markers,
                  audio=args.audio)
    if patient is not None:
        kwargs["on_ready"] = lambda win: win.patient.code.setText(patient)
    if args.screenshot is None:
        return run_dashboard(args.device, **kwargs)
    with atomic_output(args.screenshot, force=args.force) as tmp:  # the PNG appears whole or not at all
        code = run_dashboard(args.device, screenshot=str(tmp), **kwargs)
        if code != 0 or not tmp.exists():
            raise OSError(f"--screenshot {args.screenshot} could not be written")
    return 0
