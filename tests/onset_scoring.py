"""Scoring of detected onsets against the truth of an independent-generator :class:`Trial`.

Pure functions shared by ``benchmarks/bench_onset_ramps.py`` and the accuracy tests, so both
measure the same way:

- onsets are matched one-to-one per channel, nearest pairs first, within ``tol_s`` (100 ms) by
  :func:`emgfeedback.bench_accuracy.match_onsets`; error = found − true onset;
  recall = matched / true, precision = matched / found;
- firing order (pair trials): per rep, correct when both muscles' true onsets are matched and
  the found onsets put the same muscle first (a tie is wrong); latency = onset of channel 1 −
  onset of channel 0, error = found − true latency;
- live delay: end of the block that reported a matched onset − true onset.

``found`` may be a list of objects with ``.onset_s`` and ``.channel`` (e.g. ``emgfeedback``'s
``Onset``), or a dict ``{channel: [onset_s, ...]}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import numpy as np

from emgfeedback.bench_accuracy import match_onsets

__all__ = ["ChannelScore", "PairScore", "found_by_channel", "score_trial", "score_pairs",
           "score_stream", "pool", "live_reports", "TOL_S"]

TOL_S = 0.1


@dataclass(frozen=True)
class ChannelScore:
    channel: str
    errors_s: tuple  # found − true, matched onsets only, in true-onset order
    n_true: int
    n_found: int
    n_matched: int
    missed: tuple = field(default=())  # true onsets without a match, s
    false: tuple = field(default=())  # found onsets without a match, s

    @property
    def recall(self) -> float:
        return self.n_matched / self.n_true if self.n_true else float("nan")

    @property
    def precision(self) -> float:
        return self.n_matched / self.n_found if self.n_found else float("nan")


@dataclass(frozen=True)
class PairScore:
    n_reps: int
    n_correct: int  # found order equals true order (both found)
    latency_errors_s: tuple  # found − true latency (ch1 − ch0), reps with both matched
    wrong_reps: tuple = field(default=())  # indices of reps with a wrong or missing order

    @property
    def correct_fraction(self) -> float:
        return self.n_correct / self.n_reps if self.n_reps else float("nan")


def found_by_channel(found, channels: Sequence[str]) -> dict:
    """``{channel: sorted onset times}`` from Onset-like objects or a mapping."""
    if isinstance(found, Mapping):
        return {c: sorted(float(v) for v in found.get(c, ())) for c in channels}
    out: dict = {c: [] for c in channels}
    for o in found:
        if o.channel in out:
            out[o.channel].append(float(o.onset_s))
    return {c: sorted(v) for c, v in out.items()}


def _matches(trial, found, tol_s: float) -> list:
    by = found_by_channel(found, trial.channels)
    out = []
    for c, name in enumerate(trial.channels):
        t = [b.onset_s for b in trial.bursts[c]]
        f = by[name]
        out.append((t, f, match_onsets(t, f, tol_s)))
    return out


def score_trial(trial, found, tol_s: float = TOL_S) -> list:
    """Per-channel :class:`ChannelScore` of ``found`` onsets on ``trial``."""
    scores = []
    for name, (t, f, pairs) in zip(trial.channels, _matches(trial, found, tol_s)):
        pairs = sorted(pairs)
        mt = {i for i, _ in pairs}
        mf = {j for _, j in pairs}
        scores.append(ChannelScore(
            channel=name, errors_s=tuple(f[j] - t[i] for i, j in pairs), n_true=len(t), n_found=len(f),
            n_matched=len(pairs), missed=tuple(t[i] for i in range(len(t)) if i not in mt),
            false=tuple(f[j] for j in range(len(f)) if j not in mf)))
    return scores


def score_pairs(trial, found, tol_s: float = TOL_S) -> PairScore:
    """Firing order and latency of a two-channel pair trial (reps = bursts in time order)."""
    if len(trial.channels) != 2 or len(trial.bursts[0]) != len(trial.bursts[1]):
        raise ValueError("score_pairs needs a two-channel trial with one burst per channel per rep")
    m = _matches(trial, found, tol_s)
    got = []
    for t, f, pairs in m:
        d = dict(pairs)
        got.append([f[d[i]] if i in d else None for i in range(len(t))])
    n = len(trial.bursts[0])
    correct, lat, wrong = 0, [], []
    for r in range(n):
        t0, t1 = trial.bursts[0][r].onset_s, trial.bursts[1][r].onset_s
        f0, f1 = got[0][r], got[1][r]
        if f0 is None or f1 is None:
            wrong.append(r)
            continue
        lat.append((f1 - f0) - (t1 - t0))
        if np.sign(f1 - f0) == np.sign(t1 - t0) and f1 != f0:
            correct += 1
        else:
            wrong.append(r)
    return PairScore(n_reps=n, n_correct=correct, latency_errors_s=tuple(lat), wrong_reps=tuple(wrong))


def score_stream(trial, reports: Iterable, tol_s: float = TOL_S) -> list:
    """Live delays, s: ``reports`` are (channel, onset_s, block_end_s) of each reported start."""
    by: dict = {c: [] for c in trial.channels}
    for ch, onset, t_end in reports:
        if ch in by:
            by[ch].append((float(onset), float(t_end)))
    delays = []
    for c, name in enumerate(trial.channels):
        t = [b.onset_s for b in trial.bursts[c]]
        items = by[name]
        for i, j in match_onsets(t, [s for s, _ in items], tol_s):
            delays.append(items[j][1] - t[i])
    return delays


def live_reports(trial, method: str, block_s: float = 0.01) -> list:
    """Run a ``StreamingOnsetDetector`` (defaults) over ``trial`` in ``block_s`` blocks; returns
    (channel, onset_s, block_end_s) of every reported start, for :func:`score_stream`."""
    from emgfeedback.dsp.onsets import StreamingOnsetDetector

    det = StreamingOnsetDetector(trial.fs, trial.channels, method=method)
    nb = max(1, int(round(block_s * trial.fs)))
    n = trial.x.shape[1]
    out = []
    for a in range(0, n, nb):
        b = min(a + nb, n)
        for o in det.process(trial.x[:, a:b], a / trial.fs):
            if o.offset_s is None:
                out.append((o.channel, o.onset_s, b / trial.fs))
    return out


def pool(scores: Iterable) -> dict:
    """Pooled figures of many :class:`ChannelScore`: median/p90 |error| ms, recall, precision."""
    scores = list(scores)
    err = np.abs(np.asarray([e for s in scores for e in s.errors_s], float)) * 1000.0
    n_true = sum(s.n_true for s in scores)
    n_found = sum(s.n_found for s in scores)
    n_match = sum(s.n_matched for s in scores)
    return {
        "median_abs_error_ms": float(np.median(err)) if err.size else float("nan"),
        "p90_abs_error_ms": float(np.percentile(err, 90)) if err.size else float("nan"),
        "median_error_ms": float(np.median([e * 1000.0 for s in scores for e in s.errors_s]))
        if err.size else float("nan"),
        "recall": n_match / n_true if n_true else float("nan"),
        "precision": n_match / n_found if n_found else float("nan"),
        "n_true": n_true, "n_found": n_found, "n_matched": n_match,
    }
