"""Onset localisation: where, before a detected burst, did the muscle really switch on?

A threshold detector fires part-way up the recruitment ramp, so its time is late by a fraction
of the ramp (tens of ms for 50–400 ms ramps). Once a burst is detected, its onset is placed by a
likelihood change-point estimate on the energy of the conditioned EMG, ``e = y²`` (µV²), in a
bounded window before (and up to) the sample at which the burst became known.

Model (Staude et al. 2001's approximated generalized likelihood ratio, AGLR, extended from a
variance *step* to a variance *ramp that levels off*): the band-passed sEMG is zero-mean
Gaussian with variance

    σ²(t) = a                                   for t < τ      (rest)
    σ²(t) = a + β·min((t − τ)/R, 1)^q           for t ≥ τ      (recruitment, then plateau)

with q = 0 (Staude's variance step) or q ∈ {2, 3, 4} (amplitude ramps ``((t − τ)/R)^p``,
p = 1–2: the muscle's power adds to the rest noise) and R ∈ :data:`RAMPS_S` (∞: a ramp still
rising at the end of the window). Without the plateau a fast (≤ 50 ms) ramp is fitted by a step
halfway up it, biasing onsets late by ~half the ramp (measured: docs/onsets.md). The energy is
averaged in ``bin_s`` (10 ms) bins: each bin mean ``E_j`` is approximately Gamma distributed
with mean σ²(t_j) and shape κ, and the negative log-likelihood of (τ, R, q) is κ times

    L = Σ_j [ log μ_j + E_j / μ_j ],     μ_j = a + β·w_j,   w_j = min(r_j/R, 1)^q, r_j = t_j − τ,

with ``a`` the mean of the bins before τ (its ML value given τ) and ``β`` the moment estimate
``Σ_{j ≥ τ}(E_j − a) / Σ_j w_j``. Neighbouring (τ, R, q) often fit almost equally well (a linear
40 ms ramp and a convex 80 ms one starting 25 ms earlier), so the onset is not the arg-min but
the posterior mean of τ under flat priors, ``Σ τ·exp(−κL) / Σ exp(−κL)`` over all candidates and
models (Bayesian model averaging), with κ = mean²/variance of the window's early (rest) bins —
this removes the jumps between model families that the arg-min makes (measured: docs/onsets.md).

Cost: the rest part and the step are read off cumulative sums; the finite ramps are one
(models × candidates × R_max) array (their plateau from cumulative sums), R = ∞ one
(models × candidates × bins) array — ~2·10⁴ operations in ~40 numpy calls per detected burst
(~0.3 ms), never per sample.

References
----------
Staude G, Flachenecker C, Daumer M, Wolf W. Onset detection in surface electromyographic
signals: a systematic comparison of methods. EURASIP J Appl Signal Process 2001;2:67–81.
Tenan MS, Tweedell AJ, Haynes CA. Analysis of statistical and standard algorithms for detecting
muscle onset with surface electromyography. PLoS ONE 2017;12(5):e0177312.
"""

from __future__ import annotations

import numpy as np

__all__ = ["localise_onset", "BIN_S", "EXPONENTS", "RAMPS_S"]

#: Energy bin width of the localiser, s.
BIN_S = 0.01
#: Variance-ramp exponents tried besides the step (q = 0, Staude's AGLR).
EXPONENTS = (2, 3, 4)
#: Ramp durations R tried, s (``inf``: still rising at the window's end).
RAMPS_S = (0.02, 0.04, 0.08, 0.16, 0.32, float("inf"))
_MIN_REST_BINS = 2


def _ramp_ll(E_pad: np.ndarray, cs: np.ndarray, j0: np.ndarray, a: np.ndarray, excess: np.ndarray,
             W: np.ndarray) -> np.ndarray:
    """Negative log-likelihood after τ, (models, candidates), for ramp weights ``W`` (M, width).

    Bins ``τ … τ + width − 1`` are evaluated one by one (one (M × candidates × width) array);
    later bins have weight 1 (the plateau) and are read off the cumulative sums ``cs``.
    """
    n = cs.size - 1
    width = W.shape[1]
    idx = j0[:, None] + np.arange(width)[None, :]
    valid = idx < n
    w = W[:, None, :] * valid[None]  # (M, candidates, width); 0 beyond the window
    n_plat = np.maximum(n - j0 - width, 0)
    beta = excess[None, :] / (w.sum(axis=-1) + n_plat)
    mu = a[None, :, None] + beta[..., None] * w
    # bins beyond the window have w = 0 and E = 0: each adds log a, taken off again
    ramp = (np.log(mu) + E_pad[idx] / mu).sum(axis=-1) - (width - valid.sum(axis=1)) * np.log(a)
    mu_p = a + beta
    return ramp + n_plat * np.log(mu_p) + (cs[-1] - cs[np.minimum(j0 + width, n)]) / mu_p


