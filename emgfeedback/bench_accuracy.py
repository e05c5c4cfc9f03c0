"""Detector accuracy on simulated recordings with known truth (``emgfeedback bench --accuracy``).

For every detector × scenario × SNR (× seed) this simulates the scenario, detects onsets on all
channels and compares them with the truth:

- onsets are matched one-to-one to true onsets of the same channel, nearest first, when within
  ``tolerance_s`` (100 ms); recall = matched / true, precision = matched / detected (false
  bursts on resting channels count against precision); error = detected − true onset;
- firing order (glute max vs lumbar ES, per side, per rep) from :func:`~emgfeedback.dsp.timing.firing_order`
  is correct when both muscles are found and the first one is the true first;
- TFL-to-glute ratio per working side from linear envelopes over the samples where both muscles
  are in a detected burst (trimmed by 0.15 s at each end), against the true plateau ratio;
- streaming delay: a :class:`~emgfeedback.dsp.onsets.StreamingOnsetDetector` fed 10 ms blocks;
  delay = end of the block that reported a matched onset − true onset.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np

from emgfeedback.dsp.filters import condition, envelope
from emgfeedback.dsp.onsets import METHODS, StreamingOnsetDetector, detect_onsets
from emgfeedback.dsp.ratios import tfl_to_glute_ratio
from emgfeedback.dsp.timing import firing_order, group_reps
from emgfeedback.model import Channel, Muscle, Onset, Side
from emgfeedback.simulation import list_scenarios, simulate
from emgfeedback.simulation.truth import SimulatedRecording

__all__ = ["TARGETS", "match_onsets", "evaluate_recording", "run_accuracy", "format_accuracy_table"]

#: Issue 3 targets, checked by :func:`format_accuracy_table` and the tests.
TARGETS = {
    "median_abs_error_ms@20": 10.0,
    "median_abs_error_ms@10": 20.0,
    "recall@20": 0.95,
    "precision@20": 0.95,
    "firing_order_correct_pct@20": 95.0,
    "ratio_error_pct": 5.0,
    "stream_delay_median_ms": 60.0,
}


def match_onsets(true_s: Sequence[float], found_s: Sequence[float], tol_s: float = 0.1) -> list[tuple[int, int]]:
    """Pair true and found onset times one-to-one, nearest pairs first, within ``tol_s`` s.

    Returns
    -------
    list of (int, int)
        (index into ``true_s``, index into ``found_s``) for each match.
    """
    t = np.asarray(true_s, dtype=float)
    f = np.asarray(found_s, dtype=float)
    if t.size == 0 or f.size == 0:
        return []
    dist = np.abs(t[:, None] - f[None, :])
    ti, fi = np.nonzero(dist <= tol_s)
    order = np.argsort(dist[ti, fi], kind="stable")
    used_t, used_f, pairs = set(), set(), []
    for i, j in zip(ti[order].tolist(), fi[order].tolist()):
        if i not in used_t and j not in used_f:
            used_t.add(i)
            used_f.add(j)
            pairs.append((i, j))
    return pairs


def _stream_delays(rec: SimulatedRecording, method: str, tol_s: float, block: int) -> list[float]:
    det = StreamingOnsetDetector(rec.fs, rec.montage, method=method)
    delays: list[float] = []
    truth = {cid: [o.onset_s for o in rec.truth.onsets_for(cid)] for cid in rec.montage.ids}
    reported: dict[str, list[tuple[float, float]]] = {cid: [] for cid in rec.montage.ids}
    for b in rec.blocks(block):
        for o in det.process(b.data, b.t0):
            if o.offset_s is None:
                reported[o.channel].append((o.onset_s, b.t_end))
    for cid, items in reported.items():
        for i, j in match_onsets(truth[cid], [s for s, _ in items], tol_s):
            delays.append(items[j][1] - truth[cid][i])
    return delays


def _firing(rec: SimulatedRecording, found: list[Onset], tol_s: float) -> tuple[int, int]:
    correct = total = 0
    reps = group_reps(found)
    for side, first in rec.truth.first_to_fire.items():
        orders = firing_order(found, side, reps=reps, min_muscles=1)
        ids = {Channel(Muscle.GLUTE_MAX, side).id, Channel(Muscle.LUMBAR_ES, side).id}
        for rep in rec.truth.reps:
            fired = {o.channel for o in rec.truth.onsets if o.channel in ids
                     and rep.start_s - 1e-9 <= o.onset_s <= rep.end_s}
            if fired != ids:
                continue
            total += 1
            mine = [fo for fo in orders if rep.start_s - tol_s <= fo.onset_s[0] <= rep.end_s]
            if mine and len(mine[0].order) == 2 and mine[0].first is first:
                correct += 1
    return correct, total


def _ratio_errors(rec: SimulatedRecording, found: list[Onset], trim_s: float = 0.15) -> list[float]:
    errs = []
    env = None
    n = rec.data.shape[1]
    for side, true_ratio in rec.truth.tfl_to_glute_ratio.items():
        if not math.isfinite(true_ratio):
            continue
        if env is None:
            env = envelope(condition(rec.data, rec.fs, zero_phase=True), rec.fs, 6.0, zero_phase=True)
        it, ig = rec.montage.find(Muscle.TFL, side), rec.montage.find(Muscle.GLUTE_MED, side)
        if it is None or ig is None:
            continue
        masks = []
        for cid in (rec.montage.ids[it], rec.montage.ids[ig]):
            m = np.zeros(n, dtype=bool)
            for o in found:
                if o.channel == cid:
                    a = int((o.onset_s + trim_s) * rec.fs)
                    b = n if o.offset_s is None else int((o.offset_s - trim_s) * rec.fs)
                    m[max(a, 0) : max(b, 0)] = True
            masks.append(m)
        est = tfl_to_glute_ratio(env[it], env[ig], active=masks[0] & masks[1])
        errs.append(abs(est / true_ratio - 1.0) * 100.0 if math.isfinite(est) else math.inf)
    return errs


def evaluate_recording(rec: SimulatedRecording, method: str, *, tol_s: float = 0.1,
                       stream: bool = True, block: int = 20) -> dict:
    """Accuracy of one detector on one simulated recording (see the module docstring)."""
    found = detect_onsets(rec.data, rec.fs, method, channels=rec.montage)
    errors: list[float] = []
    n_true = n_found = n_match = 0
    for cid in rec.montage.ids:
        t = [o.onset_s for o in rec.truth.onsets_for(cid)]
        f = [o.onset_s for o in found if o.channel == cid]
        pairs = match_onsets(t, f, tol_s)
        errors += [f[j] - t[i] for i, j in pairs]
        n_true, n_found, n_match = n_true + len(t), n_found + len(f), n_match + len(pairs)
    correct, total = _firing(rec, found, tol_s)
    return {
        "errors_s": errors, "n_true": n_true, "n_found": n_found, "n_matched": n_match,
        "order_correct": correct, "order_total": total, "ratio_errors_pct": _ratio_errors(rec, found),
        "stream_delays_s": _stream_delays(rec, method, tol_s, block) if stream else [],
    }


def _nan_to_none(v: float) -> "float | None":
    return None if v is None or not math.isfinite(v) else round(float(v), 3)


def _summarise(parts: Iterable[dict]) -> dict:
    parts = list(parts)
    err = np.abs(np.concatenate([np.asarray(p["errors_s"], float) for p in parts])) * 1000.0
    n_true = sum(p["n_true"] for p in parts)
    n_found = sum(p["n_found"] for p in parts)
    n_match = sum(p["n_matched"] for p in parts)
    oc, ot = sum(p["order_correct"] for p in parts), sum(p["order_total"] for p in parts)
    ratio = [e for p in parts for e in p["ratio_errors_pct"]]
    delays = [d for p in parts for d in p["stream_delays_s"]]
    return {
        "median_abs_error_ms": _nan_to_none(float(np.median(err)) if err.size else math.nan),
        "p90_abs_error_ms": _nan_to_none(float(np.percentile(err, 90)) if err.size else math.nan),
        "recall": _nan_to_none(n_match / n_true if n_true else math.nan),
        "precision": _nan_to_none(n_match / n_found if n_found else math.nan),
        "firing_order_correct_pct": _nan_to_none(100.0 * oc / ot if ot else math.nan),
        "ratio_error_pct": _nan_to_none(float(np.median(ratio)) if ratio else math.nan),
        "stream_delay_median_ms": _nan_to_none(float(np.median(delays)) * 1000.0 if delays else math.nan),
        "n_true": n_true, "n_found": n_found, "n_reps_ordered": ot,
    }


def run_accuracy(
    snrs: Sequence[float] = (30, 20, 10),
    seeds: Sequence[int] = (0, 1),
    methods: Sequence[str] = METHODS,
    scenarios: "Sequence[str] | None" = None,
    *,
    duration_s: "float | None" = None,
    tol_s: float = 0.1,
    stream: bool = True,
) -> dict:
    """Accuracy of each detector on each scenario at each SNR (JSON-ready dict).

    Parameters
    ----------
    snrs : sequence of float
        Signal-to-noise ratios to simulate, dB.
    seeds : sequence of int
        Simulation seeds; results pool all seeds.
    methods : sequence of str
        Detectors (see :data:`~emgfeedback.dsp.onsets.METHODS`).
    scenarios : sequence of str, optional
        Scenario names; default all.
    duration_s : float, optional
        Recording length, s; default each scenario's natural length.
    tol_s : float
        Matching tolerance, s.
    stream : bool
        Also measure the streaming detection delay (slower).

    Returns
    -------
    dict
        ``rows`` (one per method × scenario × SNR), ``summary`` (per method × SNR pooled over
        scenarios), ``targets`` and the settings used.
    """
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"methods must be drawn from {', '.join(METHODS)}; got {m!r}")
    names = list(scenarios) if scenarios is not None else list_scenarios()
    rows, summary = [], []
    for method in methods:
        for snr in snrs:
            pooled = []
            for name in names:
                parts = [evaluate_recording(simulate(name, duration_s, snr_db=float(snr), seed=int(s)),
                                            method, tol_s=tol_s, stream=stream) for s in seeds]
                pooled += parts
                rows.append({"method": method, "scenario": name, "snr_db": float(snr), **_summarise(parts)})
            summary.append({"method": method, "scenario": "all", "snr_db": float(snr), **_summarise(pooled)})
    return {
        "tolerance_ms": tol_s * 1000.0, "seeds": list(seeds), "snrs_db": [float(s) for s in snrs],
        "duration_s": duration_s, "rows": rows, "summary": summary, "targets": dict(TARGETS),
    }


def _fmt(v: "float | None", spec: str) -> str:
    return "–" if v is None else format(v, spec)


def format_accuracy_table(result: dict) -> str:
    """Markdown tables of a :func:`run_accuracy` result: pooled summary first, then every row."""
    head = ("| method | scenario | SNR dB | median abs err ms | p90 ms | recall | precision | "
            "order correct % | ratio err % | stream delay ms |")
    sep = "|" + "---|" * 10
    lines = [
        f"Onset matching tolerance {result['tolerance_ms']:g} ms; seeds {result['seeds']}; "
        "errors pooled over channels, reps and seeds.", "", "Summary (all scenarios pooled):", "", head, sep,
    ]

    def row(r: dict) -> str:
        return (f"| {r['method']} | {r['scenario']} | {r['snr_db']:g} | {_fmt(r['median_abs_error_ms'], '.1f')} | "
                f"{_fmt(r['p90_abs_error_ms'], '.1f')} | {_fmt(r['recall'], '.3f')} | {_fmt(r['precision'], '.3f')} | "
                f"{_fmt(r['firing_order_correct_pct'], '.1f')} | {_fmt(r['ratio_error_pct'], '.1f')} | "
                f"{_fmt(r['stream_delay_median_ms'], '.0f')} |")

    lines += [row(r) for r in result["summary"]]
    lines += ["", "Per scenario:", "", head, sep] + [row(r) for r in result["rows"]]
    t = result["targets"]
    lines += ["", "Targets: median abs err ≤ {:g} ms at 20 dB and ≤ {:g} ms at 10 dB; recall and precision ≥ {:g} "
              "at 20 dB; firing order ≥ {:g} % at 20 dB; ratio error ≤ {:g} %; stream delay median ≤ {:g} ms.".format(
                  t["median_abs_error_ms@20"], t["median_abs_error_ms@10"], t["recall@20"],
                  t["firing_order_correct_pct@20"], t["ratio_error_pct"], t["stream_delay_median_ms"])]
    return "\n".join(lines)
