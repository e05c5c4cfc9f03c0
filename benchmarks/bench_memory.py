"""Peak memory of ``emgfeedback analyze`` on long recordings: flat in the recording's length.

Run: ``.venv/bin/python benchmarks/bench_memory.py [--minutes 10 60 120] [--no-baseline] [--json]``

For each length an 8-channel × 2 kHz EDF+ file is written with
:class:`emgfeedback.storage.EdfWriter` from :func:`emgfeedback.simulation.simulate` one minute at
a time (scenario ``left-glute-inhibition``, a new seed each minute), then analysed in a child
process:

- chunked: ``emgfeedback analyze FILE --json --no-cache`` (EDF/BDF read in blocks,
  :func:`emgfeedback.analysis.analyze_file`);
- baseline (the whole-file path measured in the same run, unless ``--no-baseline``): a child
  running ``load_recording(FILE)`` then ``analyze_trial`` on the whole array.

The child's peak resident memory comes from its own resource usage (``os.wait4``: the
``ru_maxrss`` that ``resource.getrusage(RUSAGE_CHILDREN)`` reports, per child instead of the
maximum over all children so far). Target: the chunked peak ≤ 400 MB at every length. Exit
status 1 when the target is missed or the two paths find different reps.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_MB = 400.0
_BASELINE = ("import sys, json; from emgfeedback.analysis import analyze_trial, load_recording; "
             "r = load_recording(sys.argv[1]); t = analyze_trial(r.data, r.fs, r.labels); "
             "print(json.dumps({'reps': len(t.reps)}))")


def write_file(path: Path, minutes: int, scenario: str) -> None:
    """``minutes`` of simulated 8-channel 2 kHz EMG, written one minute at a time."""
    from emgfeedback.simulation import simulate
    from emgfeedback.storage import EdfWriter

    w = None
    try:
        for m in range(minutes):
            rec = simulate(scenario, 60.0, fs=2000.0, seed=100 + m)
            if w is None:
                w = EdfWriter(path, rec.fs, rec.montage.labels)
            w.write(rec.data)
    finally:
        if w is not None:
            w.close()


def measure(cmd: list[str]) -> tuple[float, float, str]:
    """Run ``cmd``; its peak RSS (MB), wall time (s) and stdout."""
    t = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as errs:
        p = subprocess.Popen(cmd, stdout=out, stderr=errs)
        _, status, usage = os.wait4(p.pid, 0)  # this child's (and its children's) peak
        wall = time.perf_counter() - t
        p.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        errs.seek(0)
        text, err = out.read().decode(), errs.read().decode(errors="replace")
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({code}): {err.strip()[-500:]}")
    return usage.ru_maxrss / 1024.0, wall, text  # ru_maxrss is in KiB on Linux


def run(minutes: list[int], scenario: str, baseline: bool) -> dict:
    exe = str(Path(sys.executable).with_name("emgfeedback"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for m in minutes:
            path = Path(tmp) / f"m{m}.edf"
            write_file(path, m, scenario)
            mb, wall, text = measure([exe, "analyze", str(path), "--json", "--no-cache"])
            row = {"minutes": m, "file_mb": round(path.stat().st_size / 2**20, 1), "chunked_mb": round(mb, 1),
                   "chunked_s": round(wall, 1), "reps": len(json.loads(text)["reps"])}
            if baseline:
                bmb, bwall, btext = measure([sys.executable, "-c", _BASELINE, str(path)])
                row.update(whole_mb=round(bmb, 1), whole_s=round(bwall, 1), whole_reps=json.loads(btext)["reps"])
            rows.append(row)
            path.unlink()
    peak = max(r["chunked_mb"] for r in rows)
    same = all(r.get("whole_reps", r["reps"]) == r["reps"] for r in rows)
    return {"scenario": scenario, "channels": 8, "fs_hz": 2000.0, "rows": rows, "peak_mb": peak,
            "target_mb": TARGET_MB, "met": peak <= TARGET_MB and same}


def main(argv: "list[str] | None" = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=int, nargs="+", default=[10, 60, 120], help="lengths, min (default 10 60 120)")
    p.add_argument("--scenario", default="left-glute-inhibition", help="simulated scenario")
    p.add_argument("--no-baseline", action="store_true", help="skip the whole-file path (it needs ~20 MB/min)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    if min(args.minutes) < 1:
        p.error("--minutes must be whole minutes ≥ 1")
    out = run(args.minutes, args.scenario, not args.no_baseline)
    if args.json:
        print(json.dumps(out))
    else:
        print(f"peak memory of `emgfeedback analyze FILE --json`, {out['channels']} ch × {out['fs_hz']:.0f} Hz EDF+")
        for r in out["rows"]:
            whole = (f"; whole-file path {r['whole_mb']:.0f} MB, {r['whole_s']:.1f} s"
                     if "whole_mb" in r else "")
            print(f"  {r['minutes']:4d} min ({r['file_mb']:.0f} MB file, {r['reps']} reps): "
                  f"chunked {r['chunked_mb']:.0f} MB, {r['chunked_s']:.1f} s{whole}")
        print(f"  target ≤ {out['target_mb']:.0f} MB at every length: {'met' if out['met'] else 'MISSED'}")
    return 0 if out["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
