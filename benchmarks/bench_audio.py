"""Audio feedback latency: from the arrival of the sample block in which glute max crosses its
target to the moment the target tone's first sample leaves the audio callback, plus the output
latency the stream reports (``AudioOutput.latency_ms``).

A paced test signal (8 channels × 2 kHz, 10 ms blocks; glute max bursts of 250 ms every 0.5 s,
about 80 %MVC against a 40 %MVC target) runs through the real live session (``LiveSession``,
``OnlinePipeline``, ``SessionEngine``) and ``AudioFeedback`` in ``target_tone`` mode, played by
``AudioOutput`` on the default PortAudio device. Two runs, same signal, same device:

1. **listener** — the feedback is fed on the session worker (``LiveSession.add_listener``), as
   the dashboard does;
2. **UI timer (baseline)** — fed from a 30 Hz poll of ``LiveSession.drain_all``, as a
   dashboard frame would.

Then the **compute path** without a device: per block, the pipeline + engine, and
``on_update`` + rendering one 256-sample block.

Without a sound card, start PulseAudio with a null sink first (as root or not)::

    mkdir -p /tmp/pa && export XDG_RUNTIME_DIR=/tmp/pa
    pulseaudio -D --exit-idle-time=-1 -n --load="module-null-sink sink_name=null" \\
        --load=module-native-protocol-unix
    .venv/bin/python benchmarks/bench_audio.py [--duration 30] [--device N] [--latency 0.05] [--json]

Where no output exists the device runs print the one line and the compute path is still measured.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time

import numpy as np

from emgfeedback.audio import AudioFeedback, AudioOutput
from emgfeedback.calibration import load_protocols
from emgfeedback.measures.targets import parse_target
from emgfeedback.model import Montage, SampleBlock, StreamInfo
from emgfeedback.session import LiveSession
from emgfeedback.session.engine import SessionEngine
from emgfeedback.session.live import default_pipeline

FS = 2000.0
BLOCK = 20  # samples: 10 ms
PERIOD_S, BURST_S = 0.5, 0.25
MVC_UV = 200.0
TARGET = "GMax >= 40 %MVC"


def _signal(k: int, rng: np.random.Generator) -> np.ndarray:
    """Block ``k`` (8 × BLOCK µV): glute max bursting, everything else at rest."""
    t = (k * BLOCK + np.arange(BLOCK)) / FS
    x = rng.normal(0.0, 5.0, (8, BLOCK))
    on = (t % PERIOD_S) < BURST_S
    for row in (0, 4):  # glute_max_left, glute_max_right
        x[row, on] = rng.normal(0.0, 400.0, int(on.sum()))
    return x


class PacedBursts:
    """A device giving :func:`_signal` in real time (one 10 ms block per 10 ms)."""

    def __init__(self) -> None:
        self.info = StreamInfo(fs=FS, montage=Montage.default(), source="bench://bursts", board="bench")
        self.is_streaming = False
        self._rng = np.random.default_rng(0)
        self._k = 0
        self._t0 = 0.0

    def start(self) -> None:
        self.is_streaming, self._t0 = True, time.monotonic()

    def read(self, timeout: float = 0.1) -> "SampleBlock | None":
        due = self._t0 + (self._k + 1) * BLOCK / FS
        wait = due - time.monotonic()
        if wait > timeout:
            time.sleep(timeout)
            return None
        if wait > 0:
            time.sleep(wait)
        block = SampleBlock(t0=self._k * BLOCK / FS, fs=FS, data=_signal(self._k, self._rng), seq=self._k * BLOCK,
                            channels=self.info.montage.ids)
        self._k += 1
        return block

    def close(self) -> None:
        self.is_streaming = False


PROTOCOL = load_protocols()["glute_squeeze"]


def _feedback() -> AudioFeedback:
    fb = AudioFeedback()
    fb.configure(PROTOCOL.id, ("target_tone",), [parse_target(TARGET)])
    return fb


def _stats(ms: "list[float]", digits: int = 1) -> dict:
    a = np.asarray(ms, float)
    if a.size == 0:
        return {"n": 0}
    return {"n": int(a.size), "p50_ms": round(float(np.median(a)), digits),
            "p95_ms": round(float(np.percentile(a, 95)), digits), "max_ms": round(float(a.max()), digits)}


def _device_run(duration_s: float, device: "int | str | None", via_timer: bool, latency: "float | str") -> dict:
    fb = _feedback()
    out = AudioOutput(fb, device=device, blocksize=256, latency=latency)
    if not out.start():
        return {"status": out.status}
    deadline = time.monotonic() + 10.0
    while out.callbacks < 200 and time.monotonic() < deadline:  # PulseAudio stalls the first second
        time.sleep(0.05)
    mvc = {ch: MVC_UV for ch in Montage.default().ids}
    live = LiveSession(PacedBursts(), mvc_uv=mvc, protocol=PROTOCOL)
    halt = threading.Event()
    if via_timer:
        def poll() -> None:
            while not halt.wait(1 / 30):
                for u in live.drain_all():
                    fb.on_update(u, PROTOCOL)
        threading.Thread(target=poll, daemon=True).start()
    else:
        live.add_listener(fb.listen)
    live.start(timeout_s=10)
    time.sleep(duration_s)
    halt.set()
    live.stop()
    result = {"status": out.status, "device": out.device_name,
              "reported_output_latency_ms": round(1000 * out.reported_latency_s, 1),
              "underruns": out.underruns, **_stats(list(out.latency_ms))}
    out.close()
    return result


def _compute_path(n_blocks: int = 3000) -> dict:
    """Per block without a device: pipeline + engine, and feedback (on_update + one render)."""
    info = PacedBursts().info
    mvc = {ch: MVC_UV for ch in info.montage.ids}
    engine = SessionEngine(info, default_pipeline(info), mvc_uv=mvc)
    fb = _feedback()
    rng = np.random.default_rng(0)
    dsp, audio, crossing = [], [], []
    for k in range(n_blocks):
        block = SampleBlock(t0=k * BLOCK / FS, fs=FS, data=_signal(k, rng), seq=k * BLOCK, channels=info.montage.ids)
        t0 = time.perf_counter()
        update = engine.process(block)
        t1 = time.perf_counter()
        before = len(fb.starts)
        fb.on_update(update, PROTOCOL)
        fb.render(256)
        t2 = time.perf_counter()
        dsp.append(1000 * (t1 - t0))
        audio.append(1000 * (t2 - t1))
        if len(fb.starts) > before:
            crossing.append(1000 * (t2 - t0))
    return {"pipeline_ms": _stats(dsp, 3), "feedback_ms": _stats(audio, 3),
            "crossing_block_total_ms": _stats(crossing, 3)}


def main(argv: "list[str] | None" = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=30.0, metavar="S", help="each device run, s of wall time")
    p.add_argument("--device", default=None, help="PortAudio output device (index or name; default: the system's)")
    p.add_argument("--latency", default="0.05", help="output buffer asked of PortAudio, s, or low/high (default 0.05)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    device = int(args.device) if args.device is not None and args.device.isdigit() else args.device
    latency = args.latency if args.latency in ("low", "high") else float(args.latency)
    r = {"listener": _device_run(args.duration, device, False, latency),
         "ui_timer_baseline": _device_run(args.duration, device, True, latency),
         "compute": _compute_path(), "target_ms": 100.0}
    a, b = r["listener"], r["ui_timer_baseline"]
    if a.get("n") and b.get("n"):
        r["listener_over_baseline_p50"] = round(a["p50_ms"] / b["p50_ms"], 2)
    if args.json:
        print(json.dumps(r))
        return 0
    for name, run in (("listener (session worker)", a), ("UI timer 30 Hz (baseline)", b)):
        if not run.get("n"):
            print(f"{name}: {run['status']}")
            continue
        print(f"{name}: {run['device']}, reported output latency {run['reported_output_latency_ms']} ms, "
              f"{run['n']} tone onsets: p50 {run['p50_ms']} ms, p95 {run['p95_ms']} ms, max {run['max_ms']} ms "
              f"(target <= 100 ms), underruns {run['underruns']}")
    if "listener_over_baseline_p50" in r:
        print(f"listener / baseline (p50): {r['listener_over_baseline_p50']}")
    c = r["compute"]
    print(f"compute path per block, no device: pipeline+engine p50 {c['pipeline_ms']['p50_ms']} ms, "
          f"p95 {c['pipeline_ms']['p95_ms']} ms; feedback (on_update + 256-sample render) "
          f"p50 {c['feedback_ms']['p50_ms']} ms, p95 {c['feedback_ms']['p95_ms']} ms; "
          f"crossing blocks ({c['crossing_block_total_ms']['n']}) total p95 {c['crossing_block_total_ms'].get('p95_ms')} ms")
    print("(shared 2-core machine: figures are noisy)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
