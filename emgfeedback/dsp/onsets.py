"""Muscle onset (and offset) detection on raw sEMG, offline and live.

Detectors are registered by name (:mod:`emgfeedback.dsp.detectors`); three published ones are
built in, each conditioning the raw µV signal itself (band-pass and a mains notch from
:mod:`emgfeedback.dsp.filters`). Detection and localisation are separate steps, shared by every
method, offline and live (:class:`~emgfeedback.dsp._bursts.BurstTracker`):

1. detection — a burst starts at the first sample of a run of at least ``min_on_s`` above
   threshold and ends at the first sample of a run of at least ``min_off_s`` below it, unless
   another starts within ``merge_gap_s`` (then the two are one: a contraction whose level
   wanders stays one burst); bursts shorter than ``min_burst_s`` are no onsets;
2. localisation — the onset is placed by a maximum-likelihood change point (rest, then a rising
   variance; Staude et al. 2001's AGLR generalised to ramps, :mod:`emgfeedback.dsp._localise`)
   on the conditioned EMG's energy in the ``localise_s`` before the detection, because every
   threshold fires part-way up a recruitment ramp.

- ``"hodges"`` — Hodges & Bui (1996): rectified EMG low-passed at 50 Hz; threshold = baseline
  mean + k·SD, for at least ``min_on_s`` (Hodges & Bui used k = 3 and 25 ms; tuned on the
  simulator and real leg EMG our defaults are k = 4.5, 30 ms, and an end threshold k_off = 3.75).
- ``"tkeo"`` — Solnik et al. (2010): the same, on the Teager–Kaiser energy of the EMG.
- ``"bonato"`` — Bonato, D'Alessio & Knaflitz (1998): double threshold; the statistic
  ``x[n−1]² + x[n]²`` exceeds ``ζ·σ²`` (σ² the baseline variance, ζ = k) in at least ``r0`` of
  ``m`` successive samples, for at least ``min_on_s``.

Offline, :func:`detect_onsets` filters forward and backward (``zero_phase=True``), so onsets are
not delayed by the filters. Live, :class:`StreamingOnsetDetector` runs the causal filters block
by block and reports a burst as soon as it is known (``max(min_on_s, min_burst_s)`` after the
threshold crossing, plus the filter delay), back-dated to the localised onset: its output equals
``detect_onsets(..., zero_phase=False)`` on the same samples for any block sizes.

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
Staude G, Flachenecker C, Daumer M, Wolf W. Onset detection in surface electromyographic
signals: a systematic comparison of methods. EURASIP J Appl Signal Process 2001;2:67–81.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from emgfeedback.dsp._baseline import SETTLE_S, BaselineStats, _settled_stats, _start_samples, _start_stats
from emgfeedback.dsp._checks import check_block, check_fs, check_signal
from emgfeedback.dsp._detection_signal import conditioning_sos
from emgfeedback.dsp._onset_setup import (
    DEFAULT_LOCALISE_S,
    _channel_names,
    _decide_learning,
    _learner,
    _make_signal,
    _onsets,
    _settings,
    _thresholds,
    _tracker,
)
from emgfeedback.dsp.detectors import DefaultK, MethodNames, detector_spec
from emgfeedback.model import Montage, Onset
from emgfeedback.validation import check_option, check_positive

__all__ = [
    "METHODS",
    "DEFAULT_K",
    "DEFAULT_METHOD",
    "SETTLE_S",
    "BaselineStats",
    "detect_onsets",
    "detection_signal_stats",
    "StreamingOnsetDetector",
    "conditioning_sos",
]

#: Registered detector names (a live sequence: detectors registered later appear in it).
METHODS = MethodNames()

#: Default threshold multiplier per method: k·SD above the baseline mean (Hodges, TKEO) or
#: ζ in ``ζ·σ²`` (Bonato); a live mapping over the registry.
DEFAULT_K = DefaultK()

#: Default detector: the best measured onset timing (docs/onsets.md).
DEFAULT_METHOD = "hodges"
#: Default burst rules, s (measurements in docs/onsets.md).
DEFAULT_MERGE_GAP_S = 0.5
DEFAULT_MIN_BURST_S = 0.15
#: Default end-threshold multiplier: None = the detector's own (registry; None there: no hysteresis).
DEFAULT_K_OFF: "float | None" = None



def detect_onsets(
    x: np.ndarray,
    fs: float,
    method: str = DEFAULT_METHOD,
    *,
    channels: "Sequence[str] | Montage | None" = None,
    baseline: "None | str | tuple[float, float] | BaselineStats" = "auto",
    k: "float | None" = None,
    min_on_s: float = 0.03,
    min_off_s: "float | None" = None,
    merge_gap_s: float = DEFAULT_MERGE_GAP_S,
    min_burst_s: float = DEFAULT_MIN_BURST_S,
    zero_phase: bool = True,
    mains: "float | None" = 50.0,
    low: float = 30.0,
    high: float = 450.0,
    lp_hz: float = 50.0,
    m: "int | None" = None,
    r0: "int | None" = None,
    baseline_window_s: float = 0.5,
    baseline_s: float = 1.5,
    localise_s: float = DEFAULT_LOCALISE_S,
    k_off: "float | None" = DEFAULT_K_OFF,
    t0: float = 0.0,
    conditioned: "np.ndarray | None" = None,
) -> list[Onset]:
    """Find muscle activation bursts in raw sEMG and localise their onsets.

    Parameters
    ----------
    x : ndarray, shape (n_samples,) or (n_channels, n_samples)
        Raw signal, µV (the detector band-passes and notches it itself).
    fs : float
        Sample rate, Hz (≥ ~200 Hz; 1000–2000 Hz for the full 20–450 Hz band).
    method : str
        A registered detector (:data:`METHODS`; see :mod:`emgfeedback.dsp.detectors`).
    channels : sequence of str or Montage, optional
        Channel id of each row; default ``ch0``, ``ch1``, …
    baseline : "auto", "quietest", "start", None, (start_s, end_s) or BaselineStats
        Where the muscle is at rest: ``"auto"``/``"quietest"``/None = the quietest
        ``baseline_window_s`` window of each channel in the whole recording; ``"start"`` = the
        quietest such window inside the first ``baseline_s`` (after :data:`SETTLE_S`), replaced
        later by a clearly quieter window when the start was no rest
        (:class:`~emgfeedback.dsp._baseline.RestLearner`), what :class:`StreamingOnsetDetector`
        does live; a ``(start_s, end_s)`` window (s from the start of ``x``); or precomputed
        statistics. With every rule, a burst that starts before the first rest after
        :data:`SETTLE_S` was on at the start: it has no onset and is not reported.
    k : float, optional
        Threshold multiplier (see :data:`DEFAULT_K`) of the start threshold.
    k_off : float, optional
        Multiplier of the end threshold (hysteresis, ``k_off ≤ k``): bursts live on this lower
        threshold (a dip ends a burst only below it, and a rise above it within ``merge_gap_s``
        resumes the burst), a new burst needs ``min_on_s`` above the start threshold; None: the
        detector's default (:mod:`~emgfeedback.dsp.detectors`; ``tkeo`` 4, others none); ``k``:
        no hysteresis.
    min_on_s, min_off_s : float
        Minimum time above the start threshold to start a burst and below the end threshold to
        end one, s (``min_off_s`` None: the detector's default, 0.05 s; ``tkeo`` 0.1 s).
    merge_gap_s : float
        Bursts separated by less than this (end to next start) are one burst, s; the end of a
        burst is then known ``merge_gap_s + min_on_s`` after it at the latest.
    min_burst_s : float
        Bursts shorter than this (threshold crossing to end) are not onsets, s.
    zero_phase : bool
        Filter forward and backward (no filter delay). False gives the causal result that
        :class:`StreamingOnsetDetector` reproduces live; its times are moved back by the
        filters' group delay.
    mains : {50.0, 60.0} or None
        Powerline frequency to notch.
    low, high, lp_hz : float
        Band-pass edges and envelope low-pass (Hodges, TKEO), Hz.
    m, r0 : int, optional
        Bonato's window (samples) and how many exceedances it needs; default ~30 ms and the r0
        that gives Bonato's false-alarm probability (see :mod:`~emgfeedback.dsp._detection_signal`).
    baseline_window_s : float
        Length of the rest window of the "auto" and "start" rules, s.
    baseline_s : float
        Stretch at the start searched by the "start" rule, s.
    localise_s : float
        Energy searched for the onset before each detection, s (0: keep the detector's time).
    t0 : float
        Time of the first sample, s.
    conditioned : ndarray, optional
        ``x`` already filtered causally (from zero state) with :func:`conditioning_sos` — the
        caller's own band-pass + notch, not repeated here (``zero_phase=False`` only).

    Returns
    -------
    list of Onset
        One per burst, by onset time; a burst still going at the end has ``offset_s=None``.

    Raises
    ------
    ValueError
        Unknown method (with "did you mean"), NaN/empty input, bad shape, a baseline window
        outside the recording, or ``fs`` too low for the filters.
    """
    fs = check_fs(fs)
    cfg = _settings(method, fs, k, min_on_s, min_off_s, merge_gap_s, min_burst_s, localise_s, k_off)
    xx = check_signal(x, "x")
    x2 = xx[np.newaxis, :] if xx.ndim == 1 else xx
    names = _channel_names(channels, x2.shape[0])
    det = _make_signal(cfg.method, fs, low, high, mains, lp_hz, m, r0, cfg.k)
    min_len = 3 * (det.sos_cond.shape[0] * 2 + 1) if zero_phase else 1
    if x2.shape[1] <= min_len:
        raise ValueError(
            f"x has {x2.shape[1]} samples, too few to filter; pass at least {min_len + 1} samples "
            f"({(min_len + 1) / fs:.3f} s at {fs:g} Hz)"
        )
    if conditioned is not None:
        if zero_phase:
            raise ValueError("conditioned= is the causal conditioning; it needs zero_phase=False")
        conditioned = check_block(conditioned, "conditioned", x2.shape[0])
        if conditioned.shape != x2.shape:
            raise ValueError(f"conditioned has shape {conditioned.shape}, x has {x2.shape}; pass x conditioned")
    d, e = det.offline_with_energy(x2) if zero_phase else det.process_with_energy(x2, conditioned)
    learner = None
    if isinstance(baseline, BaselineStats):
        stats = baseline
    elif isinstance(baseline, str) and baseline == "start":
        learner = _learner(det, cfg, x2.shape[0], fs, _start_samples(fs, baseline_s, baseline_window_s),
                           baseline_window_s)
        stats = learner.start(_start_stats(d, fs, learner.n_base, baseline_window_s))
    else:
        stats = _settled_stats(d, fs, baseline, baseline_window_s)
    above, above_off, _ = _decide_learning(det, d, x2, _thresholds(det, stats, cfg), 0, fs, learner, cfg)
    events = _tracker(cfg, x2.shape[0], fs, det, not zero_phase).process(above, e, above_off)
    bursts: dict[tuple[str, float], Onset] = {}
    for o in _onsets(events, names, float(t0)):
        bursts[(o.channel, o.onset_s)] = o  # an end replaces its open start
    return sorted(bursts.values(), key=lambda o: (o.onset_s, o.channel))


def detection_signal_stats(
    x: np.ndarray, fs: float, method: str = DEFAULT_METHOD, *,
    baseline: "str | tuple[float, float] | None" = "auto", zero_phase: bool = False,
    mains: "float | None" = 50.0, low: float = 30.0, high: float = 450.0, lp_hz: float = 50.0,
    m: "int | None" = None, r0: "int | None" = None, k: "float | None" = None, baseline_window_s: float = 0.5, baseline_s: float = 1.5,
) -> BaselineStats:
    """Baseline statistics of a method's detection signal, to give a live detector.

    Use it to calibrate a :class:`StreamingOnsetDetector` from a rest recording; parameters as
    in :func:`detect_onsets`.
    """
    fs = check_fs(fs)
    detector_spec(method)
    xx = check_signal(x, "x")
    x2 = xx[np.newaxis, :] if xx.ndim == 1 else xx
    det = _make_signal(method, fs, low, high, mains, lp_hz, m, r0, k)
    d = det.offline_zero_phase(x2) if zero_phase else det.process(x2)
    if isinstance(baseline, str) and baseline == "start":
        return _start_stats(d, fs, _start_samples(fs, baseline_s, baseline_window_s), baseline_window_s)
    return _settled_stats(d, fs, baseline, baseline_window_s)


class StreamingOnsetDetector:
    """Live onset detection, fed block by block, all channels at once.

    Parameters
    ----------
    fs : float
        Sample rate, Hz.
    channels : sequence of str or Montage
        Channel id of each row of the blocks.
    method : str
        A registered detector, as in :func:`detect_onsets`.
    k : float, optional
        Threshold multiplier (see :data:`DEFAULT_K`).
    baseline_s : float
        With the "start" rule, the first ``baseline_s`` seconds are searched for rest: the
        threshold is learnt from their quietest ``baseline_window_s`` window (after
        :data:`SETTLE_S`), then those samples are checked too (bursts in them are reported at
        the end of the learning window). Learning goes on: a later window clearly quieter than
        that "rest" (the stream started inside a contraction) replaces it
        (:attr:`baseline_version` counts the changes).
    baseline : "start", None or BaselineStats
        ``"start"``/None: the rule above (equal to ``detect_onsets(..., baseline="start")``);
        known statistics of the causal detection signal (from :func:`detection_signal_stats`):
        detection starts at the first sample.
    min_on_s, min_off_s, merge_gap_s, min_burst_s, localise_s, mains, low, high, lp_hz, m, r0,
    baseline_window_s, k_off
        As in :func:`detect_onsets`.

    Notes
    -----
    ``process`` returns the onsets that became known in the block: a start as
    ``Onset(onset_s, None, channel)`` once the burst has lasted ``min_burst_s`` and, once it
    ends, the whole burst as ``Onset(onset_s, offset_s, channel)``. Onsets are back-dated to the
    localised onset (at most :attr:`max_backdate_s` before the sample that made them known).
    """

    def __init__(
        self,
        fs: float,
        channels: "Sequence[str] | Montage",
        *,
        method: str = DEFAULT_METHOD,
        k: "float | None" = None,
        baseline_s: float = 1.5,
        baseline: "str | BaselineStats | None" = "start",
        min_on_s: float = 0.03,
        min_off_s: "float | None" = None,
        merge_gap_s: float = DEFAULT_MERGE_GAP_S,
        min_burst_s: float = DEFAULT_MIN_BURST_S,
        mains: "float | None" = 50.0,
        low: float = 30.0,
        high: float = 450.0,
        lp_hz: float = 50.0,
        m: "int | None" = None,
        r0: "int | None" = None,
        baseline_window_s: float = 0.5,
        localise_s: float = DEFAULT_LOCALISE_S,
        k_off: "float | None" = DEFAULT_K_OFF,
    ) -> None:
        self.fs = check_fs(fs)
        self._cfg = _settings(method, self.fs, k, min_on_s, min_off_s, merge_gap_s, min_burst_s, localise_s,
                              k_off)
        self.channels = _channel_names(channels, len(channels))
        self.baseline_s = check_positive(baseline_s, "baseline_s", "s")
        self.baseline_window_s = check_positive(baseline_window_s, "baseline_window_s", "s")
        if isinstance(baseline, str) or baseline is None:
            check_option("start" if baseline is None else baseline, "baseline", ("start",))
            self._n_base = _start_samples(self.fs, self.baseline_s, self.baseline_window_s)
            self._given: "BaselineStats | None" = None
        elif isinstance(baseline, BaselineStats):
            if baseline.mean.shape != (len(self.channels),):
                raise ValueError(
                    f"baseline has statistics for {baseline.mean.shape[0]} channel(s), "
                    f"this detector has {len(self.channels)}"
                )
            self._n_base, self._given = 0, baseline
        else:
            raise TypeError(f"baseline must be 'start', None or BaselineStats, got {type(baseline).__name__}")
        self._det = _make_signal(self._cfg.method, self.fs, low, high, mains, lp_hz, m, r0, self._cfg.k)
        self._tracker = _tracker(self._cfg, len(self.channels), self.fs, self._det, True)
        self._learner = None if self._given is not None else _learner(
            self._det, self._cfg, len(self.channels), self.fs, self._n_base, self.baseline_window_s)
        self.reset()

    @property
    def method(self) -> str:
        """Detector name."""
        return self._cfg.method

    @property
    def baseline_stats(self) -> "BaselineStats | None":
        """Rest statistics of the detection signal the thresholds come from (None while
        learning); a recording stores them so that its analysis uses the same thresholds. They
        change when a clearly quieter window replaces them (:attr:`baseline_version`); their
        ``end_s`` (s from the stream's first sample) is where they hold from."""
        return self._given if self._learner is None else self._learner.stats

    @property
    def baseline_version(self) -> int:
        """0 while learning, 1 once the rest statistics are known, +1 at each replacement (note
        :attr:`baseline_stats` again when it changes)."""
        return 1 if self._learner is None else self._learner.version

    @property
    def threshold(self) -> "np.ndarray | None":
        """Current per-channel start threshold on the detection signal (None while learning)."""
        return None if self._thr is None else self._thr[0]

    @property
    def lag_s(self) -> float:
        """Group delay of the causal filters that detection times are corrected for, s."""
        return self._det.lag_s

    @property
    def max_backdate_s(self) -> float:
        """Most an onset can be placed before the sample at which its burst becomes known, s.

        Once the stream has passed time T, no start with ``onset_s < T − max_backdate_s`` can
        still be reported (while learning the baseline, reports wait for its end).
        """
        return self._tracker.max_backdate_s

    def reset(self) -> None:
        """Start again: filters, baseline (unless given) and bursts are forgotten."""
        self._det.reset()
        self._det.reset_decisions()
        self._tracker.reset()
        self._thr = None if self._given is None else _thresholds(self._det, self._given, self._cfg)
        if self._learner is not None:
            self._learner.reset()
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._t_origin: "float | None" = None

    def process(self, x_block: np.ndarray, t0: float, conditioned: "np.ndarray | None" = None) -> list[Onset]:
        """Feed the next block (n_channels, n) of raw µV whose first sample is at ``t0`` s
        (``conditioned``: the same block through :func:`conditioning_sos`, when the caller has
        already filtered it causally — it is then not filtered twice).

        Returns
        -------
        list of Onset
            Starts and completed bursts that became known in this block, in the order known.
        """
        x = check_block(x_block, "x_block", len(self.channels))
        if self._t_origin is None:
            self._t_origin = float(t0)
        d, e = self._det.process_with_energy(x, conditioned)
        if self._thr is None:
            self._pending.append((d, e, x.copy()))  # the caller may reuse its buffer
            if sum(p[0].shape[1] for p in self._pending) < self._n_base:
                return []
            d = np.concatenate([p[0] for p in self._pending], axis=-1)
            e = np.concatenate([p[1] for p in self._pending], axis=-1)
            x = np.concatenate([p[2] for p in self._pending], axis=-1)
            self._pending = []
            assert self._learner is not None
            stats = self._learner.start(_start_stats(d, self.fs, self._n_base, self.baseline_window_s))
            self._thr = _thresholds(self._det, stats, self._cfg)
        above, above_off, self._thr = _decide_learning(self._det, d, x, self._thr, self._tracker.n_seen, self.fs,
                                                       self._learner, self._cfg)
        return _onsets(self._tracker.process(above, e, above_off), self.channels, self._t_origin)
