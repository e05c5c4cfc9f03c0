"""Patient codes: de-identified only. The rule is the storage layer's (the code goes into the
EDF+ patient field and the session database): 1–16 letters, digits, ``-`` or ``_``, starting
with a letter or digit and holding a digit, so a name ("JohnSmith", "Anna-Maria") is refused
before it reaches any file."""

from __future__ import annotations

import re

from emgfeedback.storage.deidentify import validate_patient_code as _storage_rule

__all__ = ["PATIENT_CODE_PATTERN", "validate_patient_code"]

#: What a patient code may look like (a digit is also required).
PATIENT_CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")


def validate_patient_code(text: str) -> str:
    """Return the stripped code, or raise ``ValueError`` saying what is allowed.

    Raises
    ------
    ValueError
        When ``text`` is empty, too long, has other characters (spaces, dots, accents), has
        no digit (it may be a name) or is EDF's placeholder ``X``.
    """
    code = text.strip()
    if not code:
        raise ValueError("patient code is empty; enter a de-identified code such as P-0042")
    if code == "X":
        raise ValueError("patient code 'X' means unknown; enter a de-identified code such as P-0042")
    return _storage_rule(code)
