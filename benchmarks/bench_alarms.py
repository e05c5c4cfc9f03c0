"""Quality alarms on the simulated patient: none on healthy signal, fast on a real fault.

Every simulator scenario is streamed through the real live pipeline
(``emgfeedback.dsp.pipeline.OnlinePipeline``, 10 ms blocks at 2 kHz, default settings, so the
same ``QualityAlarms`` the dashboard and ``emgfeedback monitor`` show) and every alarm raised is
counted (a problem sentence appearing on a channel; a raised alarm keeps its sentence until it
clears). Then, per scenario, two faults are started mid-stream at several times (rest and
contraction alike) and the time from the fault's start to its alarm is measured:

- lead-off of a working muscle's electrode (the simulator's ``lead_off=``: the channel reads 0 µV);
- mains hum from a bad reference (``Artefacts(mains_uv=...)``, default 500 µV peak per average
  channel, 0.5–1.5 × that per channel).

A fault starts at ``t0`` by splicing two simulators with the same seed — one without, one with the
fault — at sample ``t0·fs``: both draw the same random streams, so the spliced stream is the
healthy one up to ``t0`` and differs only by the fault after it.

Usage::

    .venv/bin/python benchmarks/bench_alarms.py [--minutes 10] [--mains-uv 500] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np

from emgfeedback.dsp.pipeline import OnlinePipeline
from emgfeedback.model import Montage, SampleBlock
from emgfeedback.simulation import Artefacts, LiveSimulator, get_scenario, list_scenarios

FS = 2000.0
BLOCK = 20  # samples: 10 ms blocks
#: Fault start times, s: spread over about one rep period (rest and contraction alike).
FAULT_STARTS_S = (12.01, 13.12, 14.23, 15.34, 16.45, 17.56)
#: Time allowed for an alarm, s (the issue's target).
TARGET_S = 2.0


@dataclass(frozen=True)
class Alarm:
    """One alarm raised: when (end of the block whose frame first showed it, s), where, what."""

    t_s: float
    channel: str
    text: str


def working_channel(scenario: str) -> str:
    """The left channel of the scenario's first activation (a muscle that works)."""
    return f"{get_scenario(scenario).activations[0].muscle.value}_left"


def stream_blocks(scenario: str, duration_s: float, *, seed: int = 0, fault: "str | None" = None,
                  fault_at_s: float = 0.0, mains_uv: float = 500.0) -> Iterator[SampleBlock]:
    """Blocks of ``scenario``; from ``fault_at_s`` on with ``fault`` ("lead_off" of
    :func:`working_channel`, or "mains" at ``mains_uv`` µV peak)."""
    healthy = LiveSimulator(scenario, FS, seed=seed)
    faulty = None
    if fault == "lead_off":
        faulty = LiveSimulator(scenario, FS, seed=seed, lead_off=working_channel(scenario))
    elif fault == "mains":
        faulty = LiveSimulator(scenario, FS, seed=seed, artefacts=Artefacts(mains_uv=mains_uv))
    elif fault is not None:
        raise ValueError(f"fault must be 'lead_off', 'mains' or None, got {fault!r}")
    split = int(round(fault_at_s * FS)) if faulty is not None else None
    n_total = int(round(duration_s * FS))
    ids = healthy.montage.ids
    for start in range(0, n_total, BLOCK):
        n = min(BLOCK, n_total - start)
        data = healthy.read(n)
        if faulty is not None:
            bad = faulty.read(n)
            cut = min(n, max(0, split - start))  # samples of this block before the fault
            data[:, cut:] = bad[:, cut:]
        yield SampleBlock(t0=start / FS, fs=FS, data=data, seq=start, channels=ids)


def alarms_raised(blocks: "Iterator[SampleBlock]", montage: "Montage | None" = None) -> list[Alarm]:
    """Every alarm the live pipeline (default settings) raises on ``blocks``, in order."""
    montage = Montage.default() if montage is None else montage
    pipe = OnlinePipeline(FS, montage)
    shown: dict[str, tuple[str, ...]] = {}
    out: list[Alarm] = []
    for block in blocks:
        frame = pipe.process(block)
        for q in frame.quality:
            before = shown.get(q.channel, ())
            out.extend(Alarm(frame.t_s, q.channel, p) for p in q.problems if p not in before)
            shown[q.channel] = q.problems
    return out


