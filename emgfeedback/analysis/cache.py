"""A folder of analysis results, one JSON file per key (no pickle: a cache file is data, never code).

Folder owner-only (0700), files owner-only (0600): results name patients' recordings. Each file
is written to a temporary name and renamed, so a reader never sees half an entry; an entry that
cannot be read as JSON is treated as absent (it is analysed again and replaced).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from pathlib import Path

__all__ = ["ResultCache", "default_cache_dir"]

_KEY = re.compile(r"[0-9a-f]{64}")


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/emgfeedback/analyze`` (``~/.cache`` when XDG_CACHE_HOME is unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "emgfeedback" / "analyze"


class ResultCache:
    """JSON results by key (64 hex digits, e.g. a SHA-256).

    Parameters
    ----------
    folder : str or Path
        Where entries live; created (0700) if missing.

    Raises
    ------
    ValueError
        ``folder`` is a file, cannot be created or is not writable.
    """

    def __init__(self, folder: "str | Path") -> None:
        self.folder = Path(folder)
        if self.folder.exists() and not self.folder.is_dir():
            raise ValueError(f"cache folder {self.folder} is a file; name a folder")
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as err:
            raise ValueError(f"cache folder {self.folder} cannot be created ({err.strerror})") from None
        if not os.access(self.folder, os.W_OK | os.X_OK):
            raise ValueError(f"cache folder {self.folder} is not writable")

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise ValueError(f"cache key must be 64 hex digits, got {key!r}")
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> "dict | None":
        """The entry stored under ``key``; None when absent or unreadable."""
        try:
            obj = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return obj if isinstance(obj, dict) else None

    def put(self, key: str, obj: dict) -> None:
        """Store ``obj`` (JSON-ready) under ``key``, atomically, owner-only.

        Raises
        ------
        OSError
            The folder cannot be created or written (the message names it).
        """
        path = self._path(key)
        try:
            path.parent.mkdir(mode=0o700, exist_ok=True)
        except OSError as err:
            raise OSError(f"cache folder {self.folder}: cannot create {path.parent.name} ({err.strerror})") from None
        tmp = path.with_name(f".{key}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(obj, fh, ensure_ascii=False, allow_nan=False)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
