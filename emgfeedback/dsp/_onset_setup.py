"""Per-call setup shared by :func:`~emgfeedback.dsp.onsets.detect_onsets` and
:class:`~emgfeedback.dsp.onsets.StreamingOnsetDetector`: parameters in samples (with the
detector's defaults), the detection signal, thresholds and decisions, the burst tracker, and
events as :class:`~emgfeedback.model.Onset`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from emgfeedback.dsp._baseline import BaselineStats, RestLearner, _n_settle
from emgfeedback.dsp._bursts import BurstTracker, Event
from emgfeedback.dsp._detection_signal import DetectionSignal
from emgfeedback.dsp.detectors import detector_spec
from emgfeedback.model import Montage, Onset
from emgfeedback.validation import check_positive

#: Default localisation window before a detection, s.
DEFAULT_LOCALISE_S = 0.5


@dataclass(frozen=True)
class _Settings:
    method: str
    k: float
    k_off: "float | None"  # end threshold multiplier (hysteresis), None: k
    min_on: int
    off: int
    gap: int
    min_burst: int
    window: int


def _channel_names(channels: "Sequence[str] | Montage | None", n_ch: int) -> tuple[str, ...]:
    if channels is None:
        return tuple(f"ch{i}" for i in range(n_ch))
    names = channels.ids if isinstance(channels, Montage) else tuple(str(c) for c in channels)
    if len(names) != n_ch:
        raise ValueError(
            f"channels names {len(names)} channel(s) but x has {n_ch} row(s); pass one id per row"
        )
    return names


def _samples(value: float, name: str, fs: float, *, allow_zero: bool = False) -> int:
    v = check_positive(value, name, "s", allow_zero=allow_zero)
    return int(round(v * fs)) if allow_zero else max(1, int(round(v * fs)))


def _settings(method: object, fs: float, k: "float | None", min_on_s: float, min_off_s: "float | None",
              merge_gap_s: float = 0.0, min_burst_s: float = 0.0,
              localise_s: float = DEFAULT_LOCALISE_S, k_off: "float | None" = None) -> _Settings:
    spec = detector_spec(method)
    kk = spec.default_k if k is None else check_positive(k, "k")
    if min_off_s is None:
        min_off_s = spec.default_min_off_s
    if k_off is None and spec.default_k_off is not None:
        k_off = min(spec.default_k_off, kk)
    ko = None
    if k_off is not None:
        ko = check_positive(k_off, "k_off")
        if ko > kk:
            raise ValueError(f"k_off ({k_off!r}) must not exceed k ({kk!r}): a burst ends below a threshold "
                             f"no higher than the one that starts it")
        ko = None if ko == kk else ko
    return _Settings(spec.name, kk, ko, _samples(min_on_s, "min_on_s", fs), _samples(min_off_s, "min_off_s", fs),
                     _samples(merge_gap_s, "merge_gap_s", fs, allow_zero=True),
                     _samples(min_burst_s, "min_burst_s", fs, allow_zero=True),
                     _samples(localise_s, "localise_s", fs, allow_zero=True))


def _make_signal(method: str, fs: float, low: float, high: float, mains: "float | None",
                 lp_hz: float, m: "int | None", r0: "int | None", k: "float | None" = None) -> DetectionSignal:
    spec = detector_spec(method)
    return spec.build(fs, low=low, high=high, mains=mains, lp_hz=lp_hz, m=m, r0=r0,
                      k=spec.default_k if k is None else k)


def _thresholds(det: DetectionSignal, stats: BaselineStats, cfg: _Settings
                ) -> "tuple[np.ndarray, np.ndarray | None]":
    """Start threshold and (with hysteresis) the lower end threshold, per channel."""
    on = det.threshold(stats.mean, stats.sd, cfg.k)
    return on, None if cfg.k_off is None else det.threshold(stats.mean, stats.sd, cfg.k_off)


def _decide(det: DetectionSignal, d: np.ndarray, thr: "tuple[np.ndarray, np.ndarray | None]",
            first_index: int, fs: float) -> "tuple[np.ndarray, np.ndarray | None]":
    above, above_off = det.decide_pair(d, *thr)
    _mask_settling(above, first_index, fs)
    if above_off is not None:
        _mask_settling(above_off, first_index, fs)
    return above, above_off


def _decide_learning(det: DetectionSignal, d: np.ndarray, x: np.ndarray,
                     thr: "tuple[np.ndarray, np.ndarray | None]", first_index: int, fs: float,
                     learner: "RestLearner | None", cfg: _Settings
                     ) -> "tuple[np.ndarray, np.ndarray | None, tuple[np.ndarray, np.ndarray | None]]":
    """:func:`_decide` with the thresholds the learner's replacements give from their sample on
    (one code path offline and live: the same splits for any block sizes); also the thresholds
    in force after the block. ``x``: the raw block ``d`` came from."""
    changes = [] if learner is None else learner.update(d, first_index, x)
    if not changes:
        return (*_decide(det, d, thr, first_index, fs), thr)
    ons, offs, a = [], [], 0
    for idx, stats in changes:
        b = idx - first_index
        if b > a:
            on, off = _decide(det, d[:, a:b], thr, first_index + a, fs)
            ons.append(on)
            offs.append(off)
        thr, a = _thresholds(det, stats, cfg), b
    if a < d.shape[1]:
        on, off = _decide(det, d[:, a:], thr, first_index + a, fs)
        ons.append(on)
        offs.append(off)
    above = np.concatenate(ons, axis=1)
    above_off = None if offs[0] is None else np.concatenate(offs, axis=1)
    return above, above_off, thr


def _learner(det: DetectionSignal, cfg: _Settings, n_ch: int, fs: float, n_base: int, window_s: float
             ) -> RestLearner:
    return RestLearner(n_ch, fs, n_base, window_s, lambda mean, sd: det.threshold(mean, sd, cfg.k))


def _mask_settling(above: np.ndarray, first_index: int, fs: float) -> None:
    """Force "below" for samples (absolute index from ``first_index``) inside the settle time."""
    n_settle = _n_settle(fs)
    if first_index < n_settle:
        above[:, : n_settle - first_index] = False


def _tracker(cfg: _Settings, n_ch: int, fs: float, det: DetectionSignal, causal: bool) -> BurstTracker:
    return BurstTracker(n_ch, fs, cfg.min_on, cfg.off, cfg.gap, cfg.min_burst, cfg.window,
                        det.cond_lag_s if causal else 0.0, det.lag_s if causal else 0.0, _n_settle(fs))


def _onsets(events: list[Event], names: tuple[str, ...], t_origin: float) -> list[Onset]:
    return [Onset(t_origin + on, None if off is None else t_origin + off, names[c]) for _, c, on, off in events]
