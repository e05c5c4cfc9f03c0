"""The session database as the commands open it: ``--db PATH`` (default ``$EMGFEEDBACK_DB``,
else the XDG data folder), an existing file for commands that only read, and a damaged file as
one line instead of a traceback."""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
from pathlib import Path
from typing import Iterator

from emgfeedback.errors import RecordingError

__all__ = ["add_db_argument", "db_path", "open_existing_db"]


def add_db_argument(p: argparse.ArgumentParser) -> None:
    """The ``--db PATH`` option."""
    p.add_argument("--db", type=Path, default=None, metavar="PATH",
                   help="session database (default: $EMGFEEDBACK_DB, else "
                   "~/.local/share/emgfeedback/sessions.sqlite3, the dashboard's)")


def db_path(path: "Path | None") -> Path:
    """``--db`` or the default database path."""
    from emgfeedback.storage.database import default_db_path

    return Path(path).expanduser() if path is not None else default_db_path()


@contextlib.contextmanager
def open_existing_db(path: "Path | None") -> Iterator:
    """Open an existing session database (migrated if old); errors are one line.

    Raises
    ------
    RecordingError
        No file there, not a database, or a damaged one.
    """
    from emgfeedback.storage.database import SessionDatabase

    p = db_path(path)
    if not p.is_file():
        raise RecordingError(f"no session database at {p}; give --db PATH or set EMGFEEDBACK_DB")
    try:
        with SessionDatabase(p) as db:
            yield db
    except sqlite3.Error as err:
        raise RecordingError(f"{p}: the session database is damaged ({err})") from err