def _groups(models: "tuple[tuple[float, int], ...]", n: int) -> "list[tuple[np.ndarray, np.ndarray]]":
    """(model rows, weights (rows, width)) of the finite ramps and of R = ∞ for ``n`` bins."""
    out = []
    r = np.array([m[0] for m in models], dtype=float)
    q = np.array([m[1] for m in models], dtype=float)
    for finite in (True, False):
        rows = np.flatnonzero((q != 0) & (np.isfinite(r) == finite))
        if rows.size:
            width = n if not finite else min(n, max(1, int(np.ceil(r[rows].max() - 0.5))))
            c = np.arange(width) + 0.5
            w = c[None, :] if not finite else np.minimum(c[None, :] / r[rows, None], 1.0)
            out.append((rows, w ** q[rows, None]))
    return out


def _nll(E: np.ndarray, j0: np.ndarray, models: "tuple[tuple[float, int], ...]") -> np.ndarray:
    """Negative log-likelihood, shape (models, candidates), of candidates ``j0`` and ``models``.

    ``models`` holds (R in bins, q); q = 0 is the step (R ignored), read off cumulative sums.
    Finite ramps form one array as wide as the longest of them, R = ∞ one as wide as the window:
    no Python loop over bins or candidates.
    """
    n = E.size
    cs = np.concatenate(([0.0], np.cumsum(E)))
    n_after = n - j0
    a = np.maximum(cs[j0] / j0, 1e-9 * max(float(cs[-1]) / n, 1e-300))
    rest_ll = j0 * (np.log(a) + 1.0)  # Σ_{j<τ} [log a + E_j/a] with a their mean
    s_after = cs[-1] - cs[j0]
    excess = np.maximum(s_after - a * n_after, 0.0)
    E_pad = np.concatenate([E, np.zeros(n)])
    # step (q = 0): one level after τ, its mean
    mu = np.maximum(s_after / n_after, a)
    ll = np.broadcast_to(rest_ll + n_after * np.log(mu) + s_after / mu, (len(models), j0.size)).copy()
    for rows, W in _groups(models, n):
        ll[rows] = rest_ll + _ramp_ll(E_pad, cs, j0, a, excess, W)
    return ll


def _shape(E: np.ndarray, b: int) -> float:
    """Gamma shape κ of rest bin means (mean²/variance), clipped to [0.5, b/2] (b samples/bin)."""
    v = float(E.var())
    return float(np.clip(float(E.mean()) ** 2 / v, 0.5, b / 2.0)) if v > 0 else b / 2.0


def _posterior_tau(E: np.ndarray, j0: np.ndarray, models: "tuple[tuple[float, int], ...]", b: int) -> float:
    """Posterior mean of τ (bins) over candidates ``j0`` and ``models`` (flat priors).

    The log-likelihood of bin means with Gamma shape κ is κ times :func:`_nll` (up to terms free
    of the parameters); κ is estimated from the early (rest) bins of the window.
    """
    ll = _nll(E, j0, models)
    kappa = _shape(E[: max(4, j0.size // 2)], b)
    p = np.exp(-kappa * (ll - ll.min())).sum(axis=0)
    return float(np.dot(p, j0) / p.sum())


def localise_onset(e: np.ndarray, fs: float, last: int, *, bin_s: float = BIN_S,
                   exponents: "tuple[int, ...]" = EXPONENTS,
                   ramps_s: "tuple[float, ...]" = RAMPS_S) -> "float | None":
    """Onset inside one energy window: posterior mean of τ, averaged over the ramp models.

    Parameters
    ----------
    e : ndarray, shape (n,)
        Energy of the conditioned EMG (µV²), rest first, the burst at the end.
    fs : float
        Sample rate, Hz.
    last : int
        Latest index (into ``e``) the onset may take (the detector's own onset).
    bin_s : float
        Bin width, s.
    exponents : tuple of int
        Exponents q > 0 of the variance ramp tried besides the step.
    ramps_s : tuple of float
        Ramp durations R tried, s (``inf`` allowed).

    Returns
    -------
    float or None
        Onset, samples from the start of ``e``; None when the window holds too little rest to
        estimate anything (the caller keeps the detector's time).
    """
    b = max(1, int(round(bin_s * fs)))
    n = e.size // b
    off = e.size - n * b  # bins are aligned to the window's end
    last_bin = (last - off) // b
    if n < _MIN_REST_BINS + 2 or last_bin < _MIN_REST_BINS:
        return None
    models = ((np.inf, 0),) + tuple((r * fs / b, q) for r in ramps_s for q in exponents)
    E = e[off:].reshape(n, b).mean(axis=1)
    tau = _posterior_tau(E, np.arange(_MIN_REST_BINS, min(last_bin, n - 1) + 1), models, b)
    return float(off + tau * b)
