"""Detector accuracy on simulated recordings with known truth (``emgfeedback bench --accuracy``).

For every detector × scenario × SNR × seed this simulates the scenario (recruitment ramps per
muscle and scenario, ``simulate(..., ramp="scenario")``), detects onsets on all channels the way
the product does with the default :class:`~emgfeedback.settings.ProcessingSettings` (only the
detector changes: ``settings.with_(onset_method=...)``; offline = what ``analyze`` runs, causal
filters, rest learnt at the start; live = the dashboard's :class:`StreamingOnsetDetector`) and
compares them with the truth:

- **ramp class** of each true burst from its recruitment time ``ramp_s`` (``truth.ramp_s_for``):
  *fast* ≤ 50 ms, *gradual* 50–400 ms (longer ramps, not made by the scenarios, would be
  *slow*). Errors, recall, precision and live delay are reported per class and pooled (*all*);
- onsets are matched one-to-one to true onsets of the same channel, nearest first, when within
  ``tolerance_s`` (100 ms); error = detected − true onset; recall = matched / true;
  precision = matched / detected;
- **precision per ramp class**: a matched detection counts for the class of its true burst; a
  false detection (unmatched) counts against the class of the *nearest true burst of that
  channel*, or against *fast* when the channel has no true burst (a false burst on a resting
  channel);
- **firing order** (glute max vs lumbar ES, per side where the scenario defines which fires
  first, per true rep in which both fire): the product's
  :func:`~emgfeedback.dsp.timing.firing_order` over reps grouped with the settings' rep rule;
  the found rep of a true rep is the one with an onset inside it (from ``tolerance_s`` before its
  start) whose first onset is nearest its start; correct when both muscles are found in that rep
  and the found latency (GMax − ES onset) has the sign of the true latency; a rep where either muscle is missed counts as wrong. Latency error =
  found − true latency, over reps where both were found;
- **TFL-to-glute ratio** per working side from linear envelopes over the samples where both
  muscles are in a detected burst (trimmed by 0.15 s at each end), against the true plateau ratio;
- **live delay**: a :class:`~emgfeedback.dsp.onsets.StreamingOnsetDetector` fed 10 ms blocks;
  delay = end of the block that reported a (matched) onset − true onset.

The independent check (signals from a generator written apart from ``emgfeedback.simulation``)
is ``python benchmarks/bench_onset_ramps.py``.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from emgfeedback.dsp.filters import condition, envelope
from emgfeedback.dsp.onsets import METHODS, StreamingOnsetDetector, detect_onsets
from emgfeedback.dsp.ratios import tfl_to_glute_ratio
from emgfeedback.dsp.timing import firing_order, group_reps
from emgfeedback.model import Channel, Muscle, Onset
from emgfeedback.settings import ProcessingSettings
from emgfeedback.simulation import list_scenarios, simulate
from emgfeedback.simulation.truth import SimulatedRecording

__all__ = ["TARGETS", "RAMP_CLASSES", "ramp_class", "match_onsets", "score_channel", "score_order",
           "evaluate_recording", "run_accuracy", "check_targets", "format_accuracy_table"]

#: Ramp classes by recruitment time: (name, upper bound s); a ramp goes in the first class whose
#: bound it does not exceed.
RAMP_CLASSES = (("fast", 0.05), ("gradual", 0.4), ("slow", math.inf))
DEFAULT_SEEDS = 2
BLOCK_S = 0.01
INDEPENDENT = "python benchmarks/bench_onset_ramps.py"

#: Issue 10 targets: (ramp class or "order", SNR dB, metric, "<=" or ">=", limit).
TARGETS = (
    ("gradual", 20.0, "median_abs_error_ms", "<=", 20.0),
    ("gradual", 10.0, "median_abs_error_ms", "<=", 45.0),
    ("gradual", 20.0, "recall", ">=", 0.98),
    ("gradual", 10.0, "recall", ">=", 0.98),
    ("gradual", 20.0, "precision", ">=", 0.98),
    ("gradual", 10.0, "precision", ">=", 0.98),
    ("fast", 20.0, "median_abs_error_ms", "<=", 5.0),
    ("fast", 10.0, "median_abs_error_ms", "<=", 20.0),
    ("order", 20.0, "firing_order_correct_pct", ">=", 97.0),
    ("order", 10.0, "firing_order_correct_pct", ">=", 97.0),
    ("order", 20.0, "median_abs_latency_error_ms", "<=", 20.0),
    ("order", 10.0, "median_abs_latency_error_ms", "<=", 20.0),
)


def ramp_class(ramp_s: float) -> str:
    """Ramp class of a recruitment time, s: ``"fast"`` (≤ 50 ms), ``"gradual"`` (≤ 400 ms) or ``"slow"``."""
    for name, upper in RAMP_CLASSES:
        if ramp_s <= upper:
            return name
    raise ValueError(f"ramp_s must be a number of seconds, got {ramp_s!r}")


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


def _empty() -> dict:
    return {"errors_s": [], "n_true": 0, "n_found": 0, "n_matched": 0, "stream_delays_s": []}


def score_channel(true_s: Sequence[float], ramps_s: Sequence[float], found_s: Sequence[float],
                  tol_s: float = 0.1) -> dict[str, dict]:
    """Score one channel's detections per ramp class.

    Parameters
    ----------
    true_s, ramps_s : sequence of float
        True onsets and their recruitment times, s (aligned).
    found_s : sequence of float
        Detected onsets, s.
    tol_s : float
        Matching tolerance, s.

    Returns
    -------
    dict of str to dict
        Per ramp class present: ``errors_s`` (found − true), ``n_true``, ``n_found``,
        ``n_matched``. A false detection is counted in ``n_found`` of the class of the nearest
        true burst, or of ``"fast"`` when there is none.
    """
    if len(true_s) != len(ramps_s):
        raise ValueError(f"ramps_s must give one ramp per true onset: {len(true_s)} onsets, {len(ramps_s)} ramps")
    cls = [ramp_class(r) for r in ramps_s]
    out: dict[str, dict] = {}

    def part(c: str) -> dict:
        return out.setdefault(c, _empty())

    for c in cls:
        part(c)["n_true"] += 1
    pairs = match_onsets(true_s, found_s, tol_s)
    matched = set()
    for i, j in pairs:
        p = part(cls[i])
        p["errors_s"].append(float(found_s[j]) - float(true_s[i]))
        p["n_matched"] += 1
        p["n_found"] += 1
        matched.add(j)
    t = np.asarray(true_s, dtype=float)
    for j, f in enumerate(found_s):
        if j in matched:
            continue
        part(cls[int(np.argmin(np.abs(t - f)))] if t.size else "fast")["n_found"] += 1
    return out


def _truth_by_channel(rec: SimulatedRecording) -> dict[str, tuple[list[float], list[float]]]:
    out = {}
    for cid in rec.montage.ids:
        onsets = [o.onset_s for o in rec.truth.onsets_for(cid)]
        ramps = rec.truth.ramp_s_for(cid)
        if len(ramps) != len(onsets):
            raise ValueError(f"the truth of {rec.truth.scenario!r} has no recruitment ramp for every burst "
                             f"of {cid}; simulate it with emgfeedback.simulation.simulate")
        out[cid] = (onsets, ramps)
    return out


def _stream_delays(rec: SimulatedRecording, settings: ProcessingSettings, tol_s: float,
                   truth: dict, parts: dict[str, dict]) -> None:
    det = StreamingOnsetDetector(rec.fs, rec.montage, baseline_s=settings.baseline_s, **settings.onset_kwargs())
    reported: dict[str, list[tuple[float, float]]] = {cid: [] for cid in rec.montage.ids}
    for b in rec.blocks(max(1, int(round(BLOCK_S * rec.fs)))):
        for o in det.process(b.data, b.t0):
            if o.offset_s is None:
                reported[o.channel].append((o.onset_s, b.t_end))
    for cid, items in reported.items():
        t, ramps = truth[cid]
        for i, j in match_onsets(t, [s for s, _ in items], tol_s):
            parts.setdefault(ramp_class(ramps[i]), _empty())["stream_delays_s"].append(items[j][1] - t[i])


def score_order(rec: SimulatedRecording, found: Sequence[Onset], *, tol_s: float = 0.1,
                join_s: float = 0.3) -> dict:
    """Firing order and GMax − ES latency per side and true rep (see the module docstring).

    Returns
    -------
    dict
        ``order_correct``, ``order_total`` and ``latency_errors_s`` (found − true latency, s).
    """
    correct = total = 0
    lat_err: list[float] = []
    reps = group_reps(list(found), join_s=join_s)
    for side in rec.truth.first_to_fire:
        g_id, e_id = Channel(Muscle.GLUTE_MAX, side).id, Channel(Muscle.LUMBAR_ES, side).id
        orders = firing_order(found, side, reps=reps, min_muscles=1)
        for rep in rec.truth.reps:
            first = {}
            for o in rec.truth.onsets:
                if o.channel in (g_id, e_id) and rep.start_s - 1e-9 <= o.onset_s <= rep.end_s:
                    first.setdefault(o.channel, o.onset_s)
            if len(first) != 2:
                continue
            total += 1
            true_lat = first[g_id] - first[e_id]
            mine = [fo for fo in orders if any(rep.start_s - tol_s <= t <= rep.end_s for t in fo.onset_s)]
            if not mine:
                continue
            fo = min(mine, key=lambda fo: abs(min(fo.onset_s) - rep.start_s))
            if len(fo.order) != 2:
                continue
            t = dict(zip(fo.order, fo.onset_s))
            lat = t[Muscle.GLUTE_MAX] - t[Muscle.LUMBAR_ES]
            lat_err.append(lat - true_lat)
            if lat * true_lat > 0:
                correct += 1
    return {"order_correct": correct, "order_total": total, "latency_errors_s": lat_err}


def _ratio_errors(rec: SimulatedRecording, found: list[Onset], settings: ProcessingSettings,
                  trim_s: float = 0.15) -> list[float]:
    errs = []
    env = None
    n = rec.data.shape[1]
    for side, true_ratio in rec.truth.tfl_to_glute_ratio.items():
        if not math.isfinite(true_ratio):
            continue
        if env is None:
            env = envelope(condition(rec.data, rec.fs, settings.low_hz, min(settings.high_hz, 0.45 * rec.fs),
                                     settings.mains_hz, zero_phase=True), rec.fs, settings.envelope_hz,
                           zero_phase=True)
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


def _detect(rec: SimulatedRecording, settings: ProcessingSettings) -> list[Onset]:
    """Offline onsets as ``analyze`` finds them (causal filters, the settings' rest rule)."""
    if settings.baseline == "start":
        extra: dict = {"baseline": "start", "baseline_s": settings.baseline_s}
    else:
        extra = {"baseline": "auto"}
    return detect_onsets(rec.data, rec.fs, channels=rec.montage, zero_phase=False, **extra,
                         **settings.onset_kwargs())


def evaluate_recording(rec: SimulatedRecording, method: "str | None" = None, *, tol_s: float = 0.1,
                       stream: bool = True, settings: "ProcessingSettings | None" = None) -> dict:
    """Accuracy of one detector on one simulated recording (see the module docstring).

    ``settings`` default to the product's; ``method`` replaces their detector.

    Returns
    -------
    dict
        ``classes`` (per ramp class: ``errors_s``, ``n_true``, ``n_found``, ``n_matched``,
        ``stream_delays_s``), ``order_correct``, ``order_total``, ``latency_errors_s``,
        ``ratio_errors_pct``.
    """
    st = ProcessingSettings() if settings is None else settings
    if method is not None:
        st = st.with_(onset_method=method)
    found = _detect(rec, st)
    truth = _truth_by_channel(rec)
    parts: dict[str, dict] = {}
    for cid, (t, ramps) in truth.items():
        for c, p in score_channel(t, ramps, [o.onset_s for o in found if o.channel == cid], tol_s).items():
            q = parts.setdefault(c, _empty())
            q["errors_s"] += p["errors_s"]
            for key in ("n_true", "n_found", "n_matched"):
                q[key] += p[key]
    if stream:
        _stream_delays(rec, st, tol_s, truth, parts)
    return {"classes": parts, **score_order(rec, found, tol_s=tol_s, join_s=st.rep_join_s),
            "ratio_errors_pct": _ratio_errors(rec, found, st)}


def _r(v: float) -> "float | None":
    return None if v is None or not math.isfinite(v) else round(float(v), 3)


def _median_ms(values: Sequence[float]) -> "float | None":
    return _r(float(np.median(np.abs(values))) * 1000.0) if len(values) else None


def _class_summary(parts: Sequence[dict]) -> dict:
    err = [e for p in parts for e in p["errors_s"]]
    n_true = sum(p["n_true"] for p in parts)
    n_found = sum(p["n_found"] for p in parts)
    n_match = sum(p["n_matched"] for p in parts)
    delays = [d for p in parts for d in p["stream_delays_s"]]
    return {
        "median_abs_error_ms": _median_ms(err),
        "p90_abs_error_ms": _r(float(np.percentile(np.abs(err), 90)) * 1000.0) if err else None,
        "median_error_ms": _r(float(np.median(err)) * 1000.0) if err else None,
        "recall": _r(n_match / n_true) if n_true else None,
        "precision": _r(n_match / n_found) if n_found else None,
        "live_delay_median_ms": _r(float(np.median(delays)) * 1000.0) if delays else None,
        "n_true": n_true, "n_found": n_found, "n_matched": n_match,
    }


def _summaries(recs: Sequence[dict]) -> list[dict]:
    """One summary per ramp class present, then ``all``."""
    names = [c for c, _ in RAMP_CLASSES if any(c in r["classes"] for r in recs)]
    rows = [{"ramp_class": c, **_class_summary([r["classes"][c] for r in recs if c in r["classes"]])}
            for c in names]
    rows.append({"ramp_class": "all", **_class_summary([p for r in recs for p in r["classes"].values()])})
    return rows


def _order_summary(recs: Sequence[dict]) -> dict:
    oc, ot = sum(r["order_correct"] for r in recs), sum(r["order_total"] for r in recs)
    lat = [e for r in recs for e in r["latency_errors_s"]]
    ratio = [e for r in recs for e in r["ratio_errors_pct"]]
    return {
        "firing_order_correct_pct": _r(100.0 * oc / ot) if ot else None,
        "n_reps_ordered": ot,
        "median_abs_latency_error_ms": _median_ms(lat),
        "n_latencies": len(lat),
        "ratio_error_pct": _r(float(np.median(ratio))) if ratio else None,
        "n_ratios": len(ratio),
    }


def _command(snrs, seeds, methods, scenarios, duration_s, tol_s, stream) -> str:
    if (tuple(float(s) for s in snrs) == (30.0, 20.0, 10.0) and tuple(methods) == tuple(METHODS)
            and scenarios is None and tol_s == 0.1 and stream and list(seeds) == list(range(len(seeds)))):
        cmd = "emgfeedback bench --accuracy"
        if len(seeds) != DEFAULT_SEEDS:
            cmd += f" --seeds {len(seeds)}"
        if duration_s is not None:
            cmd += f" --duration {duration_s:g}"
        return cmd
    args = [f"snrs={tuple(snrs)!r}", f"seeds={tuple(seeds)!r}", f"methods={tuple(methods)!r}"]
    if scenarios is not None:
        args.append(f"scenarios={tuple(scenarios)!r}")
    if duration_s is not None:
        args.append(f"duration_s={duration_s!r}")
    if tol_s != 0.1:
        args.append(f"tol_s={tol_s!r}")
    if not stream:
        args.append("stream=False")
    return ("python -c \"from emgfeedback.bench_accuracy import run_accuracy, format_accuracy_table; "
            f"print(format_accuracy_table(run_accuracy({', '.join(args)})))\"")


def run_accuracy(
    snrs: Sequence[float] = (30, 20, 10),
    seeds: Sequence[int] = tuple(range(DEFAULT_SEEDS)),
    methods: Sequence[str] = METHODS,
    scenarios: "Sequence[str] | None" = None,
    *,
    duration_s: "float | None" = None,
    tol_s: float = 0.1,
    stream: bool = True,
    command: "str | None" = None,
) -> dict:
    """Accuracy of each detector on each scenario at each SNR, per ramp class (JSON-ready dict).

    Parameters
    ----------
    snrs : sequence of float
        Signal-to-noise ratios to simulate, dB.
    seeds : sequence of int
        Simulation seeds; results pool all seeds.
    methods : sequence of str
        Detectors (see :data:`~emgfeedback.dsp.onsets.METHODS`); the rest of the settings are
        the product's defaults.
    scenarios : sequence of str, optional
        Scenario names; default all.
    duration_s : float, optional
        Recording length, s; default each scenario's natural length.
    tol_s : float
        Matching tolerance, s.
    stream : bool
        Also measure the live delay (slower).
    command : str, optional
        The command that made the result, shown with the table; default a command that
        reproduces it.

    Returns
    -------
    dict
        ``rows`` (per method × SNR × ramp class, all scenarios pooled, then ``all`` classes),
        ``order`` (per method × SNR: firing order, latency error, ratio error),
        ``scenario_rows`` (per method × scenario × SNR, classes pooled), ``targets`` (each
        target with the measured value per method and PASS/FAIL), ``settings``, ``command``.
    """
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"methods must be drawn from {', '.join(METHODS)}; got {m!r}")
    if not len(seeds):
        raise ValueError("seeds must name at least one seed")
    names = list(scenarios) if scenarios is not None else list_scenarios()
    base = ProcessingSettings()
    rows, order, scen_rows = [], [], []
    for method in methods:
        st = base.with_(onset_method=method)
        for snr in snrs:
            pooled = []
            for name in names:
                parts = [evaluate_recording(simulate(name, duration_s, snr_db=float(snr), seed=int(s),
                                                     ramp="scenario"),
                                            tol_s=tol_s, stream=stream, settings=st) for s in seeds]
                pooled += parts
                scen_rows.append({"method": method, "scenario": name, "snr_db": float(snr),
                                  **_summaries(parts)[-1], **_order_summary(parts)})
            rows += [{"method": method, "snr_db": float(snr), **r} for r in _summaries(pooled)]
            order.append({"method": method, "snr_db": float(snr), **_order_summary(pooled)})
    result = {
        "command": command or _command(snrs, seeds, methods, scenarios, duration_s, tol_s, stream),
        "tolerance_ms": tol_s * 1000.0, "seeds": [int(s) for s in seeds], "snrs_db": [float(s) for s in snrs],
        "methods": list(methods), "scenarios": names, "duration_s": duration_s, "ramp": "scenario",
        "block_ms": BLOCK_S * 1000.0, "settings": base.to_dict(), "default_method": base.onset_method,
        "ramp_classes": {c: (None if math.isinf(u) else u * 1000.0) for c, u in RAMP_CLASSES},
        "rows": rows, "order": order, "scenario_rows": scen_rows, "independent": INDEPENDENT,
    }
    result["targets"] = check_targets(result)
    return result


def check_targets(result: dict) -> list[dict]:
    """Each of :data:`TARGETS` with the measured value and PASS/FAIL per method of ``result``.

    A value that could not be measured (no bursts of the class, no rep ordered) fails.
    """
    out = []
    for cls, snr, metric, op, limit in TARGETS:
        per = {}
        for method in result["methods"]:
            if cls == "order":
                hit = [r for r in result["order"] if r["method"] == method and r["snr_db"] == snr]
            else:
                hit = [r for r in result["rows"]
                       if r["method"] == method and r["snr_db"] == snr and r["ramp_class"] == cls]
            if not hit:
                continue  # SNR not run
            v = hit[0][metric]
            ok = v is not None and (v <= limit if op == "<=" else v >= limit)
            per[method] = {"value": v, "pass": bool(ok)}
        if per:
            out.append({"ramp_class": cls, "snr_db": snr, "metric": metric, "op": op, "limit": limit,
                        "methods": per})
    return out


def format_accuracy_table(result: dict) -> str:
    """Markdown report of a :func:`run_accuracy` result (see :mod:`emgfeedback.bench_accuracy_table`)."""
    from emgfeedback.bench_accuracy_table import format_table

    return format_table(result)
