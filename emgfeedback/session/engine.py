"""The session engine: one stage that turns each ``SampleBlock`` into a ``SessionUpdate``
(pipeline frame, %MVC, protocol phase, finished reps, MVC wizard). No threads, no Qt: tests
feed blocks by hand; :class:`emgfeedback.session.LiveSession` runs it on a worker thread."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Mapping, Protocol as TypingProtocol, Sequence

import numpy as np

from emgfeedback.calibration import MvcProcedure, Protocol
from emgfeedback.model import FeedbackFrame, Onset, SampleBlock, StreamInfo
from emgfeedback.session.mvc import MvcWizard, MvcWizardState, percent_of_mvc
from emgfeedback.session.reps import RepDetector
from emgfeedback.session.results import RepResult, SessionSummary, rep_result, summarize
from emgfeedback.session.ringbuffer import RingBuffer
from emgfeedback.session.runner import Phase, PhaseEvent, ProtocolRunner, RunnerState

__all__ = ["Pipeline", "SessionUpdate", "SessionEngine"]


class Pipeline(TypingProtocol):
    """What the engine needs from the live DSP pipeline (``dsp.OnlinePipeline``)."""

    def process(self, block: SampleBlock) -> FeedbackFrame:  # pragma: no cover - protocol
        ...


@dataclass(frozen=True, eq=False)
class SessionUpdate:
    """Everything the display needs after one block.

    Parameters
    ----------
    frame : FeedbackFrame
        The pipeline's output for the block.
    percent_mvc : ndarray, shape (n_channels,), or None
        Latest level as %MVC (NaN for channels without an MVC), None without MVC values.
    runner : RunnerState or None
        Protocol state, None when no protocol was started.
    events : tuple of PhaseEvent
        Protocol phases that began in this block (cue these).
    reps : tuple of RepResult
        Reps that finished in this block.
    rep_active : bool
        True while a rep is in progress.
    mvc : MvcWizardState or None
        MVC wizard state while it runs (and once done).
    arrival_s : float
        Monotonic time the block reached the session, s (NaN when unknown).
    """

    frame: FeedbackFrame
    percent_mvc: "np.ndarray | None"
    runner: "RunnerState | None"
    events: tuple[PhaseEvent, ...]
    reps: tuple[RepResult, ...]
    rep_active: bool
    mvc: "MvcWizardState | None"
    arrival_s: float = math.nan


class SessionEngine:
    """Pipeline, protocol runner, rep detection, MVC and per-rep results for one stream.

    Parameters
    ----------
    info : StreamInfo
        The stream (fs, montage).
    pipeline : Pipeline
        Object with ``process(block) -> FeedbackFrame``.
    protocol : Protocol, optional
        Started at the first block when given.
    mvc_uv : mapping of str to float, optional
        Known MVC values per channel id, µV.
    history_s : float
        Envelope history kept for per-rep measures, s (longer reps are measured on their end).
    """

    def __init__(self, info: StreamInfo, pipeline: Pipeline, *, protocol: "Protocol | None" = None,
                 mvc_uv: "Mapping[str, float] | None" = None, history_s: float = 30.0) -> None:
        if history_s <= 0:
            raise ValueError(f"history_s must be a positive number of seconds, got {history_s!r}")
        self.info = info
        self.pipeline = pipeline
        self.montage = info.montage
        self._env = RingBuffer(info.n_channels, int(round(history_s * info.fs)))
        self._onsets: deque[Onset] = deque(maxlen=1024)
        self._seq_end = 0
        self._t = 0.0
        self.results: list[RepResult] = []
        self.protocol: "Protocol | None" = None
        self.runner: "ProtocolRunner | None" = None
        self._pending_protocol = protocol
        self.wizard: "MvcWizard | None" = None
        self._pending_mvc: "Sequence[MvcProcedure] | None" = None
        self._mvc = np.full(info.n_channels, np.nan)
        if mvc_uv:
            self.set_mvc(mvc_uv)
        self._detector = self._make_detector(None)

    # ------------------------------------------------------------------ control
    def _make_detector(self, protocol: "Protocol | None") -> RepDetector:
        rows = list(range(self.info.n_channels))
        if protocol is not None:
            targets = [i for i, ch in enumerate(self.montage) if ch.muscle in protocol.target_muscles]
            rows = targets or rows
        return RepDetector(self.info.fs, rows)

    def start_protocol(self, protocol: Protocol) -> None:
        """Start ``protocol`` at the next block (clears earlier results)."""
        self._pending_protocol = protocol

    def stop_protocol(self) -> list[PhaseEvent]:
        """End the running protocol now."""
        return self.runner.stop(self._t) if self.runner else []

    def start_mvc(self, procedures: Sequence[MvcProcedure]) -> None:
        """Start the MVC wizard at the next block."""
        self._pending_mvc = list(procedures)

    def skip_mvc_muscle(self) -> None:
        """Tell the MVC wizard to move on to the next muscle."""
        if self.wizard is not None:
            self.wizard.skip_muscle(self._t)

    def set_mvc(self, mvc_uv: Mapping[str, float]) -> None:
        """Use these MVC values (per channel id, µV) from now on."""
        for ch, v in mvc_uv.items():
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ValueError(f"MVC of {ch} must be a positive number of µV, got {v!r}")
            self._mvc[self.montage.index(ch)] = float(v)

    @property
    def mvc_uv(self) -> dict[str, float]:
        """Known MVC values per channel id, µV."""
        return {ch: float(v) for ch, v in zip(self.montage.ids, self._mvc) if math.isfinite(v)}

    def summary(self) -> SessionSummary:
        """Summary of the reps so far."""
        return summarize(self.results, self.protocol)

    # ------------------------------------------------------------------ the stage
    def process(self, block: SampleBlock, arrival_s: float = math.nan) -> SessionUpdate:
        """Run one block through the pipeline and everything after it."""
        frame = self.pipeline.process(block)
        env = np.asarray(frame.envelope_uv, dtype=np.float64)
        events: list[PhaseEvent] = []
        if self._pending_protocol is not None:
            self.protocol, self._pending_protocol = self._pending_protocol, None
            self.runner = ProtocolRunner(self.protocol)
            self.results = []
            self._detector = self._make_detector(self.protocol)
            events += self.runner.start(block.t0)
        if self._pending_mvc is not None:
            self.wizard = MvcWizard(self._pending_mvc, self.montage, self.info.fs)
            self._pending_mvc = None
            self.wizard.start(block.t0)
        self._env.write(env)
        self._seq_end = block.seq + env.shape[1]
        self._t = block.t_end
        self._onsets.extend(frame.onsets)
        if self.runner is not None:
            events += self.runner.advance(block.t_end)
        mvc_state = None
        if self.wizard is not None:
            self.wizard.process(block.t0, env)
            mvc_state = self.wizard.state
            if self.wizard.mvc_uv:
                self.set_mvc(self.wizard.mvc_uv)
        finished = []
        for rep in self._detector.process(block.seq, env):
            finished.append(self._measure(rep.start_s, rep.end_s))
            self.results.append(finished[-1])
        pct = frame.percent_mvc
        if pct is None and np.isfinite(self._mvc).any():
            pct = percent_of_mvc(frame.level_uv, self._mvc)
        return SessionUpdate(
            frame=frame, percent_mvc=pct, runner=self.runner.state if self.runner else None,
            events=tuple(events), reps=tuple(finished), rep_active=self._detector.active,
            mvc=mvc_state, arrival_s=arrival_s)

    def _measure(self, start_s: float, end_s: float) -> RepResult:
        fs = self.info.fs
        a = int(round(start_s * fs))
        b = int(round(end_s * fs))
        keep = min(self._seq_end - a, self._env.capacity)
        env = self._env.snapshot(max(keep, 1))
        env = env[:, : max(env.shape[1] - (self._seq_end - b), 1)]
        set_number, side = 0, None
        if self.runner is not None and self.runner.phase is not Phase.IDLE:
            st = self.runner.state
            set_number, side = st.set, st.side
        return rep_result(len(self.results), start_s, end_s, env, fs, self.montage, self._onsets,
                          mvc_uv=self._mvc if np.isfinite(self._mvc).any() else None,
                          set_number=set_number, side=side, rest_uv=self._detector.rest_uv)
