"""A fixed-size ring buffer of multichannel samples: memory stays flat however long a session."""

from __future__ import annotations

import threading

import numpy as np

__all__ = ["RingBuffer"]


class RingBuffer:
    """The latest ``capacity`` samples of ``n_channels`` channels (float64, time last).

    Thread-safe: one thread may :meth:`write` while another takes :meth:`snapshot`.

    Parameters
    ----------
    n_channels : int
        Rows.
    capacity : int
        Samples kept per channel.
    """

    def __init__(self, n_channels: int, capacity: int) -> None:
        if n_channels < 1:
            raise ValueError(f"n_channels must be at least 1, got {n_channels}")
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1 sample, got {capacity}")
        self._buf = np.zeros((n_channels, capacity))
        self._pos = 0  # next column to write
        self._total = 0  # samples ever written
        self._lock = threading.Lock()

    @property
    def capacity(self) -> int:
        """Samples kept per channel."""
        return self._buf.shape[1]

    @property
    def total_written(self) -> int:
        """Samples written since creation (or the last :meth:`clear`)."""
        return self._total

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._buf[:] = 0.0
            self._pos = 0
            self._total = 0

    def write(self, data: np.ndarray) -> None:
        """Append ``data``, shape (n_channels, n); older samples fall out."""
        data = np.asarray(data, dtype=np.float64)
        if data.ndim != 2 or data.shape[0] != self._buf.shape[0]:
            raise ValueError(
                f"data must have shape ({self._buf.shape[0]}, n), got {data.shape}")
        cap = self.capacity
        n = data.shape[1]
        with self._lock:
            self._total += n
            if n >= cap:
                self._buf[:] = data[:, n - cap:]
                self._pos = 0
                return
            first = min(n, cap - self._pos)
            self._buf[:, self._pos:self._pos + first] = data[:, :first]
            if n > first:
                self._buf[:, : n - first] = data[:, first:]
            self._pos = (self._pos + n) % cap

    def snapshot(self, n: "int | None" = None, out: "np.ndarray | None" = None) -> np.ndarray:
        """The latest ``n`` samples (default: all kept), oldest first, shape (n_channels, n).

        Before the buffer is full, the missing older part is zeros. ``out`` (right shape)
        avoids an allocation per call.
        """
        cap = self.capacity
        n = cap if n is None else int(n)
        if not 1 <= n <= cap:
            raise ValueError(f"n must be in [1, {cap}] samples, got {n}")
        if out is None:
            out = np.empty((self._buf.shape[0], n))
        elif out.shape != (self._buf.shape[0], n):
            raise ValueError(f"out must have shape {(self._buf.shape[0], n)}, got {out.shape}")
        with self._lock:
            start = (self._pos - n) % cap
            first = min(n, cap - start)
            out[:, :first] = self._buf[:, start:start + first]
            if n > first:
                out[:, first:] = self._buf[:, : n - first]
        return out
