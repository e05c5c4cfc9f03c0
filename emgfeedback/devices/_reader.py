"""A bounded, thread-safe block queue that drops the oldest block when the consumer lags.

The reader thread of a :class:`~emgfeedback.devices.base.Device` puts blocks here; the
consumer takes them with a timeout. Memory stays bounded whatever the consumer does, and every
block dropped is counted (like pyserial's ``ReaderThread`` but with a limit).
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Generic, TypeVar

__all__ = ["DropOldestQueue"]

T = TypeVar("T")


class DropOldestQueue(Generic[T]):
    """FIFO of at most ``maxlen`` items; a put into a full queue evicts the oldest item.

    Parameters
    ----------
    maxlen : int
        Capacity in items (blocks), at least 1.
    """

    def __init__(self, maxlen: int) -> None:
        if not isinstance(maxlen, int) or maxlen < 1:
            raise ValueError(f"queue size must be an integer of at least 1 block, got {maxlen!r}")
        self._items: deque[T] = deque()
        self._maxlen = maxlen
        self._cond = threading.Condition()
        self._closed = False

    @property
    def maxlen(self) -> int:
        """Capacity in items."""
        return self._maxlen

    def put(self, item: T) -> "T | None":
        """Append ``item``; return the evicted oldest item when the queue was full, else None."""
        with self._cond:
            evicted = self._items.popleft() if len(self._items) >= self._maxlen else None
            self._items.append(item)
            self._cond.notify_all()
            return evicted

    def put_when_room(self, item: T, timeout: float) -> bool:
        """Append ``item`` once there is room, waiting up to ``timeout`` s; False if still full."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._items) < self._maxlen, timeout):
                return False
            self._items.append(item)
            self._cond.notify_all()
            return True

    def get(self, timeout: "float | None") -> "T | None":
        """Take the oldest item, waiting up to ``timeout`` s (None: forever); None if none came.

        Returns None at once when the queue is empty and has been closed.
        """
        with self._cond:
            if not self._items and not self._closed:
                self._cond.wait_for(lambda: self._items or self._closed, timeout)
            item = self._items.popleft() if self._items else None
            self._cond.notify_all()
            return item

    def close(self) -> None:
        """Wake every waiting consumer; items already queued can still be taken."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def reopen(self) -> None:
        """Allow waiting again after :meth:`close` (when a device is started again)."""
        with self._cond:
            self._closed = False

    def clear(self) -> int:
        """Drop every queued item; return how many there were."""
        with self._cond:
            n = len(self._items)
            self._items.clear()
            return n

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)
