"""CPU cost of recording 8 channels x 2 kHz live to a crash-safe EDF+ file.

    .venv/bin/python benchmarks/bench_storage.py [--seconds 20] [--block 20] [--dir DIR] [--bdf]

A paced device replays precomputed simulated samples in real time (so signal generation costs
nothing during the measurement). Two runs of the same length, in this process:

- baseline: the device and a consumer that only takes blocks off its queue;
- recording: the same with :class:`emgfeedback.storage.recorder.Recorder` writing EDF+ (records
  appended as they fill, header count rewritten, fsync once a second).

CPU share = process CPU time / wall time (all threads). The recording cost is the difference
(target: <= 5 % of one core). On a shared machine these figures are noisy: run it twice.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emgfeedback.devices.base import Chunk, Device, EndOfStream
from emgfeedback.model import Montage, StreamInfo
from emgfeedback.simulation import simulate
from emgfeedback.storage.recorder import Recorder


@dataclass(frozen=True)
class _NoOptions:
    pass


class PacedArray(Device):
    """Precomputed samples delivered in real time, ``block`` samples at a time."""

    scheme = ""
    Options = _NoOptions

    def __init__(self, data: np.ndarray, fs: float, block: int) -> None:
        super().__init__("paced://bench", reconnect_timeout_s=0)
        self._x, self._fs, self._block = data, fs, block
        self._pos = 0
        self._t_next = 0.0

    def _open(self) -> StreamInfo:
        return StreamInfo(fs=self._fs, montage=Montage.default(), source="paced://bench", board="bench")

    def _start(self) -> None:
        self._t_next = time.monotonic()

    def _read_chunk(self) -> "Chunk | None":
        if self._pos >= self._x.shape[1]:
            raise EndOfStream
        self._t_next += self._block / self._fs
        wait = self._t_next - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        chunk = self._x[:, self._pos: self._pos + self._block]
        self._pos += self._block
        return Chunk(chunk)


def _measure(run) -> tuple[float, float]:
    c0, w0 = time.process_time(), time.monotonic()
    run()
    return time.process_time() - c0, time.monotonic() - w0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0, help="length of each run, s")
    ap.add_argument("--block", type=int, default=20, help="samples per device block")
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()), help="where to write")
    ap.add_argument("--bdf", action="store_true", help="record BDF+ (24-bit) instead of EDF+")
    args = ap.parse_args()
    fs = 2000.0
    data = simulate("lbp-lumbar-first", args.seconds, fs=fs, seed=0).data

    def baseline() -> None:
        with PacedArray(data, fs, args.block) as dev:
            for _ in dev:
                pass

    out = args.dir / f"bench_storage_{os.getpid()}.{'bdf' if args.bdf else 'edf'}"

    def record() -> None:
        Recorder(PacedArray(data, fs, args.block), out).run()

    try:
        cpu_b, wall_b = _measure(baseline)
        cpu_r, wall_r = _measure(record)
        size = out.stat().st_size
    finally:
        out.unlink(missing_ok=True)
    share_b, share_r = 100 * cpu_b / wall_b, 100 * cpu_r / wall_r
    print(f"recording 8 ch x {fs:g} Hz live, {args.seconds:g} s, blocks of {args.block} samples, "
          f"{'BDF+' if args.bdf else 'EDF+'} in {args.dir}")
    print(f"  baseline (device + consumer):   {share_b:5.2f} % of one core ({cpu_b:.2f} s CPU / {wall_b:.1f} s)")
    print(f"  with EDF recording:             {share_r:5.2f} % of one core ({cpu_r:.2f} s CPU / {wall_r:.1f} s)")
    cost = share_r - share_b
    print(f"  recording cost:                 {cost:5.2f} % of one core "
          f"(target <= 5 %: {'met' if cost <= 5 else 'NOT met'}); file {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
