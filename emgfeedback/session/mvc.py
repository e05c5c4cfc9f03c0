"""MVC calibration: the wizard that walks through each muscle's maximal contractions and keeps
one value per trial and channel, and the rule that says whether a trial was a contraction.

A trial's peak on a channel is the highest mean envelope over ``window_s`` (µV). It is
*accepted* only when it is clearly above that channel's rest level (:func:`contraction_threshold_uv`);
a muscle's MVC per channel is its best accepted trial, and a channel with no accepted trial gets
no MVC at all (never a rest value). %MVC is then ``100 * envelope / MVC``.

Rest level: the patient lies relaxed in position during each "get ready" countdown (PREPARE).
One rest measurement is the level a channel's envelope drops to in a countdown (its
``REST_PERCENTILE``-th percentile: moving into position or tensing for part of the countdown does
not raise it), and the rest level of a channel is the lowest of these so far in the run. Every
countdown measures every channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Mapping, Sequence

import numpy as np

from emgfeedback.calibration import MvcProcedure
from emgfeedback.dsp.mvc import peak_window_mean, percent_of_mvc
from emgfeedback.model import Montage, Muscle

__all__ = ["MvcStep", "MvcTrial", "MvcWizard", "MvcWizardState", "contraction_threshold_uv",
           "peak_window_mean", "percent_of_mvc", "REST_RATIO", "REST_MARGIN_UV", "REST_PERCENTILE"]

#: A trial's peak must reach this multiple of the rest level (5 × ≈ 14 dB above the floor) …
REST_RATIO = 5.0
#: … and exceed the rest level by this much, µV (guards a near-zero rest: 5 × 1 µV is no MVC).
REST_MARGIN_UV = 20.0
#: Percentile of a countdown's envelope taken as its rest level (the relaxed floor).
REST_PERCENTILE = 10.0


def contraction_threshold_uv(rest_uv: float, ratio: float = REST_RATIO, margin_uv: float = REST_MARGIN_UV) -> float:
    """Lowest peak that counts as a contraction over a rest level: ``max(ratio · rest, rest + margin)``.

    A relaxed glute/TFL/ES electrode's envelope is a few µV (amplifier and skin noise); a
    maximal effort is tens to hundreds of µV, so a peak below 5 × rest or within 20 µV of rest
    means the muscle did not work in that test (e.g. GMed at 8 µV over a 7 µV rest), while a
    weak patient's real MVC of 30 µV still counts.

    Parameters
    ----------
    rest_uv : float
        Rest level of the channel, µV (0 when none was measured).
    ratio : float
        Minimum peak / rest.
    margin_uv : float
        Minimum peak − rest, µV.
    """
    return max(ratio * rest_uv, rest_uv + margin_uv)


class MvcStep(str, Enum):
    """Where the MVC wizard is."""

    IDLE = "idle"
    PREPARE = "prepare"
    CONTRACT = "contract"
    REST = "rest"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class MvcTrial:
    """One contraction of one muscle (both sides).

    Parameters
    ----------
    muscle : Muscle
        Muscle tested.
    trial : int
        1-based trial number for this muscle.
    peak_uv : mapping of str to float
        Peak (best ``window_s`` mean envelope) per channel id, µV.
    rest_uv : mapping of str to float
        Rest level the peak was judged against, per channel id, µV.
    rejected : mapping of str to str
        Channels whose peak was not a contraction, with the reason to show.
    """

    muscle: Muscle
    trial: int
    peak_uv: Mapping[str, float]
    rest_uv: Mapping[str, float]
    rejected: Mapping[str, str] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        """True when every channel of the muscle contracted."""
        return not self.rejected

    @property
    def reason(self) -> str:
        """Why channels were rejected ("" when accepted)."""
        return "\n".join(self.rejected.values())

    @property
    def accepted_uv(self) -> dict[str, float]:
        """Peaks of the channels that count, µV."""
        return {ch: v for ch, v in self.peak_uv.items() if ch not in self.rejected}


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
        Position and instruction to read out (and why the last trial was rejected).
    mvc_uv : mapping of str to float
        MVC per channel id from accepted trials only, µV.
    trial_results : tuple of MvcTrial
        Every kept trial so far, in order (a redone trial is replaced).
    rest_uv : mapping of str to float
        Rest level per channel id, µV.
    trace_uv : ndarray, shape (len(trace_channels), n_samples)
        Envelope of the tested muscle's channels during the current contraction (or the last
        one, between contractions), µV.
    trace_channels : tuple of str
        Channel ids of ``trace_uv``'s rows.
    trace_peak_uv : mapping of str to float
        Peak of ``trace_uv`` so far per channel id (best ``window_s`` mean), µV.
    fs : float
        Sample rate of ``trace_uv``, Hz.
    """

    step: MvcStep
    muscle: "Muscle | None"
    trial: int
    trials: int
    remaining_s: float
    text: str
    mvc_uv: Mapping[str, float]
    trial_results: tuple[MvcTrial, ...] = ()
    rest_uv: Mapping[str, float] = field(default_factory=dict)
    trace_uv: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), compare=False, repr=False)
    trace_channels: tuple[str, ...] = ()
    trace_peak_uv: Mapping[str, float] = field(default_factory=dict)
    fs: float = 0.0


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
        Countdown before each contraction, s (the rest level is measured in it).
    ratio, margin_uv : float
        Trial acceptance rule, see :func:`contraction_threshold_uv`.
    """

    def __init__(self, procedures: Sequence[MvcProcedure], montage: Montage, fs: float,
                 *, prepare_s: float = 3.0, ratio: float = REST_RATIO, margin_uv: float = REST_MARGIN_UV) -> None:
        if not procedures:
            raise ValueError("procedures must list at least one muscle to test")
        self.procedures = list(procedures)
        self.montage = montage
        self.fs = float(fs)
        self.prepare_s = float(prepare_s)
        self.ratio = float(ratio)
        self.margin_uv = float(margin_uv)
        self.trials: list[MvcTrial] = []
        self.rest_uv: dict[str, float] = {}
        self._step = MvcStep.IDLE
        self._i = 0
        self._trial = 0
        self._t_step = 0.0
        self._t = 0.0
        self._trace: list[np.ndarray] = []
        self._prep: list[np.ndarray] = []
        self._last_trace = np.zeros((0, 0))
        self._last_rows: list[int] = []
        self._finished = False

    @property
    def step(self) -> MvcStep:
        """Current step."""
        return self._step

    @property
    def running(self) -> bool:
        """True between start and DONE / CANCELLED."""
        return self._step not in (MvcStep.IDLE, MvcStep.DONE, MvcStep.CANCELLED)

    @property
    def mvc_uv(self) -> dict[str, float]:
        """MVC per channel id: the best accepted trial, µV (channels with none are absent)."""
        out: dict[str, float] = {}
        for tr in self.trials:
            for ch, v in tr.accepted_uv.items():
                out[ch] = max(out.get(ch, 0.0), v)
        return out

    def take_result(self) -> "dict[str, float] | None":
        """The accepted MVC set once, right after the wizard reached DONE; else None."""
        if not self._finished:
            return None
        self._finished = False
        return self.mvc_uv

    def _proc(self) -> MvcProcedure:
        return self.procedures[min(self._i, len(self.procedures) - 1)]

    def _rows(self, muscle: Muscle) -> list[int]:
        return [i for i, ch in enumerate(self.montage) if ch.muscle is muscle]

    def _duration(self) -> float:
        p = self._proc()
        return {MvcStep.PREPARE: self.prepare_s, MvcStep.CONTRACT: p.contraction_s,
                MvcStep.REST: p.rest_s}.get(self._step, 0.0)

    def _text(self) -> str:
        p = self._proc()
        last = self.trials[-1] if self.trials else None
        if self._step is MvcStep.PREPARE:
            return f"{p.muscle.full_name}: {p.position} Relax, then get ready."
        if self._step is MvcStep.CONTRACT:
            return f"{p.instruction} ({p.resistance})"
        if self._step is MvcStep.REST:
            return "Relax completely." + (f" {last.reason}" if last is not None and not last.accepted else "")
        if self._step is MvcStep.DONE:
            if not self.mvc_uv:
                return "MVC done, but no trial was a contraction: the MVC in use is unchanged."
            tested = dict.fromkeys(proc.muscle for proc in self.procedures)
            missing = [ch.label for ch in self.montage if ch.muscle in tested and ch.id not in self.mvc_uv]
            return "MVC done: %MVC is now shown for every accepted channel." + (
                f" No MVC for {', '.join(missing)} (no accepted trial)." if missing else "")
        if self._step is MvcStep.CANCELLED:
            return "MVC cancelled: the MVC in use before stays."
        return "Press Start to measure maximal contractions."

    @property
    def state(self) -> MvcWizardState:
        """Snapshot for display."""
        p = self._proc()
        running = self.running
        if self._step is MvcStep.CONTRACT and self._trace:
            rows = self._rows(p.muscle)
            trace = np.concatenate(self._trace, axis=1)
        else:
            rows, trace = self._last_rows, self._last_trace
        ids = tuple(self.montage.channels[r].id for r in rows)
        peaks = peak_window_mean(trace, self.fs, p.window_s) if trace.size else []
        return MvcWizardState(
            step=self._step, muscle=p.muscle if running else None, trial=self._trial,
            trials=p.trials, remaining_s=max(self._duration() - (self._t - self._t_step), 0.0)
            if running else 0.0, text=self._text(), mvc_uv=self.mvc_uv, trial_results=tuple(self.trials),
            rest_uv=dict(self.rest_uv), trace_uv=trace,
            trace_channels=ids, trace_peak_uv={ch: float(v) for ch, v in zip(ids, peaks)}, fs=self.fs)

    # ------------------------------------------------------------------ control
    def start(self, t_s: float) -> None:
        """Begin with the first muscle's first trial at stream time ``t_s``."""
        self._i, self._trial, self._t = 0, 1, t_s
        self.trials, self.rest_uv = [], {}
        self._last_trace, self._last_rows = np.zeros((0, 0)), []
        self._enter(MvcStep.PREPARE, t_s)

    def skip_muscle(self, t_s: float) -> None:
        """Give up on the current muscle (its channels keep any accepted trial)."""
        if not self.running:
            return
        self._trace = []
        self._next_muscle(t_s)

    def redo_trial(self, t_s: float) -> None:
        """Repeat the trial under way, or else discard the last finished trial and repeat it
        (after a new countdown); the wizard then carries on from there."""
        if self._step in (MvcStep.IDLE, MvcStep.CANCELLED):
            return
        if self._step is not MvcStep.CONTRACT:
            if not self.trials:
                return
            last = self.trials.pop()
            self._i = max(k for k, p in enumerate(self.procedures[:self._i + 1]) if p.muscle is last.muscle)
            self._trial = last.trial
            self._last_trace, self._last_rows = np.zeros((0, 0)), []
        self._finished = False
        self._enter(MvcStep.PREPARE, t_s)

    def cancel(self, t_s: float) -> None:
        """Stop now; nothing from this run is handed out as a result."""
        if self.running:
            self._trace, self._prep = [], []
            self._finished = False
            self._enter(MvcStep.CANCELLED, t_s)

    # ------------------------------------------------------------------ the stage
    def _enter(self, step: MvcStep, t_s: float) -> None:
        self._step = step
        self._t_step = t_s
        self._trace = []
        self._prep = []
        if step is MvcStep.DONE:
            self._finished = True

    def _next_muscle(self, t_s: float) -> None:
        self._i += 1
        self._trial = 1
        self._enter(MvcStep.PREPARE if self._i < len(self.procedures) else MvcStep.DONE, t_s)

    def _finish_countdown(self) -> None:
        if not self._prep:
            return
        rest = np.percentile(np.concatenate(self._prep, axis=1), REST_PERCENTILE, axis=1)
        for ch, v in zip(self.montage.ids, rest):
            self.rest_uv[ch] = min(self.rest_uv.get(ch, np.inf), float(v))

    def _finish_trial(self) -> None:
        p = self._proc()
        rows = self._rows(p.muscle)
        if not rows or not self._trace:
            return
        env = np.concatenate(self._trace, axis=1)
        peaks = peak_window_mean(env, self.fs, p.window_s)
        peak_uv, rest_uv, rejected = {}, {}, {}
        for row, peak in zip(rows, peaks):
            ch = self.montage.channels[row]
            rest = self.rest_uv.get(ch.id, 0.0)
            peak_uv[ch.id], rest_uv[ch.id] = float(peak), rest
            if peak < contraction_threshold_uv(rest, self.ratio, self.margin_uv):
                rejected[ch.id] = (f"{ch.label} trial {self._trial}: peak {peak:.0f} µV is not above rest "
                                   f"{rest:.0f} µV — muscle did not contract; redo")
        self.trials.append(MvcTrial(p.muscle, self._trial, peak_uv, rest_uv, rejected))
        self._last_trace, self._last_rows = env, rows

    def process(self, t0: float, envelope: np.ndarray) -> list[MvcStep]:
        """Feed one envelope block starting at stream time ``t0``; return the steps entered.

        Samples inside a PREPARE step measure the rest level; those inside a CONTRACT step are
        kept and scored when the step ends.
        """
        env = np.asarray(envelope, dtype=np.float64)
        n = env.shape[1]
        t_end = t0 + n / self.fs
        entered: list[MvcStep] = []
        while self.running:
            end = self._t_step + self._duration()
            if self._step in (MvcStep.CONTRACT, MvcStep.PREPARE):
                a = int(np.clip(round((max(self._t_step, t0) - t0) * self.fs), 0, n))
                b = int(np.clip(round((min(end, t_end) - t0) * self.fs), 0, n))
                if b > a and self._step is MvcStep.CONTRACT:  # the tested muscle's rows only
                    self._trace.append(env[self._rows(self._proc().muscle), a:b])
                elif b > a:
                    self._prep.append(env[:, a:b].copy())
            if t_end < end:
                break
            if self._step is MvcStep.PREPARE:
                self._finish_countdown()
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
        """MVC per montage channel, µV (NaN where no trial was accepted)."""
        mvc = self.mvc_uv
        return np.array([mvc.get(ch.id, np.nan) for ch in self.montage])
