"""A virtual EMG board on a pseudo-terminal, speaking the emgfeedback wire protocol in real time.

Open its :attr:`VirtualBoard.path` with any serial program (``serial://PATH`` in emgfeedback):
it answers INFO, START, STOP and SET_RATE like the firmware, announces itself with a
DEVICE_INFO (seq 0) at boot, streams SAMPLES frames paced by the wall clock and a STATUS frame
each second. It can also misbehave on purpose, for fault tests: vanish and come back (a stable
symlink follows the new pty), damage bytes, or ignore a client whose baud rate is wrong.

Uses :mod:`emgfeedback.protocol` only (never ``devices/``). POSIX only (``os.openpty``).
"""

from __future__ import annotations

import errno
import logging
import os
import select
import signal
import termios
import threading
import time
import tty
from typing import Any, Callable, Protocol

import numpy as np

from emgfeedback.protocol import (
    Ack, AckResult, Command, DeviceInfo, FrameType, SampleFormat, Samples, Status, StreamDecoder,
    encode_frame, max_samples_per_frame,
)

__all__ = ["VirtualBoard", "serve_virtual_board", "SampleSource"]

log = logging.getLogger(__name__)
FIRMWARE = (0, 1, 0)


class SampleSource(Protocol):
    """What the board digitises: ``read(n) -> ndarray (n_channels, n)`` in µV."""

    def read(self, n_samples: int) -> np.ndarray: ...


class _CommandDecoder(StreamDecoder):
    """The board's receiver: like the firmware's (``emg_board_command``), it answers every intact
    command whatever its sequence number, so a new client session may start again from seq 0.
    (A host-side :class:`StreamDecoder` drops frames whose sequence number went backwards.)"""

    def _accept(self, chunk: bytes) -> Any:
        self.reset_sequence()
        return super()._accept(chunk)


