"""``emgfeedback monitor``: the live terminal view.

Runs the live session on a device in real time (:class:`~emgfeedback.session.LiveSession`, the
same loop as ``record`` and the dashboard) and prints, once a second, per muscle and side: the
envelope (µV, or %MVC when MVC values are known), the latest onset, who fired first (glute max
vs lumbar ES), the TFL-to-glute-med ratio and the number of reps so far.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from emgfeedback.commands._settings import MAX_LIVE_S, add_settings_arguments, settings_from_args
from emgfeedback.model import FeedbackFrame, FiringOrder, Muscle, Side
from emgfeedback.validation import check_number

__all__ = ["add_parser", "run", "LiveSummary", "format_summary"]

DEFAULT_DEVICE = "sim://?scenario=lbp-lumbar-first"


def add_parser(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser(
        "monitor",
        help="live terminal view of a device: envelopes, onsets, firing order, TFL ratio",
        description="Run the live pipeline on a device and print a summary once a second.",
    )
    p.add_argument("--device", default=DEFAULT_DEVICE, metavar="URL",
                   help=f"device URL (default {DEFAULT_DEVICE!r})")
    p.add_argument("--duration", type=float, default=None, metavar="S", help="stop after S seconds")
    p.add_argument("--interval", type=float, default=1.0, metavar="S", help="seconds between prints")
    p.add_argument("--lsl", action="store_true",
                   help="also publish the channels and onset markers as Lab Streaming Layer streams "
                   "(opt-in: an LSL outlet announces itself on the local network)")
    add_settings_arguments(p)
    p.set_defaults(func=run)


@dataclass
class LiveSummary:
    """What the terminal view shows, updated frame by frame (bounded: latest values only)."""

    channels: tuple[str, ...] = ()
    t_s: float = 0.0
    level_uv: "np.ndarray | None" = None
    percent_mvc: "np.ndarray | None" = None
    last_onset_s: dict[str, float] = field(default_factory=dict)
    firing_order: dict[Side, FiringOrder] = field(default_factory=dict)
    tfl_ratio: dict[Side, float] = field(default_factory=dict)
    problems: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: quality alarms raised or cleared since the last print (printed once, then emptied)
    events: list[str] = field(default_factory=list)
    lost_samples: int = 0
    reps: int = 0

    def update(self, frame: FeedbackFrame) -> None:
        """Take in one frame from the pipeline."""
        self.channels = frame.channels
        self.t_s = frame.t_s
        self.level_uv = frame.level_uv
        self.percent_mvc = frame.percent_mvc
        for onset in frame.onsets:
            self.last_onset_s[onset.channel] = onset.onset_s
        self.firing_order.update(frame.firing_order)
        self.tfl_ratio.update(frame.tfl_to_glute_ratio)
        for q in frame.quality:
            before = self.problems.get(q.channel, ())
            if q.problems != before:
                self.events.extend(f"  ! {p}" for p in q.problems if p not in before)
                self.events.extend(f"  cleared: {p}" for p in before if p not in q.problems)
            self.problems[q.channel] = q.problems
        self.lost_samples += frame.lost_samples


def _cell_level(summary: LiveSummary, row: int) -> str:
    if summary.percent_mvc is not None:
        return f"{summary.percent_mvc[row]:6.1f} %MVC"
    if summary.level_uv is None:
        return "      -     "
    return f"{summary.level_uv[row]:7.1f} µV  "


def format_summary(summary: LiveSummary) -> str:
    """Render the summary as a small fixed-width table (pure function of the summary)."""
    n_problems = sum(len(p) for p in summary.problems.values())
    lines = [f"t = {summary.t_s:7.1f} s   lost samples: {summary.lost_samples}   reps: {summary.reps}"
             f"   electrode problems: {n_problems}"]
    lines.append(f"{'muscle':26s} {'left':>12s} {'onset':>9s}   {'right':>12s} {'onset':>9s}")
    for muscle in Muscle:
        cells = []
        for side in Side:
            ch = f"{muscle.value}_{side.value}"
            if ch not in summary.channels:
                cells.append(f"{'n/a':>12s} {'':>9s}")
                continue
            row = summary.channels.index(ch)
            onset = summary.last_onset_s.get(ch)
            onset_txt = f"{onset:7.2f} s" if onset is not None else "        -"
            cells.append(f"{_cell_level(summary, row):>12s} {onset_txt:>9s}")
        lines.append(f"{muscle.full_name:26s} " + "   ".join(cells))
    for side in Side:
        fo = summary.firing_order.get(side)
        if fo is None:
            order = "no complete rep yet"
        else:
            try:
                lag = fo.latency_ms(Muscle.GLUTE_MAX, Muscle.LUMBAR_ES)
                order = f"{fo.first.full_name} first (GMax − ES onset {lag:+.0f} ms)"
            except KeyError:
                order = f"{fo.first.full_name} first"
        ratio = summary.tfl_ratio.get(side, math.nan)
        ratio_txt = f"{ratio:.2f}" if math.isfinite(ratio) else "-"
        lines.append(f"{side.value:>5s}: {order};  TFL-to-glute-med ratio {ratio_txt}")
    lines.extend(summary.events)  # each alarm once when raised and once when cleared
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from emgfeedback.devices import open_device
    from emgfeedback.session import LiveSession

    check_number(args.interval, "--interval", "s", lo=0.0, lo_open=True, hi=3600.0)
    if args.duration is not None:
        check_number(args.duration, "--duration", "s", lo=0.0, lo_open=True, hi=MAX_LIVE_S)
    settings = settings_from_args(args)
    clear = "\x1b[H\x1b[J" if sys.stdout.isatty() else ""
    summary = LiveSummary()
    device = open_device(args.device)
    try:
        live = LiveSession(device, settings=settings, lsl=args.lsl)
    except BaseException:
        device.close()
        raise
    try:
        info = live.start()
        print(f"monitoring {info.source or args.device}: {info.n_channels} channels at {info.fs:g} Hz, "
              f"{settings.describe()} (Ctrl-C to stop)", flush=True)
        started = time.monotonic()
        next_print = started + args.interval
        while live.running and (args.duration is None or time.monotonic() - started < args.duration):
            time.sleep(0.05)
            summary.reps += sum(len(u.reps) for u in live.drain_results())
            for update in live.drain():
                summary.update(update.frame)
            now = time.monotonic()
            if now >= next_print:
                print(clear + format_summary(summary), flush=True)
                summary.events.clear()
                next_print = now + args.interval
    finally:
        live.stop()
    if live.error is not None:
        raise live.error
    return 0
