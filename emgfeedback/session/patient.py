"""Patient codes: de-identified only. A code is 1–16 letters, digits or hyphens and must contain
a digit, so a name ("JohnSmith", "Anna-Maria") is refused before it reaches any file."""

from __future__ import annotations

import re

__all__ = ["PATIENT_CODE_PATTERN", "validate_patient_code"]

#: What a patient code may look like.
PATIENT_CODE_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,16}$")


def validate_patient_code(text: str) -> str:
    """Return the stripped code, or raise ``ValueError`` saying what is allowed.

    Raises
    ------
    ValueError
        When ``text`` is empty, too long, has other characters (spaces, dots, accents) or
        has no digit (it may be a name).
    """
    code = text.strip()
    if not code:
        raise ValueError("patient code is empty; enter a de-identified code such as P-0042")
    if not PATIENT_CODE_PATTERN.fullmatch(code):
        raise ValueError(
            f"patient code must be 1-16 letters, digits or hyphens (e.g. P-0042), got {code!r}; "
            "never enter a name")
    if not any(c.isdigit() for c in code):
        raise ValueError(
            f"patient code {code!r} has no digit and may be a name; use a de-identified code "
            "such as P-0042")
    return code
