"""Advisory "being recorded" lock on a recording file.

The writer (:class:`~emgfeedback.storage.edf.EdfWriter`) holds an exclusive lock on its file for
as long as it is open; ``repair``, the readers and ``replay://`` probe it and leave a file in use
alone (repair refuses, replay refuses, the reader reads only the complete records).

- POSIX: ``fcntl.flock`` on the whole file (per open file; released when the writer closes the
  file or its process dies, also by SIGKILL). flock is advisory: programs that do not ask
  (MNE, EDFbrowser) still read the file, which is safe.
- Windows: ``msvcrt.locking`` on one byte far beyond any recording's end (offset
  :data:`_WIN_OFFSET`), so that the lock, mandatory on Windows, never blocks reading the data;
  released when the file is closed or the process ends. Where neither is available (or the file
  system refuses locks, e.g. some network shares) locking is best effort: the file is written
  without a lock and :func:`in_use` answers False.
"""

from __future__ import annotations

import os

__all__ = ["lock_for_writing", "in_use", "unlock"]

_WIN_OFFSET = 2**40  # 1 TiB: beyond the end of any recording

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
try:  # Windows
    import msvcrt
except ImportError:
    msvcrt = None  # type: ignore[assignment]


def _win_lock(fd: int, mode: int) -> None:  # pragma: no cover - Windows only
    here = os.lseek(fd, 0, os.SEEK_CUR)
    try:
        os.lseek(fd, _WIN_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, mode, 1)
    finally:
        os.lseek(fd, here, os.SEEK_SET)


def lock_for_writing(fd: int) -> bool:
    """Take the exclusive lock on the open file ``fd`` without waiting.

    Returns
    -------
    bool
        True when locked; False when the platform or file system has no usable lock (best
        effort: the caller writes anyway).

    Raises
    ------
    BlockingIOError
        Another program holds the lock (the file is being written or repaired).
    """
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise
        except OSError:
            return False  # e.g. ENOLCK on a share without lock support
        return True
    if msvcrt is not None:  # pragma: no cover - Windows only
        try:
            _win_lock(fd, msvcrt.LK_NBLCK)
        except PermissionError:
            raise BlockingIOError("locked by another program") from None
        except OSError:
            return False
        return True
    return False  # pragma: no cover


def unlock(fd: int) -> None:
    """Release a lock taken with :func:`lock_for_writing` (closing the file also does)."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        except OSError:
            pass
    elif msvcrt is not None:  # pragma: no cover - Windows only
        try:
            _win_lock(fd, msvcrt.LK_UNLCK)
        except OSError:
            pass


def in_use(fd: int) -> bool:
    """True if another open file holds the writing lock on the file open as ``fd``.

    Probes with a shared (POSIX) or exclusive (Windows) lock and releases it at once; never
    modifies the file.
    """
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return False
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    if msvcrt is not None:  # pragma: no cover - Windows only
        try:
            _win_lock(fd, msvcrt.LK_NBLCK)
        except PermissionError:
            return True
        except OSError:
            return False
        _win_lock(fd, msvcrt.LK_UNLCK)
        return False
    return False  # pragma: no cover
