"""De-identified patient codes: the only patient identifier emgfeedback ever stores.

A code is 1–16 characters of letters, digits, ``-`` or ``_``, starting with a letter or digit and
holding at least one digit (``P017``, ``LBP-03``, ``2024_s12``). Anything else — spaces, commas,
letters only — is refused because it may be a name. ``X`` (EDF+'s "unknown") is allowed.
"""

from __future__ import annotations

import re

__all__ = ["validate_patient_code", "edf_patient_field", "UNKNOWN_PATIENT"]

UNKNOWN_PATIENT = "X"
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")


def validate_patient_code(code: str) -> str:
    """Return ``code`` if it is a valid de-identified code, else raise.

    Raises
    ------
    ValueError
        If ``code`` is not a code (the message says why and gives an example).
    """
    if not isinstance(code, str):
        raise ValueError(f"patient code must be text like P017, got {type(code).__name__}")
    if code == UNKNOWN_PATIENT:
        return code
    rule = ("a de-identified code of 1-16 letters, digits, '-' or '_' with at least one digit "
            "(e.g. P017)")
    if not _CODE.match(code):
        raise ValueError(f"patient code must be {rule}, got {code!r}; never enter names")
    if not any(ch.isdigit() for ch in code):
        raise ValueError(f"patient code {code!r} has no digit and may be a name; use {rule}")
    return code


def edf_patient_field(code: str) -> str:
    """The EDF+ patient field for ``code``: ``CODE X X X`` (code, sex, birthdate, name unknown)."""
    return f"{validate_patient_code(code)} X X X"
