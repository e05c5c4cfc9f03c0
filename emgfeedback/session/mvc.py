"""MVC calibration: the wizard that walks through each muscle's maximal contractions, and the
calibrator that turns envelopes recorded during them into one MVC value per channel.

The MVC value of a channel is the highest mean envelope over ``window_s`` in any of its
trials (µV); %MVC is then ``100 * envelope / MVC``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Mapping, Sequence

import numpy as np

from emgfeedback.calibration import MvcProcedure
from emgfeedback.dsp.mvc import peak_window_mean, percent_of_mvc
from emgfeedback.model import Montage, Muscle

__all__ = ["MvcStep", "MvcWizard", "MvcWizardState", "peak_window_mean", "percent_of_mvc"]


class MvcStep(str, Enum):
    """Where the MVC wizard is."""

    IDLE = "idle"
    PREPARE = "prepare"
    CONTRACT = "contract"
    REST = "rest"
    DONE = "done"


@dataclass(frozen=True)
class MvcWizardState:
    """What the wizard shows.

    Parameters
    ----------
    step : MvcStep
        Current step.
    muscle : Muscle or None
        Muscle being tested.
    trial, trials : int
        1-based trial and the number of trials for this muscle.
    remaining_s : float
        Time left in this step, s.
    text : str
        Position and instruction to read out.
    mvc_uv : mapping of str to float
        MVC values found so far, per channel id, µV.
    """

    step: MvcStep
    muscle: "Muscle | None"
    trial: int
    trials: int
    remaining_s: float
    text: str
    mvc_uv: Mapping[str, float]


class MvcWizard:
    """Walk through MVC trials for each muscle, timed by the sample clock.

    Parameters
    ----------
    procedures : sequence of MvcProcedure
        Muscles to test, in order (from ``load_mvc_procedures``).
    montage : Montage
        Channel order of the envelopes fed in; both sides of a muscle are measured together.
    fs : float
        Sample rate, Hz.
    prepare_s : float
        Countdown before each contraction, s.
    """

    def __init__(self, procedures: Sequence[MvcProcedure], montage: Montage, fs: float,
                 *, prepare_s: float = 3.0) -> None:
        if not procedures:
            raise ValueError("procedures must list at least one muscle to test")
        self.procedures = list(procedures)
        self.montage = montage
        self.fs = float(fs)
        self.prepare_s = float(prepare_s)
        self.mvc_uv: dict[str, float] = {}
        self._step = MvcStep.IDLE
        self._i = 0
        self._trial = 0
        self._t_step = 0.0
        self._t = 0.0
        self._trace: list[np.ndarray] = []

    @property
    def step(self) -> MvcStep:
        """Current step."""
        return self._step

    def _proc(self) -> MvcProcedure:
        return self.procedures[min(self._i, len(self.procedures) - 1)]

    def _rows(self, muscle: Muscle) -> list[int]:
        return [i for i, ch in enumerate(self.montage) if ch.muscle is muscle]

    def _duration(self) -> float:
        p = self._proc()
        return {MvcStep.PREPARE: self.prepare_s, MvcStep.CONTRACT: p.contraction_s,
                MvcStep.REST: p.rest_s}.get(self._step, 0.0)

    @property
    def state(self) -> MvcWizardState:
        """Snapshot for display."""
        p = self._proc()
        running = self._step not in (MvcStep.IDLE, MvcStep.DONE)
        text = {
            MvcStep.IDLE: "Press Start to measure maximal contractions.",
            MvcStep.PREPARE: f"{p.muscle.full_name}: {p.position} Get ready.",
            MvcStep.CONTRACT: f"{p.instruction} ({p.resistance})",
            MvcStep.REST: "Relax completely.",
            MvcStep.DONE: "MVC done: %MVC is now shown for every measured channel.",
        }[self._step]
        return MvcWizardState(
            step=self._step, muscle=p.muscle if running else None, trial=self._trial,
            trials=p.trials, remaining_s=max(self._duration() - (self._t - self._t_step), 0.0)
            if running else 0.0, text=text, mvc_uv=dict(self.mvc_uv))

    def start(self, t_s: float) -> None:
        """Begin with the first muscle's first trial at stream time ``t_s``."""
        self._i, self._trial, self._t = 0, 1, t_s
        self._enter(MvcStep.PREPARE, t_s)

    def skip_muscle(self, t_s: float) -> None:
        """Give up on the current muscle (its channels keep any value already found)."""
        if self._step in (MvcStep.IDLE, MvcStep.DONE):
            return
        self._trace = []
        self._next_muscle(t_s)

    def _enter(self, step: MvcStep, t_s: float) -> None:
        self._step = step
        self._t_step = t_s
        if step is MvcStep.CONTRACT:
            self._trace = []

    def _next_muscle(self, t_s: float) -> None:
        self._i += 1
        self._trial = 1
        self._enter(MvcStep.PREPARE if self._i < len(self.procedures) else MvcStep.DONE, t_s)

    def _finish_trial(self) -> None:
        p = self._proc()
        rows = self._rows(p.muscle)
        if not rows or not self._trace:
            return
        env = np.concatenate(self._trace, axis=1)[rows]
        peaks = peak_window_mean(env, self.fs, p.window_s)
        for row, peak in zip(rows, peaks):
            ch = self.montage.channels[row].id
            self.mvc_uv[ch] = max(self.mvc_uv.get(ch, 0.0), float(peak))
        self._trace = []

    def process(self, t0: float, envelope: np.ndarray) -> list[MvcStep]:
        """Feed one envelope block starting at stream time ``t0``; return the steps entered.

        Samples inside a CONTRACT step are kept and scored when the step ends.
        """
        env = np.asarray(envelope, dtype=np.float64)
        n = env.shape[1]
        t_end = t0 + n / self.fs
        entered: list[MvcStep] = []
        while self._step not in (MvcStep.IDLE, MvcStep.DONE):
            end = self._t_step + self._duration()
            if self._step is MvcStep.CONTRACT:
                a = int(np.clip(round((max(self._t_step, t0) - t0) * self.fs), 0, n))
                b = int(np.clip(round((min(end, t_end) - t0) * self.fs), 0, n))
                if b > a:
                    self._trace.append(env[:, a:b].copy())
            if t_end < end:
                break
            if self._step is MvcStep.PREPARE:
                self._enter(MvcStep.CONTRACT, end)
            elif self._step is MvcStep.CONTRACT:
                self._finish_trial()
                last = self._trial >= self._proc().trials
                if last and self._i == len(self.procedures) - 1:
                    self._enter(MvcStep.DONE, end)
                elif self._proc().rest_s > 0 or not last:
                    self._enter(MvcStep.REST, end)
                else:
                    self._next_muscle(end)
            else:  # REST
                if self._trial >= self._proc().trials:
                    self._next_muscle(end)
                else:
                    self._trial += 1
                    self._enter(MvcStep.PREPARE, end)
            entered.append(self._step)
        self._t = t_end
        return entered

    def mvc_array(self) -> np.ndarray:
        """MVC per montage channel, µV (NaN where not measured)."""
        return np.array([self.mvc_uv.get(ch.id, np.nan) for ch in self.montage])
