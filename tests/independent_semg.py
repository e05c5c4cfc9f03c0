"""Independent surface-EMG test-signal generator with known burst onsets (numpy/scipy only).

Written from the literature, without looking at or importing ``emgfeedback.simulation``, so
that the onset detectors can be checked against signals they were not tuned on.

Two published models of the interference sEMG signal are implemented (``model=``):

``"noise"`` — amplitude-modulated, spectrally shaped Gaussian noise (the classic stochastic
    sEMG model: De Luca 1979; Shwedyk, Balasubramanian & Scott 1977). White Gaussian noise is
    shaped in the frequency domain to the power spectrum of Shwedyk et al. as used by Farina &
    Merletti (2000)::

        P(f) = k · fh⁴ · f² / ((f² + fl²) · (f² + fh²)²),   fl = 60 Hz, fh = 120 Hz

    (peak near 80 Hz, most power in 20–300 Hz), normalised to unit RMS and multiplied by the
    recruitment envelope ``a(t)``.

``"motor_units"`` — a small motor-unit pool after Fuglevand, Winter & Patla (1993): ``n_mu``
    (default 80) units with recruitment thresholds spread exponentially over 0–70 % of the
    plateau excitation (size principle: many small low-threshold units, few large ones; the
    first unit is recruited as soon as the excitation rises above zero, so the physiological
    onset equals the envelope onset). A recruited unit fires at 8 Hz at its threshold, rising
    linearly with excitation to 25 Hz at full excitation; inter-spike intervals vary with a
    coefficient of variation of 15 % (Gaussian). Each firing adds, from the firing instant on, the
    unit's motor-unit action potential, a first-order Hermite–Rodriguez function (Lo Conte, Merletti & Sandri 1994)
    ``h(t) = (t/λ)·exp(−(t/λ)²)`` with λ drawn in 1.5–3 ms (biphasic, spectral peak 75–150 Hz)
    and peak amplitude growing exponentially (×10 over the pool) with the recruitment threshold.
    The sum is scaled so its RMS over all plateau samples equals ``amplitude_uv``.

Recruitment envelope (excitation) of one burst with onset ``t_on``, ramp ``R`` and exponent ``p``::

    a(t) = A · ((t − t_on)/R)^p      t_on ≤ t < t_on + R          (ramp up; p = 1 linear, 2 convex)
    a(t) = A                         on the plateau
    a(t) = A · ((t_off − t)/R)^p     t_off − R ≤ t < t_off        (ramp down, mirror image)
    a(t) = 0                         otherwise

``Burst.onset_s`` is ``t_on`` (the first instant of non-zero excitation) and ``Burst.offset_s``
is ``t_off`` (excitation back at zero). For the noise model ``a(t)`` is the RMS envelope; for the
motor-unit model it is the normalised excitation driving recruitment and rate coding.

Noise and SNR: additive zero-mean Gaussian background noise, white (default) or pink
(``noise="pink"``, 1/f power), independent per channel. **SNR is defined as
20·log10(plateau EMG RMS / background noise RMS)**, both broadband (0 to fs/2) and measured on
the generated signal: the EMG RMS is taken over all plateau samples of the channel, the noise
RMS over the whole noise record. Optional 50 Hz mains interference (``mains_uv``: sine peak
amplitude, µV) and baseline wander (``wander_uv``: peak amplitude of a sum of 0.1–0.5 Hz sines)
are added on top and are not counted in the SNR.

All randomness comes from ``numpy.random.default_rng(seed)``: the same arguments give the same
trial, bit for bit.

References
----------
De Luca CJ. Physiology and mathematics of myoelectric signals. IEEE Trans Biomed Eng
1979;26(6):313–325.
Shwedyk E, Balasubramanian R, Scott RN. A nonstationary model for the electromyogram.
IEEE Trans Biomed Eng 1977;24(5):417–424.
Farina D, Merletti R. Comparison of algorithms for estimation of EMG variables during voluntary
isometric contractions. J Electromyogr Kinesiol 2000;10(5):337–349.
Fuglevand AJ, Winter DA, Patla AE. Models of recruitment and rate coding organization in
motor-unit pools. J Neurophysiol 1993;70(6):2470–2488.
Lo Conte LR, Merletti R, Sandri GV. Hermite expansions of compact support waveforms:
applications to myoelectric signals. IEEE Trans Biomed Eng 1994;41(12):1147–1159.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, Union

import numpy as np

__all__ = [
    "Burst",
    "Trial",
    "burst_trial",
    "order_pair_trial",
    "synthesize",
    "envelope_of",
    "shwedyk_psd",
    "MODELS",
]

MODELS = ("noise", "motor_units")

Range = Union[float, tuple]


@dataclass(frozen=True)
class Burst:
    """One true activation: excitation starts at ``onset_s`` and is back at zero at ``offset_s``;
    ``ramp_s`` and ``p`` are its recruitment ramp length (s) and exponent (up and down)."""

    onset_s: float
    offset_s: float
    ramp_s: float
    p: float


@dataclass(frozen=True)
class Trial:
    """A generated recording: ``x`` (n_channels, n_samples) in µV at ``fs`` Hz, the true
    bursts of each channel (in time order) and the channel names."""

    x: np.ndarray
    fs: float
    bursts: tuple  # tuple[tuple[Burst, ...], ...], one per channel
    channels: tuple  # tuple[str, ...]

    def onsets(self, channel: "int | str") -> list[float]:
        """True onset times (s) of a channel given by index or name."""
        i = self.channels.index(channel) if isinstance(channel, str) else int(channel)
        return [b.onset_s for b in self.bursts[i]]

    @property
    def duration_s(self) -> float:
        return self.x.shape[1] / self.fs


# ---------------------------------------------------------------------------------------------
# building blocks


def shwedyk_psd(f: np.ndarray, fl: float = 60.0, fh: float = 120.0) -> np.ndarray:
    """Shwedyk et al. (1977) sEMG power spectrum ``fh⁴ f² / ((f²+fl²)(f²+fh²)²)`` (k = 1)."""
    f = np.asarray(f, dtype=float)
    return fh**4 * f**2 / ((f**2 + fl**2) * (f**2 + fh**2) ** 2)


def _shaped_noise(rng: np.random.Generator, n: int, fs: float, psd) -> np.ndarray:
    """Zero-mean Gaussian noise of unit RMS whose spectrum follows ``psd(f)``."""
    nfft = int(2 ** np.ceil(np.log2(max(n, 2))))
    w = rng.standard_normal(nfft)
    W = np.fft.rfft(w)
    f = np.fft.rfftfreq(nfft, 1.0 / fs)
    W *= np.sqrt(psd(f))
    y = np.fft.irfft(W, nfft)[:n]
    y -= y.mean()
    return y / np.sqrt(np.mean(y**2))


def _pink_psd(f: np.ndarray) -> np.ndarray:
    out = np.zeros_like(f)
    out[1:] = 1.0 / f[1:]
    return out


def envelope_of(bursts: Sequence[Burst], n: int, fs: float, amplitude: float = 1.0) -> np.ndarray:
    """The recruitment envelope ``a(t)`` (see the module docstring) of ``bursts`` on ``n`` samples."""
    t = np.arange(n) / fs
    a = np.zeros(n)
    for b in bursts:
        up = (t >= b.onset_s) & (t < b.onset_s + b.ramp_s)
        flat = (t >= b.onset_s + b.ramp_s) & (t < b.offset_s - b.ramp_s)
        down = (t >= b.offset_s - b.ramp_s) & (t < b.offset_s)
        a[up] = np.maximum(a[up], ((t[up] - b.onset_s) / b.ramp_s) ** b.p)
        a[flat] = 1.0
        a[down] = np.maximum(a[down], ((b.offset_s - t[down]) / b.ramp_s) ** b.p)
    return amplitude * a


def _plateau_mask(bursts: Sequence[Burst], n: int, fs: float) -> np.ndarray:
    t = np.arange(n) / fs
    m = np.zeros(n, dtype=bool)
    for b in bursts:
        m |= (t >= b.onset_s + b.ramp_s) & (t < b.offset_s - b.ramp_s)
    return m


def _hermite_rodriguez_1(lam_s: float, fs: float) -> np.ndarray:
    """First-order Hermite–Rodriguez MUAP (t/λ)·exp(−(t/λ)²), unit peak, ±4λ support."""
    half = int(np.ceil(4 * lam_s * fs))
    t = np.arange(-half, half + 1) / fs
    h = (t / lam_s) * np.exp(-((t / lam_s) ** 2))
    return h / np.max(np.abs(h))


def _motor_unit_emg(rng: np.random.Generator, excitation: np.ndarray, fs: float, *, n_mu: int = 80,
                    max_threshold: float = 0.7, rate_min: float = 8.0, rate_max: float = 25.0,
                    isi_cv: float = 0.15, amp_range: float = 10.0) -> np.ndarray:
    """Sum of motor-unit action potential trains driven by ``excitation`` (0..1)."""
    n = excitation.size
    i = np.arange(n_mu)
    # exponential threshold distribution (Fuglevand et al. 1993), shifted so unit 0 starts at 0
    thr = (np.exp(np.log(30.0) * i / (n_mu - 1)) - 1.0) / 29.0 * max_threshold
    amp = np.exp(np.log(amp_range) * i / (n_mu - 1))
    lam = rng.uniform(1.5e-3, 3.0e-3, n_mu)
    sign = rng.choice([-1.0, 1.0], n_mu)  # electrode on either side of the innervation zone
    y = np.zeros(n)
    for u in range(n_mu):
        above = excitation > thr[u]
        if not above.any():
            continue
        shape = sign[u] * amp[u] * _hermite_rodriguez_1(lam[u], fs)
        fires: list[int] = []
        # walk through the record: from each recruitment, fire with excitation-dependent rate
        k = int(np.argmax(above))
        while k < n:
            if not above[k]:
                nxt = np.argmax(above[k:])
                if not above[k + nxt]:
                    break
                k = k + int(nxt)
                # a small random delay before the first spike of a new recruitment (< 1 ISI)
                k += int(rng.uniform(0.0, 0.5) / rate_min * fs * (thr[u] > 0))
                if k >= n:
                    break
                if not above[k]:
                    continue
            fires.append(k)
            e = excitation[k]
            rate = rate_min + (rate_max - rate_min) * (e - thr[u]) / max(1.0 - thr[u], 1e-9)
            rate = min(max(rate, rate_min), rate_max)
            isi = max(1.0 / rate * (1.0 + isi_cv * rng.standard_normal()), 0.02)
            k += max(1, int(round(isi * fs)))
        if not fires:
            continue
        # the MUAP starts at the firing instant (its leading ±4λ tail is ~0), so no activity precedes it
        idx = np.asarray(fires)[:, None] + np.arange(shape.size)[None, :]
        ok = (idx >= 0) & (idx < n)
        np.add.at(y, idx[ok], np.broadcast_to(shape, idx.shape)[ok])
    return y


def _draw(rng: np.random.Generator, v: Range) -> float:
    if isinstance(v, (tuple, list)):
        lo, hi = (float(q) for q in v)
        return float(rng.uniform(lo, hi)) if hi > lo else lo
    return float(v)


# ---------------------------------------------------------------------------------------------
# trials


def synthesize(bursts: Sequence[Sequence[Burst]], n_samples: int, *, fs: float = 2000.0,
               snr_db: float = 20.0, model: str = "noise", amplitude_uv: float = 200.0,
               noise: str = "white", mains_uv: float = 0.0, mains_hz: float = 50.0,
               wander_uv: float = 0.0, channels: "Sequence[str] | None" = None,
               seed: "int | np.random.Generator" = 0) -> Trial:
    """Generate a trial with the given true bursts per channel (see the module docstring).

    ``amplitude_uv`` is the plateau EMG RMS; ``snr_db`` = 20·log10(plateau RMS / noise RMS).
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    if noise not in ("white", "pink"):
        raise ValueError(f"noise must be 'white' or 'pink', got {noise!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n_ch = len(bursts)
    names = tuple(channels) if channels is not None else tuple(f"ch{i}" for i in range(n_ch))
    x = np.zeros((n_ch, n_samples))
    t = np.arange(n_samples) / fs
    for c, bs in enumerate(bursts):
        bs = tuple(sorted(bs, key=lambda b: b.onset_s))
        a = envelope_of(bs, n_samples, fs)
        plateau = _plateau_mask(bs, n_samples, fs)
        if model == "noise":
            emg = a * _shaped_noise(rng, n_samples, fs, shwedyk_psd)
        else:
            emg = _motor_unit_emg(rng, a, fs)
        if plateau.any():
            rms = np.sqrt(np.mean(emg[plateau] ** 2))
            emg = emg * (amplitude_uv / rms) if rms > 0 else emg
        bg = _shaped_noise(rng, n_samples, fs, _pink_psd) if noise == "pink" else rng.standard_normal(n_samples)
        bg = bg - bg.mean()
        bg *= amplitude_uv / 10 ** (snr_db / 20.0) / np.sqrt(np.mean(bg**2))
        y = emg + bg
        if mains_uv:
            y += mains_uv * np.sin(2 * np.pi * mains_hz * t + rng.uniform(0, 2 * np.pi))
        if wander_uv:
            fw = rng.uniform(0.1, 0.5, 3)
            ph = rng.uniform(0, 2 * np.pi, 3)
            y += wander_uv / 3.0 * np.sin(2 * np.pi * fw[:, None] * t[None, :] + ph[:, None]).sum(axis=0)
        x[c] = y
    return Trial(x=x, fs=float(fs), bursts=tuple(tuple(sorted(bs, key=lambda b: b.onset_s)) for bs in bursts),
                 channels=names)


def burst_trial(*, fs: float = 2000.0, n_bursts: int = 6, ramp_s: Range = (0.05, 0.4), p: Range = (1.0, 2.0),
                snr_db: float = 20.0, model: str = "noise", amplitude_uv: float = 200.0,
                rest_s: Range = (1.5, 3.0), plateau_s: Range = (1.0, 2.0), lead_in_s: float = 2.0,
                mains_uv: float = 0.0, wander_uv: float = 0.0, noise: str = "white",
                seed: int = 0) -> Trial:
    """One channel ("emg") of ``n_bursts`` separated bursts.

    The record starts with ``lead_in_s`` of rest; each burst is ramp up (``ramp_s``, exponent
    ``p``), plateau (``plateau_s``), mirrored ramp down, then rest (``rest_s``). Parameters given
    as ``(lo, hi)`` are drawn uniformly per burst, scalars are fixed.
    """
    rng = np.random.default_rng(seed)
    bursts = []
    t = float(lead_in_s)
    for _ in range(n_bursts):
        r, pp, pl = _draw(rng, ramp_s), _draw(rng, p), _draw(rng, plateau_s)
        bursts.append(Burst(onset_s=t, offset_s=t + 2 * r + pl, ramp_s=r, p=pp))
        t += 2 * r + pl + _draw(rng, rest_s)
    n = int(np.ceil(t * fs))
    return synthesize([bursts], n, fs=fs, snr_db=snr_db, model=model, amplitude_uv=amplitude_uv,
                      noise=noise, mains_uv=mains_uv, wander_uv=wander_uv, channels=("emg",), seed=rng)


def order_pair_trial(*, fs: float = 2000.0, n_reps: int = 10, lead_s: Range = (0.02, 0.12),
                     fast_ramp_s: Range = (0.01, 0.04), slow_ramp_s: Range = (0.1, 0.3), p: Range = (1.0, 2.0),
                     snr_db: float = 20.0, model: str = "noise", amplitude_uv: float = 200.0,
                     plateau_s: Range = (1.0, 1.5), rest_s: Range = (1.5, 2.5), lead_in_s: float = 2.0,
                     mains_uv: float = 0.0, noise: str = "white", seed: int = 0) -> Trial:
    """Two channels ("GMax_L", "ES_L") firing in a known order, with mismatched ramps.

    Per rep, which muscle fires first is random; the second starts ``lead_s`` later (drawn per
    rep). In half the reps (shuffled) the first muscle ramps slowly (``slow_ramp_s``) and the
    second fast (``fast_ramp_s``) — the hard case, an inhibited, weak glute recruited gradually
    — and in the other half the first ramps fast and the second slowly. Both muscles hold a
    common plateau and ramp down; the true latency is the onset difference.
    """
    rng = np.random.default_rng(seed)
    slow_first = np.array([i < n_reps // 2 for i in range(n_reps)])
    rng.shuffle(slow_first)
    per = ([], [])
    t = float(lead_in_s)
    for rep in range(n_reps):
        first = int(rng.integers(2))
        lead = _draw(rng, lead_s)
        r_first = _draw(rng, slow_ramp_s if slow_first[rep] else fast_ramp_s)
        r_second = _draw(rng, fast_ramp_s if slow_first[rep] else slow_ramp_s)
        p1, p2 = _draw(rng, p), _draw(rng, p)
        pl = _draw(rng, plateau_s)
        on1, on2 = t, t + lead
        end = max(on1 + r_first, on2 + r_second) + pl
        per[first].append(Burst(on1, end + r_first, r_first, p1))
        per[1 - first].append(Burst(on2, end + r_second, r_second, p2))
        t = max(end + r_first, end + r_second) + _draw(rng, rest_s)
    n = int(np.ceil(t * fs))
    return synthesize(list(per), n, fs=fs, snr_db=snr_db, model=model, amplitude_uv=amplitude_uv,
                      noise=noise, mains_uv=mains_uv, channels=("GMax_L", "ES_L"), seed=rng)
