"""Shared fixtures. Real recordings live in data/real/ (see data/real/README.md for licences)."""

from pathlib import Path

import pytest

REAL_DATA = Path(__file__).resolve().parents[1] / "data" / "real"


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """Folder of real recordings made by others (OpenBCI GUI, UCI lower-limb EMG)."""
    assert REAL_DATA.is_dir(), f"missing {REAL_DATA}"
    return REAL_DATA


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Tests never write into the user's real cache (``analyze`` keeps results under
    ``$XDG_CACHE_HOME/emgfeedback``)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(autouse=True)
def _private_session_database(tmp_path_factory, monkeypatch):
    """Tests never write into the user's real session database (``record --patient`` and the
    dashboard store visits in ``$EMGFEEDBACK_DB``)."""
    monkeypatch.setenv("EMGFEEDBACK_DB", str(tmp_path_factory.mktemp("db") / "sessions.sqlite3"))
