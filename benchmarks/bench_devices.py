"""Device-layer benchmark: protocol decode throughput and pty-to-SampleBlock latency.

Run: ``.venv/bin/python benchmarks/bench_devices.py [--seconds 10] [--json]``

1. Decode: the same wire bytes (8 channels x 2 kHz, 8 int16 samples per frame) through
   ``StreamDecoder.feed`` in 4 KiB reads, and through a bare loop that splits at 0x00 and
   ``struct.unpack``s each frame at fixed offsets (no COBS, no CRC, no checks): the ratio is
   the price of the safety.
2. Latency: a virtual board on a pseudo-terminal streams 8 ch x 2 kHz in real time; each
   ``SampleBlock`` read by the consumer through ``serial://`` (pyserial, reader thread, queue)
   is timed against the moment the board wrote the frame holding its last sample.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import time

import numpy as np

from emgfeedback.devices import open_device
from emgfeedback.protocol import SampleFormat, Samples, StreamDecoder, encode_frame
from emgfeedback.simulation.virtual_board import VirtualBoard

FS = 2000.0
N_CH = 8
SPF = 8


def wire_bytes(seconds: float) -> bytes:
    rng = np.random.default_rng(0)
    n_frames = int(seconds * FS / SPF)
    counts = rng.normal(0, 400, size=(n_frames, N_CH, SPF)).astype(np.int32)
    return b"".join(encode_frame(Samples(i * SPF, counts[i], SampleFormat.INT16, i & 0xFFFF))
                    for i in range(n_frames))


def bench_decode(seconds: float, repeats: int = 5) -> dict:
    wire = wire_bytes(seconds)
    n_frames = wire.count(0)
    reads = [wire[i:i + 4096] for i in range(0, len(wire), 4096)]

    def decoder() -> int:
        dec = StreamDecoder()
        n = 0
        for piece in reads:
            for frame in dec.feed(piece):
                n += frame.n_samples
        return n

    fmt = struct.Struct(f"<BBBHIBBB{N_CH * SPF}h")  # COBS code byte + header + body, no CRC

    def bare() -> int:
        buf = b""
        n = 0
        for piece in reads:
            buf += piece
            *chunks, buf = buf.split(b"\x00")
            for chunk in chunks:
                fields = fmt.unpack_from(chunk)
                n += fields[6]
        return n

    def best(fn) -> float:
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    assert decoder() == bare() == n_frames * SPF
    t_dec, t_bare = best(decoder), best(bare)
    return {
        "frames": n_frames,
        "bytes": len(wire),
        "decoder_frames_per_s": n_frames / t_dec,
        "decoder_samples_per_s": n_frames * SPF / t_dec,
        "decoder_realtime_factor": seconds / t_dec,
        "bare_struct_frames_per_s": n_frames / t_bare,
        "ratio_decoder_over_bare": t_dec / t_bare,
    }


def bench_latency(seconds: float) -> dict:
    written: dict[int, float] = {}

    def tap(frame, t: float) -> None:
        if isinstance(frame, Samples):
            written[frame.sample_index + frame.n_samples - 1] = t

    lat = []
    with VirtualBoard("healthy", FS, samples_per_frame=SPF, tap=tap) as board:
        with open_device(f"serial://{board.path}") as dev:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                block = dev.read(timeout=1.0)
                t = time.monotonic()
                if block is None:
                    continue
                last = block.seq + block.n_samples - 1
                if last in written:
                    lat.append(t - written[last])
            stats = dev.stats
    ms = np.array(lat) * 1e3
    return {
        "blocks": len(lat),
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "max_ms": float(ms.max()),
        "lost_samples": stats.lost_samples,
        "dropped_blocks": stats.dropped_blocks,
        "target_p99_ms": 20.0,
    }


def main(argv: "list[str] | None" = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="stream length for both parts, s")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    result = {"decode": bench_decode(args.seconds), "latency": bench_latency(args.seconds)}
    if args.json:
        print(json.dumps(result))
        return 0
    d, lat = result["decode"], result["latency"]
    print(f"decode  {d['frames']} frames ({d['bytes']} B, {args.seconds:g} s of 8 ch x 2 kHz)")
    print(f"  StreamDecoder     {d['decoder_frames_per_s']:10.0f} frames/s  "
          f"{d['decoder_samples_per_s'] / 1e3:8.0f} k samples/s  ({d['decoder_realtime_factor']:.0f}x real time)")
    print(f"  bare struct loop  {d['bare_struct_frames_per_s']:10.0f} frames/s  "
          f"ratio decoder/bare = {d['ratio_decoder_over_bare']:.1f}x slower")
    print(f"latency pty write -> SampleBlock, {lat['blocks']} blocks: p50 {lat['p50_ms']:.2f} ms, "
          f"p99 {lat['p99_ms']:.2f} ms, max {lat['max_ms']:.2f} ms (target p99 <= 20 ms); "
          f"lost {lat['lost_samples']} samples, dropped {lat['dropped_blocks']} blocks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
