"""``sim://`` — the in-process simulator as a device, paced in real time (or not, for tests).

URL form: ``sim://?scenario=NAME&fs=2000&snr=20&seed=0&realtime=1&block=20&ramp=scenario&recovery=0``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from emgfeedback.devices._options import check_ranges, ranged
from emgfeedback.devices.base import Chunk, Device, DropOldestQueue
from emgfeedback.errors import DeviceUnavailableError
from emgfeedback.model import StreamInfo

__all__ = ["SimDevice", "SimOptions"]


@dataclass(frozen=True)
class SimOptions:
    """Options of ``sim://``.

    Parameters
    ----------
    scenario : str
        Simulator scenario name (``emgfeedback simulate --list``).
    fs : float
        Sample rate, Hz.
    snr_db : float
        Signal-to-noise ratio, dB (URL key ``snr``).
    seed : int
        Random seed; same seed, same signal.
    realtime : bool
        Pace blocks by the wall clock (False: as fast as the consumer reads, for tests).
    block : int
        Samples per block.
    ramp : str
        Recruitment ramps: ``scenario`` (default, the scenario's per-muscle ramps), ``fast``
        (short linear rises, the simulator's old behaviour) or a scale factor 0.1–4 (e.g. ``0.5``).
    follow : bool
        The simulated patient follows the protocol's cues (``follow=1``): once a protocol runs,
        each hold cue starts a rep on the cued side (``LiveSimulator.cue_hold``) and the
        scenario's own periodic reps stop.
    recovery : float
        0–1: how far the patient has recovered toward the scenario's healthy counterpart
        (``simulation.recovery.recovered``; 0 = the scenario as it is, 1 = healthy), so visits
        with rising values show glute timing improving.
    """

    scenario: str = "healthy"
    fs: float = ranged(2000.0, 0.0, 100_000.0, "Hz", lo_open=True)
    snr_db: float = ranged(20.0, -100.0, 200.0, "dB", key="snr")
    seed: int = ranged(0, 0, 2**32 - 1)
    realtime: bool = True
    block: int = ranged(20, 1, 100_000, "samples")
    ramp: str = "scenario"
    follow: bool = False
    recovery: float = ranged(0.0, 0.0, 1.0)

    def __post_init__(self) -> None:
        check_ranges(self)
        try:
            from emgfeedback.simulation import parse_ramp
        except ImportError:  # _open reports the missing simulator
            return
        parse_ramp(self.ramp, "option ramp")
        if self.recovery > 0:  # a scenario without a healthy counterpart is refused before any I/O
            self.scenario_object()

    def scenario_object(self) -> Any:
        """The simulated :class:`Scenario`: ``scenario`` moved ``recovery`` toward healthy."""
        from emgfeedback.simulation import get_scenario
        from emgfeedback.simulation.recovery import recovered

        scenario = get_scenario(self.scenario)
        try:
            return recovered(scenario, self.recovery)
        except ValueError as err:
            raise ValueError(f"option recovery: {err}") from None


class SimDevice(Device):
    """Simulated 8-channel glute sEMG from :class:`emgfeedback.simulation.LiveSimulator`."""

    scheme = "sim"
    url_form = ("sim://?scenario=NAME&fs=HZ&snr=DB&seed=INT&realtime=0|1&block=SAMPLES&ramp=scenario|fast|SCALE"
                "&follow=0|1&recovery=0..1")
    Options = SimOptions

    def __init__(self, url: str, **options: Any) -> None:
        super().__init__(url, **options)
        self._sim: Any = None
        self._t_next = 0.0
        self.backpressure = not self.options.realtime
        if self.options.follow and not self.options.realtime:
            # a patient who follows cues cannot be simulated far ahead of the session reading
            # the stream: keep at most ~0.25 s queued, so a cue reaches the next samples made
            self._queue = DropOldestQueue(max(1, int(0.25 * self.options.fs / self.options.block)))

    def _open(self) -> StreamInfo:
        opts: SimOptions = self.options
        try:
            from emgfeedback.simulation import LiveSimulator
        except ImportError as err:
            raise DeviceUnavailableError(f"the simulator cannot be loaded: {err}") from err
        self._sim = LiveSimulator(opts.scenario_object(), fs=opts.fs, snr_db=opts.snr_db, seed=opts.seed,
                                  ramp=opts.ramp)
        return StreamInfo(fs=float(opts.fs), montage=self._sim.montage, source=self.url,
                          board="simulator")

    def _start(self) -> None:
        self._t_next = time.monotonic()

    def _read_chunk(self) -> "Chunk | None":
        opts: SimOptions = self.options
        if opts.realtime:
            self._t_next += opts.block / opts.fs
            wait = self._t_next - time.monotonic()
            if wait > 0.1:  # come back often so stop() is prompt
                self._t_next -= opts.block / opts.fs
                time.sleep(0.1)
                return None
            if wait > 0:
                time.sleep(wait)
        return Chunk(self._sim.read(opts.block))

    def cue_hold(self, t_s: float, side: Any, hold_s: float) -> None:
        """Tell the simulated patient a hold was cued (only with ``follow=1``; otherwise the
        scenario ignores cues, as a recording would)."""
        if self.options.follow and self._sim is not None:
            self._sim.cue_hold(t_s, side, hold_s)

    def _close(self) -> None:
        self._sim = None
