"""Argument validation shared by every layer: one wording for every bad-parameter message.

Each helper returns the cleaned value or raises ``ValueError``/``TypeError`` whose message
names the parameter, says what is allowed, shows what came and, for a near miss among named
options, asks "did you mean …?" (the way MNE's ``_check_option`` does, with
:func:`difflib.get_close_matches`).

Examples
--------
>>> check_option("hodge", "onset_method", ("hodges", "tkeo", "bonato"))
Traceback (most recent call last):
...
ValueError: onset_method must be one of 'hodges', 'tkeo', 'bonato'; got 'hodge' (did you mean 'hodges'?)
"""

from __future__ import annotations

import difflib
import math
from numbers import Real
from typing import Iterable, TypeVar

import numpy as np

__all__ = ["check_option", "check_fs", "check_positive", "check_number", "check_int", "did_you_mean"]

T = TypeVar("T")


def did_you_mean(value: object, options: Iterable[object]) -> str:
    """`` (did you mean 'x'?)`` for the closest option to ``value``, or ``""``."""
    names = [str(o) for o in options]
    close = difflib.get_close_matches(str(value), names, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_option(value: T, name: str, options: "Iterable[T]") -> T:
    """Check that ``value`` is one of ``options``; the message lists them and the nearest one.

    Parameters
    ----------
    value : object
        What the caller passed.
    name : str
        Parameter name shown in the message (e.g. ``"onset_method"``).
    options : iterable
        Allowed values.
    """
    opts = tuple(options)
    try:
        ok = value in opts
    except TypeError:  # unhashable / incomparable
        ok = False
    if not ok:
        allowed = ", ".join(repr(o) for o in opts)
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}{did_you_mean(value, opts)}")
    return value


def _is_number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, (Real, np.integer, np.floating))


def check_number(value: object, name: str, unit: str = "", *, lo: "float | None" = None,
                 hi: "float | None" = None, lo_open: bool = False) -> float:
    """A finite number within ``[lo, hi]`` (``(lo, hi]`` with ``lo_open``); returns it as float."""
    unit_txt = f" {unit}" if unit else ""
    if not _is_number(value):
        raise TypeError(f"{name} must be a number{unit_txt}, got {type(value).__name__} {value!r}")
    v = float(value)  # type: ignore[arg-type]
    bad = not math.isfinite(v)
    if lo is not None:
        bad = bad or (v <= lo if lo_open else v < lo)
    if hi is not None:
        bad = bad or v > hi
    if bad:
        if lo is not None and hi is not None:
            rng = f"{'>' if lo_open else '≥'} {lo:g} and ≤ {hi:g}"
        elif lo is not None:
            rng = f"{'>' if lo_open else '≥'} {lo:g}"
        elif hi is not None:
            rng = f"≤ {hi:g}"
        else:
            rng = "finite"
        raise ValueError(f"{name} must be a finite number{unit_txt} {rng}, got {value!r}")
    return v


def check_positive(value: object, name: str, unit: str = "", *, allow_zero: bool = False) -> float:
    """A finite number > 0 (≥ 0 with ``allow_zero``); returns it as float."""
    unit_txt = f" {unit}" if unit else ""
    if not _is_number(value):
        raise TypeError(f"{name} must be a number{unit_txt}, got {type(value).__name__} {value!r}")
    v = float(value)  # type: ignore[arg-type]
    if not (math.isfinite(v) and (v >= 0 if allow_zero else v > 0)):
        need = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be a {need}, finite number{unit_txt}, got {value!r}")
    return v


def check_int(value: object, name: str, *, lo: "int | None" = None, hi: "int | None" = None) -> int:
    """A whole number within ``[lo, hi]``; returns it as int."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number, got {type(value).__name__} {value!r}")
    v = int(value)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        rng = " and ".join(s for s in (f"≥ {lo}" if lo is not None else "", f"≤ {hi}" if hi is not None else "") if s)
        raise ValueError(f"{name} must be a whole number {rng}, got {value!r}")
    return v


def check_fs(fs: object, name: str = "fs") -> float:
    """A sample rate: a positive, finite number of Hz; returns it as float."""
    if not _is_number(fs):
        raise TypeError(f"{name} must be a number of Hz (e.g. 2000.0), got {type(fs).__name__} {fs!r}")
    value = float(fs)  # type: ignore[arg-type]
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive, finite sample rate in Hz (e.g. 2000.0), got {fs!r}")
    return value
