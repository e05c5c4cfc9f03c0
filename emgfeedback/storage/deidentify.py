"""De-identified patient codes: the only patient identifier emgfeedback ever stores.

This is the one patient-code rule; the command line, the dashboard, recordings and the session
database all use :func:`validate_patient_code` as is.

The format
----------
A code is a prefix of 1–3 letters and a number of 1–6 digits, written ``PREFIX-NUMBER`` in
capitals: ``P-0042``, ``LBP-03``, ``S-7``. Typed input is normalised to that form: case is
ignored and the separator may be ``-``, ``_``, a space or nothing, so ``p0042``, ``P_0042`` and
``P-0042`` are the same patient. Leading zeros are kept (``P-0042`` and ``P-42`` differ).

Everything else is refused with a message saying why, because it may identify a person:

- name-like: more than 3 letters, letters after the digits, several letter groups
  (``John-Smith-1``, ``JSmith1980``, ``MaryJones01``, ``Smith_John_1970``);
- date-like: digit groups with separators (``1990-05-12``, ``12.05.1990``);
- phone- or record-number-like: 7 or more digits (``0412345678``), or digits with no prefix.

``X`` is not a code: it is EDF+'s "unknown" placeholder, which the storage layer writes itself
when no code is given (``patient_code=None``, e.g. ``emgfeedback record`` without ``--patient``).
Typed as a code it is refused everywhere with a message saying to give a real code or none, so
unknown patients are never filed together under one fake code in the session database.
"""

from __future__ import annotations

import re

__all__ = ["validate_patient_code", "normalise_patient_code", "edf_patient_field", "UNKNOWN_PATIENT",
           "PATIENT_CODE_PATTERN", "PATIENT_CODE_RULE"]

#: What the EDF+ patient field holds for an unknown patient (never accepted as a code).
UNKNOWN_PATIENT = "X"

#: A normalised code: 1–3 capital letters, '-', 1–6 digits.
PATIENT_CODE_PATTERN = re.compile(r"[A-Z]{1,3}-[0-9]{1,6}")

#: The format in words (error messages, tooltips, docs).
PATIENT_CODE_RULE = "1-3 letters and 1-6 digits, e.g. P-0042 or LBP-03"

_TYPED = re.compile(r"([A-Za-z]{1,3})[-_ ]?([0-9]{1,6})")
_DATE = re.compile(r"\d{1,4}[-./_ ]\d{1,2}[-./_ ]\d{1,4}")


def _why_refused(code: str) -> str:
    """The reason a text that is not a code is refused (for the message)."""
    digits = sum(ch.isdigit() for ch in code)
    letters = sum(ch.isalpha() for ch in code)
    if _DATE.search(code):
        return "it looks like a date"
    if letters == 0 and digits >= 7:
        return "it looks like a phone or record number"
    if letters == 0:
        return "it has no letter prefix"
    if digits == 0:
        return "it has no digits and may be a name"
    if re.search(r"[^\W\d_]{4,}", code) or len(re.findall(r"[^\W\d_]+", code)) > 1 or not code.isascii():
        return "it may contain a name"
    if digits >= 7:
        return "it looks like a phone or record number"
    return "it is not in the code format"


def normalise_patient_code(code: str) -> "str | None":
    """The normalised form of a typed code (``p0042`` → ``P-0042``), or None when ``code`` is
    not a code. Never raises."""
    if not isinstance(code, str):
        return None
    m = _TYPED.fullmatch(code.strip())
    return None if m is None else f"{m.group(1).upper()}-{m.group(2)}"


def validate_patient_code(code: str) -> str:
    """Return the normalised code (``p0042`` → ``P-0042``) if ``code`` is a de-identified code,
    else raise.

    Raises
    ------
    ValueError
        When ``code`` is empty, is the unknown-patient placeholder ``X``, or is not
        ``PREFIX-NUMBER`` (1–3 letters, 1–6 digits); the message says why (name-, date- or
        phone-like) and gives the format.
    """
    if not isinstance(code, str):
        raise ValueError(f"patient code must be text like P-0042, got {type(code).__name__}")
    text = code.strip()
    if not text:
        raise ValueError("patient code is empty; enter a de-identified code such as P-0042")
    if text.upper() == UNKNOWN_PATIENT:
        raise ValueError("patient code 'X' means unknown; enter a de-identified code such as P-0042, "
                         "or give no code to record an unknown patient")
    normal = normalise_patient_code(text)
    if normal is None:
        # the text is not repeated: it may be a name
        raise ValueError(f"patient code refused: {_why_refused(text)}; use {PATIENT_CODE_RULE} "
                         "(never names, birth dates or phone numbers)")
    return normal


def edf_patient_field(code: "str | None") -> str:
    """The EDF+ patient field for ``code``: ``CODE X X X`` (code, sex, birthdate, name unknown);
    ``X X X X`` when no code is given (None)."""
    if code is None:
        return f"{UNKNOWN_PATIENT} X X X"
    return f"{validate_patient_code(code)} X X X"
