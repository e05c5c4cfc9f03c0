"""sEMG filters: design functions (SOS) and offline functions over whole arrays.

Time is the last axis; ``fs`` is always passed explicitly, in Hz. Causal filtering
(``zero_phase=False``, the default) starts from zero filter state, so it equals what the
``Streaming…`` classes in :mod:`emgfeedback.dsp.streaming` produce on the same samples for any
block sizes. ``zero_phase=True`` runs the filter forward and backward (``sosfiltfilt``): no
delay, for offline timing work only.

Defaults follow common sEMG practice (SENIAM; De Luca 2010): band-pass 20–450 Hz, 4th-order
Butterworth; notch at the mains frequency (50 or 60 Hz) and its harmonics inside the pass band;
linear envelope = full-wave rectification then a 2nd-order 6 Hz low-pass; moving RMS over 100 ms.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import signal

from emgfeedback.dsp._checks import check_fs, check_positive, check_signal

__all__ = [
    "MAX_HIGH_FRACTION",
    "design_bandpass",
    "design_notch",
    "design_lowpass",
    "design_conditioning",
    "bandpass",
    "notch",
    "envelope",
    "moving_rms",
    "condition",
    "rms_window_samples",
    "effective_high",
    "notch_frequencies",
]

#: The band-pass upper edge is clamped to this fraction of ``fs`` (0.45·fs, i.e. 90 % of
#: Nyquist) so that a 450 Hz default still designs a stable filter at low sample rates
#: (e.g. 1000 Hz boards get 20–450 Hz, 500 Hz boards get 20–225 Hz).
MAX_HIGH_FRACTION = 0.45

_MAINS = (50.0, 60.0)


def _check_order(order: object) -> int:
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or not 1 <= order <= 12:
        raise ValueError(f"order must be an integer from 1 to 12, got {order!r}")
    return int(order)


def effective_high(fs: float, high: float) -> float:
    """Upper band edge actually used: ``min(high, 0.45·fs)``, Hz."""
    return min(float(high), MAX_HIGH_FRACTION * float(fs))


def design_bandpass(fs: float, low: float = 20.0, high: float = 450.0, order: int = 4) -> np.ndarray:
    """Butterworth band-pass as second-order sections.

    Parameters
    ----------
    fs : float
        Sample rate, Hz.
    low, high : float
        Band edges, Hz. ``high`` is clamped to ``0.45·fs`` (see :data:`MAX_HIGH_FRACTION`).
    order : int
        Butterworth order of each edge (the band-pass has ``order`` sections).

    Returns
    -------
    ndarray, shape (order, 6)
        SOS coefficients for :func:`scipy.signal.sosfilt`.

    Raises
    ------
    ValueError
        If the band is empty once clamped (``fs`` too low for ``low``) or an edge is invalid.
    """
    fs = check_fs(fs)
    low = check_positive(low, "low", "Hz")
    high = check_positive(high, "high", "Hz")
    order = _check_order(order)
    if low >= high:
        raise ValueError(f"low must be below high; got low={low:g} Hz, high={high:g} Hz")
    top = effective_high(fs, high)
    if top < high and top < 2.0 * low:
        raise ValueError(
            f"fs={fs:g} Hz is too low for a band-pass from {low:g} Hz: the upper edge is clamped "
            f"to 0.45·fs = {top:g} Hz, leaving less than an octave above low (an empty band for "
            f"sEMG). Record at fs ≥ {math.ceil(2.0 * low / MAX_HIGH_FRACTION)} Hz (≥ 1000 Hz for the full "
            "20–450 Hz band) or lower `low`"
        )
    return signal.butter(order, [low, top], btype="bandpass", fs=fs, output="sos")


def notch_frequencies(
    fs: float, mains: float = 50.0, *, harmonics: bool = True, n_harmonics: "int | None" = None,
    max_freq: "float | None" = None,
) -> list[float]:
    """Frequencies the notch removes: ``mains`` and, if asked, its harmonics, Hz.

    Harmonics are kept while ≤ ``max_freq`` (default: no limit) and ≤ 0.45·fs; at most
    ``n_harmonics`` frequencies in all (fundamental included) when given.
    """
    fs = check_fs(fs)
    if isinstance(mains, bool) or not isinstance(mains, (int, float)) or float(mains) not in _MAINS:
        raise ValueError(
            f"mains must be 50.0 or 60.0 Hz (the powerline frequency where you record), got {mains!r}"
        )
    mains = float(mains)
    limit = MAX_HIGH_FRACTION * fs
    if max_freq is not None:
        limit = min(limit, check_positive(max_freq, "max_freq", "Hz"))
    if mains > MAX_HIGH_FRACTION * fs:
        raise ValueError(
            f"fs={fs:g} Hz is too low to notch {mains:g} Hz mains (needs fs > {mains / MAX_HIGH_FRACTION:g} Hz)"
        )
    if n_harmonics is not None and (
        isinstance(n_harmonics, bool) or not isinstance(n_harmonics, (int, np.integer)) or n_harmonics < 1
    ):
        raise ValueError(f"n_harmonics must be an integer ≥ 1 or None, got {n_harmonics!r}")
    count = 1 if not harmonics else (n_harmonics if n_harmonics is not None else 10_000)
    freqs = [mains * k for k in range(1, int(count) + 1) if mains * k <= limit + 1e-9]
    return freqs or [mains]


def design_notch(
    fs: float, mains: float = 50.0, *, harmonics: bool = True, n_harmonics: "int | None" = None,
    q: float = 30.0, max_freq: "float | None" = None,
) -> np.ndarray:
    """IIR notch at the mains frequency and its harmonics, one section per frequency.

    Parameters
    ----------
    fs : float
        Sample rate, Hz.
    mains : {50.0, 60.0}
        Powerline frequency where the recording is made, Hz.
    harmonics : bool
        Also notch 2·mains, 3·mains, … (up to ``max_freq`` and 0.45·fs).
    n_harmonics : int, optional
        At most this many notch frequencies, fundamental included.
    q : float
        Quality factor: notch width is ``f / q`` Hz (30 → 1.7 Hz wide at 50 Hz).
    max_freq : float, optional
        Highest frequency worth notching, Hz (e.g. the band-pass upper edge).

    Returns
    -------
    ndarray, shape (n_frequencies, 6)
        SOS coefficients.
    """
    q = check_positive(q, "q")
    freqs = notch_frequencies(fs, mains, harmonics=harmonics, n_harmonics=n_harmonics, max_freq=max_freq)
    sections = [signal.tf2sos(*signal.iirnotch(f, q, fs=fs)) for f in freqs]
    return np.vstack(sections)


def design_lowpass(fs: float, cutoff: float = 6.0, order: int = 2) -> np.ndarray:
    """Butterworth low-pass as SOS (used for the linear envelope).

    Parameters
    ----------
    fs : float
        Sample rate, Hz.
    cutoff : float
        Cut-off frequency, Hz; must be below ``fs / 2``.
    order : int
        Filter order.
    """
    fs = check_fs(fs)
    cutoff = check_positive(cutoff, "cutoff", "Hz")
    order = _check_order(order)
    if cutoff >= fs / 2:
        raise ValueError(
            f"cutoff must be below fs/2 = {fs / 2:g} Hz, got cutoff={cutoff:g} Hz; "
            "an EMG envelope uses 2–10 Hz"
        )
    return signal.butter(order, cutoff, btype="lowpass", fs=fs, output="sos")


def design_conditioning(
    fs: float, low: float = 20.0, high: float = 450.0, mains: "float | None" = 50.0, *,
    order: int = 4, q: float = 30.0, harmonics: bool = True,
) -> np.ndarray:
    """Band-pass and mains notch stacked into one SOS array (one ``sosfilt`` call for both).

    Notches are placed at ``mains`` and its harmonics up to the (clamped) upper band edge.
    ``mains=None`` gives the band-pass alone.

    Returns
    -------
    ndarray, shape (n_sections, 6)
        Band-pass sections followed by notch sections.
    """
    bp = design_bandpass(fs, low, high, order)
    if mains is None:
        return bp
    top = effective_high(fs, high)
    nt = design_notch(fs, mains, harmonics=harmonics, q=q, max_freq=top)
    return np.vstack([bp, nt])


# ---------------------------------------------------------------------------- offline


def _apply(sos: np.ndarray, x: np.ndarray, axis: int, zero_phase: bool, what: str) -> np.ndarray:
    if not zero_phase:
        return signal.sosfilt(sos, x, axis=axis)
    try:
        return signal.sosfiltfilt(sos, x, axis=axis)
    except ValueError as err:
        raise ValueError(
            f"x has {x.shape[axis]} samples, too few for zero-phase {what} ({err}); "
            "pass a longer signal or zero_phase=False"
        ) from err


def bandpass(
    x: np.ndarray, fs: float, low: float = 20.0, high: float = 450.0, *, order: int = 4,
    axis: int = -1, zero_phase: bool = False,
) -> np.ndarray:
    """Band-pass filter a signal (Butterworth, high edge clamped to 0.45·fs).

    Parameters
    ----------
    x : ndarray, shape (n_samples,) or (n_channels, n_samples)
        Signal, µV.
    fs : float
        Sample rate, Hz.
    low, high : float
        Band edges, Hz.
    order : int
        Butterworth order.
    axis : int
        Time axis.
    zero_phase : bool
        Forward-backward filtering (no delay, not causal).

    Returns
    -------
    ndarray
        Filtered signal, µV, same shape as ``x``.
    """
    x = check_signal(x)
    return _apply(design_bandpass(fs, low, high, order), x, axis, zero_phase, "band-pass")


def notch(
    x: np.ndarray, fs: float, mains: float = 50.0, *, harmonics: bool = True,
    n_harmonics: "int | None" = None, q: float = 30.0, axis: int = -1, zero_phase: bool = False,
) -> np.ndarray:
    """Remove mains interference (``mains`` Hz and harmonics up to 0.45·fs), µV in, µV out."""
    x = check_signal(x)
    sos = design_notch(fs, mains, harmonics=harmonics, n_harmonics=n_harmonics, q=q)
    return _apply(sos, x, axis, zero_phase, "notch")


def condition(
    x: np.ndarray, fs: float, low: float = 20.0, high: float = 450.0, mains: "float | None" = 50.0,
    *, order: int = 4, q: float = 30.0, harmonics: bool = True, axis: int = -1,
    zero_phase: bool = False,
) -> np.ndarray:
    """Band-pass and notch in one pass (see :func:`design_conditioning`), µV in, µV out."""
    x = check_signal(x)
    sos = design_conditioning(fs, low, high, mains, order=order, q=q, harmonics=harmonics)
    return _apply(sos, x, axis, zero_phase, "conditioning")


def envelope(
    x: np.ndarray, fs: float, cutoff: float = 6.0, *, order: int = 2, axis: int = -1,
    zero_phase: bool = False,
) -> np.ndarray:
    """Linear envelope: full-wave rectification then a Butterworth low-pass.

    Parameters
    ----------
    x : ndarray
        Band-passed signal, µV (time on ``axis``).
    fs : float
        Sample rate, Hz.
    cutoff : float
        Low-pass cut-off, Hz (≈ 6 Hz for feedback, 2–10 Hz typical).
    order : int
        Low-pass order.

    Returns
    -------
    ndarray
        Envelope, µV, same shape as ``x``.
    """
    x = check_signal(x)
    return _apply(design_lowpass(fs, cutoff, order), np.abs(x), axis, zero_phase, "envelope")


def rms_window_samples(fs: float, window_s: float) -> int:
    """Number of samples in a moving-RMS window (at least 1)."""
    fs = check_fs(fs)
    window_s = check_positive(window_s, "window_s", "s")
    return max(1, int(round(window_s * fs)))


def _moving_rms_core(history: np.ndarray, sq: np.ndarray, w: int) -> "tuple[np.ndarray, np.ndarray]":
    """Causal moving mean of squares → RMS, continuing from ``history``.

    ``history`` holds the previous ``w - 1`` squared samples (zeros at the start). Returns the
    RMS of each new sample's window and the new history. Shared by :func:`moving_rms` and
    :class:`~emgfeedback.dsp.streaming.StreamingMovingRms` so both give the same numbers.
    """
    ext = np.concatenate([history, sq], axis=-1)
    cs = np.cumsum(ext, axis=-1)
    n = sq.shape[-1]
    upper = cs[..., w - 1 : w - 1 + n]
    lower = np.zeros_like(upper)
    if n > 1:
        lower[..., 1:] = cs[..., : n - 1]
    mean = (upper - lower) / w
    np.maximum(mean, 0.0, out=mean)
    new_hist = ext[..., ext.shape[-1] - (w - 1) :] if w > 1 else ext[..., :0]
    return np.sqrt(mean), new_hist.copy()


def moving_rms(x: np.ndarray, fs: float, window_s: float = 0.1) -> np.ndarray:
    """Causal moving RMS over the last ``window_s`` seconds, µV.

    Samples before the start count as zero (like the streaming version's initial state),
    so the first ``window_s`` ramps up.

    Parameters
    ----------
    x : ndarray, shape (n_samples,) or (n_channels, n_samples)
        Band-passed signal, µV.
    fs : float
        Sample rate, Hz.
    window_s : float
        Window length, s (≈ 0.1 s).
    """
    x = check_signal(x)
    w = rms_window_samples(fs, window_s)
    hist = np.zeros(x.shape[:-1] + (w - 1,))
    y, _ = _moving_rms_core(hist, x * x, w)
    return y
