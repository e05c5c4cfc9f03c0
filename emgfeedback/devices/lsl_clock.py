"""Clock mappings for Lab Streaming Layer time stamps.

Two small, pure estimators (no pylsl import, no threads):

- :class:`ClockSync` maps a stream's time stamps (the sender's clock, possibly another machine)
  to this machine's LSL clock from ``inlet.time_correction()`` readings, with a linear drift
  model fitted by least squares over the latest readings;
- :class:`StreamClock` maps this machine's clock to stream seconds (``seq / fs``, the time in a
  recording) from (stream time, arrival time) pairs: the smallest arrival delay seen is the
  estimate (latency is never negative), and it is let rise by ``leak`` s per s so that a device
  crystal slower than the host's is followed too.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable

import numpy as np

__all__ = ["ClockSync", "StreamClock", "monotonic_offset"]


class ClockSync:
    """Remote (sender) LSL time → local LSL time, from time-correction readings.

    Parameters
    ----------
    window : int
        Readings kept for the fit (the latest ones).

    Notes
    -----
    A reading ``(t_remote, offset)`` says that at sender time ``t_remote`` (s) the local clock
    was ``t_remote + offset`` (``offset`` is what ``StreamInlet.time_correction()`` returns, s).
    With one reading the offset is constant; with more, ``offset = a + b (t_remote - t_ref)``
    (``b``: drift, s/s) fitted by least squares.
    """

    def __init__(self, window: int = 64) -> None:
        if window < 2:
            raise ValueError(f"window must be at least 2 readings, got {window!r}")
        self._obs: deque[tuple[float, float]] = deque(maxlen=window)
        self._fit = (0.0, 0.0, 0.0)  # t_ref, a, b
        self._lock = threading.Lock()

    @property
    def n_readings(self) -> int:
        """Readings in the window."""
        return len(self._obs)

    @property
    def drift(self) -> float:
        """How fast the sender's clock runs against this machine's, s per s (``8e-5``: 80 ppm
        fast); 0 until two readings."""
        b = self._fit[2]
        return -b / (1.0 + b)

    def add(self, t_remote: float, offset: float) -> None:
        """Add one reading: local time = ``t_remote + offset`` at sender time ``t_remote`` (s)."""
        with self._lock:
            self._obs.append((float(t_remote), float(offset)))
            t, o = np.array(self._obs).T
            t_ref = float(t[-1])
            if len(t) < 2 or np.ptp(t) <= 0:
                self._fit = (t_ref, float(o[-1]), 0.0)
                return
            b, a = np.polyfit(t - t_ref, o, 1)
            self._fit = (t_ref, float(a), float(b))

    def to_local(self, t_remote: "float | np.ndarray") -> "float | np.ndarray":
        """Local LSL time of sender time stamps ``t_remote`` (s); unchanged before any reading."""
        t_ref, a, b = self._fit
        return t_remote + a + b * (np.asarray(t_remote) - t_ref)


class StreamClock:
    """Local clock (s) ↔ stream time (s since the stream's first sample, ``seq / fs``).

    Parameters
    ----------
    leak : float
        How fast the estimated delay may rise, s per s of stream (default 2e-4: a device crystal
        up to 200 ppm slower than the host's is followed).
    """

    def __init__(self, leak: float = 2e-4) -> None:
        if not 0 <= leak < 0.01:
            raise ValueError(f"leak must be in [0, 0.01) s/s, got {leak!r}")
        self.leak = float(leak)
        self._state: "tuple[float, float] | None" = None  # (stream t, local - stream)

    @property
    def known(self) -> bool:
        """True once a sample's arrival has been seen."""
        return self._state is not None

    def observe(self, t_stream: float, t_local: float) -> None:
        """A sample at stream time ``t_stream`` (s) was available at local time ``t_local`` (s)."""
        delay = float(t_local) - float(t_stream)
        state = self._state
        if state is not None:
            t_prev, est = state
            delay = min(delay, est + self.leak * max(float(t_stream) - t_prev, 0.0))
        self._state = (float(t_stream), delay)  # replaced whole: readers on other threads

    def stream_time(self, t_local: float) -> "float | None":
        """Stream time (s) of local time ``t_local`` (s); None before the first sample."""
        state = self._state
        return None if state is None else float(t_local) - state[1]

    def local_time(self, t_stream: float) -> "float | None":
        """Local time (s) of stream time ``t_stream`` (s); None before the first sample."""
        state = self._state
        return None if state is None else float(t_stream) + state[1]


def monotonic_offset(local_clock: "Callable[[], float]", reads: int = 5) -> float:
    """``time.monotonic() - local_clock()`` (s), from the tightest of ``reads`` bracketed reads.

    ``local_clock`` is ``pylsl.local_clock``: on Linux both clocks are ``CLOCK_MONOTONIC`` and
    this is 0 within µs; elsewhere it maps LSL times onto the monotonic clock the devices use.
    """
    best = (float("inf"), 0.0)
    for _ in range(max(int(reads), 1)):
        m0 = time.monotonic()
        t = local_clock()
        m1 = time.monotonic()
        best = min(best, (m1 - m0, (m0 + m1) / 2 - t))
    return best[1]
