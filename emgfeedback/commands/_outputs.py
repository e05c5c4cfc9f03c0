"""One overwrite policy for every file a command writes.

Checked before any work starts (:func:`check_output`): the folder exists and is writable, the
suffix is right, and the file does not exist unless ``--force`` was given. Written atomically
(:func:`atomic_output`, :func:`write_output`): the data go to a temporary file in the same
folder, created owner-only (0600, like the recordings), which then takes the final name in one
step, so a reader never sees half a file and an interrupted command leaves the old file as it
was. Without ``--force`` a file that appeared in the meantime is still not replaced.

Recordings are the exception: they are written as they are measured (crash-safe, not atomic),
see :mod:`emgfeedback.storage.edf`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Iterator, Sequence

__all__ = ["check_output", "atomic_output", "write_output"]

#: Permission bits of every file a command writes (patient data: owner only).
OUTPUT_MODE = 0o600


def check_output(path: "str | Path", option: str, *, force: bool,
                 suffixes: "Sequence[str] | None" = None) -> Path:
    """Check an output path before any work; returns it as a Path.

    Parameters
    ----------
    path : str or Path
        File the command will write.
    option : str
        The option that named it, e.g. ``"--csv"`` (quoted in messages).
    force : bool
        ``--force`` was given: an existing file may be replaced.
    suffixes : sequence of str, optional
        Allowed endings (lower case, with the dot), e.g. ``(".html", ".htm")``.

    Raises
    ------
    ValueError
        One line naming the option and the file: wrong suffix, a folder in its place, a missing
        or read-only folder, or an existing file without ``force``.
    """
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"{option} {p} is a folder; name a file")
    if suffixes is not None and p.suffix.lower() not in suffixes:
        allowed = suffixes[0] if len(suffixes) == 1 else f"{', '.join(suffixes[:-1])} or {suffixes[-1]}"
        raise ValueError(f"{option} must end in {allowed}, got {p}")
    folder = p.parent
    if not folder.is_dir():
        raise ValueError(f"{option} {p}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{option} {p}: folder {folder} is not writable")
    if (p.exists() or p.is_symlink()) and not force:
        raise ValueError(f"{option} {p} already exists; choose another name or add --force to replace it")
    return p


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
