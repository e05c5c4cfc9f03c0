"""The device base class: public open/start/stop/close, a background reader, a bounded queue.

A driver fills four protected hooks and nothing else (python-can's ``BusABC`` pattern):

- ``_open() -> StreamInfo`` connects (handshake included) and says what the stream is;
- ``_start()`` / ``_stop()`` ask the board to stream or to be quiet (optional);
- ``_read_chunk() -> Chunk | None`` returns the next samples in µV, or None when nothing came
  within about 0.1 s (it runs on the reader thread and must come back that often);
- ``_close()`` releases the link;
- optionally the classmethod ``_detect_available() -> list[str]`` lists URLs it can open.

The base class numbers samples, fills transport gaps with the last good value and flags them in
``SampleBlock.lost``, keeps the queue bounded (oldest block dropped and counted when the consumer
is too slow), and reconnects with back-off when a driver raises ``DeviceConnectionError`` while
streaming.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Iterator, Mapping

import numpy as np

from emgfeedback.devices._options import parse_options, split_url
from emgfeedback.devices._reader import DropOldestQueue
from emgfeedback.errors import (
    DeviceConnectionError,
    DeviceIOError,
    EmgFeedbackError,
)
from emgfeedback.model import SampleBlock, StreamInfo
from emgfeedback.validation import check_int, check_number

__all__ = ["Device", "Chunk", "DeviceStats", "EndOfStream", "FoundDevice"]

log = logging.getLogger(__name__)

#: Longest transport gap filled in with samples, s; the rest only advances ``seq``.
MAX_FILL_S = 60.0


class EndOfStream(Exception):
    """Raised by a driver's ``_read_chunk`` when a finite source has no more samples."""


@dataclass(frozen=True, eq=False)
class Chunk:
    """What a driver's ``_read_chunk`` returns.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        New samples, µV, float64.
    gap : int
        Samples lost in transport just before ``data`` (from sequence numbers), >= 0.
    """

    data: np.ndarray
    gap: int = 0


@dataclass(frozen=True)
class FoundDevice:
    """A board a driver can open now (``emgfeedback devices``).

    Parameters
    ----------
    url : str
        The URL that opens it, e.g. ``cyton:///dev/ttyUSB0``.
    where : str
        Serial port or BLE address.
    description : str
        What the OS or the advertisement calls it (BLE: the board's name).
    usb_id : str
        ``VID:PID`` in hex for USB serial ports, else empty.
    chip : str
        Known USB-serial chip or board for the USB id, else empty.
    transport : str
        ``"serial"``, ``"ble"`` or ``""`` (other).
    """

    url: str
    where: str = ""
    description: str = ""
    usb_id: str = ""
    chip: str = ""
    transport: str = ""


@dataclass(frozen=True)
class DeviceStats:
    """Counters of a device since it was opened (a snapshot).

    Parameters
    ----------
    blocks, samples : int
        Blocks and samples per channel delivered into the queue (lost ones included).
    lost_samples : int
        Samples lost in transport and filled in (flagged in ``SampleBlock.lost``).
    dropped_blocks, dropped_samples : int
        Blocks (and their samples) evicted because the consumer did not keep up.
    reconnects : int
        Successful automatic reconnections.
    extra : mapping of str to int
        Driver counters, e.g. ``bad_frames`` for the serial protocol decoder.
    """

    blocks: int = 0
    samples: int = 0
    lost_samples: int = 0
    dropped_blocks: int = 0
    dropped_samples: int = 0
    reconnects: int = 0
    extra: Mapping[str, int] = field(default_factory=dict)


