"""Signal quality per electrode: mains hum, clipping, flat/lead-off channel, noise floor.

Two layers, like the rest of ``dsp``:

- :func:`assess_quality` rates one window of raw signal (≈ 1 s) on its own;
- :class:`QualityAlarms` is what the live pipeline uses: the same measures, but a problem is
  raised only when it persists over consecutive assessments and is cleared with hysteresis, and
  the noise floor is judged from rest (the quietest 0.1 s over the last ``floor_horizon_s``).

Both judge problems against the activity they watch: a working muscle is not noise (quiet parts
count as noise only when their spectrum is broadband, median frequency above
``QUALITY_LIMITS["noise_mdf_hz"]``), and mains hum is the power at the mains frequency and its
harmonics *above* the EMG and noise in the neighbouring bins. Cheap enough for the live pipeline:
two FFTs per window for all channels at once, no per-sample Python. See docs/dsp-onsets-metrics.md.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

from emgfeedback.dsp._checks import check_fs, check_signal
from emgfeedback.model import Channel, ChannelQuality, Montage

__all__ = ["assess_quality", "QualityAlarms", "QUALITY_LIMITS"]

#: Limits above (or below) which a problem is found in a window.
QUALITY_LIMITS = {
    "mains_uv": 20.0,  # hum RMS (mains + harmonics above their background), µV
    "mains_snr": 30.0,  # a harmonic counts only at ≥ 30 × the background power in its bins
    "clipping_fraction": 0.001,  # samples at the ADC rails
    "flat_uv": 0.5,  # RMS (first difference / √2) below this in the latest 0.5 s = flat / lead-off
    "noise_floor_uv": 20.0,  # quietest 100 ms RMS above this (µV) = noisy contact …
    "noise_mdf_hz": 150.0,  # … when those quiet parts are broadband (median frequency above this)
}

#: A raised problem clears when its measure is back beyond these fractions of its limit.
CLEAR_FRACTION = {"mains_uv": 0.8, "clipping_fraction": 0.5, "flat_uv": 2.0, "noise_floor_uv": 0.8}

_SEGMENT_S = 0.1  # noise-floor segments, s
_FLAT_TAIL_S = 0.5  # flatness is judged on the latest 0.5 s of the window
_KINDS = ("flat", "clipping", "mains", "noise")


def _label(cid: str) -> str:
    try:
        return Channel.parse(cid).label
    except ValueError:
        return cid


@dataclass(frozen=True)
class _Measures:
    """Per-row measures of one window (arrays of shape (n_rows,))."""

    hum_uv: np.ndarray  # significant hum RMS, µV
    hum_bound_uv: np.ndarray  # RMS of everything in the hum bins (hum + background), µV
    powerline_ratio: np.ndarray  # hum power / 20–450 Hz power
    clip_fraction: np.ndarray
    tail_uv: np.ndarray  # RMS of the first difference / √2 in the latest 0.5 s, µV
    tail_ptp_uv: np.ndarray  # peak-to-peak of the latest 0.5 s, µV
    floor_uv: np.ndarray  # RMS of the quietest 0.1 s, band-passed, mains-free, µV
    floor_mdf_hz: np.ndarray  # median frequency of the quiet 0.1 s segments, Hz

    @property
    def flat(self) -> np.ndarray:
        lim = QUALITY_LIMITS["flat_uv"]
        return (self.tail_uv < lim) & (self.tail_ptp_uv < 50 * lim)


@dataclass(frozen=True)
class _Layout:
    """Everything about a window that depends only on its length, rate, mains and band."""

    win: np.ndarray  # Hann window of the whole window
    to_uv2: float  # one-sided Hann power spectrum -> mean power: 2 / (n²·mean(w²))
    band: slice  # rfft bins in [low, top]
    keep: np.ndarray  # in-band bins without the hum (±2 Hz around every harmonic)
    harm_bins: np.ndarray  # (H, b): each harmonic's hum bins, ±1 bin
    near_bins: np.ndarray  # (H, m): its neighbours 4–15 Hz away outside every hum mask (further for
    #                        coarse bins; a harmonic near Nyquist repeats its few)
    seg: int  # noise-floor segment length, samples
    seg_win: np.ndarray  # its Hann window
    seg_band: slice  # segment rfft bins in [low, top]
    seg_f: np.ndarray  # their frequencies, Hz


def _band(f: np.ndarray, low: float, top: float) -> slice:
    return slice(int(np.searchsorted(f, low)), int(np.searchsorted(f, top, side="right")))


@lru_cache(maxsize=16)
def _layout(n: int, fs: float, mains: float, low: float, top: float) -> _Layout:
    """The :class:`_Layout` of a length-``n`` window (cached: live windows all have one length)."""
    f = np.fft.rfftfreq(n, 1.0 / fs)
    df = f[1] - f[0]
    centres = np.arange(mains, top + 1e-9, mains)
    harm = np.zeros(f.shape, dtype=bool)
    bins, near = [], []
    for h in centres:
        harm |= np.abs(f - h) <= 1.5 * df + 0.5
    reach = max(15.0, 4.0 * df)  # short windows (coarse bins) look further out
    for h in centres:
        d = np.abs(f - h)
        bins.append(np.flatnonzero(d <= 1.01 * df))
        near.append(np.flatnonzero((d >= 4.0) & (d <= reach) & ~harm))
    b, m = max(map(len, bins), default=1), max(map(len, near), default=1)
    harm_bins = np.stack([np.resize(v, b) for v in bins]) if bins else np.zeros((0, 1), dtype=int)
    near_bins = np.stack([np.resize(v, m) for v in near]) if near else np.zeros((0, 1), dtype=int)
    band = _band(f, low, top)
    keep = np.zeros(f.shape, dtype=bool)
    keep[band] = True
    win = np.hanning(n)
    seg = min(n, max(8, int(_SEGMENT_S * fs)))
    seg_f = np.fft.rfftfreq(seg, 1.0 / fs)
    seg_band = _band(seg_f, low, top)
    lay = _Layout(win, 2.0 / (n * n * float(np.mean(win**2))), band, keep & ~harm, harm_bins, near_bins,
                  seg, np.hanning(seg), seg_band, seg_f[seg_band])
    for arr in (lay.win, lay.keep, lay.harm_bins, lay.near_bins, lay.seg_win, lay.seg_f):
        arr.flags.writeable = False  # shared by every window of this length
    return lay


def _hum(spec: np.ndarray, harm_bins: np.ndarray, near_bins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hum power per row (sum over significant harmonics) and all power in the hum bins (an
    upper bound of the hum), from a one-sided Hann power spectrum (rows, bins).

    Each harmonic's bins (±1 bin) hold hum plus the broadband signal around it; that background
    is the median of the bins 4–15 Hz away (/ln 2: the median of a χ²₂ spectrum) times the
    number of hum bins. A harmonic counts when its bins exceed ``mains_snr`` × background.
    """
    if harm_bins.shape[0] == 0:
        zero = np.zeros(spec.shape[0])
        return zero, zero
    s = spec[:, harm_bins].sum(axis=2)  # (rows, H)
    bg = np.median(spec[:, near_bins], axis=2) / np.log(2.0) * harm_bins.shape[1]
    hum = np.where(s > QUALITY_LIMITS["mains_snr"] * bg, s - bg, 0.0).sum(axis=1)
    return hum, s.sum(axis=1)


