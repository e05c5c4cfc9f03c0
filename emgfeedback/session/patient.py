"""Patient codes: de-identified only. The rule lives in the storage layer
(:mod:`emgfeedback.storage.deidentify`: the code goes into the EDF+ patient field and the session
database); the session and the dashboard use that one function, re-exported here."""

from __future__ import annotations

from emgfeedback.storage.deidentify import PATIENT_CODE_PATTERN, validate_patient_code

__all__ = ["PATIENT_CODE_PATTERN", "validate_patient_code"]