def latency(scenario: str, fault: str, fault_at_s: float, *, seed: int = 0, mains_uv: float = 500.0,
            wait_s: float = 4.0) -> tuple[float, float]:
    """(first, last) channel's alarm delay after ``fault_at_s``, s; lead-off: the lead-off
    channel only; mains: every channel. ``first`` is NaN when no channel raised it within
    ``wait_s``, ``last`` when some channel did not."""
    alarms = alarms_raised(stream_blocks(scenario, fault_at_s + wait_s, seed=seed, fault=fault,
                                         fault_at_s=fault_at_s, mains_uv=mains_uv))
    word = "no signal" if fault == "lead_off" else "mains hum"
    hits: dict[str, float] = {}
    for a in alarms:
        if word in a.text and a.t_s >= fault_at_s and a.channel not in hits:
            hits[a.channel] = a.t_s - fault_at_s
    want = [working_channel(scenario)] if fault == "lead_off" else list(Montage.default().ids)
    delays = [hits.get(c, np.nan) for c in want]
    first = min((d for d in delays if d == d), default=np.nan)
    return float(first), float(np.max(delays))


def run(minutes: float = 10.0, scenarios: "Sequence[str] | None" = None, seed: int = 0,
        mains_uv: float = 500.0, starts: Sequence[float] = FAULT_STARTS_S) -> dict:
    """All figures as a JSON-ready dict (one row per scenario)."""
    rows = []
    for sc in scenarios or list_scenarios():
        t = time.perf_counter()
        alarms = alarms_raised(stream_blocks(sc, minutes * 60.0, seed=seed))
        lead = [latency(sc, "lead_off", t0, seed=seed)[0] for t0 in starts]
        mains = [latency(sc, "mains", t0, seed=seed, mains_uv=mains_uv) for t0 in starts]
        rows.append({
            "scenario": sc,
            "minutes": minutes,
            "alarms": len(alarms),
            "alarm_texts": sorted({a.text for a in alarms})[:5],
            "lead_off_channel": working_channel(sc),
            "lead_off_latency_s_max": float(np.max(lead)),
            "mains_first_latency_s_max": float(np.max([m[0] for m in mains])),
            "mains_all_channels_latency_s_max": float(np.max([m[1] for m in mains])),
            "wait_s": 4.0,
            "wall_s": time.perf_counter() - t,
        })
    return {"fs": FS, "block_samples": BLOCK, "seed": seed, "mains_uv": mains_uv, "fault_starts_s": list(starts),
            "target_s": TARGET_S, "rows": rows}


def format_report(result: dict) -> str:
    """Plain-text table of :func:`run`'s result."""
    lines = [
        f"quality alarms through OnlinePipeline ({result['fs']:g} Hz, {result['block_samples']}-sample blocks, "
        f"seed {result['seed']}); faults start at {', '.join(f'{t:g}' for t in result['fault_starts_s'])} s, "
        f"latency = worst of those (target ≤ {result['target_s']:g} s; nan: not within 4 s)",
        f"{'scenario':24s} {'minutes':>7s} {'alarms':>6s} {'lead-off (ch)':>24s} "
        f"{'mains first/all ch':>19s}  (mains {result['mains_uv']:g} µV peak)",
    ]
    for r in result["rows"]:
        lines.append(
            f"{r['scenario']:24s} {r['minutes']:7.1f} {r['alarms']:6d} "
            f"{r['lead_off_latency_s_max']:6.2f} s ({r['lead_off_channel']:>15s}) "
            f"{r['mains_first_latency_s_max']:8.2f} / {r['mains_all_channels_latency_s_max']:.2f} s"
        )
        for text in r["alarm_texts"]:
            lines.append(f"    e.g. {text}")
    return "\n".join(lines)


def main(argv: "Sequence[str] | None" = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=10.0, help="minutes of healthy signal per scenario (10)")
    p.add_argument("--mains-uv", type=float, default=500.0, help="mains fault, µV peak (500)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--scenarios", nargs="*", default=None, help="default: all")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    result = run(args.minutes, args.scenarios, args.seed, args.mains_uv)
    print(json.dumps(result, indent=2) if args.json else format_report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
