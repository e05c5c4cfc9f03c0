"""The one patient-code rule: format, normalisation, and what is refused as name, date or phone."""

import pytest

from emgfeedback.storage.deidentify import edf_patient_field, normalise_patient_code, validate_patient_code


@pytest.mark.parametrize("typed, code", [
    ("P-0042", "P-0042"), ("p0042", "P-0042"), ("P_0042", "P-0042"), ("p 0042", "P-0042"),
    ("  lbp-03 ", "LBP-03"), ("S7", "S-7"), ("P-0042\n", "P-0042"), ("ab-123456", "AB-123456"),
])
def test_codes_are_normalised_to_one_form(typed: str, code: str) -> None:
    assert validate_patient_code(typed) == code == normalise_patient_code(typed)


def test_two_spellings_are_one_patient_leading_zeros_count() -> None:
    assert validate_patient_code("p0042") == validate_patient_code("P-0042")
    assert validate_patient_code("P-42") != validate_patient_code("P-0042")


@pytest.mark.parametrize("text, why", [
    ("John-Smith-1", "may contain a name"),
    ("JSmith1980", "may contain a name"),
    ("MaryJones01", "may contain a name"),
    ("Smith_John_1970", "may contain a name"),
    ("John Smith", "no digits and may be a name"),
    ("Anna", "no digits and may be a name"),
    ("1990-05-12", "looks like a date"),
    ("12.05.1990", "looks like a date"),
    ("0412345678", "looks like a phone or record number"),
    ("P-1234567", "looks like a phone or record number"),
    ("0077", "no letter prefix"),
    ("P-0042-2", "not in the code format"),
    ("Zoë1", "may contain a name"),
])
def test_name_date_and_phone_like_text_is_refused_saying_why(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why) as err:
        validate_patient_code(text)
    msg = str(err.value)
    assert "\n" not in msg and "P-0042" in msg  # one line, with the format
    assert text not in msg  # a refused text may be a name: never echoed


@pytest.mark.parametrize("text", ["", "   ", "X", "x"])
def test_empty_and_unknown_placeholder_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="empty|means unknown"):
        validate_patient_code(text)


def test_the_edf_header_gets_the_normalised_code_without_whitespace() -> None:
    assert edf_patient_field("p0042\n") == "P-0042 X X X"
    assert normalise_patient_code(None) is None  # type: ignore[arg-type]
