"""Per-method conditioning for the onset detectors: raw µV in, a detection signal out.

Each ``_Detector…`` class owns the filters of one method, fed block by block (causal, state
carried, exactly what the streaming detector runs) or over a whole array at once with
zero-phase filtering (offline). It also says how a baseline turns into a threshold and how
the detection signal turns into per-sample "above threshold" decisions.

- Hodges & Bui (1996): band-pass + notch, full-wave rectification, 50 Hz low-pass envelope;
  threshold = baseline mean + k·SD.
- Solnik et al. (2010): the same band-pass, then the Teager–Kaiser energy operator, rectified and
  low-passed; threshold = baseline mean + k·SD of that TKEO envelope.
- Bonato et al. (1998): band-pass + notch, test statistic ``(x[n-1]² + x[n]²)`` compared with
  ``ζ·σ²`` (σ² = baseline variance; the first threshold); a sample is "above" when at least
  ``r0`` of the last ``m`` statistics exceed it (the second threshold). Bonato et al. choose ζ,
  m and r0 for a design false-alarm probability P_fa of the r0-of-m decision, assuming white
  Gaussian rest noise (statistic/σ² ~ χ²₂, one exceedance with p = exp(−ζ/2), P_fa = P(Binomial(m,
  p) ≥ r0)). Our conditioned signal is band-limited, so its samples are correlated and the
  binomial formula is wrong (measured at 2 kHz, ζ = 8: p = 0.038, not 0.018, and exceedances
  cluster). So the r0-of-m false-alarm probability is *measured* on the detector's own rest
  model — white Gaussian noise through its own conditioning filters (fixed seed, 20 s, cached) —
  and r0 is the smallest count with P_fa ≤ :data:`BONATO_PFA`. m spans
  :data:`BONATO_WINDOW_S` (30 ms, Bonato's time resolution). P_fa = 0.01, not the 0.05 of the
  biosignalEMG implementation (``onoff_bonato(Pfa = 0.05)``): our bursts need the decision to
  hold ``min_on_s`` (30 ms) and merge within ``merge_gap_s``, and at 0.05 (2 kHz, ζ = 8:
  r0 = 7 of 60) pure noise made ~0.5 s false bursts (measured: 4 in 12 s); at 0.01 (r0 = 10 of
  60 at 2 kHz, 6 of 30 at 1 kHz) none. The old m = 5, r0 = 1 at 2 kHz is "above" ~17 % of the
  time at rest with a 2.5 ms window, so 50 ms without an exceedance (a burst end) hardly ever
  comes.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import signal

from emgfeedback.dsp._sos_kernel import SosState
from emgfeedback.dsp.filters import (
    design_bandpass,
    design_conditioning,
    design_lowpass,
    design_notch,
    effective_high,
)
from emgfeedback.dsp.tkeo import tkeo

__all__ = ["DetectionSignal", "BUILTIN_DETECTORS"]

#: Bonato's decision window m, s (time resolution of the double-threshold detector).
BONATO_WINDOW_S = 0.03
#: Design false-alarm probability of Bonato's r0-of-m decision.
BONATO_PFA = 0.01


@lru_cache(maxsize=32)
def bonato_r0(fs: float, low: float, high: float, mains: "float | None", m: int, zeta: float,
              pfa: float = BONATO_PFA) -> int:
    """Smallest r0 whose r0-of-m decision false-alarms with probability ≤ ``pfa`` at rest.

    Measured on 20 s of white Gaussian noise (seed 0) through the detector's own conditioning,
    threshold ζ·σ² on ``x[n−1]² + x[n]²`` (σ² = the noise's conditioned variance).
    """
    n = int(round(20.0 * fs))
    det = _Bonato(fs, low, high, mains, m, 1)
    d = det.process(np.random.default_rng(0).standard_normal((1, n + int(fs))))[0, int(fs):]
    exceed = (d > zeta * d.mean() / 2.0).astype(np.int64)
    cs = np.concatenate(([0], np.cumsum(exceed)))
    counts = np.bincount(cs[m:] - cs[:-m], minlength=m + 2)
    tail = np.cumsum(counts[::-1])[::-1] / counts.sum()  # tail[r] = P(count ≥ r)
    ok = np.flatnonzero(tail[1 : m + 1] <= pfa)
    return int(ok[0] + 1) if ok.size else int(m)


#: Quality factor of the detectors' mains notches. Wider than the display filter's (Q = 30) so
#: that the notch rings for ~0.06 s rather than ~0.2 s after a burst or at start-up.
NOTCH_Q = 10.0


def _sos_group_delay_s(sos: np.ndarray, fs: float, f_hz: float) -> float:
    """Group delay of an SOS cascade at ``f_hz``, s."""
    total = 0.0
    for sec in sos:
        _, gd = signal.group_delay((sec[:3], sec[3:]), w=[f_hz], fs=fs)
        total += float(gd[0])
    return total / fs


@lru_cache(maxsize=16)
def _conditioning_design(fs: float, low: float, high: float, mains: "float | None"
                         ) -> "tuple[np.ndarray, np.ndarray, np.ndarray | None, float]":
    """(conditioning SOS, band-pass SOS, notch SOS or None, band-pass delay at 100 Hz in s), cached:
    designing the notch harmonics and the group delay took ~20 ms per detector (measured), more
    than detecting onsets in a minute of 8-channel EMG."""
    sos_notch = None if mains is None else design_notch(fs, mains, q=NOTCH_Q, max_freq=effective_high(fs, high))
    sos_bp = design_bandpass(fs, low, high)
    return (design_conditioning(fs, low, high, mains, q=NOTCH_Q), sos_bp, sos_notch,
            _sos_group_delay_s(sos_bp, fs, 100.0))


def conditioning_sos(fs: float, low: float, high: float, mains: "float | None") -> np.ndarray:
    """The detectors' causal band-pass + mains-notch (Q = :data:`NOTCH_Q`) as SOS: the one
    conditioning filter of the product (live pipeline, ``analyze`` and the detectors)."""
    return _conditioning_design(float(fs), float(low), float(high), None if mains is None else float(mains))[0]


@lru_cache(maxsize=16)
def _lowpass_design(fs: float, lp_hz: float) -> "tuple[np.ndarray, float]":
    """(envelope low-pass SOS, its delay near 0 Hz in s), cached."""
    sos = design_lowpass(fs, lp_hz, order=2)
    return sos, _sos_group_delay_s(sos, fs, 0.5)


def zero_phase(sos: np.ndarray, x: np.ndarray, pre: "np.ndarray | None" = None) -> np.ndarray:
    """Forward-backward SOS filter along the last axis (``sosfiltfilt``'s odd padding and
    steady-state initial conditions), with optional sections ``pre`` run in the forward pass only.

    Folding the forward-only sections into the forward pass saves a pass over the data; the
    result equals ``sosfiltfilt(sos, sosfilt(pre, x))`` except within the padding's reach of the
    edges (where the forward-only filter now starts from steady state instead of zero).
    """
    n_sec = sos.shape[0] + (0 if pre is None else pre.shape[0])
    edge = min(3 * (2 * n_sec + 1), x.shape[-1] - 1)
    ext = np.concatenate([2 * x[:, :1] - x[:, edge:0:-1], x, 2 * x[:, -1:] - x[:, -2 : -edge - 2 : -1]], axis=-1)
    fwd = sos if pre is None else np.vstack([pre, sos])
    y, _ = signal.sosfilt(fwd, ext, axis=-1, zi=signal.sosfilt_zi(fwd)[:, None, :] * ext[None, :, :1])
    y = y[:, ::-1]
    y, _ = signal.sosfilt(sos, y, axis=-1, zi=signal.sosfilt_zi(sos)[:, None, :] * y[None, :, :1])
    return y[:, ::-1][:, edge : y.shape[1] - edge]


class DetectionSignal:
    """Base class: band-pass + notch conditioning carried block by block.

    Parameters
    ----------
    fs : float
        Sample rate, Hz.
    low, high : float
        Band-pass edges, Hz.
    mains : float or None
        Powerline frequency to notch (50 or 60 Hz), None for no notch.
    """

    name = "base"

    def __init__(self, fs: float, low: float, high: float, mains: "float | None") -> None:
        self.fs = float(fs)
        cond, bp, notch, lag = _conditioning_design(self.fs, float(low), float(high),
                                                    None if mains is None else float(mains))
        self.sos_cond, self.sos_bp = cond.copy(), bp.copy()  # own copies: the cache stays intact
        self.sos_notch = None if notch is None else notch.copy()
        self._cond: "SosState | None" = None
        #: Causal delay of the detection signal behind the EMG, s; causal onsets are moved
        #: back by this much: the band-pass delay at 100 Hz, where EMG power sits (the narrow
        #: notches hardly delay the band as a whole), plus the envelope low-pass delay near 0 Hz.
        self.lag_s = lag
        self.cond_lag_s = self.lag_s

    def reset(self) -> None:
        """Forget filter state."""
        self._cond = None

    def _condition(self, x: np.ndarray) -> np.ndarray:
        if self._cond is None:
            self._cond = SosState(self.sos_cond, x.shape[0])
        return self._cond.step(np.ascontiguousarray(x, dtype=np.float64))

    def _condition_offline(self, x: np.ndarray) -> np.ndarray:
        """Offline conditioning: the notch runs forward only, the band-pass forward and back.

        A narrow notch rings for ~1/bandwidth (≈ 0.2 s at Q = 30) wherever the EMG has power
        at the mains frequency; run backward too, that ringing would precede every burst and
        pull onsets early. Forward only, it can only trail the burst (later offsets); the
        notch's delay averaged over the EMG band is negligible. The notch runs inside the
        band-pass's forward pass (:func:`zero_phase`: one pass fewer over the data).
        """
        return zero_phase(self.sos_bp, x, pre=self.sos_notch)

    #: Group delay of the conditioned signal (band-pass at 100 Hz) behind the EMG, s; the onset
    #: localiser works on the conditioned signal's energy and corrects its causal times by this.
    cond_lag_s: float = 0.0

    def process(self, x: np.ndarray) -> np.ndarray:
        """Causal detection signal of the next block (n_channels, n)."""
        return self.process_with_energy(x)[0]

    def offline_zero_phase(self, x: np.ndarray) -> np.ndarray:
        """Zero-phase detection signal of a whole recording (n_channels, n)."""
        return self.offline_with_energy(x)[0]

    def process_with_energy(self, x: np.ndarray, conditioned: "np.ndarray | None" = None
                            ) -> "tuple[np.ndarray, np.ndarray]":
        """Causal detection signal and conditioned-signal energy ``y²`` (µV²) of the next block.

        ``conditioned``: the block already band-passed and notched causally with
        :func:`conditioning_sos` (the live pipeline and ``analyze`` condition once for the
        envelope, the display and the detector); then ``x`` is not filtered again.
        """
        y = self._condition(x) if conditioned is None else conditioned
        return self._detect(y), y * y

    def offline_with_energy(self, x: np.ndarray) -> "tuple[np.ndarray, np.ndarray]":
        """Zero-phase detection signal and energy ``y²`` (µV²) of a whole recording."""
        y = self._condition_offline(x)
        return self._detect_offline(y), y * y

    def _detect(self, y: np.ndarray) -> np.ndarray:
        """Causal detection signal from the conditioned block ``y`` (state carried); a hook."""
        raise NotImplementedError

    def _detect_offline(self, y: np.ndarray) -> np.ndarray:
        """Zero-phase detection signal from the whole conditioned recording ``y``; a hook."""
        raise NotImplementedError

    def threshold(self, mean: np.ndarray, sd: np.ndarray, k: float) -> np.ndarray:
        """Per-channel threshold from baseline mean and SD of the detection signal."""
        return mean + k * sd

    def reset_decisions(self) -> None:
        """Forget decision state (only Bonato's r-of-m window has any)."""

    def decide(self, d: np.ndarray, thr: np.ndarray) -> np.ndarray:
        """Per-sample above-threshold decisions, shape like ``d``."""
        return d > thr[:, None]

    def decide_pair(self, d: np.ndarray, thr_on: np.ndarray, thr_off: "np.ndarray | None"
                    ) -> "tuple[np.ndarray, np.ndarray | None]":
        """Start decisions and end decisions (above the lower end threshold; None: no hysteresis).

        A detector whose decisions carry state between blocks (Bonato's r-of-m window) overrides
        this so that the two thresholds keep separate state.
        """
        if thr_off is None:
            return self.decide(d, thr_on), None
        return self.decide(d, thr_on), self.decide(d, thr_off)


class _Envelope(DetectionSignal):
    """Hodges & Bui: rectify the conditioned EMG, low-pass it (``lp_hz``)."""

    name = "hodges"

    def __init__(self, fs: float, low: float, high: float, mains: "float | None", lp_hz: float) -> None:
        super().__init__(fs, low, high, mains)
        lp, lp_lag = _lowpass_design(self.fs, float(lp_hz))
        self.sos_lp = lp.copy()
        self._lp: "SosState | None" = None
        self.lag_s += lp_lag

    def reset(self) -> None:
        super().reset()
        self._lp = None

    def _energy(self, y: np.ndarray, causal: bool) -> np.ndarray:
        return np.abs(y)

    def _lowpass(self, e: np.ndarray) -> np.ndarray:
        if self._lp is None:
            self._lp = SosState(self.sos_lp, e.shape[0])
        return self._lp.step(e, overwrite=True)  # e is a fresh float64 array owned here

    def _detect(self, y: np.ndarray) -> np.ndarray:
        return self._lowpass(self._energy(y, causal=True))

    def _detect_offline(self, y: np.ndarray) -> np.ndarray:
        return zero_phase(self.sos_lp, self._energy(y, causal=False))


class _Tkeo(_Envelope):
    """Solnik et al.: Teager–Kaiser energy of the conditioned EMG, rectified and low-passed."""

    name = "tkeo"

    def __init__(self, fs: float, low: float, high: float, mains: "float | None", lp_hz: float) -> None:
        super().__init__(fs, low, high, mains, lp_hz)
        self._tail: "np.ndarray | None" = None
        self.lag_s += 1.0 / self.fs  # the causal operator is centred one sample back

    def reset(self) -> None:
        super().reset()
        self._tail = None

    def _energy(self, y: np.ndarray, causal: bool) -> np.ndarray:
        if not causal:
            return np.abs(tkeo(y))
        if self._tail is None:
            self._tail = np.zeros((y.shape[0], 2))
        ext = np.concatenate([self._tail, y], axis=-1)
        self._tail = ext[:, -2:].copy()
        # ψ[n-1] = y[n-1]² − y[n]·y[n-2], reported at sample n (causal).
        return np.abs(ext[:, 1:-1] ** 2 - ext[:, 2:] * ext[:, :-2])


class _Bonato(DetectionSignal):
    """Bonato et al.: ``(x[n-1]² + x[n]²)`` against ``ζ·σ²``, ``r0`` of ``m`` samples."""

    name = "bonato"

    def __init__(self, fs: float, low: float, high: float, mains: "float | None", m: int, r0: int) -> None:
        super().__init__(fs, low, high, mains)
        if not 1 <= r0 <= m:
            raise ValueError(f"bonato needs 1 ≤ r0 ≤ m, got r0={r0}, m={m}")
        self.m, self.r0 = int(m), int(r0)
        self._last: "np.ndarray | None" = None
        self._hist: "dict[str, np.ndarray] | None" = None

    def reset(self) -> None:
        super().reset()
        self._last = None

    def reset_decisions(self) -> None:
        self._hist = None

    def _pair_power(self, y: np.ndarray, last: np.ndarray) -> np.ndarray:
        prev = np.concatenate([last, y[:, :-1]], axis=-1)
        return prev * prev + y * y

    def _detect(self, y: np.ndarray) -> np.ndarray:
        if self._last is None:
            self._last = np.zeros((y.shape[0], 1))
        d = self._pair_power(y, self._last)
        if y.shape[1]:
            self._last = y[:, -1:].copy()
        return d

    def _detect_offline(self, y: np.ndarray) -> np.ndarray:
        return self._pair_power(y, np.zeros((y.shape[0], 1)))

    def threshold(self, mean: np.ndarray, sd: np.ndarray, k: float) -> np.ndarray:
        # Baseline mean of x[n-1]² + x[n]² is 2σ²; threshold ζ·σ² with ζ = k.
        return k * mean / 2.0

    def _decide(self, d: np.ndarray, thr: np.ndarray, key: str) -> np.ndarray:
        exceed = (d > thr[:, None]).astype(np.int16)
        hist = self._hist.get(key) if self._hist is not None else None
        if hist is None:
            hist = np.zeros((d.shape[0], self.m - 1), dtype=np.int16)
        ext = np.concatenate([hist, exceed], axis=-1)
        cs = np.zeros((ext.shape[0], ext.shape[1] + 1), dtype=np.int64)
        np.cumsum(ext, axis=-1, out=cs[:, 1:])
        n = d.shape[1]
        count = cs[:, self.m : self.m + n] - cs[:, :n]  # exceedances among the last m samples
        self._hist = {**(self._hist or {}), key: ext[:, ext.shape[1] - (self.m - 1) :].copy()}
        return count >= self.r0

    def decide(self, d: np.ndarray, thr: np.ndarray) -> np.ndarray:
        return self._decide(d, thr, "on")

    def decide_pair(self, d: np.ndarray, thr_on: np.ndarray, thr_off: "np.ndarray | None"
                    ) -> "tuple[np.ndarray, np.ndarray | None]":
        on = self._decide(d, thr_on, "on")
        return on, None if thr_off is None else self._decide(d, thr_off, "off")


def _hodges(fs: float, *, low: float, high: float, mains: "float | None", lp_hz: float = 50.0,
            **_: object) -> DetectionSignal:
    return _Envelope(fs, low, high, mains, lp_hz)


def _tkeo(fs: float, *, low: float, high: float, mains: "float | None", lp_hz: float = 50.0,
          **_: object) -> DetectionSignal:
    return _Tkeo(fs, low, high, mains, lp_hz)


def _bonato(fs: float, *, low: float, high: float, mains: "float | None", m: "int | None" = None,
            r0: "int | None" = None, k: float = 8.0, **_: object) -> DetectionSignal:
    mm = max(1, int(round(BONATO_WINDOW_S * fs))) if m is None else int(m)
    rr = bonato_r0(float(fs), float(low), float(high), mains, mm, float(k)) if r0 is None else int(r0)
    return _Bonato(fs, low, high, mains, mm, rr)


#: The built-in detectors' factories, registered by :mod:`emgfeedback.dsp.detectors`.
BUILTIN_DETECTORS = {"hodges": _hodges, "tkeo": _tkeo, "bonato": _bonato}
