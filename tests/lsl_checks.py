"""Whether the LSL tests can run: pylsl with its liblsl. Missing, they are skipped — a failure
when ``EMGFEEDBACK_REQUIRE_ALL`` is set (CI), raised at import."""

from __future__ import annotations

import os

import pytest

try:
    import pylsl  # noqa: F401
    HAVE_LSL = True
except Exception:  # pylsl or liblsl missing
    if os.environ.get("EMGFEEDBACK_REQUIRE_ALL"):
        raise
    HAVE_LSL = False
needs_lsl = pytest.mark.skipif(not HAVE_LSL, reason="pylsl is not installed")