class VirtualBoard:
    """A simulated board behind a pseudo-terminal.

    Parameters
    ----------
    scenario : str
        Simulator scenario streamed when no ``source`` is given.
    fs : float
        Sample rate, Hz.
    snr_db, seed : float, int
        Simulator settings.
    ramp : str or float
        Simulator recruitment ramps: ``"scenario"`` (default), ``"fast"`` or a scale 0.1–4.
    source : SampleSource, optional
        Samples to stream instead of the simulator (tests use exact ramps).
    n_channels : int
        Channels ``source`` produces (8 for the simulator).
    uv_per_count : float
        Gain, µV per count (float32-exact); counts are int16, so the range is ±32768 × gain.
    samples_per_frame : int
        Samples per channel in each SAMPLES frame.
    link : str, optional
        Path of a symlink kept pointing at the current pty (survives :meth:`vanish`).
    baud : int
        The board's UART rate; a client that sets another rate gets garbage, as on real wires.
    tap : callable, optional
        Called as ``tap(frame, t)`` after each frame is written, ``t`` from ``time.monotonic()``
        (benchmarks measure latency with it).
    """

    def __init__(self, scenario: str = "healthy", fs: float = 2000.0, *, snr_db: float = 20.0,
                 seed: int = 0, source: "SampleSource | None" = None, n_channels: int = 8,
                 uv_per_count: float = 0.25, samples_per_frame: int = 8,
                 link: "str | None" = None, baud: int = 460800,
                 tap: "Callable[[Any, float], None] | None" = None,
                 ramp: "str | float" = "scenario") -> None:
        if not fs > 0:
            raise ValueError(f"fs must be a positive number of Hz, got {fs!r}")
        if not 1 <= samples_per_frame <= max_samples_per_frame(n_channels):
            raise ValueError(f"samples_per_frame must be 1..{max_samples_per_frame(n_channels)} for "
                             f"{n_channels} channels, got {samples_per_frame!r}")
        self.scenario, self.snr_db, self.seed, self.ramp = scenario, snr_db, seed, ramp
        self.fs = float(fs)
        self.n_channels = n_channels
        self.uv_per_count = float(np.float32(uv_per_count))
        self.samples_per_frame = samples_per_frame
        self.link = link
        self.baud = baud
        self.tap = tap
        self._own_source = source is None
        self._source: SampleSource = source if source is not None else self._simulator(self.fs)
        self._master = self._slave = -1
        self._slave_name = ""
        self._lock = threading.RLock()
        self._thread: "threading.Thread | None" = None
        self._halt = threading.Event()
        self._damage: list[tuple[int, int]] = []  # (frames from now, byte offset) to corrupt
        self.frames_sent = 0
        self.dropped_samples = 0
        self._boot()

    # ----------------------------------------------------------------- life cycle
    @property
    def path(self) -> str:
        """Where a client opens the board: the symlink if any, else the pty slave."""
        return self.link or self._slave_name

    def start(self) -> "VirtualBoard":
        """Start answering and streaming on a background thread; returns self."""
        if self._thread is None:
            self._halt.clear()
            self._thread = threading.Thread(target=self._run, name="virtual-board", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop the thread, close the pty and remove the symlink; idempotent."""
        self._halt.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
        with self._lock:
            self._close_pty()

    def __enter__(self) -> "VirtualBoard":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def vanish(self) -> None:
        """Pull the cable: close the pty (readers get an error) and remove the symlink."""
        with self._lock:
            self._close_pty()

    def reappear(self) -> None:
        """Plug it back: a new pty (new path), the symlink re-pointed, and a reboot."""
        with self._lock:
            self._close_pty()
            self._boot()

    def damage_next_frame(self, offset: int = 5, frames_ahead: int = 0) -> None:
        """Flip bits in one byte of an upcoming frame (its CRC will then fail)."""
        with self._lock:
            self._damage.append((frames_ahead, offset))

    # ----------------------------------------------------------------- internals
    def _simulator(self, fs: float) -> SampleSource:
        from emgfeedback.simulation.generator import LiveSimulator

        return LiveSimulator(self.scenario, fs=fs, snr_db=self.snr_db, seed=self.seed, ramp=self.ramp)

    def _boot(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no line editing until a client configures the port
        self._boot_speed = termios.tcgetattr(self._slave)[5]
        os.set_blocking(self._master, False)
        self._slave_name = os.ttyname(self._slave)
        if self.link:
            tmp = f"{self.link}.tmp{os.getpid()}"
            os.symlink(self._slave_name, tmp)
            os.replace(tmp, self.link)
        self._decoder = _CommandDecoder()
        self._seq = 0
        self._index = 0
        self._streaming = False
        self._send(self._info_frame())  # boot announcement, seq 0
        log.info("virtual board on %s", self.path)

    def _close_pty(self) -> None:
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1
        if self.link and os.path.islink(self.link):
            os.unlink(self.link)

    def _next_seq(self) -> int:
        seq, self._seq = self._seq, (self._seq + 1) & 0xFFFF
        return seq

    def _info_frame(self) -> DeviceInfo:
        return DeviceInfo("virtual_board", self.n_channels, self.fs, 16, self.uv_per_count,
                          SampleFormat.INT16, self.samples_per_frame, FIRMWARE, self._next_seq())

    def _baud_ok(self) -> bool:
        want = getattr(termios, f"B{self.baud}", None)
        try:
            speed = termios.tcgetattr(self._slave)[5]
        except termios.error:
            return True
        # a port nobody has configured yet (still at the pty's boot speed) counts as right
        return want is None or speed == want or speed == self._boot_speed

    def _send(self, frame: Any) -> None:
        wire = bytearray(encode_frame(frame))
        if self._damage:
            self._damage = [(k - 1, off) for k, off in self._damage]
            for k, off in [d for d in self._damage if d[0] < 0]:
                wire[min(off, len(wire) - 2)] ^= 0x5A
            self._damage = [d for d in self._damage if d[0] >= 0]
        if not self._baud_ok():
            wire = bytearray(b ^ 0xA5 for b in wire)  # what a wrong baud rate looks like
        try:
            os.write(self._master, wire)
            self.frames_sent += 1
            if self.tap is not None:
                self.tap(frame, time.monotonic())
        except BlockingIOError:  # nobody reads: the TX buffer is full, like a UART overrun
            if isinstance(frame, Samples):
                self.dropped_samples += frame.n_samples
        except OSError as err:
            if err.errno not in (errno.EIO, errno.EBADF):
                raise

    def _handle(self, cmd: Any) -> None:
        if not isinstance(cmd, Command):
            return
        if cmd.kind is FrameType.INFO:
            self._send(self._info_frame())
        elif cmd.kind is FrameType.START:
            if not self._streaming:
                self._streaming = True
                self._t_next = time.monotonic()
                self._t_status = self._t_next + 1.0
            self._send(Ack(int(cmd.kind), cmd.seq, AckResult.OK, self._next_seq()))
        elif cmd.kind is FrameType.STOP:
            self._streaming = False
            self._send(Ack(int(cmd.kind), cmd.seq, AckResult.OK, self._next_seq()))
        elif cmd.kind is FrameType.SET_RATE:
            ok = self._own_source and 500 <= cmd.fs <= 20000
            result = AckResult.OK if ok else AckResult.BAD_ARGUMENT
            self._send(Ack(int(cmd.kind), cmd.seq, result, self._next_seq()))
            if ok:
                self.fs = float(cmd.fs)
                self._source = self._simulator(self.fs)
                self._send(self._info_frame())

    def _stream_due(self) -> None:
        period = self.samples_per_frame / self.fs
        now = time.monotonic()
        while self._streaming and now >= self._t_next:
            uv = np.asarray(self._source.read(self.samples_per_frame), dtype=np.float64)
            counts = np.clip(np.rint(uv / self.uv_per_count), -32768, 32767).astype(np.int32)
            self._send(Samples(self._index & 0xFFFFFFFF, counts, SampleFormat.INT16, self._next_seq()))
            self._index += self.samples_per_frame
            self._t_next += period
            if now - self._t_next > 1.0:  # fell far behind (machine stalled): skip, count
                skipped = int((now - self._t_next) / period)
                self._t_next += skipped * period
                self._index += skipped * self.samples_per_frame
                self.dropped_samples += skipped * self.samples_per_frame
        if self._streaming and now >= self._t_status:
            self._send(Status(0, 255, self.dropped_samples & 0xFFFFFFFF, 0, 0, self._next_seq()))
            self._t_status = now + 1.0

    def _run(self) -> None:
        while not self._halt.is_set():
            with self._lock:
                master = self._master
                wait = (self._t_next - time.monotonic()) if self._streaming else 0.05
            if master < 0:
                self._halt.wait(0.02)
                continue
            try:
                ready, _, _ = select.select([master], [], [], min(max(wait, 0.0), 0.05))
            except (OSError, ValueError):  # closed under us by vanish()
                continue
            with self._lock:
                if self._master != master:
                    continue
                if ready:
                    try:
                        data = os.read(master, 4096)
                    except (BlockingIOError, OSError):
                        data = b""
                    if data and self._baud_ok():
                        for cmd in self._decoder.feed(data):
                            self._handle(cmd)
                self._stream_due()


def serve_virtual_board(scenario: str = "healthy", fs: float = 2000.0, *, snr_db: float = 20.0,
                        seed: int = 0, link: "str | None" = None,
                        duration_s: "float | None" = None, announce: Any = print) -> int:
    """Run a virtual board until Ctrl-C, SIGTERM/SIGHUP (or ``duration_s``); ``announce`` gets
    its path first. However it stops (short of SIGKILL), the pty is closed and the ``link``
    symlink removed.

    Returns 0 (the exit code of ``emgfeedback simulate --serve``).
    """
    stop = threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():  # signal handlers live there only
        for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if sig is not None:
                previous[sig] = signal.signal(sig, lambda *_: stop.set())
    try:
        with VirtualBoard(scenario, fs, snr_db=snr_db, seed=seed, link=link) as board:
            announce(f"virtual board ({scenario}, {fs:g} Hz, 8 channels) on {board.path} — "
                     f"open it with: emgfeedback monitor --device serial://{board.path}")
            deadline = None if duration_s is None else time.monotonic() + duration_s
            while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
                stop.wait(0.2 if deadline is None else max(0.0, min(0.2, deadline - time.monotonic())))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
