"""The protocol runner: prepare → hold → rest, reps and sets, timed by the sample clock.

The runner never looks at the wall clock: it is told the stream time (``SampleBlock.t0`` and
``FeedbackFrame.t_s`` are seconds of samples), so a test can run a whole protocol in
milliseconds and the cues stay in step with the signal even if the display lags.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from emgfeedback.calibration import Protocol
from emgfeedback.measures.counting import RepPlan
from emgfeedback.model import Side

__all__ = ["Phase", "PhaseEvent", "RunnerState", "ProtocolRunner"]


class Phase(str, Enum):
    """Where the runner is in a protocol."""

    IDLE = "idle"
    PREPARE = "prepare"
    HOLD = "hold"
    REST = "rest"
    SET_REST = "set_rest"
    DONE = "done"


@dataclass(frozen=True)
class PhaseEvent:
    """A phase began (the display cues it, e.g. a beep on HOLD).

    Parameters
    ----------
    t_s : float
        Stream time the phase began, s.
    phase : Phase
        The new phase.
    rep, set : int
        1-based rep within the set and set number (0 before the first hold).
    side : Side or None
        Working side of this set (None when both sides work).
    cue : str
        What to tell the patient.
    """

    t_s: float
    phase: Phase
    rep: int
    set: int
    side: "Side | None"
    cue: str


@dataclass(frozen=True)
class RunnerState:
    """Snapshot of the runner for display.

    Parameters
    ----------
    phase : Phase
        Current phase.
    rep, reps : int
        Current rep (1-based, 0 before the first hold) and reps per set.
    set, sets : int
        Current set (1-based) and sets in all.
    side : Side or None
        Working side of this set.
    elapsed_s, remaining_s : float
        Time spent in and left of the phase, s (remaining 0 when idle or done).
    cue : str
        Cue text of the phase.
    next_side : Side or None
        During a set break: the side of the next set (the one to change to).
    plan : RepPlan or None
        The protocol's plan (its wording of sets per side).
    """

    phase: Phase
    rep: int
    reps: int
    set: int
    sets: int
    side: "Side | None"
    elapsed_s: float
    remaining_s: float
    cue: str
    next_side: "Side | None" = None
    plan: "RepPlan | None" = None

    def counter_text(self) -> str:
        """``Rep 3 / 5 · Set 1 / 2 · left side`` (sets counted per side when each side works in
        turn; in a set break the side to change to)."""
        set_no, sets = self.set, self.sets
        if self.plan is not None and self.plan.sides == "each":
            set_no, sets = (self.set + 1) // 2, self.plan.sets
        text = f"Rep {self.rep} / {self.reps}   ·   Set {set_no} / {sets}"
        if self.phase is Phase.SET_REST and self.next_side is not None:
            return text + f"   ·   next: {self.next_side.value} side"
        return text + (f"   ·   {self.side.value} side" if self.side is not None else "")


class ProtocolRunner:
    """Step through a protocol as stream time passes.

    Parameters
    ----------
    protocol : Protocol
        Reps, sets, phase lengths and cues.

    Examples
    --------
    >>> runner = ProtocolRunner(protocol)
    >>> events = runner.start(t_s=0.0)
    >>> events += runner.advance(t_s=block.t_end)
    """

    def __init__(self, protocol: Protocol) -> None:
        self.protocol = protocol
        self.plan = RepPlan.of(protocol)
        self._phase = Phase.IDLE
        self._t_phase = 0.0
        self._t_now = 0.0
        self._rep = 0
        self._set = 0

    # ------------------------------------------------------------------ queries
    @property
    def phase(self) -> Phase:
        """Current phase."""
        return self._phase

    def side_of_set(self, set_number: int) -> "Side | None":
        """Working side of 1-based ``set_number``: alternating left/right when each side is
        done in turn, fixed for one-sided protocols, None for both sides."""
        return self.plan.side_of_set(set_number)

    def _duration(self, phase: Phase) -> float:
        p = self.protocol
        return {Phase.PREPARE: p.prepare_s, Phase.HOLD: p.hold_s, Phase.REST: p.rest_s,
                Phase.SET_REST: p.set_rest_s}.get(phase, 0.0)

    def _cue(self, phase: Phase) -> str:
        c = self.protocol.cues
        return {Phase.PREPARE: c.prepare, Phase.HOLD: c.hold, Phase.REST: c.rest,
                Phase.SET_REST: c.set_rest, Phase.DONE: "Done. Well done!",
                Phase.IDLE: ""}[phase]

    @property
    def state(self) -> RunnerState:
        """Snapshot at the last time the runner was given."""
        running = self._phase not in (Phase.IDLE, Phase.DONE)
        elapsed = self._t_now - self._t_phase if running else 0.0
        remaining = max(self._duration(self._phase) - elapsed, 0.0) if running else 0.0
        return RunnerState(
            phase=self._phase, rep=self._rep, reps=self.protocol.reps, set=max(self._set, 1),
            sets=self.protocol.total_sets, side=self.side_of_set(max(self._set, 1)),
            elapsed_s=elapsed, remaining_s=remaining, cue=self._cue(self._phase),
            next_side=self.side_of_set(self._set + 1) if self._phase is Phase.SET_REST else None,
            plan=self.plan,
        )

    # ------------------------------------------------------------------ transitions
    def _enter(self, phase: Phase, t_s: float) -> PhaseEvent:
        self._phase = phase
        self._t_phase = t_s
        return PhaseEvent(t_s, phase, self._rep, self._set, self.side_of_set(max(self._set, 1)),
                          self._cue(phase))

    def _next(self, t_s: float) -> PhaseEvent:
        p = self.protocol
        if self._phase is Phase.PREPARE:
            self._rep += 1
            return self._enter(Phase.HOLD, t_s)
        if self._phase is Phase.HOLD:
            if self._rep < p.reps:
                return self._enter(Phase.REST, t_s)
            if self._set < p.total_sets:
                return self._enter(Phase.SET_REST, t_s)
            return self._enter(Phase.DONE, t_s)
        if self._phase is Phase.REST:
            self._rep += 1
            return self._enter(Phase.HOLD, t_s)
        # SET_REST: next set starts with its own prepare
        self._set += 1
        self._rep = 0
        return self._enter(Phase.PREPARE, t_s)

    def start(self, t_s: float) -> list[PhaseEvent]:
        """Begin set 1 at stream time ``t_s`` (restarts if already running)."""
        self._rep, self._set, self._t_now = 0, 1, t_s
        events = [self._enter(Phase.PREPARE, t_s)]
        return events + self.advance(t_s)

    def stop(self, t_s: float) -> list[PhaseEvent]:
        """End the protocol early at ``t_s``."""
        if self._phase in (Phase.IDLE, Phase.DONE):
            return []
        self._t_now = t_s
        return [self._enter(Phase.DONE, t_s)]

    def next_set(self, t_s: float) -> list[PhaseEvent]:
        """End the set break early at ``t_s``: the next set's prepare phase begins now (the
        clinician's "next set"); nothing happens outside a set break (returns ``[]``)."""
        if self._phase is not Phase.SET_REST:
            return []
        if t_s < self._t_now:
            raise ValueError(f"t_s must not go backwards: got {t_s} s after {self._t_now} s")
        self._t_now = t_s
        return [self._next(t_s)]

    def advance(self, t_s: float) -> list[PhaseEvent]:
        """Move stream time on to ``t_s``; return the phases that began, in order, each at
        its exact scheduled time (several when a long block spans short phases)."""
        if t_s < self._t_now:
            raise ValueError(f"t_s must not go backwards: got {t_s} s after {self._t_now} s")
        self._t_now = t_s
        events: list[PhaseEvent] = []
        while self._phase not in (Phase.IDLE, Phase.DONE):
            end = self._t_phase + self._duration(self._phase)
            if t_s < end:
                break
            events.append(self._next(end))
        return events
