"""``lsl://`` — an inlet for any Lab Streaming Layer stream (pylsl).

URL form: ``lsl://name=EMG`` or ``lsl://type=EMG`` (or ``source_id=...``); options ``resolve``
(s to look for the stream), ``timeout`` (s of silence before the link counts as lost),
``scale`` (multiplier to µV; default from the stream's channel unit) and ``montage``.

Nothing touches the network until the device is opened: pylsl is imported and the stream
resolved in ``_open`` only. LSL carries no sequence numbers: a gap is inferred when a chunk's
first timestamp is more than 1.5 samples after where the previous chunk ended.

Clocks: the sender may stamp with another machine's clock. Every ``sync`` s of stream the driver
reads ``inlet.time_correction()`` (LSL's offset to the sender's clock) and fits offset and drift
(:class:`~emgfeedback.devices.lsl_clock.ClockSync`); :attr:`LslDevice.stream_clock` then maps this
machine's monotonic clock to stream seconds (``seq / fs``) from the corrected stamps, which is
how markers from other LSL streams are placed in a recording.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from emgfeedback.devices._options import check_ranges, montage_option, ranged
from emgfeedback.devices.base import Chunk, Device
from emgfeedback.devices.lsl_clock import ClockSync, StreamClock, monotonic_offset
from emgfeedback.errors import DeviceConnectionError, DeviceUnavailableError
from emgfeedback.model import Channel, Montage, StreamInfo

__all__ = ["LslDevice", "LslOptions", "unit_scale"]

_UNITS = {"microvolts": 1.0, "uv": 1.0, "µv": 1.0, "microvolt": 1.0, "millivolts": 1e3,
          "mv": 1e3, "millivolt": 1e3, "volts": 1e6, "v": 1e6, "volt": 1e6}
_PROPS = ("name", "type", "source_id")


def unit_scale(unit: str) -> "float | None":
    """Multiplier from an LSL channel unit (``microvolts``, ``mV``, ``V``…) to µV; None if unknown."""
    return _UNITS.get(unit.strip().lower())


@dataclass(frozen=True)
class LslOptions:
    """Options of ``lsl://``.

    Parameters
    ----------
    resolve : float
        How long to look for the stream, s.
    timeout : float
        Longest silence while streaming before the link counts as lost, s.
    scale : float
        Multiplier from stream values to µV; 0 = from the stream's channel unit (µV if none).
    montage : str
        Channel ids or labels in stream order, comma-separated (default: the stream's channel
        labels if they name muscles, else the glute montage's first n channels).
    sync : float
        Interval between clock-offset readings (``time_correction``), s of stream.
    """

    resolve: float = ranged(5.0, 0.0, 60.0, "s", lo_open=True)
    timeout: float = ranged(2.0, 0.0, 60.0, "s", lo_open=True)
    scale: float = ranged(0.0, 0.0, 1e12)  # 0 = from the stream's unit
    montage: str = ""
    sync: float = ranged(5.0, 0.0, 600.0, "s", lo_open=True)

    def __post_init__(self) -> None:
        check_ranges(self)


class LslDevice(Device):
    """Any regularly sampled LSL stream, as µV blocks."""

    scheme = "lsl"
    url_form = "lsl://name=NAME | lsl://type=TYPE ?resolve=5&timeout=2&scale=1&montage=ID,...&sync=5"
    Options = LslOptions

    def __init__(self, url: str, **options: Any) -> None:
        super().__init__(url, **options)
        prop, _, value = self.target.strip("/").partition("=")
        if prop not in _PROPS or not value:
            raise ValueError(f"lsl:// needs name=NAME, type=TYPE or source_id=ID, got "
                             f"{self.target!r}; expected {self.url_form}")
        self._prop, self._value = prop, value
        self._inlet: Any = None
        self._scale = 1.0
        self._t_next: "float | None" = None
        self._fs = 0.0
        self._last_rx = 0.0
        self._count = 0  # samples (and gaps) delivered: the base class's sample counter
        self._sync = ClockSync()
        self._next_sync: "float | None" = None
        self._mono = 0.0
        #: Stream seconds of this machine's monotonic clock, from the clock-corrected stamps.
        self.stream_clock = StreamClock()
        #: ``() -> offset`` (s) that replaces ``inlet.time_correction()``; tests simulate a
        #: sender on another machine's clock with it.
        self.time_correction: "Callable[[], float] | None" = None

    @property
    def clock_sync(self) -> ClockSync:
        """The fitted offset and drift from the sender's clock to this machine's LSL clock."""
        return self._sync

    def _open(self) -> StreamInfo:
        try:
            import pylsl
        except (ImportError, RuntimeError) as err:  # RuntimeError: liblsl missing
            raise DeviceUnavailableError(f"lsl:// needs pylsl and liblsl: {err}") from err
        opts: LslOptions = self.options
        found = pylsl.resolve_byprop(self._prop, self._value, 1, opts.resolve)
        if not found:
            raise DeviceConnectionError(
                f"no LSL stream with {self._prop}={self._value} found in {opts.resolve:g} s — "
                "is the sending program running (and on this network)?")
        info = found[0]
        fs = float(info.nominal_srate())
        if fs <= 0:
            raise DeviceConnectionError(
                f"LSL stream {info.name()!r} has an irregular rate; lsl:// needs a fixed-rate stream")
        inlet = pylsl.StreamInlet(info, max_buflen=30, recover=True)
        try:
            full = inlet.info(timeout=opts.resolve)
        except Exception as err:  # pylsl.TimeoutError, LostError
            inlet.close_stream()
            raise DeviceConnectionError(f"LSL stream {info.name()!r} did not answer: {err}") from err
        labels, units = _channel_desc(full, info.channel_count())
        self._scale = opts.scale or _scale_from_units(units)
        self._inlet, self._fs = inlet, fs
        self._mono = monotonic_offset(pylsl.local_clock)
        montage = self._montage(info.channel_count(), labels)
        return StreamInfo(fs=fs, montage=montage, source=self.url, board=f"lsl:{info.name()}",
                          firmware="")

    def _montage(self, n: int, labels: list[str]) -> Montage:
        if not self.options.montage and labels:
            try:  # the stream's own labels, when they name glute channels
                return Montage(tuple(Channel.parse(lab) for lab in labels))
            except ValueError:
                pass
        return montage_option(self.options.montage, n, self.url_form, what="stream")

    def _start(self) -> None:
        self._inlet.open_stream(timeout=self.options.resolve)
        try:  # the first offset takes a few round trips; later reads return the latest at once
            self._inlet.time_correction(timeout=self.options.resolve)
        except Exception as err:  # pylsl.TimeoutError: the reader thread tries again
            self.log.warning("%s: no clock offset from the sender yet: %s", self.url, err)
        self._t_next = None
        self._next_sync = None
        self._last_rx = time.monotonic()

    def _stop(self) -> None:
        if self._inlet is not None:
            self._inlet.close_stream()

    def _read_chunk(self) -> "Chunk | None":
        try:
            samples, stamps = self._inlet.pull_chunk(timeout=0.1, max_samples=4096)
        except Exception as err:  # pylsl.LostError when the outlet is gone for good
            raise DeviceConnectionError(f"{self.url}: the LSL stream was lost: {err}") from err
        now = time.monotonic()
        if not stamps:
            if now - self._last_rx > self.options.timeout:
                raise DeviceConnectionError(
                    f"{self.url}: no samples for {self.options.timeout:g} s — did the sender stop?")
            return None
        self._last_rx = now
        # C order: (n_channels, n) rows contiguous, as every consumer (the EDF writer) expects
        data = np.ascontiguousarray(np.asarray(samples, dtype=np.float64).T) * self._scale
        gap = 0
        if self._t_next is not None:
            gap = max(int(round((stamps[0] - self._t_next) * self._fs)), 0)
            gap = gap if gap >= 2 else 0  # jitter of a sample is not a loss
        self._t_next = stamps[-1] + 1.0 / self._fs
        self._count += gap + data.shape[1]
        self._observe_clock(float(stamps[-1]))
        return Chunk(data, gap)

    def _observe_clock(self, stamp: float) -> None:
        """A clock-offset reading when due, then the last sample's place on the local clock."""
        if self._next_sync is None or stamp >= self._next_sync:
            try:
                offset = (self.time_correction() if self.time_correction is not None
                          else self._inlet.time_correction(timeout=self.options.resolve))
            except Exception as err:  # pylsl.TimeoutError: keep the last fit, try again later
                self.log.warning("%s: no clock offset from the sender: %s", self.url, err)
            else:
                self._sync.add(stamp, offset)
            self._next_sync = stamp + self.options.sync
        local = float(self._sync.to_local(stamp)) + self._mono
        self.stream_clock.observe((self._count - 1) / self._fs, local)

    def _close(self) -> None:
        inlet, self._inlet = self._inlet, None
        if inlet is not None:
            try:
                inlet.close_stream()
            except Exception:  # already closed
                pass
            del inlet


def _channel_desc(info: Any, n: int) -> tuple[list[str], list[str]]:
    labels, units = [], []
    ch = info.desc().child("channels").child("channel")
    while not ch.empty() and len(labels) < n:
        labels.append(ch.child_value("label"))
        units.append(ch.child_value("unit"))
        ch = ch.next_sibling()
    return (labels if len(labels) == n and all(labels) else []), units


def _scale_from_units(units: list[str]) -> float:
    known = {unit_scale(u) for u in units if u}
    known.discard(None)
    return known.pop() if len(known) == 1 else 1.0  # type: ignore[return-value]
