"""Amplitude ratios: TFL-to-glute ratio, gluteal-to-TFL activation index, left/right symmetry."""

from __future__ import annotations

import numpy as np

__all__ = ["tfl_to_glute_ratio", "gluteal_to_tfl_index", "symmetry_index"]


def _as_1d(x: object, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D envelope (n_samples,), got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf; fill lost samples before computing ratios")
    return arr


def tfl_to_glute_ratio(
    env_tfl: np.ndarray, env_gmed: np.ndarray, *, active: "np.ndarray | None" = None
) -> float:
    """Mean TFL envelope over mean gluteus medius envelope during activity.

    Parameters
    ----------
    env_tfl, env_gmed : ndarray, shape (n_samples,)
        Envelopes of TFL and gluteus medius on one side, same units (µV or %MVC).
    active : ndarray of bool, shape (n_samples,), optional
        Samples to average over (e.g. where both are in a detected burst); default all.

    Returns
    -------
    float
        TFL / glute med (dimensionless; > 1 means TFL dominates). NaN when gluteus medius is
        silent over the active samples (mean ≤ 0) or no sample is active.
    """
    t, g = _as_1d(env_tfl, "env_tfl"), _as_1d(env_gmed, "env_gmed")
    if t.shape != g.shape:
        raise ValueError(f"env_tfl and env_gmed must have the same length, got {t.size} and {g.size}")
    if active is not None:
        mask = np.asarray(active, dtype=bool)
        if mask.shape != t.shape:
            raise ValueError(f"active must have shape {t.shape}, got {mask.shape}")
        t, g = t[mask], g[mask]
    if t.size == 0:
        return float("nan")
    den = float(np.mean(g))
    return float(np.mean(t)) / den if den > 0 else float("nan")


def gluteal_to_tfl_index(gmed_pct: "float | np.ndarray", gmax_pct: "float | np.ndarray",
                         tfl_pct: "float | np.ndarray") -> "float | np.ndarray":
    """Gluteal-to-TFL muscle activation (GTA) index of Selkowitz et al. (2013).

    The index rewards exercises that activate both gluteal muscles strongly *and* well above
    TFL. Implemented as the mean gluteal-minus-TFL difference scaled by the mean gluteal
    activation relative to TFL::

        G   = (GMed + GMax) / 2                      # mean gluteal activation, %MVC
        GTA = ((GMed − TFL) + (GMax − TFL)) / 2 × G / TFL

    Parameters
    ----------
    gmed_pct, gmax_pct, tfl_pct : float or ndarray
        Mean normalised activation of gluteus medius, (superior) gluteus maximus and TFL, %MVC.

    Returns
    -------
    float or ndarray
        The index (higher = more gluteal, less TFL). NaN where TFL ≤ 0.

    Notes
    -----
    Selkowitz DM, Beneck GJ, Powers CM. Which exercises target the gluteal muscles while
    minimizing activation of the tensor fascia lata? Electromyographic assessment using
    fine-wire electrodes. J Orthop Sports Phys Ther 2013;43(2):54–64.
    The paper's full text was not available to us when this was written: the formula above is
    our reading of it (it yields indices of the published order, 18–115, from %MVC means of
    that size, which a plain mean-gluteal / TFL × 100 ratio does not); check it against the
    paper before publishing numbers computed with it.
    """
    gmed = np.asarray(gmed_pct, dtype=np.float64)
    gmax = np.asarray(gmax_pct, dtype=np.float64)
    tfl = np.asarray(tfl_pct, dtype=np.float64)
    mean_glute = (gmed + gmax) / 2.0
    diff = ((gmed - tfl) + (gmax - tfl)) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(tfl > 0, diff * mean_glute / np.where(tfl > 0, tfl, 1.0), np.nan)
    return float(out) if out.ndim == 0 else out


def symmetry_index(left: "float | np.ndarray", right: "float | np.ndarray") -> "float | np.ndarray":
    """Left/right symmetry index, %: ``SI = (L − R) / (0.5·(L + R)) × 100``.

    0 is perfect symmetry; −50 means the left is markedly weaker (e.g. L = 60 %, R = 100 % of
    some amplitude gives SI = −50). Defined by Robinson, Herzog & Nigg (1987) for gait and used
    for EMG amplitude asymmetry.

    Parameters
    ----------
    left, right : float or ndarray
        Same measure on each side (µV, %MVC, …), ≥ 0.

    Returns
    -------
    float or ndarray
        SI, %; NaN where both sides are 0.

    Notes
    -----
    Robinson RO, Herzog W, Nigg BM. Use of force platform variables to quantify the effects of
    chiropractic manipulation on gait symmetry. J Manipulative Physiol Ther 1987;10(4):172–176.
    """
    left_a = np.asarray(left, dtype=np.float64)
    right_a = np.asarray(right, dtype=np.float64)
    total = left_a + right_a
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(total > 0, (left_a - right_a) / (0.5 * np.where(total > 0, total, 1.0)) * 100.0, np.nan)
    return float(out) if out.ndim == 0 else out
