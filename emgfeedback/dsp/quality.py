"""Signal quality per electrode: mains hum, clipping, flat/lead-off channel, noise floor.

Cheap enough for the live pipeline: one FFT of a ~1 s window for all channels at once, a few
reductions, no per-sample Python. Each problem comes as a sentence a clinician can act on.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from emgfeedback.dsp._checks import check_fs, check_signal
from emgfeedback.model import Channel, ChannelQuality, Montage

__all__ = ["assess_quality", "QUALITY_LIMITS"]

#: Limits above (or below) which a problem is reported.
QUALITY_LIMITS = {
    "powerline_ratio": 0.6,  # mains share of 20–450 Hz power
    "clipping_fraction": 0.001,  # samples at the ADC rails
    "flat_uv": 0.5,  # RMS below this (µV) in the band = flat / lead-off
    "noise_floor_uv": 20.0,  # quietest 100 ms RMS above this (µV) = noisy contact
}


def _label(cid: str) -> str:
    try:
        return Channel.parse(cid).label
    except ValueError:
        return cid


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
    """Quality of each channel over a window of raw signal (≈ 1 s is enough).

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
        One per channel, in row order.

    Notes
    -----
    The noise floor is the RMS of the quietest 100 ms of the band-passed, mains-free signal, so
    it only means "noise" when the window holds some rest; during a sustained contraction it is
    the contraction's level. Limits are in :data:`QUALITY_LIMITS`.
    """
    fs = check_fs(fs)
    xx = check_signal(x, "x", ndim=(2,), min_samples=int(0.1 * fs))
    ids = channels.ids if isinstance(channels, Montage) else tuple(str(c) for c in channels)
    if len(ids) != xx.shape[0]:
        raise ValueError(f"channels names {len(ids)} channel(s) but x has {xx.shape[0]} row(s)")
    if mains not in (50.0, 60.0):
        raise ValueError(f"mains must be 50.0 or 60.0 Hz, got {mains!r}")
    n = xx.shape[1]
    top = min(high, 0.45 * fs)

    # Spectrum (Hann window) of the de-meaned window, all channels in one FFT.
    xc = xx - xx.mean(axis=1, keepdims=True)
    win = np.hanning(n)
    spec = np.abs(np.fft.rfft(xc * win, axis=1)) ** 2
    f = np.fft.rfftfreq(n, 1.0 / fs)
    band = (f >= low) & (f <= top)
    harm = np.zeros_like(band)
    df = max(fs / n, 1.0)
    for h in np.arange(mains, top + 1e-9, mains):
        harm |= np.abs(f - h) <= 1.5 * df + 0.5
    total = spec[:, band].sum(axis=1)
    hum = spec[:, band & harm].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        pl_ratio = np.where(total > 0, hum / total, 0.0)

    # In-band signal without mains, to judge flat channels and the noise floor.
    keep = band & ~harm
    clean = np.fft.irfft(np.where(keep, np.fft.rfft(xc, axis=1), 0), n=n, axis=1)
    rms = np.sqrt(np.mean(clean**2, axis=1))
    seg = max(1, int(0.1 * fs))
    k = n // seg
    seg_rms = np.sqrt(np.mean(clean[:, : k * seg].reshape(len(ids), k, seg) ** 2, axis=2))
    noise_floor = seg_rms.min(axis=1)

    # Clipping: samples at the rails.
    if adc_range_uv is not None:
        lo, hi = (-float(adc_range_uv), float(adc_range_uv)) if np.isscalar(adc_range_uv) else map(float, adc_range_uv)
        tol = 1e-3 * (hi - lo)
        clipped = (xx >= hi - tol) | (xx <= lo + tol)
    else:
        mx, mn = xx.max(axis=1, keepdims=True), xx.min(axis=1, keepdims=True)
        at_rail = (xx == mx) | (xx == mn)
        repeat = np.zeros_like(at_rail)
        repeat[:, 1:] = at_rail[:, 1:] & (xx[:, 1:] == xx[:, :-1])
        # a rail is real when the extreme value repeats (flat tops), not a single peak
        clipped = np.where(repeat.sum(axis=1, keepdims=True) >= 3, at_rail, False)
    clip_frac = clipped.mean(axis=1)

    out = []
    lim = QUALITY_LIMITS
    for i, cid in enumerate(ids):
        name = _label(cid)
        flat = bool(rms[i] < lim["flat_uv"] and np.ptp(xx[i]) < 50 * lim["flat_uv"])
        problems = []
        if flat:
            problems.append(f"{name}: no signal (flat or lead-off) — check the electrode is on the skin and the lead is plugged in")
        if not flat and clip_frac[i] > lim["clipping_fraction"]:
            problems.append(
                f"{name}: signal clipping ({100 * clip_frac[i]:.1f} % of samples at the amplifier limit) — "
                "reduce the gain or check for a loose electrode"
            )
        if pl_ratio[i] > lim["powerline_ratio"]:
            problems.append(
                f"{name}: strong {mains:g} Hz mains hum ({100 * pl_ratio[i]:.0f} % of the power) — "
                "check the reference electrode and skin prep"
            )
        if not flat and noise_floor[i] > lim["noise_floor_uv"]:
            problems.append(
                f"{name}: high noise floor ({noise_floor[i]:.0f} µV RMS in its quietest 0.1 s; if the "
                "muscle was relaxed, clean the skin and press the electrode on firmly, or replace it)"
            )
        out.append(ChannelQuality(cid, float(pl_ratio[i]), float(clip_frac[i]), flat, float(noise_floor[i]),
                                  tuple(problems)))
    return tuple(out)
