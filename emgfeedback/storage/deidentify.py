"""De-identified patient codes: the only patient identifier emgfeedback ever stores.

This is the one patient-code rule; the session layer and the dashboard use it as is.

A code is 1–16 characters of letters, digits, ``-`` or ``_``, starting with a letter or digit and
holding at least one digit (``P017``, ``LBP-03``, ``2024_s12``). Anything else — spaces, commas,
letters only — is refused because it may be a name.

``X`` is not a code: it is EDF+'s "unknown" placeholder, which the storage layer writes itself
when no code is given (``patient_code=None``, e.g. ``emgfeedback record`` without ``--patient``).
Typed as a code it is refused everywhere (command line, dashboard, database) with a message
saying to give a real code or none, so unknown patients are never filed together under one
fake code in the session database.
"""

from __future__ import annotations

import re

__all__ = ["validate_patient_code", "edf_patient_field", "UNKNOWN_PATIENT", "PATIENT_CODE_PATTERN"]

#: What the EDF+ patient field holds for an unknown patient (never accepted as a code).
UNKNOWN_PATIENT = "X"

#: What a patient code may look like (a digit is also required).
PATIENT_CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")

_RULE = "a de-identified code of 1-16 letters, digits, '-' or '_' with at least one digit (e.g. P017)"


def validate_patient_code(code: str) -> str:
    """Return the code (surrounding spaces stripped) if it is a de-identified code, else raise.

    Raises
    ------
    ValueError
        When ``code`` is empty, too long, has other characters (spaces, dots, accents), has no
        digit (it may be a name) or is the unknown-patient placeholder ``X``; the message says
        why and gives an example.
    """
    if not isinstance(code, str):
        raise ValueError(f"patient code must be text like P017, got {type(code).__name__}")
    code = code.strip()
    if not code:
        raise ValueError("patient code is empty; enter a de-identified code such as P-0042")
    if code == UNKNOWN_PATIENT:
        raise ValueError("patient code 'X' means unknown; enter a de-identified code such as P-0042, "
                         "or give no code to record an unknown patient")
    if not PATIENT_CODE_PATTERN.match(code):
        raise ValueError(f"patient code must be {_RULE}, got {code!r}; never enter names")
    if not any(ch.isdigit() for ch in code):
        raise ValueError(f"patient code {code!r} has no digit and may be a name; use {_RULE}")
    return code


def edf_patient_field(code: "str | None") -> str:
    """The EDF+ patient field for ``code``: ``CODE X X X`` (code, sex, birthdate, name unknown);
    ``X X X X`` when no code is given (None)."""
    if code is None:
        return f"{UNKNOWN_PATIENT} X X X"
    return f"{validate_patient_code(code)} X X X"
