"""Visits of a recovering patient made with the independent generator (tests/independent_semg.py,
written without emgfeedback.simulation), analysed and stored as the dashboard stores them, then
read back as progress: the check of the progress numbers against signals we did not design.

One visit: ``n_reps`` prone hip extensions, both sides per rep (GMax L/R, ES L/R); per rep and side
the true latency onset(GMax) − onset(ES) is the visit's ``latency_ms`` ± ``jitter_ms``; the
inhibited glute max of an early visit recruits slowly (convex ramp), lumbar ES fast.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from independent_semg import Burst, synthesize

from emgfeedback.analysis import analyze_trial
from emgfeedback.session.history import patient_history
from emgfeedback.session.store import SessionStore
from emgfeedback.storage import SessionDatabase

CHANNELS = ("GMax L", "ES L", "GMax R", "ES R")
FS = 2000.0


@dataclass(frozen=True)
class VisitTruth:
    """What the generator put in one visit: per rep and side the true GMax − ES latency, ms."""

    latency_ms: "tuple[tuple[float, float], ...]"  # (left, right) per rep

    @property
    def median_ms(self) -> "dict[str, float]":
        arr = np.array(self.latency_ms)
        return {"left": float(np.median(arr[:, 0])), "right": float(np.median(arr[:, 1]))}

    @property
    def glute_first_pct(self) -> "dict[str, float]":
        arr = np.array(self.latency_ms)
        return {"left": float(np.mean(arr[:, 0] < 0) * 100), "right": float(np.mean(arr[:, 1] < 0) * 100)}


def visit_trial(latency_ms: float, gmax_ramp_s: float, *, n_reps: int = 8, jitter_ms: float = 15.0,
                snr_db: float = 20.0, model: str = "noise", seed: int = 0):
    """(µV array, truth) of one visit; GMax ramp ``gmax_ramp_s`` (p = 1.8), ES 0.04 s (p = 1)."""
    rng = np.random.default_rng(seed)
    per: list[list[Burst]] = [[], [], [], []]
    lat = []
    t = 2.0
    for _ in range(n_reps):
        pair = []
        for side in (0, 1):
            lead = latency_ms + rng.uniform(-jitter_ms, jitter_ms)
            es_on = t + 0.15 + rng.uniform(-0.02, 0.02)
            gmax_on = es_on + lead / 1000.0
            end = max(es_on, gmax_on) + max(gmax_ramp_s, 0.04) + 2.0
            per[2 * side].append(Burst(gmax_on, end + gmax_ramp_s, gmax_ramp_s, 1.8))
            per[2 * side + 1].append(Burst(es_on, end + 0.04, 0.04, 1.0))
            pair.append(lead)
        lat.append(tuple(pair))
        t = max(b.offset_s for ch in per for b in ch[-1:]) + 2.5
    trial = synthesize(per, int(np.ceil((t + 1.0) * FS)), fs=FS, snr_db=snr_db, model=model,
                       amplitude_uv=150.0, channels=CHANNELS, seed=rng)
    return trial.x, VisitTruth(tuple(lat))


def store_visits(db_path: Path, code: str, visits, *, seed_offset: int = 0, **trial_kw) -> "list[VisitTruth]":
    """Analyse each (latency_ms, gmax_ramp_s) visit and store its reps in a visit of ``code``,
    a week apart, as prone hip extension; returns the truths."""
    truths = []
    with SessionDatabase(db_path) as db:
        for k, (latency, ramp) in enumerate(visits):
            x, truth = visit_trial(latency, ramp, seed=seed_offset + k, **trial_kw)
            res = analyze_trial(x, FS, CHANNELS)
            sid = db.start_session(code, started_at=dt.datetime(2026, 3, 2) + dt.timedelta(days=7 * k))
            store = SessionStore(db, code, session_id=sid)
            store.set_protocol("prone_hip_extension")
            for r in res.reps:
                store.add_rep(r, r.start_s, r.end_s)
            db.end_session(sid)
            truths.append(truth)
    return truths


def measured(db_path: Path, code: str):
    """The patient's history as the progress page and `progress` read it."""
    with SessionDatabase(db_path) as db:
        return patient_history(db, code)
