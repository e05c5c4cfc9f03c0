"""Rest (baseline) statistics of a detection signal: a given window, the low-quantile window, or
the one in the first seconds (the "start" rule) — with the filters' start-up left out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emgfeedback.dsp._checks import check_positive

__all__ = ["BaselineStats", "baseline_stats", "SETTLE_S"]

#: Start-up time of the detectors' filters, s: no onset is searched for and no baseline taken
#: in the first ``SETTLE_S`` of a recording or stream (the notch and band-pass settle).
SETTLE_S = 0.3

_QUIETEST = ("auto", "quietest")


@dataclass(frozen=True, eq=False)
class BaselineStats:
    """Mean and standard deviation of a detection signal at rest, per channel.

    Parameters
    ----------
    mean, sd : ndarray, shape (n_channels,)
        In the detection signal's units (µV for envelopes, µV² for energies).
    start_s, end_s : ndarray, shape (n_channels,)
        Window each channel's statistics came from, s from the start of the signal.
    """

    mean: np.ndarray
    sd: np.ndarray
    start_s: np.ndarray
    end_s: np.ndarray


def baseline_stats(
    d: np.ndarray, fs: float, where: "None | str | tuple[float, float]" = "auto", *, window_s: float = 0.5,
    quantile: float = 0.1,
) -> BaselineStats:
    """Baseline statistics of ``d`` (n_channels, n_samples).

    Parameters
    ----------
    d : ndarray
        Detection signal (envelope or energy), time on the last axis.
    fs : float
        Sample rate, Hz.
    where : "auto", None or (start_s, end_s)
        ``"auto"``/None: per channel, the ``window_s`` window with the lowest mean (windows
        stepped by a quarter of their length); otherwise that window for all channels.
    window_s : float
        Automatic window length, s.
    quantile : float
        ``"auto"``: which window, by rank of its mean (0 = the quietest). Default 0.1: the
        minimum of many window means is an extreme value that lands on ultra-quiet stretches
        2.5–4× below the level between contractions in real recordings (docs/onsets.md).
    """
    n_ch, n = d.shape
    if where is None or (isinstance(where, str) and where == "auto"):
        w = max(2, int(round(check_positive(window_s, "baseline_window_s", "s") * fs)))
        if w > n:
            raise ValueError(
                f"the recording ({n / fs:.3f} s) is shorter than the automatic baseline window "
                f"({w / fs:.3f} s); pass a shorter baseline_window_s or a longer recording"
            )
        hop = max(1, w // 4)
        starts = np.arange(0, n - w + 1, hop)
        cs = np.zeros((n_ch, n + 1))
        np.cumsum(d, axis=-1, out=cs[:, 1:])
        means = (cs[:, starts + w] - cs[:, starts]) / w
        if quantile <= 0.0:
            best = starts[np.argmin(means, axis=1)]
        else:
            order = np.argsort(means, axis=1)
            best = starts[order[:, min(int(quantile * (starts.size - 1)), starts.size - 1)]]
        win = np.take_along_axis(d, best[:, None] + np.arange(w)[None, :], axis=1)
        return BaselineStats(win.mean(axis=1), win.std(axis=1), best / fs, (best + w) / fs)
    if isinstance(where, str):
        raise ValueError(f"baseline must be 'auto', None or a (start_s, end_s) window; got {where!r}")
    try:
        start_s, end_s = (float(v) for v in where)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ValueError(
            f"baseline must be 'auto', None or a (start_s, end_s) window in s; got {where!r}"
        ) from None
    a, b = int(round(start_s * fs)), int(round(end_s * fs))
    if not (0 <= a and b <= n and b - a >= 2):
        raise ValueError(
            f"baseline window ({start_s:g}, {end_s:g}) s must lie inside the recording "
            f"(0–{n / fs:.3f} s) and hold at least 2 samples; pick a rest period inside it"
        )
    win = d[:, a:b]
    ones = np.ones(n_ch)
    return BaselineStats(win.mean(axis=1), win.std(axis=1), ones * a / fs, ones * b / fs)


def _n_settle(fs: float) -> int:
    return int(round(SETTLE_S * fs))


def _start_samples(fs: float, baseline_s: float, window_s: float) -> int:
    """Samples the "start" rule learns from; checks that the window fits after settling."""
    b = check_positive(baseline_s, "baseline_s", "s")
    w = check_positive(window_s, "baseline_window_s", "s")
    if b < SETTLE_S + w:
        raise ValueError(
            f"baseline_s ({baseline_s!r} s) must hold the filters' {SETTLE_S:g} s start-up plus one "
            f"baseline_window_s ({window_s!r} s); use at least {SETTLE_S + w:g} s of rest"
        )
    return int(round(b * fs))


def _start_stats(d: np.ndarray, fs: float, n_base: int, window_s: float) -> BaselineStats:
    """The "start" rule: the quietest ``window_s`` window in ``[SETTLE_S, n_base)``."""
    n0 = _n_settle(fs)
    if d.shape[1] < n_base:
        raise ValueError(
            f"the recording ({d.shape[1] / fs:.3f} s) is shorter than the baseline_s "
            f"({n_base / fs:.3f} s) the 'start' rule learns from; pass a shorter baseline_s"
        )
    st = baseline_stats(d[:, n0:n_base], fs, "auto", window_s=window_s)
    return BaselineStats(st.mean, st.sd, st.start_s + n0 / fs, st.end_s + n0 / fs)


def _settled_stats(d: np.ndarray, fs: float, where: object, window_s: float) -> BaselineStats:
    """Baseline statistics of ``d`` ignoring its first :data:`SETTLE_S` (filter start-up)."""
    n_settle = min(_n_settle(fs), max(d.shape[1] - 2, 0))
    shift = n_settle / fs
    if isinstance(where, str) and where in _QUIETEST:
        where = "auto"
    elif isinstance(where, (tuple, list)) and len(where) == 2:
        a, b = (float(v) for v in where)
        where = (0.0, b - shift) if (b - shift > 0 and a < shift) else (a - shift, b - shift)
    elif where is not None:
        raise ValueError(f"baseline must be 'start', 'auto' (or 'quietest'), None, a (start_s, end_s) "
                         f"window in s or BaselineStats; got {where!r}")
    st = baseline_stats(d[:, n_settle:], fs, where, window_s=window_s)  # type: ignore[arg-type]
    return BaselineStats(st.mean, st.sd, st.start_s + shift, st.end_s + shift)
