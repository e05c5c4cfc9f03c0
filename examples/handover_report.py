"""A handover report from three simulated visits of one patient whose glute max fires earlier each
time (the simulator's ``recovery`` option: 0, 0.5, 1 of the way from lumbar-first to healthy).

Each visit's signal comes from ``sim://?scenario=lbp-lumbar-first&recovery=F``; it is analysed
and its reps are stored as prone hip extension in a fresh session database (dated a week apart,
with an MVC, a plan and notes). The last visit is also written as an EDF+ file naming the
patient; then the command a clinician runs makes the report of that visit:

    emgfeedback analyze OUT/P-0042_visit3.edf --db OUT/sessions.sqlite3 --clinic OUT/clinic.toml \
        --report OUT/handover.pdf

Run:  .venv/bin/python examples/handover_report.py OUTDIR
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import numpy as np

from emgfeedback.analysis import analyze_trial
from emgfeedback.cli import main as cli
from emgfeedback.devices import open_device
from emgfeedback.session.plan import ExercisePlan, PlanItem, plan_to_json
from emgfeedback.session.store import SessionStore
from emgfeedback.storage import SessionDatabase, write_edf

CODE = "P-0042"
SECONDS = 45.0
#: (recovery fraction, visit date, pain 0–10, RPE CR10, note)
VISITS = ((0.0, dt.datetime(2026, 11, 12, 9, 0), 6, 5.0, "Back ache after set 2; cue 'squeeze first'."),
          (0.5, dt.datetime(2026, 11, 19, 9, 0), 4, 4.0, "Glute first more often on the left."),
          (1.0, dt.datetime(2026, 11, 26, 9, 0), 2, 3.0, "Easier today; progress to bridges next week."))
MVC = {"glute_max_left": 210.0, "glute_max_right": 200.0, "lumbar_es_left": 120.0, "lumbar_es_right": 125.0}


def _signal(fraction: float):
    """``SECONDS`` of the simulated patient: (µV array, fs, montage)."""
    with open_device(f"sim://?scenario=lbp-lumbar-first&recovery={fraction:g}&realtime=0&seed=3") as dev:
        dev.start()
        blocks, n = [], 0
        while n < SECONDS * dev.info.fs:
            b = dev.read(timeout=2.0)
            if b is not None:
                blocks.append(b.data)
                n += b.data.shape[1]
        return np.concatenate(blocks, axis=1), dev.info.fs, dev.info.montage


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="folder for the database, the recording and the report")
    args = parser.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    db_path = out / "sessions.sqlite3"
    if db_path.exists():
        print(f"{db_path} exists; give an empty folder", file=sys.stderr)
        return 2
    with SessionDatabase(db_path) as db:
        plan = ExercisePlan((PlanItem("prone_hip_extension", 10, 3, 5.0, 10.0, "both", targets=("glute max first",)),))
        db.set_plan(CODE, plan_to_json(plan))
        for k, (fraction, when, pain, rpe, note) in enumerate(VISITS, 1):
            data, fs, montage = _signal(fraction)
            res = analyze_trial(data, fs, montage, mvc_uv=MVC, source=f"visit {k}")
            sid = db.start_session(CODE, started_at=when)
            store = SessionStore(db, CODE, session_id=sid)
            store.set_protocol("prone_hip_extension")
            store.add_mvc(MVC, VISITS[0][1].isoformat())
            if k == len(VISITS):
                edf = out / f"{CODE}_visit{k}.edf"
                write_edf(edf, data, fs, montage.labels, patient_code=CODE, start=when)
                store.recording_id = db.add_recording(sid, edf.resolve(), fs, data.shape[1] / fs)
            for r in res.reps:
                store.add_rep(r, r.start_s, r.end_s)
            db.set_session_notes(sid, pain=pain, rpe=rpe, text=note)
            print(f"visit {k} ({when:%Y-%m-%d}, recovery {fraction:g}): {res.summary.n_reps} reps stored")
    (out / "clinic.toml").write_text('name = "Example Physiotherapy"\naddress = "1 Demo Street, Sometown"\n',
                                     encoding="utf-8")
    return cli(["analyze", str(out / f"{CODE}_visit3.edf"), "--no-cache", "--db", str(db_path),
                "--clinic", str(out / "clinic.toml"), "--report", str(out / "handover.pdf")])


if __name__ == "__main__":
    sys.exit(main())
