"""Device URLs: split ``scheme://target?key=value`` and turn the query into a typed options object.

Each driver declares its options as a small frozen dataclass whose fields are ``str``, ``int``,
``float`` or ``bool``; a field's query key is its name unless ``field(metadata={"key": ...})``
says otherwise. Every number is declared with its range (:func:`ranged`) and checked by
:func:`check_ranges` from the dataclass's ``__post_init__``: ``inf``, ``nan`` and values no
board could use (``baud=3000000000``, ``block=100000000000``) are refused naming the option.
Unknown keys and unparsable values raise ``ValueError`` naming the key and the driver's
expected URL form, before any I/O.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from typing import Any, Mapping, TypeVar
from urllib.parse import parse_qsl

from emgfeedback.model import Montage
from emgfeedback.validation import check_int, check_number

__all__ = ["split_url", "parse_options", "montage_option", "ranged", "check_ranges"]

O = TypeVar("O")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def split_url(url: str) -> tuple[str, str, dict[str, str]]:
    """Split a device URL into (scheme, target, query).

    ``serial:///dev/ttyUSB0?baud=460800`` gives ``("serial", "/dev/ttyUSB0", {"baud": "460800"})``;
    ``sim://?scenario=healthy`` gives ``("sim", "", {"scenario": "healthy"})``.

    Raises
    ------
    ValueError
        If ``url`` has no ``scheme://`` or repeats a query key.
    """
    if not isinstance(url, str) or "://" not in url:
        raise ValueError(
            f"device URL must look like scheme://target?option=value (e.g. sim://?scenario=healthy "
            f"or serial:///dev/ttyUSB0), got {url!r}"
        )
    scheme, rest = url.split("://", 1)
    scheme = scheme.strip().lower()
    if not scheme:
        raise ValueError(f"device URL {url!r} has an empty scheme before '://'")
    target, _, query = rest.partition("?")
    pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=False)
    out: dict[str, str] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"device URL {url!r} gives option {key!r} twice")
        out[key] = value
    return scheme, target, out


def ranged(default: float, lo: float, hi: float, unit: str = "", *, lo_open: bool = False,
           key: "str | None" = None) -> Any:
    """An options field holding a number within ``[lo, hi]`` (``(lo, hi]`` with ``lo_open``).

    Parameters
    ----------
    default : int or float
        Value when the URL does not give one.
    lo, hi : float
        Allowed range, in ``unit``.
    unit : str
        Unit shown in messages (``"Hz"``, ``"s"``, ``"bit/s"``).
    key : str, optional
        URL query key when it differs from the field name.
    """
    metadata: dict[str, Any] = {"range": (lo, hi, lo_open), "unit": unit}
    if key is not None:
        metadata["key"] = key
    return dataclasses.field(default=default, metadata=metadata)


def check_ranges(opts: Any) -> None:
    """Check every :func:`ranged` field of an options dataclass (call from ``__post_init__``).

    Raises
    ------
    ValueError
        A value outside its range, infinite or NaN; the message names the option (its URL key),
        the range and the value.
    """
    hints = typing.get_type_hints(type(opts))
    for f in dataclasses.fields(opts):
        if "range" not in f.metadata:
            continue
        lo, hi, lo_open = f.metadata["range"]
        name = f"option {f.metadata.get('key', f.name)}"
        value = getattr(opts, f.name)
        if hints[f.name] is int:
            check_int(value, name, lo=math.floor(lo) + 1 if lo_open else math.ceil(lo), hi=math.floor(hi))
        else:
            check_number(value, name, f.metadata["unit"], lo=lo, hi=hi, lo_open=lo_open)


def _convert(key: str, raw: Any, typ: Any, form: str) -> Any:
    if not isinstance(raw, str):
        if typ is bool and isinstance(raw, bool):
            return raw
        if typ in (int, float) and isinstance(raw, (int, float)) and not isinstance(raw, bool):
            if typ is int and isinstance(raw, float) and not (math.isfinite(raw) and raw.is_integer()):
                raise ValueError(f"option {key} must be an integer, got {raw!r}; expected {form}")
            try:
                return typ(raw)
            except OverflowError:
                raise ValueError(f"option {key} is out of range, got {raw!r}; expected {form}") from None
        if typ is str:
            raise ValueError(f"option {key} must be text, got {raw!r}; expected {form}")
        raw = str(raw)
    try:
        if typ is bool:
            low = raw.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError(raw)
        if typ is int:
            return int(raw)
        if typ is float:
            return float(raw)
    except ValueError:
        kind = {bool: "0 or 1", int: "an integer", float: "a number"}[typ]
        raise ValueError(f"option {key} must be {kind}, got {raw!r}; expected {form}") from None
    return raw


def parse_options(cls: "type[O]", query: Mapping[str, Any], form: str) -> O:
    """Build the options dataclass ``cls`` from URL query values (and keyword overrides).

    Parameters
    ----------
    cls : dataclass type
        The driver's frozen options dataclass.
    query : mapping
        Key to value; strings from a URL or Python values from keyword arguments.
    form : str
        The driver's URL form, quoted in error messages, e.g. ``serial://PORT?baud=460800``.

    Raises
    ------
    ValueError
        For an unknown key or a value of the wrong kind; the message names both and the form.
    """
    hints = typing.get_type_hints(cls)
    by_key = {f.metadata.get("key", f.name): f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {}
    for key, raw in query.items():
        fld = by_key.get(key)
        if fld is None:
            known = ", ".join(sorted(by_key)) or "none"
            raise ValueError(f"unknown option {key!r} (known options: {known}); expected {form}")
        kwargs[fld.name] = _convert(key, raw, hints[fld.name], form)
    return cls(**kwargs)


def montage_option(text: str, n_channels: int, form: str, *, what: str = "board") -> Montage:
    """The montage of a ``montage=ID,ID,...`` option for a source of ``n_channels`` channels.

    Empty ``text`` means the glute montage's first ``n_channels`` channels (left GMax, GMed,
    TFL, ES, then the right side).

    Raises
    ------
    ValueError
        The option names another number of channels, or unknown ones; or it is empty and the
        source has more channels than the default montage (the message says how to name them).
    """
    default = Montage.default()
    if text:
        names = [t for t in (p.strip() for p in text.split(",")) if t]
        if len(names) != n_channels:
            raise ValueError(
                f"option montage must name {n_channels} channels: it names {len(names)} but the {what} "
                f"has {n_channels} (comma-separated ids or labels, e.g. "
                f"{','.join(default.ids[:2])},...); expected {form}")
        return Montage.from_names(names)
    if n_channels > len(default):
        raise ValueError(f"the {what} has {n_channels} channels; name them with montage=ID,ID,... "
                         f"in the URL ({form})")
    return Montage(default.channels[:n_channels])