def _quiet_floor(clean: np.ndarray, lay: _Layout) -> tuple[np.ndarray, np.ndarray]:
    """RMS of the quietest 0.1 s per row, µV, and the median frequency (Hz) of the quiet
    segments (RMS ≤ 1.5 × that floor; their Hann spectra averaged)."""
    rows, n = clean.shape
    seg = lay.seg
    k = max(1, n // seg)
    parts = clean[:, n - k * seg :].reshape(rows, k, seg)
    seg_rms = np.sqrt(np.mean(parts**2, axis=2))
    floor = seg_rms.min(axis=1)
    quiet = seg_rms <= 1.5 * floor[:, None] + 1e-12
    if lay.seg_f.size == 0:
        return floor, np.zeros(rows)
    spec = np.abs(np.fft.rfft(parts * lay.seg_win, axis=2)[:, :, lay.seg_band]) ** 2
    cum = np.cumsum(np.einsum("rkf,rk->rf", spec, quiet), axis=1)
    mdf = lay.seg_f[np.argmax(cum >= 0.5 * cum[:, -1:], axis=1)]
    return floor, np.where(cum[:, -1] > 0, mdf, 0.0)


def _clipping(xx: np.ndarray, adc_range_uv: "float | tuple[float, float] | None") -> np.ndarray:
    """Fraction of samples at the ADC rails per row."""
    if adc_range_uv is not None:
        if np.isscalar(adc_range_uv):
            lo, hi = -float(adc_range_uv), float(adc_range_uv)  # type: ignore[arg-type]
        else:
            lo, hi = map(float, adc_range_uv)  # type: ignore[arg-type]
        tol = 1e-3 * (hi - lo)
        clipped = (xx >= hi - tol) | (xx <= lo + tol)
    else:
        mx, mn = xx.max(axis=1, keepdims=True), xx.min(axis=1, keepdims=True)
        at_rail = (xx == mx) | (xx == mn)
        repeat = np.zeros_like(at_rail)
        repeat[:, 1:] = at_rail[:, 1:] & (xx[:, 1:] == xx[:, :-1])
        # a rail is real when the extreme value repeats (flat tops), not a single peak
        clipped = np.where(repeat.sum(axis=1, keepdims=True) >= 3, at_rail, False)
    return clipped.mean(axis=1)


def _measure(
    xx: np.ndarray, fs: float, mains: float, adc_range_uv: "float | tuple[float, float] | None",
    low: float, high: float,
) -> _Measures:
    """All measures of one window (n_rows, n) µV, all rows at once."""
    n = xx.shape[1]
    lay = _layout(n, float(fs), float(mains), float(low), float(min(high, 0.45 * fs)))
    xc = xx - xx.mean(axis=1, keepdims=True)
    spec = np.abs(np.fft.rfft(xc * lay.win, axis=1)) ** 2
    hum, bound = _hum(spec, lay.harm_bins, lay.near_bins)
    total = spec[:, lay.band].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(total > 0, np.minimum(hum / total, 1.0), 0.0)
    hum_uv, bound_uv = np.sqrt(lay.to_uv2 * hum), np.sqrt(lay.to_uv2 * bound)
    clean = np.fft.irfft(np.fft.rfft(xc, axis=1) * lay.keep, n=n, axis=1)
    floor, mdf = _quiet_floor(clean, lay)
    tail = xx[:, n - max(2, min(n, int(_FLAT_TAIL_S * fs))) :]
    tail_uv = np.sqrt(np.mean(np.diff(tail, axis=1) ** 2, axis=1) / 2.0)
    return _Measures(hum_uv, bound_uv, ratio, _clipping(xx, adc_range_uv), tail_uv, np.ptp(tail, axis=1), floor, mdf)


def _message(kind: str, name: str, m: _Measures, i: int, mains: float, floor_uv: float) -> str:
    """The sentence a clinician acts on, for problem ``kind`` of row ``i``."""
    if kind == "flat":
        return (f"{name}: no signal (flat or lead-off) — check the electrode is on the skin and the lead "
                "is plugged in")
    if kind == "clipping":
        return (f"{name}: signal clipping ({100 * m.clip_fraction[i]:.1f} % of samples at the amplifier "
                "limit) — reduce the gain or check for a loose electrode")
    if kind == "mains":
        return (f"{name}: strong {mains:g} Hz mains hum ({m.hum_uv[i]:.0f} µV RMS, "
                f"{100 * m.powerline_ratio[i]:.0f} % of the power) — check the reference electrode and skin prep")
    return (f"{name}: high noise floor ({floor_uv:.0f} µV RMS at rest, broadband) — clean the skin and press "
            "the electrode on firmly, or replace it")


def _found(m: _Measures, i: int, floor_uv: float, floor_mdf_hz: float) -> dict[str, bool]:
    """Which problems row ``i`` shows in this window (raise limits)."""
    lim = QUALITY_LIMITS
    flat = bool(m.flat[i])
    return {
        "flat": flat,
        "clipping": not flat and m.clip_fraction[i] > lim["clipping_fraction"],
        "mains": bool(m.hum_uv[i] > lim["mains_uv"]),
        "noise": not flat and floor_uv > lim["noise_floor_uv"] and floor_mdf_hz > lim["noise_mdf_hz"],
    }


def _gone(m: _Measures, i: int, floor_uv: float) -> dict[str, bool]:
    """Which problems row ``i`` is clearly free of in this window (clear limits, hysteresis)."""
    lim, c = QUALITY_LIMITS, CLEAR_FRACTION
    return {
        "flat": bool(m.tail_uv[i] > c["flat_uv"] * lim["flat_uv"] or m.tail_ptp_uv[i] > 100 * lim["flat_uv"]),
        "clipping": bool(m.clip_fraction[i] < c["clipping_fraction"] * lim["clipping_fraction"]),
        # all power in the hum bins (hum + EMG) is below: a contraction hiding the hum does not clear it
        "mains": bool(m.hum_bound_uv[i] < c["mains_uv"] * lim["mains_uv"]),
        "noise": floor_uv < c["noise_floor_uv"] * lim["noise_floor_uv"],
    }


def _prepare(
    x: np.ndarray, fs: float, channels: "Sequence[str] | Montage", mains: float
) -> tuple[np.ndarray, float, tuple[str, ...]]:
    """Checked window (float64), rate and channel ids; one-line errors naming the argument."""
    fs = check_fs(fs)
    xx = check_signal(x, "x", ndim=(2,), min_samples=int(0.1 * fs))
    ids = channels.ids if isinstance(channels, Montage) else tuple(str(c) for c in channels)
    if len(ids) != xx.shape[0]:
        raise ValueError(f"channels names {len(ids)} channel(s) but x has {xx.shape[0]} row(s)")
    if mains not in (50.0, 60.0):
        raise ValueError(f"mains must be 50.0 or 60.0 Hz, got {mains!r}")
    return xx, fs, ids


def assess_quality(
    x: np.ndarray,
    fs: float,
    channels: "Sequence[str] | Montage",
    *,
    mains: float = 50.0,
    adc_range_uv: "float | tuple[float, float] | None" = None,
    low: float = 20.0,
    high: float = 450.0,
) -> tuple[ChannelQuality, ...]:
    """Quality of each channel over one window of raw signal (≈ 1 s is enough).

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_samples)
        Raw signal, µV (before notch filtering, so mains hum is visible).
    fs : float
        Sample rate, Hz.
    channels : sequence of str or Montage
        Channel id of each row.
    mains : {50.0, 60.0}
        Powerline frequency, Hz.
    adc_range_uv : float or (float, float), optional
        ADC input range, µV: ``r`` means ±r, or (min, max). Samples within 0.1 % of a rail
        count as clipped. None: clipping is judged from runs of identical extreme values.
    low, high : float
        Band of interest, Hz (``high`` capped at 0.45·fs).

    Returns
    -------
    tuple of ChannelQuality
        One per channel, in row order; ``problems`` lists what this window shows (flat,
        clipping, mains, noise, in that order).

    Notes
    -----
    One window, no memory: for live use prefer :class:`QualityAlarms` (persistence, hysteresis,
    noise floor judged from rest). The noise floor is the RMS of the quietest 100 ms of the
    band-passed, mains-free signal; it is a problem only above ``noise_floor_uv`` *and* when the
    quiet parts are broadband (median frequency above ``noise_mdf_hz``), so a sustained
    contraction (median frequency ~50–120 Hz) is not taken for noise. Limits are in
    :data:`QUALITY_LIMITS`.
    """
    xx, fs, ids = _prepare(x, fs, channels, mains)
    m = _measure(xx, fs, mains, adc_range_uv, low, high)
    out = []
    for i, cid in enumerate(ids):
        found = _found(m, i, float(m.floor_uv[i]), float(m.floor_mdf_hz[i]))
        problems = tuple(_message(k, _label(cid), m, i, mains, float(m.floor_uv[i])) for k in _KINDS if found[k])
        out.append(ChannelQuality(cid, float(m.powerline_ratio[i]), float(m.clip_fraction[i]), found["flat"],
                                  float(m.floor_uv[i]), problems))
    return tuple(out)


class QualityAlarms:
    """Quality problems that persist, for a live stream: raised, held, then cleared.

    Called like :func:`assess_quality` on each new window of any subset of its channels
    (``alarms(x, fs, channels)``); keeps per channel and problem a small state machine:

    - a problem is **raised** when :func:`assess_quality`'s limits are exceeded in
      ``raise_after`` consecutive assessments of that channel; its sentence is fixed then, so
      the same alarm reads the same until it clears;
    - it is **cleared** when its measure is back within :data:`CLEAR_FRACTION` of the limit
      (hum < 80 %, noise floor < 80 %, clipping < 50 %, flat channel moving at 2 ×) in
      ``clear_after`` consecutive assessments;
    - the **noise floor** is the lowest window floor over the last ``floor_horizon_s`` (minimum
      statistics: a rest between reps shows the electrode's own noise), with the median
      frequency of that quiet part deciding whether it is noise or a sustained contraction.

    Parameters
    ----------
    channels : sequence of str or Montage
        Every channel that may be assessed.
    mains : {50.0, 60.0}
        Powerline frequency, Hz.
    adc_range_uv : float or (float, float), optional
        As for :func:`assess_quality`.
    interval_s : float
        Time between two assessments of a channel, s (sets the horizon in assessments).
    floor_horizon_s : float
        How far back the rest noise floor is looked for, s.
    raise_after, clear_after : int
        Consecutive assessments needed to raise and to clear a problem.
    low, high : float
        Band of interest, Hz.
    """

    def __init__(
        self,
        channels: "Sequence[str] | Montage",
        *,
        mains: float = 50.0,
        adc_range_uv: "float | tuple[float, float] | None" = None,
        interval_s: float = 0.5,
        floor_horizon_s: float = 10.0,
        raise_after: int = 2,
        clear_after: int = 2,
        low: float = 20.0,
        high: float = 450.0,
    ) -> None:
        self.channels = channels.ids if isinstance(channels, Montage) else tuple(str(c) for c in channels)
        if mains not in (50.0, 60.0):
            raise ValueError(f"mains must be 50.0 or 60.0 Hz, got {mains!r}")
        if not (interval_s > 0 and floor_horizon_s > 0):
            raise ValueError(
                f"interval_s and floor_horizon_s must be > 0 s, got {interval_s!r} and {floor_horizon_s!r}")
        for name, value in (("raise_after", raise_after), ("clear_after", clear_after)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer ≥ 1 (assessments), got {value!r}")
        self.mains, self.adc_range_uv, self.low, self.high = float(mains), adc_range_uv, low, high
        self.raise_after, self.clear_after = raise_after, clear_after
        self._horizon = max(1, int(np.ceil(floor_horizon_s / interval_s)))
        self.reset()

    def reset(self) -> None:
        """Forget every floor and alarm."""
        self._floors: dict[str, deque[tuple[float, float]]] = {c: deque(maxlen=self._horizon) for c in self.channels}
        self._count: dict[tuple[str, str], int] = {}
        self._raised: dict[tuple[str, str], str] = {}

    def raised(self, channel: str) -> tuple[str, ...]:
        """Sentences of the problems raised on ``channel`` now (flat, clipping, mains, noise order)."""
        return tuple(self._raised[(channel, k)] for k in _KINDS if (channel, k) in self._raised)

    def __call__(self, x: np.ndarray, fs: float, channels: "Sequence[str] | Montage") -> tuple[ChannelQuality, ...]:
        """Assess a new window of ``channels`` (rows of ``x``, µV) and update their alarms."""
        xx, fs, ids = _prepare(x, fs, channels, self.mains)
        unknown = [c for c in ids if c not in self._floors]
        if unknown:
            raise ValueError(
                f"channel(s) {', '.join(unknown)} not set up in these alarms ({', '.join(self.channels)})")
        m = _measure(xx, fs, self.mains, self.adc_range_uv, self.low, self.high)
        out = []
        for i, cid in enumerate(ids):
            floors = self._floors[cid]
            floors.append((float(m.floor_uv[i]), float(m.floor_mdf_hz[i])))
            floor_uv, floor_mdf = min(floors)
            found, gone = _found(m, i, floor_uv, floor_mdf), _gone(m, i, floor_uv)
            for kind in _KINDS:
                key = (cid, kind)
                up = key in self._raised
                hit = gone[kind] if up else found[kind]
                self._count[key] = self._count.get(key, 0) + 1 if hit else 0
                if not up and self._count[key] >= self.raise_after:
                    self._raised[key] = _message(kind, _label(cid), m, i, self.mains, floor_uv)
                    self._count[key] = 0
                elif up and self._count[key] >= self.clear_after:
                    del self._raised[key]
                    self._count[key] = 0
            out.append(ChannelQuality(cid, float(m.powerline_ratio[i]), float(m.clip_fraction[i]),
                                      (cid, "flat") in self._raised, floor_uv, self.raised(cid)))
        return tuple(out)
