"""One overwrite policy for every file a command writes.

Checked before any work starts (:func:`check_output`): the folder exists and is writable, the
suffix is right, and the file does not exist unless ``--force`` was given. Written atomically and
owner-only by :mod:`emgfeedback.storage.private_files` (:func:`atomic_output`,
:func:`write_output`, re-exported here): a reader never sees half a file, an interrupted command
leaves the old file as it was, and without ``--force`` a file that appeared in the meantime is
still not replaced.

Recordings are the exception: they are written as they are measured (crash-safe, not atomic),
see :mod:`emgfeedback.storage.edf`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from emgfeedback.storage.private_files import atomic_output, write_output

__all__ = ["check_output", "atomic_output", "write_output"]


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
