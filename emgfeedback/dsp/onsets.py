"""Muscle onset (and offset) detection on raw sEMG, offline and live.

Three published detectors, each conditioning the raw µV signal itself (band-pass 20–450 Hz and
a mains notch from :mod:`emgfeedback.dsp.filters`) and sharing one threshold logic
(:class:`~emgfeedback.dsp._hysteresis.RunDebouncer`): a burst starts at the first sample of a run
of at least ``min_on_s`` above threshold and ends at the first sample of a run of at least
``min_off_s`` below it.

- ``"hodges"`` — Hodges & Bui (1996): rectified EMG low-passed at 50 Hz; threshold = baseline
  mean + k·SD, for at least ``min_on_s`` (Hodges & Bui used k = 3 and 25 ms; tuned on the
  simulator our defaults are k = 3.5 and 30 ms, which keep ECG and artefact blips out).
- ``"tkeo"`` — Solnik et al. (2010): the same, on the Teager–Kaiser energy of the EMG.
- ``"bonato"`` — Bonato, D'Alessio & Knaflitz (1998): double threshold; the statistic
  ``x[n−1]² + x[n]²`` exceeds ``ζ·σ²`` (σ² the baseline variance, ζ = k) in at least ``r0`` of
  ``m`` successive samples, for at least ``min_on_s``.

Offline, :func:`detect_onsets` filters forward and backward (``zero_phase=True``), so onsets are
not delayed by the filters. Live, :class:`StreamingOnsetDetector` runs the causal filters block
by block and reports a burst as soon as it is known (``min_on_s`` after it began, plus the
filter delay), back-dated to when it began: its output equals ``detect_onsets(...,
zero_phase=False)`` on the same samples for any block sizes.

References
----------
Hodges PW, Bui BH. A comparison of computer-based methods for the determination of onset of
muscle contraction using electromyography. Electroencephalogr Clin Neurophysiol
1996;101(6):511–519.
Solnik S, Rider P, Steinweg K, DeVita P, Hortobágyi T. Teager–Kaiser energy operator signal
conditioning improves EMG onset detection. Eur J Appl Physiol 2010;110(3):489–498.
Bonato P, D'Alessio T, Knaflitz M. A statistical method for the measurement of muscle
activation intervals from surface myoelectric signal during gait. IEEE Trans Biomed Eng
1998;45(3):287–299.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from emgfeedback.dsp._baseline import BaselineStats, baseline_stats
from emgfeedback.dsp._checks import check_block, check_fs, check_positive, check_signal
from emgfeedback.dsp._detection_signal import METHODS, DetectionSignal, make_detection_signal
from emgfeedback.dsp._hysteresis import BurstEvents, RunDebouncer
from emgfeedback.model import Montage, Onset

__all__ = [
    "METHODS",
    "DEFAULT_K",
    "SETTLE_S",
    "BaselineStats",
    "detect_onsets",
    "detection_signal_stats",
    "StreamingOnsetDetector",
]

#: Default threshold multiplier per method: k·SD above the baseline mean (Hodges, TKEO) or
#: ζ in ``ζ·σ²`` (Bonato).
DEFAULT_K: dict[str, float] = {"hodges": 3.5, "tkeo": 6.0, "bonato": 8.0}

#: Start-up time of the detectors' filters, s: no onset is searched for and no baseline taken
#: in the first ``SETTLE_S`` of a recording or stream (the notch and band-pass settle).
SETTLE_S = 0.3


@dataclass(frozen=True)
class _Settings:
    method: str
    k: float
    min_on: int
    min_off: int


def _channel_names(channels: "Sequence[str] | Montage | None", n_ch: int) -> tuple[str, ...]:
    if channels is None:
        return tuple(f"ch{i}" for i in range(n_ch))
    names = channels.ids if isinstance(channels, Montage) else tuple(str(c) for c in channels)
    if len(names) != n_ch:
        raise ValueError(
            f"channels names {len(names)} channel(s) but x has {n_ch} row(s); pass one id per row"
        )
    return names


def _settings(method: object, fs: float, k: "float | None", min_on_s: float, min_off_s: float) -> _Settings:
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(repr(m) for m in METHODS)}; got {method!r}")
    kk = DEFAULT_K[str(method)] if k is None else check_positive(k, "k")
    on = check_positive(min_on_s, "min_on_s", "s")
    off = check_positive(min_off_s, "min_off_s", "s")
    return _Settings(str(method), kk, max(1, int(round(on * fs))), max(1, int(round(off * fs))))


def _make_signal(method: str, fs: float, low: float, high: float, mains: "float | None",
                 lp_hz: float, m: int, r0: int) -> DetectionSignal:
    return make_detection_signal(method, fs, low=low, high=high, mains=mains, lp_hz=lp_hz, m=m, r0=r0)


def _settled_stats(d: np.ndarray, fs: float, where: object, window_s: float) -> BaselineStats:
    """Baseline statistics of ``d`` ignoring its first :data:`SETTLE_S` (filter start-up)."""
    n_settle = min(int(round(SETTLE_S * fs)), max(d.shape[1] - 2, 0))
    shift = n_settle / fs
    if isinstance(where, (tuple, list)) and len(where) == 2:
        a, b = (float(v) for v in where)
        if b - shift > 0 and a < shift:
            where = (0.0, b - shift)
        else:
            where = (a - shift, b - shift)
    st = baseline_stats(d[:, n_settle:], fs, where, window_s=window_s)  # type: ignore[arg-type]
    return BaselineStats(st.mean, st.sd, st.start_s + shift, st.end_s + shift)


def _mask_settling(above: np.ndarray, first_index: int, fs: float) -> None:
    """Force "below" for samples (absolute index from ``first_index``) inside the settle time."""
    n_settle = int(round(SETTLE_S * fs))
    if first_index < n_settle:
        above[:, : n_settle - first_index] = False


class _EventSink:
    """Turns debouncer events into :class:`Onset` objects with times in seconds."""

    def __init__(self, names: tuple[str, ...], fs: float, t_origin: float, lag_s: float) -> None:
        self.names, self.fs, self.t_origin, self.lag_s = names, fs, t_origin, lag_s

    def time(self, index: np.ndarray) -> np.ndarray:
        return self.t_origin + index / self.fs - self.lag_s

    def onsets(self, ev: BurstEvents) -> list[Onset]:
        """Starts as ``Onset(t, None, ch)``, ends as ``Onset(t_on, t_off, ch)``, in time order."""
        t_on = self.time(ev.onset_index)
        t_ev = self.time(ev.index)
        out = [
            Onset(float(a), None if on else float(b), self.names[c])
            for c, on, a, b in zip(ev.channel.tolist(), ev.is_onset.tolist(), t_on.tolist(), t_ev.tolist())
        ]
        order = np.argsort(ev.known_index, kind="stable")
        return [out[i] for i in order]


def detect_onsets(
    x: np.ndarray,
    fs: float,
    method: str = "hodges",
    *,
    channels: "Sequence[str] | Montage | None" = None,
    baseline: "None | str | tuple[float, float] | BaselineStats" = "auto",
    k: "float | None" = None,
    min_on_s: float = 0.03,
    min_off_s: float = 0.05,
    zero_phase: bool = True,
    mains: "float | None" = 50.0,
    low: float = 30.0,
    high: float = 450.0,
    lp_hz: float = 50.0,
    m: int = 5,
    r0: int = 1,
    baseline_window_s: float = 0.5,
    t0: float = 0.0,
) -> list[Onset]:
    """Find muscle activation bursts in raw sEMG.

    Parameters
    ----------
    x : ndarray, shape (n_samples,) or (n_channels, n_samples)
        Raw signal, µV (the detector band-passes and notches it itself).
    fs : float
        Sample rate, Hz (≥ ~200 Hz; 1000–2000 Hz for the full 20–450 Hz band).
    method : {"hodges", "tkeo", "bonato"}
        Detector (see the module docstring for each one's reference).
    channels : sequence of str or Montage, optional
        Channel id of each row; default ``ch0``, ``ch1``, …
    baseline : "auto", None, (start_s, end_s) or BaselineStats
        Where the muscle is at rest: ``"auto"``/None = the quietest ``baseline_window_s`` window
        of each channel; a ``(start_s, end_s)`` window (s from the start of ``x``); or
        precomputed statistics.
    k : float, optional
        Threshold multiplier (see :data:`DEFAULT_K`).
    min_on_s, min_off_s : float
        Minimum time above threshold to start a burst and below it to end one, s.
    zero_phase : bool
        Filter forward and backward (no filter delay). False gives the causal result that
        :class:`StreamingOnsetDetector` reproduces live; its times are moved back by the
        filters' group delay.
    mains : {50.0, 60.0} or None
        Powerline frequency to notch.
    low, high, lp_hz : float
        Band-pass edges and envelope low-pass (Hodges, TKEO), Hz.
    m, r0 : int
        Bonato's window (samples) and how many exceedances it needs.
    baseline_window_s : float
        Length of the automatic baseline window, s.
    t0 : float
        Time of the first sample, s.

    Returns
    -------
    list of Onset
        One per burst, by onset time; a burst still going at the end has ``offset_s=None``.

    Raises
    ------
    ValueError
        Unknown method, NaN/empty input, bad shape, a baseline window outside the recording,
        or ``fs`` too low for the filters.
    """
    fs = check_fs(fs)
    cfg = _settings(method, fs, k, min_on_s, min_off_s)
    xx = check_signal(x, "x")
    x2 = xx[np.newaxis, :] if xx.ndim == 1 else xx
    names = _channel_names(channels, x2.shape[0])
    det = _make_signal(cfg.method, fs, low, high, mains, lp_hz, m, r0)
    min_len = 3 * (det.sos_cond.shape[0] * 2 + 1) if zero_phase else 1
    if x2.shape[1] <= min_len:
        raise ValueError(
            f"x has {x2.shape[1]} samples, too few to filter; pass at least {min_len + 1} samples "
            f"({(min_len + 1) / fs:.3f} s at {fs:g} Hz)"
        )
    d = det.offline_zero_phase(x2) if zero_phase else det.process(x2)
    stats = baseline if isinstance(baseline, BaselineStats) else _settled_stats(
        d, fs, baseline, baseline_window_s)
    above = det.decide(d, det.threshold(stats.mean, stats.sd, cfg.k))
    _mask_settling(above, 0, fs)
    ev = RunDebouncer(x2.shape[0], cfg.min_on, cfg.min_off).process(above)
    sink = _EventSink(names, fs, float(t0), 0.0 if zero_phase else det.lag_s)
    bursts: dict[tuple[str, float], Onset] = {}
    for o in sink.onsets(ev):
        bursts[(o.channel, o.onset_s)] = o  # an end replaces its open start
    return sorted(bursts.values(), key=lambda o: (o.onset_s, o.channel))


def detection_signal_stats(
    x: np.ndarray, fs: float, method: str = "hodges", *, baseline: "str | tuple[float, float] | None" = "auto",
    zero_phase: bool = False, mains: "float | None" = 50.0, low: float = 30.0, high: float = 450.0,
    lp_hz: float = 50.0, baseline_window_s: float = 0.5,
) -> BaselineStats:
    """Baseline statistics of a method's detection signal, to give a live detector.

    Use it to calibrate a :class:`StreamingOnsetDetector` from a rest recording; parameters as
    in :func:`detect_onsets`.
    """
    fs = check_fs(fs)
    _settings(method, fs, None, 0.025, 0.05)
    xx = check_signal(x, "x")
    x2 = xx[np.newaxis, :] if xx.ndim == 1 else xx
    det = _make_signal(method, fs, low, high, mains, lp_hz, 5, 1)
    d = det.offline_zero_phase(x2) if zero_phase else det.process(x2)
    return _settled_stats(d, fs, baseline, baseline_window_s)


class StreamingOnsetDetector:
    """Live onset detection, fed block by block, all channels at once.

    Parameters
    ----------
    fs : float
        Sample rate, Hz.
    channels : sequence of str or Montage
        Channel id of each row of the blocks.
    method : {"hodges", "tkeo", "bonato"}
        Detector, as in :func:`detect_onsets`.
    k : float, optional
        Threshold multiplier (see :data:`DEFAULT_K`).
    baseline_s : float
        Without ``baseline``, the first ``baseline_s`` seconds are taken as rest: thresholds are
        learnt from them, then those samples are checked too (bursts in them are reported at
        the end of the learning window). The first :data:`SETTLE_S` are never searched.
    baseline : BaselineStats, optional
        Known baseline statistics of the causal detection signal (from
        :func:`detection_signal_stats`); detection starts at the first sample.
    min_on_s, min_off_s, mains, low, high, lp_hz, m, r0
        As in :func:`detect_onsets`.

    Notes
    -----
    ``process`` returns the onsets that became known in the block: a start as
    ``Onset(onset_s, None, channel)`` and, once it ends, the whole burst as
    ``Onset(onset_s, offset_s, channel)``. Times are back-dated to when the burst began (the
    causal filters' group delay is subtracted), so ``block end − onset_s`` is the detection delay.
    """

    def __init__(
        self,
        fs: float,
        channels: "Sequence[str] | Montage",
        *,
        method: str = "hodges",
        k: "float | None" = None,
        baseline_s: float = 1.5,
        baseline: "BaselineStats | None" = None,
        min_on_s: float = 0.03,
        min_off_s: float = 0.05,
        mains: "float | None" = 50.0,
        low: float = 30.0,
        high: float = 450.0,
        lp_hz: float = 50.0,
        m: int = 5,
        r0: int = 1,
    ) -> None:
        self.fs = check_fs(fs)
        self._cfg = _settings(method, self.fs, k, min_on_s, min_off_s)
        self.channels = _channel_names(channels, len(channels))
        self.baseline_s = check_positive(baseline_s, "baseline_s", "s")
        self._n_base = int(round(self.baseline_s * self.fs))
        if self._n_base < int(round(SETTLE_S * self.fs)) + 2:
            raise ValueError(
                f"baseline_s must be longer than the filters' {SETTLE_S:g} s start-up, got {baseline_s!r} s; "
                "use at least 1 s of rest"
            )
        self._given = baseline
        if baseline is not None and baseline.mean.shape != (len(self.channels),):
            raise ValueError(
                f"baseline has statistics for {baseline.mean.shape[0]} channel(s), "
                f"this detector has {len(self.channels)}"
            )
        self._det = _make_signal(self._cfg.method, self.fs, low, high, mains, lp_hz, m, r0)
        self.reset()

    @property
    def method(self) -> str:
        """Detector name."""
        return self._cfg.method

    @property
    def threshold(self) -> "np.ndarray | None":
        """Current per-channel threshold on the detection signal (None while learning)."""
        return self._thr

    @property
    def lag_s(self) -> float:
        """Group delay of the causal filters that onset times are corrected for, s."""
        return self._det.lag_s

    def reset(self) -> None:
        """Start again: filters, baseline (unless given) and bursts are forgotten."""
        self._det.reset()
        self._det.reset_decisions()
        self._deb = RunDebouncer(len(self.channels), self._cfg.min_on, self._cfg.min_off)
        self._thr = None if self._given is None else self._det.threshold(
            self._given.mean, self._given.sd, self._cfg.k)
        self._pending: list[np.ndarray] = []
        self._sink: "_EventSink | None" = None

    def process(self, x_block: np.ndarray, t0: float) -> list[Onset]:
        """Feed the next block (n_channels, n) of raw µV whose first sample is at ``t0`` s.

        Returns
        -------
        list of Onset
            Starts and completed bursts that became known in this block, in the order known.
        """
        x = check_block(x_block, "x_block", len(self.channels))
        if self._sink is None:
            self._sink = _EventSink(self.channels, self.fs, float(t0), self._det.lag_s)
        d = self._det.process(x)
        if self._thr is None:
            self._pending.append(d)
            have = sum(p.shape[1] for p in self._pending)
            if have < self._n_base:
                return []
            d = np.concatenate(self._pending, axis=-1)
            self._pending = []
            stats = _settled_stats(d[:, : self._n_base], self.fs, (0.0, self._n_base / self.fs), 0.5)
            self._thr = self._det.threshold(stats.mean, stats.sd, self._cfg.k)
        above = self._det.decide(d, self._thr)
        _mask_settling(above, self._deb.n_seen, self.fs)
        return self._sink.onsets(self._deb.process(above))
