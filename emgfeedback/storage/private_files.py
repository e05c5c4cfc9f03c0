"""Files written whole, owner-only and atomically: one implementation for every report, table
and export (commands, the dashboard's reports, the analysis and handover reports).

The data go to a temporary file in the same folder, created owner-only (0600, like the
recordings), which then takes the final name in one step, so a reader never sees half a file and
an interrupted writer leaves the old file as it was. Without ``force`` an existing file is never
replaced, not even one that appeared while the data were being made.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Iterator

__all__ = ["OUTPUT_MODE", "atomic_output", "write_output"]

#: Permission bits of every file emgfeedback writes whole (patient data: owner only).
OUTPUT_MODE = 0o600


def _temporary_name(path: Path) -> Path:
    # same folder (os.replace stays one rename), same suffix (writers choose formats by it)
    return path.with_name(f".{path.stem}.{os.getpid()}-{secrets.token_hex(4)}.tmp{path.suffix}")


@contextlib.contextmanager
def atomic_output(path: "str | Path", *, force: bool) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write; on success it becomes ``path`` (0600).

    The body creates the temporary file (any writer: text, EDF, PNG). If the body raises, the
    temporary file is removed and ``path`` is untouched. Without ``force`` an existing ``path``
    is never replaced (``FileExistsError`` naming it, also when it appeared during the work).
    """
    final = Path(path)
    tmp = _temporary_name(final)
    try:
        yield tmp
        if not tmp.exists():
            raise OSError(f"{final} was not written")
        os.chmod(tmp, OUTPUT_MODE)
        if force:
            os.replace(tmp, final)
        else:
            try:
                os.link(tmp, final)  # fails if final exists: no silent overwrite, even in a race
            except FileExistsError:
                raise FileExistsError(f"{final} already exists; add --force to replace it") from None
            except OSError:  # no hard links here (some network or FAT folders)
                if final.exists():
                    raise FileExistsError(f"{final} already exists; add --force to replace it") from None
                os.replace(tmp, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_output(path: "str | Path", data: "str | bytes", *, force: bool) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` atomically, owner-only; returns the path."""
    with atomic_output(path, force=force) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OUTPUT_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)
