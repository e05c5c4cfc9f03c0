"""What the patient view costs the dashboard: the event loop's time per frame (the session's
ticks, the widgets' updates and every window's painting) with the patient view closed (baseline)
and open, in the same run, on the same simulated patient doing clamshells in real time.

1. **closed** — the dashboard alone (1366 × 768);
2. **open** — the same with the patient view open beside it at 1920 × 1080.

Prints median and 95th percentile ms per frame of each, and the ratio open / closed. Run on
Qt's offscreen platform by default (software painting, no display needed)::

    .venv/bin/python benchmarks/bench_patient_view.py [--seconds 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np


def _frames(app, seconds: float, fps: float = 60.0) -> np.ndarray:
    """Run the event loop for ``seconds``, one pass per frame; ms each pass took."""
    out = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        app.processEvents()
        out.append((time.perf_counter() - t) * 1000.0)
        time.sleep(max(1.0 / fps - (time.perf_counter() - t), 0.0))
    return np.asarray(out)


def main(argv: "list[str] | None" = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="each run, s (default 10)")
    ap.add_argument("--json", action="store_true", help="print JSON")
    args = ap.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from emgfeedback.app.bridge import SessionBridge
    from emgfeedback.app.main_window import MainWindow
    from emgfeedback.app.theme import STYLE_SHEET

    app = QApplication.instance() or QApplication(["bench"])
    app.setStyleSheet(STYLE_SHEET)
    win = MainWindow("sim://?scenario=healthy-clamshell&follow=1", bridge=SessionBridge(fps=60.0))
    win.resize(1366, 768)
    win.show()
    if not win.connect_device():
        print("bench_patient_view: error: cannot start the simulator", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    while win.info is None and time.perf_counter() - t0 < 20:
        app.processEvents()
    win.start_protocol("clamshell")
    _frames(app, 2.0)  # warm-up: fonts, first reps
    closed = _frames(app, args.seconds)
    win.toggle_patient_view()
    win.patient_view.resize(1920, 1080)
    _frames(app, 1.0)
    opened = _frames(app, args.seconds)
    win.close()
    res = {name: {"frames": int(x.size), "median_ms": float(np.median(x)), "p95_ms": float(np.percentile(x, 95))}
           for name, x in (("closed", closed), ("open", opened))}
    res["ratio_median"] = res["open"]["median_ms"] / res["closed"]["median_ms"]
    res["ratio_p95"] = res["open"]["p95_ms"] / res["closed"]["p95_ms"]
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        for name in ("closed", "open"):
            r = res[name]
            print(f"patient view {name:6s}: {r['median_ms']:6.2f} ms median, {r['p95_ms']:6.2f} ms p95 per frame"
                  f" ({r['frames']} frames)")
        print(f"open / closed: {res['ratio_median']:.2f}x median, {res['ratio_p95']:.2f}x p95")
    return 0


if __name__ == "__main__":
    sys.exit(main())