class Device:
    """A source of ``SampleBlock``s opened from a URL (see :func:`emgfeedback.devices.open_device`).

    Parameters
    ----------
    url : str
        ``scheme://target?option=value``; the driver parses its own options.
    queue_blocks : int
        Capacity of the block queue; when full, the oldest block is dropped and counted.
    reconnect_timeout_s : float
        How long to keep trying to reconnect after the link is lost while streaming, s;
        0 disables reconnection (the loss is raised from :meth:`read`).
    **options
        Driver options, overriding those in the URL query.

    Use as a context manager (opens and starts) and iterate for blocks::

        with open_device("sim://?scenario=healthy") as dev:
            for block in dev:
                ...
    """

    #: URL scheme handled, e.g. ``"serial"``.
    scheme: ClassVar[str] = ""
    #: Expected URL form, quoted in error messages.
    url_form: ClassVar[str] = ""
    #: The driver's options dataclass (fields str/int/float/bool).
    Options: ClassVar[type] = type(None)

    def __init__(
        self,
        url: str,
        *,
        queue_blocks: int = 256,
        reconnect_timeout_s: float = 10.0,
        **options: Any,
    ) -> None:
        scheme, target, query = split_url(url)
        if self.scheme and scheme != self.scheme:
            raise ValueError(f"{type(self).__name__} opens {self.scheme}:// URLs, got {url!r}")
        check_number(reconnect_timeout_s, "reconnect_timeout_s", "s", lo=0.0, hi=3600.0)
        check_int(queue_blocks, "queue_blocks", lo=1, hi=1_000_000)
        self.url = url
        self.target = target
        self.options = parse_options(self.Options, {**query, **options}, self.url_form)
        self.reconnect_timeout_s = float(reconnect_timeout_s)
        self.log = logging.getLogger(f"emgfeedback.devices.{self.scheme or type(self).__name__}")
        self._queue: DropOldestQueue[SampleBlock] = DropOldestQueue(queue_blocks)
        self._info: "StreamInfo | None" = None
        self._opened = False
        self._started = False
        self._ever_started = False
        self._thread: "threading.Thread | None" = None
        self._halt = threading.Event()
        self._error: "BaseException | None" = None
        self._eof = False
        self._lock = threading.Lock()
        self._counts = dict(blocks=0, samples=0, lost_samples=0, dropped_blocks=0,
                            dropped_samples=0, reconnects=0)
        self._seq = 0
        self._last_good: "np.ndarray | None" = None
        self._last_chunk_t = 0.0
        self._gap_from_clock = False
        #: Wait for room instead of dropping when the queue is full (sources not paced by a
        #: clock, e.g. ``sim://?realtime=0``); a live board never waits.
        self.backpressure = False

    # ----------------------------------------------------------------- driver hooks
    def _open(self) -> StreamInfo:  # pragma: no cover - abstract
        raise NotImplementedError

    def _start(self) -> None:
        """Ask the board to stream (default: nothing to do)."""

    def _stop(self) -> None:
        """Ask the board to stop streaming (default: nothing to do)."""

    def _read_chunk(self) -> "Chunk | None":  # pragma: no cover - abstract
        raise NotImplementedError

    def _close(self) -> None:
        """Release the link (default: nothing to do)."""

    def _stats_extra(self) -> dict[str, int]:
        """Driver counters reported in ``stats.extra`` (default: none)."""
        return {}

    @classmethod
    def _detect_available(cls, **hints: Any) -> "list[FoundDevice | str]":
        """Boards this driver can see right now (default: none), as :class:`FoundDevice` or URLs.

        ``hints`` are what :func:`~emgfeedback.devices.find_devices` was given, shared by the
        drivers so slow look-ups happen once: ``comports`` (a ``comports()`` replacement) and
        ``ble_scan`` (a finished :class:`~emgfeedback.devices.discovery.BleScan`); a driver
        ignores the hints it does not use.
        """
        return []

    # ----------------------------------------------------------------- public API
    @property
    def info(self) -> StreamInfo:
        """What the stream is (fs, montage, board, firmware); known once open."""
        if self._info is None:
            raise DeviceIOError(f"{self.url}: open the device before asking for its info")
        return self._info

    @property
    def is_open(self) -> bool:
        """True between :meth:`open` and :meth:`close`."""
        return self._opened

    @property
    def is_streaming(self) -> bool:
        """True between :meth:`start` and :meth:`stop` while the reader runs."""
        return self._started and self._thread is not None and self._thread.is_alive()

    @property
    def stats(self) -> DeviceStats:
        """Counters since open (a snapshot)."""
        with self._lock:
            counts = dict(self._counts)
        return DeviceStats(**counts, extra=self._stats_extra())

    def open(self) -> "Device":
        """Connect (and handshake); idempotent. Returns self."""
        if not self._opened:
            info = self._open()
            if info.source != self.url:
                info = replace(info, source=self.url)
            self._info = info
            self._opened = True
            self.log.info("opened %s: %s, %d channels at %g Hz", self.url, info.board,
                          info.n_channels, info.fs)
        return self

    def start(self) -> None:
        """Start streaming and the background reader; idempotent (opens first if needed)."""
        self.open()
        if self._started:
            return
        self._halt.clear()
        self._error = None
        self._eof = False
        self._queue.reopen()
        self._start()
        self._started = self._ever_started = True
        self._last_chunk_t = time.monotonic()
        self._thread = threading.Thread(target=self._run, name=f"emgfeedback-{self.scheme}-reader",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the reader and the board's streaming; idempotent. Queued blocks stay readable."""
        if not self._started:
            return
        self._halt.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
        self._started = False
        self._queue.close()
        try:
            self._stop()
        except EmgFeedbackError as err:
            self.log.warning("%s: could not stop streaming cleanly: %s", self.url, err)

    def close(self) -> None:
        """Stop and release the link; idempotent."""
        self.stop()
        if self._opened:
            self._opened = False
            self._close()

    def read(self, timeout: "float | None" = 1.0) -> "SampleBlock | None":
        """The next block, waiting up to ``timeout`` s (None: forever); None if none came.

        Raises
        ------
        EmgFeedbackError
            What stopped the reader (e.g. the link was lost and could not be re-established).
        """
        if self._thread is None and not self._ever_started:
            raise DeviceIOError(f"{self.url}: call start() (or use 'with') before reading")
        block = self._queue.get(timeout)
        if block is None and self._error is not None:
            err, self._error = self._error, None
            raise err
        return block

    def __iter__(self) -> Iterator[SampleBlock]:
        """Yield blocks until the device is stopped, the source ends, or an error is raised."""
        self.start()
        while True:
            block = self.read(timeout=0.1)
            if block is not None:
                yield block
            elif not self.is_streaming and len(self._queue) == 0:
                if self._error is not None:
                    err, self._error = self._error, None
                    raise err
                return

    def __enter__(self) -> "Device":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "streaming" if self._started else ("open" if self._opened else "closed")
        return f"<{type(self).__name__} {self.url} {state}>"

    # ----------------------------------------------------------------- reader thread
    def _run(self) -> None:
        while not self._halt.is_set():
            try:
                chunk = self._read_chunk()
                if chunk is not None and chunk.data.shape[1] + chunk.gap > 0:
                    self._deliver(chunk)
            except EndOfStream:
                self._eof = True
                break
            except DeviceConnectionError as err:
                final = self._reconnect(err)
                if final is None:
                    continue
                if not self._halt.is_set():
                    self._fail(final)
                break
            except EmgFeedbackError as err:
                self._fail(err)
                break
            except Exception as err:  # a driver bug or a library error it did not wrap
                wrapped = DeviceIOError(f"{self.url}: reading failed: {type(err).__name__}: {err}")
                wrapped.__cause__ = err
                self._fail(wrapped)
                break
        self._queue.close()

    def _fail(self, err: BaseException) -> None:
        self.log.error("%s: reader stopped: %s", self.url, err)
        self._error = err

    def _deliver(self, chunk: Chunk) -> None:
        info = self.info
        data = np.asarray(chunk.data, dtype=np.float64)
        if data.ndim != 2 or data.shape[0] != info.n_channels:
            raise DeviceIOError(
                f"{self.url}: driver returned shape {data.shape}, expected ({info.n_channels}, n)"
            )
        now = time.monotonic()
        gap = int(chunk.gap)
        if self._gap_from_clock:
            # after a reconnect the board's counter means nothing: estimate from the host clock
            expected = int(round((now - self._last_chunk_t) * info.fs))
            gap = max(gap, expected - data.shape[1], 0)
            self._gap_from_clock = False
        self._last_chunk_t = now
        lost = None
        if gap > 0:
            fill_n = min(gap, int(MAX_FILL_S * info.fs))
            last = self._last_good if self._last_good is not None else (
                data[:, 0] if data.shape[1] else np.zeros(info.n_channels))
            fill = np.repeat(last[:, None], fill_n, axis=1)
            self._seq += gap - fill_n
            data = np.concatenate([fill, data], axis=1)
            lost = np.zeros(data.shape[1], dtype=bool)
            lost[:fill_n] = True
        if data.shape[1] == 0:
            return
        block = SampleBlock(t0=self._seq / info.fs, fs=info.fs, data=data, seq=self._seq,
                            lost=lost, channels=info.montage.ids)
        self._seq += data.shape[1]
        self._last_good = data[:, -1].copy()
        evicted = None
        if self.backpressure:
            while not self._queue.put_when_room(block, 0.1):
                if self._halt.is_set():
                    return
        else:
            evicted = self._queue.put(block)
        with self._lock:
            self._counts["blocks"] += 1
            self._counts["samples"] += block.n_samples
            self._counts["lost_samples"] += gap
            if evicted is not None:
                self._counts["dropped_blocks"] += 1
                self._counts["dropped_samples"] += evicted.n_samples

    def _reconnect(self, err: EmgFeedbackError) -> "EmgFeedbackError | None":
        """Try to get the link back; None on success, else the error to stop with."""
        if self.reconnect_timeout_s <= 0:
            return err
        self.log.warning("%s: link lost (%s); reconnecting for up to %g s", self.url, err,
                         self.reconnect_timeout_s)
        try:
            self._close()
        except Exception as close_err:  # the link is already gone; note and go on
            self.log.debug("%s: close after loss failed: %s", self.url, close_err)
        deadline = time.monotonic() + self.reconnect_timeout_s
        delay = 0.05
        while not self._halt.is_set() and time.monotonic() < deadline:
            self._halt.wait(delay)
            delay = min(delay * 2, 1.0)
            try:
                info = self._open()
            except EmgFeedbackError as again:
                self.log.debug("%s: still gone: %s", self.url, again)
                continue
            except Exception as bad:  # e.g. ValueError: the board came back as something else
                failed = DeviceConnectionError(f"{self.url}: reconnecting failed: {bad}")
                failed.__cause__ = bad
                return failed
            old = self.info
            if info.fs != old.fs or info.n_channels != old.n_channels:
                self._close()
                return DeviceConnectionError(
                    f"{self.url}: board came back with {info.n_channels} channels at "
                    f"{info.fs:g} Hz instead of {old.n_channels} at {old.fs:g} Hz; reopen it"
                )
            try:
                self._start()
            except EmgFeedbackError as again:
                self.log.debug("%s: reopened but could not start: %s", self.url, again)
                self._close()
                continue
            with self._lock:
                self._counts["reconnects"] += 1
            self._gap_from_clock = True
            self.log.warning("%s: reconnected", self.url)
            return None
        gave_up = DeviceConnectionError(
            f"{err} (gave up reconnecting after {self.reconnect_timeout_s:g} s)")
        gave_up.__cause__ = err
        return gave_up
