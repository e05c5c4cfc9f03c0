"""Reading one TOML file with one-line ``ConfigError`` messages naming the file and key.

A broken calibration file must never end in a traceback: every problem (missing file, TOML
syntax, missing key, wrong type, value out of range, unknown key) becomes a ``ConfigError``
that says which file, which key, what is expected and what was found.
"""

from __future__ import annotations

import math
import os
import site
import sys
import sysconfig
import tomllib
from pathlib import Path
from typing import Any, Iterable, Mapping

from emgfeedback.errors import ConfigError
from emgfeedback.validation import did_you_mean
from emgfeedback.model import Muscle

__all__ = ["TomlFile", "default_calibration_dir", "INSTALLED_SUBDIR"]

_MISSING = object()

#: Environment variable that points emgfeedback at another calibration folder.
CALIBRATION_ENV = "EMGFEEDBACK_CALIBRATION"


#: Where a wheel installs the calibration folder, under an installation's data path
#: (pyproject ``[tool.setuptools.data-files]``).
INSTALLED_SUBDIR = Path("share") / "emgfeedback" / "calibration"


def _candidates() -> list[Path]:
    """Calibration folders in the order they are tried (after the environment variable)."""
    found = [Path(__file__).resolve().parents[2] / "calibration"]  # source tree / editable install
    data_paths = [sysconfig.get_path("data"), sys.prefix, sys.base_prefix]
    try:
        data_paths.append(sysconfig.get_path("data", f"{os.name}_user"))  # pip install --user
    except KeyError:
        pass
    if site.USER_BASE:
        data_paths.append(site.USER_BASE)
    for base in data_paths:
        if base and Path(base) / INSTALLED_SUBDIR not in found:
            found.append(Path(base) / INSTALLED_SUBDIR)
    return found


def default_calibration_dir() -> Path:
    """The calibration folder: ``$EMGFEEDBACK_CALIBRATION`` if set; else ``calibration/`` at the
    root of the source tree (a checkout or an editable install); else the copy a wheel installs
    in ``<prefix>/share/emgfeedback/calibration`` (or the user base for ``pip install --user``).
    When none exists, the source-tree path is returned so the error names where it looked."""
    env = os.environ.get(CALIBRATION_ENV)
    if env:
        return Path(env)
    candidates = _candidates()
    return next((c for c in candidates if (c / "protocols").is_dir()), candidates[0])


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


class TomlFile:
    """A parsed TOML file plus the checks that give clear errors.

    Parameters
    ----------
    path : Path
        File to read. Missing, unreadable and malformed files raise ``ConfigError``.
    """

    def __init__(self, path: "Path | str") -> None:
        self.path = Path(path)
        try:
            with open(self.path, "rb") as fh:
                self.data: dict[str, Any] = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"{self.path}: file not found") from None
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"{self.path}: not valid TOML: {err}") from None
        except (OSError, UnicodeDecodeError) as err:
            raise ConfigError(f"{self.path}: cannot read the file: {err}") from None

    def error(self, key: str, message: str) -> ConfigError:
        """A ``ConfigError`` for ``key`` in this file."""
        return ConfigError(f"{self.path}: key '{key}': {message}")

    def table(self, parent: Mapping[str, Any], key: str, dotted: str, *, required: bool = True) -> dict:
        """Sub-table ``key`` of ``parent`` (``dotted`` is its full name for messages)."""
        value = parent.get(key, _MISSING)
        if value is _MISSING:
            if required:
                raise self.error(dotted, "missing; expected a table [" + dotted + "]")
            return {}
        if not isinstance(value, dict):
            raise self.error(dotted, f"expected a table, got {_kind(value)}")
        return value

    def check_keys(self, table: Mapping[str, Any], allowed: Iterable[str], prefix: str = "") -> None:
        """Reject keys not in ``allowed`` (catches typos such as ``hold_seconds``)."""
        allowed = tuple(allowed)
        for key in table:
            if key not in allowed:
                raise self.error(
                    prefix + key, f"unknown key; expected one of: {', '.join(allowed)}"
                )

    def text(self, table: Mapping[str, Any], key: str, dotted: str, default: Any = _MISSING) -> str:
        """A non-empty string."""
        value = table.get(key, default)
        if value is _MISSING:
            raise self.error(dotted, "missing; expected text")
        if not isinstance(value, str) or not value.strip():
            raise self.error(dotted, f"expected non-empty text, got {_kind(value)} {value!r}")
        return value.strip()

    def number(
        self,
        table: Mapping[str, Any],
        key: str,
        dotted: str,
        *,
        default: Any = _MISSING,
        low: float = -math.inf,
        high: float = math.inf,
        low_open: bool = False,
        unit: str = "",
    ) -> float:
        """A finite number in ``[low, high]`` (``(low, high]`` when ``low_open``)."""
        value = table.get(key, default)
        unit_txt = f" {unit}" if unit else ""
        rng = f"{'>' if low_open else '>='} {low:g}" if high == math.inf else (
            f"in {'(' if low_open else '['}{low:g}, {high:g}]"
        )
        if value is _MISSING:
            raise self.error(dotted, f"missing; expected a number{unit_txt} {rng}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.error(dotted, f"expected a number{unit_txt} {rng}, got {_kind(value)} {value!r}")
        too_low = value <= low if low_open else value < low
        if too_low or value > high:
            raise self.error(dotted, f"expected a number{unit_txt} {rng}, got {value!r}")
        return float(value)

    def integer(
        self, table: Mapping[str, Any], key: str, dotted: str, *, default: Any = _MISSING,
        low: int = 1, high: int = 1000,
    ) -> int:
        """A whole number in ``[low, high]``."""
        value = table.get(key, default)
        if value is _MISSING:
            raise self.error(dotted, f"missing; expected a whole number in [{low}, {high}]")
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.error(
                dotted, f"expected a whole number in [{low}, {high}], got {_kind(value)} {value!r}"
            )
        return int(value)

    def choice(self, table: Mapping[str, Any], key: str, dotted: str, choices: Iterable[str],
               default: Any = _MISSING) -> str:
        """One of ``choices``."""
        choices = tuple(choices)
        value = table.get(key, default)
        if value is _MISSING:
            raise self.error(dotted, f"missing; expected one of: {', '.join(choices)}")
        if value not in choices:
            raise self.error(dotted, f"expected one of: {', '.join(choices)}, got {value!r}"
                                     f"{did_you_mean(value, choices)}")
        return str(value)

    def muscle(self, value: Any, dotted: str) -> Muscle:
        """A muscle id (``glute_max``, ``glute_med``, ``tfl``, ``lumbar_es``)."""
        known = [m.value for m in Muscle]
        if not isinstance(value, str) or value not in known:
            raise self.error(dotted, f"expected a muscle, one of: {', '.join(known)}, got {value!r}")
        return Muscle(value)

    def schema(self, supported: int = 1) -> None:
        """Check the top-level ``schema`` version."""
        value = self.data.get("schema", _MISSING)
        if value is _MISSING:
            raise self.error("schema", f"missing; expected schema = {supported}")
        if value != supported or isinstance(value, bool):
            raise self.error("schema", f"expected {supported} (the version this emgfeedback reads), got {value!r}")
