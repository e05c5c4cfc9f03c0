"""The clinic named on handover reports: its name, an optional address line and logo (PNG).

Read from a small TOML file, ``$XDG_CONFIG_HOME/emgfeedback/clinic.toml`` (default
``~/.config/emgfeedback/clinic.toml``) or the file given with ``--clinic``::

    name = "Hip & Back Physiotherapy"
    address = "12 Example Street, Sometown"   # optional
    logo = "logo.png"                         # optional; relative to this file's folder

Every problem is one ``ConfigError`` line naming the file and key (missing logo, not a PNG, a
logo larger than :data:`MAX_LOGO_BYTES`). The logo's bytes are read once, so a report embeds
them (HTML data URI, PDF image) without touching the network or the file again.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from emgfeedback.calibration._reader import TomlFile
from emgfeedback.errors import ConfigError

__all__ = ["Clinic", "load_clinic", "find_clinic", "default_clinic_path", "MAX_LOGO_BYTES"]

#: Largest logo file accepted, bytes (a logo is printed a few centimetres wide).
MAX_LOGO_BYTES = 2_000_000
#: Largest logo side, pixels.
MAX_LOGO_PIXELS = 4000
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_KEYS = ("name", "address", "logo")


@dataclass(frozen=True)
class Clinic:
    """A clinic as its reports name it.

    Parameters
    ----------
    name : str
        Shown at the top of every report.
    address : str
        One optional line under the name.
    logo_png : bytes or None
        The logo, a checked PNG file's bytes.
    """

    name: str
    address: str = ""
    logo_png: "bytes | None" = field(default=None, repr=False)


def default_clinic_path() -> Path:
    """``$XDG_CONFIG_HOME/emgfeedback/clinic.toml`` (``~/.config/…`` when the variable is unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "emgfeedback" / "clinic.toml"


def _logo(toml: TomlFile, text: str) -> bytes:
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = toml.path.parent / path
    if not path.is_file():
        raise toml.error("logo", f"file {path} not found")
    size = path.stat().st_size
    if size > MAX_LOGO_BYTES:
        raise toml.error("logo", f"{path} is {size / 1e6:.1f} MB; use a PNG under {MAX_LOGO_BYTES / 1e6:.0f} MB")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise toml.error("logo", f"cannot read {path}: {err.strerror or err}") from None
    if not data.startswith(_PNG_MAGIC):
        raise toml.error("logo", f"{path} is not a PNG image; save the logo as .png")
    from PIL import Image  # Pillow comes with fpdf2, which draws the logo in the PDF

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
            w, h = img.size
    except Exception as err:  # Pillow raises many types for a damaged file
        raise toml.error("logo", f"{path} is a damaged PNG ({type(err).__name__})") from None
    if max(w, h) > MAX_LOGO_PIXELS:
        raise toml.error("logo", f"{path} is {w}×{h} pixels; use at most {MAX_LOGO_PIXELS} per side")
    return data


def load_clinic(path: "str | Path") -> Clinic:
    """Read and check a clinic file.

    Raises
    ------
    ConfigError
        One line naming the file and key: file missing or not TOML, ``name`` missing or empty,
        an unknown key, a logo that is missing, not a PNG, damaged or too large.
    """
    toml = TomlFile(path)
    toml.check_keys(toml.data, _KEYS)
    name = toml.text(toml.data, "name", "name")
    address = toml.text(toml.data, "address", "address") if "address" in toml.data else ""
    logo = _logo(toml, toml.text(toml.data, "logo", "logo")) if "logo" in toml.data else None
    return Clinic(name=name, address=address, logo_png=logo)


def find_clinic(path: "str | Path | None" = None) -> "Clinic | None":
    """The clinic of ``path`` (``--clinic FILE``; it must exist), else of
    :func:`default_clinic_path` when that file exists, else None (reports then name no clinic).

    Raises
    ------
    ConfigError
        As :func:`load_clinic`.
    """
    if path is not None:
        return load_clinic(path)
    default = default_clinic_path()
    if not default.exists():
        return None
    if not default.is_file():
        raise ConfigError(f"{default}: not a file")
    return load_clinic(default)
