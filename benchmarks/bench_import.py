"""Reading other labs' files: XDF (pyxdf) and C3D (ezc3d) against reading the same samples raw.

Run: ``.venv/bin/python benchmarks/bench_import.py [--minutes 10] [--json]``

The data: ``--minutes`` of 8 channels × 2 kHz float32 noise (µV) with a marker every 5 s,
written as an XDF file (the XDF 1.0 writer of ``tests/storage/test_xdf.py``, 500-sample chunks
as LabRecorder writes them) and as a C3D file (ezc3d, volts, one event every 5 s).

- baseline: ``numpy.fromfile`` of the same float32 samples (the least any reader must do);
- xdf: :func:`emgfeedback.storage.xdf.read_xdf` (pyxdf with clock offsets and dejitter);
- c3d: :func:`emgfeedback.storage.c3d.read_c3d` (ezc3d in a child process).

Each is timed twice, alternating, and the fastest kept; the ratio to the baseline is printed.
Peak memory is not measured here (both readers hold the whole file; see docs/analysis.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "storage"))
from test_c3d import write_c3d  # noqa: E402
from test_xdf import XdfStream, write_xdf  # noqa: E402

from emgfeedback.storage.c3d import read_c3d  # noqa: E402
from emgfeedback.storage.xdf import read_xdf  # noqa: E402

FS = 2000.0
LABELS = ("GMax L", "GMed L", "TFL L", "ES L", "GMax R", "GMed R", "TFL R", "ES R")


def _files(d: Path, minutes: float) -> tuple[Path, Path, Path]:
    n = int(minutes * 60 * FS)
    x = np.random.default_rng(0).normal(0, 50, (n, 8)).astype(np.float32)
    t = 1000.0 + np.arange(n) / FS
    marks = np.arange(5.0, n / FS, 5.0)
    write_xdf(d / "r.xdf", [XdfStream("EMG", "EMG", FS, x, t, tuple(f"EMG {lab}" for lab in LABELS)),
                            XdfStream("Cues", "Markers", 0.0, [f"cue {k}" for k in range(marks.size)],
                                      1000.0 + marks)])
    write_c3d(d / "r.c3d", x.T.astype(np.float64) * 1e-6, [f"EMG {lab}" for lab in LABELS], ["V"] * 8,
              fs=FS, events=[(float(m), "General", "cue") for m in marks])
    x.tofile(d / "r.f32")
    return d / "r.xdf", d / "r.c3d", d / "r.f32"


def _best(fn, repeat: int = 2) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv: "list[str] | None" = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        xdf, c3d, raw = _files(Path(tmp), args.minutes)
        base = _best(lambda: np.fromfile(raw, dtype=np.float32).reshape(-1, 8).T.astype(np.float64))
        t_xdf, t_c3d = _best(lambda: read_xdf(xdf)), _best(lambda: read_c3d(c3d))
        sizes = {"xdf_mb": xdf.stat().st_size / 1e6, "c3d_mb": c3d.stat().st_size / 1e6}
    out = {"minutes": args.minutes, "baseline_s": base, "xdf_s": t_xdf, "c3d_s": t_c3d,
           "xdf_ratio": t_xdf / base, "c3d_ratio": t_c3d / base, **sizes}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"{args.minutes:g} min, 8 ch × {FS:g} Hz: raw float32 read {base:.3f} s; "
              f"XDF ({sizes['xdf_mb']:.0f} MB) {t_xdf:.2f} s = {t_xdf / base:.0f}× raw; "
              f"C3D ({sizes['c3d_mb']:.0f} MB) {t_c3d:.2f} s = {t_c3d / base:.0f}× raw")
    return 0


if __name__ == "__main__":
    sys.exit(main())
