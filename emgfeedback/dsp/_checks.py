"""Signal validation shared by every ``emgfeedback.dsp`` function (scalars: :mod:`emgfeedback.validation`).

Each helper returns the cleaned value or raises ``ValueError``/``TypeError`` whose message
names the parameter, what is allowed, what came, and how to fix it.
"""

from __future__ import annotations

import numpy as np

from emgfeedback.validation import check_fs, check_option, check_positive

__all__ = ["check_signal", "check_fs", "check_positive", "check_block", "check_option"]


def _describe_bad(x: np.ndarray, name: str) -> str:
    """Message for the first non-finite sample of ``x`` (1-D or 2-D)."""
    bad = ~np.isfinite(x)
    flat = int(np.argmax(bad.ravel()))
    value = x.ravel()[flat]
    kind = "NaN" if np.isnan(value) else ("+inf" if value > 0 else "-inf")
    count = int(np.count_nonzero(bad))
    if x.ndim == 1:
        where = f"at sample {flat}"
    else:
        ch, s = divmod(flat, x.shape[-1])
        where = f"at sample {s} of channel {ch}"
    more = f" ({count} non-finite values in all)" if count > 1 else ""
    return (
        f"{name} contains {kind} {where}{more}; fill or drop lost samples before filtering "
        "(e.g. hold the last good value) or cut the recording around the gap"
    )


def check_signal(
    x: object, name: str = "x", *, ndim: "tuple[int, ...]" = (1, 2), min_samples: int = 1
) -> np.ndarray:
    """Validate a signal array and return it as float64.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_channels, n_samples)
        Signal in µV; time is the last axis.
    name : str
        Parameter name used in error messages.
    ndim : tuple of int
        Allowed numbers of dimensions.
    min_samples : int
        Minimum length of the last (time) axis.

    Returns
    -------
    ndarray
        ``x`` as float64 (no copy when it already is).

    Raises
    ------
    TypeError
        If ``x`` is not numeric.
    ValueError
        If ``x`` has the wrong number of dimensions, too few samples, or NaN/inf values.
    """
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"{name} must be a numeric array of samples in µV, got {type(x).__name__}"
        ) from err
    if arr.ndim not in ndim:
        shapes = " or ".join(
            {1: "(n_samples,)", 2: "(n_channels, n_samples)"}.get(d, f"{d}-D") for d in ndim
        )
        raise ValueError(
            f"{name} must have shape {shapes} with time on the last axis, got shape {arr.shape}"
        )
    n = arr.shape[-1] if arr.ndim else 0
    if n < min_samples or arr.size == 0 and min_samples > 0:
        raise ValueError(
            f"{name} needs at least {min_samples} sample(s) on its last (time) axis, "
            f"got shape {arr.shape}"
        )
    if arr.size and not np.isfinite(arr).all():
        raise ValueError(_describe_bad(arr, name))
    return arr


def check_block(x: object, name: str = "block", n_channels: "int | None" = None) -> np.ndarray:
    """Validate one streaming block: 2-D (n_channels, n) float64, n may be 0.

    A 1-D block is taken as one channel. ``n_channels``, when given, must match the rows.
    """
    arr = check_signal(x, name, ndim=(1, 2), min_samples=0)
    if arr.ndim == 1:
        arr = arr[np.newaxis, :]
    if n_channels is not None and arr.shape[0] != n_channels:
        raise ValueError(
            f"{name} has {arr.shape[0]} channel(s) but this stream has {n_channels}; "
            "feed blocks of the same channels every time, or call reset() first"
        )
    return arr
