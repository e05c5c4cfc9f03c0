"""The session engine: one stage that turns each ``SampleBlock`` into a ``SessionUpdate``
(pipeline frame, %MVC, protocol phase, finished reps, MVC wizard). No threads, no Qt: tests
feed blocks by hand; :class:`emgfeedback.session.LiveSession` runs it on a worker thread.

Reps are the measurement core's: the pipeline's bursts are grouped by
:class:`~emgfeedback.measures.RepGrouper` (the same groups ``analyze`` finds offline) and each
finished rep is measured by :func:`~emgfeedback.measures.measure_rep` on the envelope and
filtered signal kept here, so the dashboard, the database and the report agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Mapping, Protocol as TypingProtocol, Sequence

import numpy as np

from emgfeedback.calibration import MvcProcedure, Protocol
from emgfeedback.model import FeedbackFrame, Onset, SampleBlock, StreamInfo
from emgfeedback.dsp.mvc import percent_of_mvc
from emgfeedback.measures import (ChannelMap, RepCounter, RepGrouper, RepMetrics, RepPlan, RepSummary, measure_rep,
                                  summarise)
from emgfeedback.session.mvc import MvcWizard, MvcWizardState
from emgfeedback.session.ringbuffer import RingBuffer
from emgfeedback.settings import ProcessingSettings
from emgfeedback.validation import check_positive
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
    reps : tuple of RepMetrics
        Reps that finished in this block.
    rep_active : bool
        True while a burst is open or a rep waits to be finished.
    mvc : MvcWizardState or None
        MVC wizard state while it runs (and once done).
    arrival_s : float
        Monotonic time the block reached the session, s (NaN when unknown).
    """

    frame: FeedbackFrame
    percent_mvc: "np.ndarray | None"
    runner: "RunnerState | None"
    events: tuple[PhaseEvent, ...]
    reps: tuple[RepMetrics, ...]
    rep_active: bool
    mvc: "MvcWizardState | None"
    arrival_s: float = math.nan


#: Most an onset is back-dated when the pipeline does not say, s.
_DEFAULT_BACKDATE_S = 1.0


class SessionEngine:
    """Pipeline, protocol runner, reps, MVC and per-rep results for one stream.

    Parameters
    ----------
    info : StreamInfo
        The stream (fs, montage).
    pipeline : Pipeline
        Object with ``process(block) -> FeedbackFrame`` (its ``detector.max_backdate_s``, when
        present, says how long a rep waits for late-reported bursts).
    settings : ProcessingSettings, optional
        The rep rule (``rep_join_s``); default the pipeline's ``settings`` or the defaults.
    protocol : Protocol, optional
        Started at the first block when given.
    mvc_uv : mapping of str to float, optional
        Known MVC values per channel id, µV.
    history_s : float
        Signal history kept for per-rep measures, s (longer reps are measured on their end).
    """

    def __init__(self, info: StreamInfo, pipeline: Pipeline, *, settings: "ProcessingSettings | None" = None,
                 protocol: "Protocol | None" = None, mvc_uv: "Mapping[str, float] | None" = None,
                 history_s: float = 30.0) -> None:
        check_positive(history_s, "history_s", "s")
        self.info = info
        self.pipeline = pipeline
        self.settings = settings or getattr(pipeline, "settings", None) or ProcessingSettings()
        self.montage = info.montage
        self._layout = ChannelMap.from_montage(info.montage)
        n = int(round(history_s * info.fs))
        self._env = RingBuffer(info.n_channels, n)
        self._filt = RingBuffer(info.n_channels, n)
        detector = getattr(pipeline, "detector", None)
        self._grouper = RepGrouper(self.settings.rep_join_s,
                                   float(getattr(detector, "max_backdate_s", _DEFAULT_BACKDATE_S)))
        self._seq_end = 0
        self._origin: "tuple[int, float] | None" = None  # (seq, t0) of the first block
        self._t = 0.0
        self.results: list[RepMetrics] = []
        self.protocol: "Protocol | None" = None
        self.runner: "ProtocolRunner | None" = None
        #: The protocol's rep count (owned with the runner; None without a protocol).
        self.counter: "RepCounter | None" = None
        self._pending_protocol = protocol
        self._stop_events: list[PhaseEvent] = []
        self.wizard: "MvcWizard | None" = None
        self._pending_mvc: "Sequence[MvcProcedure] | None" = None
        self._mvc = np.full(info.n_channels, np.nan)
        if mvc_uv:
            self.set_mvc(mvc_uv)

    # ------------------------------------------------------------------ control
    def start_protocol(self, protocol: Protocol) -> None:
        """Start ``protocol`` at the next block (clears earlier results)."""
        self._pending_protocol = protocol

    def stop_protocol(self) -> list[PhaseEvent]:
        """End the running protocol now: no later rep counts (the DONE event is also reported
        with the next block's update, so the recording and the display cue it)."""
        if self._pending_protocol is not None:  # asked to start but never began
            self._pending_protocol = None
        events = self.runner.stop(self._t) if self.runner else []
        self._count_events(events)
        self._stop_events += events
        return events

    def next_set(self) -> list[PhaseEvent]:
        """End the set break now (the next set's prepare begins; reported with the next
        block's update like Stop); nothing outside a set break."""
        events = self.runner.next_set(self._t) if self.runner else []
        self._stop_events += events
        return events

    def _count_events(self, events: "Sequence[PhaseEvent]") -> None:
        """Hold cues open the counter's slots; DONE (or Stop) closes it."""
        if self.counter is None:
            return
        for e in events:
            if e.phase is Phase.HOLD:
                self.counter.add_hold(e.t_s)
            elif e.phase is Phase.DONE:
                self.counter.end(e.t_s)

    def start_mvc(self, procedures: Sequence[MvcProcedure]) -> None:
        """Start the MVC wizard at the next block."""
        self._pending_mvc = list(procedures)

    def skip_mvc_muscle(self) -> None:
        """Tell the MVC wizard to move on to the next muscle."""
        if self.wizard is not None:
            self.wizard.skip_muscle(self._t)

    def redo_mvc_trial(self) -> None:
        """Tell the MVC wizard to repeat the trial under way (or the last one finished)."""
        if self.wizard is not None:
            self.wizard.redo_trial(self._t)

    def cancel_mvc(self) -> None:
        """Stop the MVC wizard; the MVC in use before it stays."""
        self._pending_mvc = None
        if self.wizard is not None:
            self.wizard.cancel(self._t)

    def replace_mvc(self, mvc_uv: Mapping[str, float]) -> None:
        """Use exactly these MVC values (per channel id, µV): channels not named get none."""
        before = self._mvc.copy()
        self._mvc[:] = np.nan
        try:
            self.set_mvc(mvc_uv)
        except (ValueError, KeyError):
            self._mvc = before
            raise

    def set_mvc(self, mvc_uv: Mapping[str, float]) -> None:
        """Use these MVC values (per channel id, µV) from now on."""
        for ch, v in mvc_uv.items():
            check_positive(v, f"MVC of {ch}", "µV")
            self._mvc[self.montage.index(ch)] = float(v)

    @property
    def mvc_uv(self) -> dict[str, float]:
        """Known MVC values per channel id, µV."""
        return {ch: float(v) for ch, v in zip(self.montage.ids, self._mvc) if math.isfinite(v)}

    def summary(self) -> RepSummary:
        """Summary of the reps so far."""
        return summarise(self.results, self.protocol)

    # ------------------------------------------------------------------ the stage
    def process(self, block: SampleBlock, arrival_s: float = math.nan) -> SessionUpdate:
        """Run one block through the pipeline and everything after it."""
        frame = self.pipeline.process(block)
        env = np.asarray(frame.envelope_uv, dtype=np.float64)
        events, self._stop_events = self._stop_events, []
        if self._origin is None:
            self._origin = (block.seq, block.t0)
        if self._pending_protocol is not None:
            self.protocol, self._pending_protocol = self._pending_protocol, None
            self.runner = ProtocolRunner(self.protocol)
            self.counter = RepCounter(RepPlan.of(self.protocol))
            self.results = []
            self._grouper.reset()  # bursts before the protocol do not make its first rep
            started = self.runner.start(block.t0)
            self._count_events(started)
            events += started
        if self._pending_mvc is not None:
            self.wizard = MvcWizard(self._pending_mvc, self.montage, self.info.fs)
            self._pending_mvc = None
            self.wizard.start(block.t0)
        self._env.write(env)
        self._filt.write(np.asarray(frame.filtered_uv, dtype=np.float64))
        self._seq_end = block.seq + env.shape[1]
        self._t = block.t_end
        if self.runner is not None:
            advanced = self.runner.advance(block.t_end)
            self._count_events(advanced)
            events += advanced
        mvc_state = None
        if self.wizard is not None:
            self.wizard.process(block.t0, env)
            mvc_state = self.wizard.state
            measured = self.wizard.take_result()  # accepted trials only, once at DONE
            if measured:
                self.replace_mvc(measured)
        self._grouper.add(frame.onsets)
        finished = self._measure_all(self._grouper.finished(block.t_end))
        pct = frame.percent_mvc
        if pct is None and np.isfinite(self._mvc).any():
            pct = percent_of_mvc(frame.level_uv, self._mvc)
        if self.results:
            last = self.results[-1]
            frame = replace(frame, firing_order=last.firing_order, tfl_to_glute_ratio=last.tfl_to_glute_ratio)
        return SessionUpdate(
            frame=frame, percent_mvc=pct, runner=self.runner.state if self.runner else None,
            events=tuple(events), reps=tuple(finished), rep_active=self._grouper.busy,
            mvc=mvc_state, arrival_s=arrival_s)

    def finish(self) -> list[RepMetrics]:
        """At the end of the stream: close open bursts and measure the reps still waiting."""
        return self._measure_all(self._grouper.flush(self._t))

    def _measure_all(self, reps: "Sequence[tuple[Onset, ...]]") -> list[RepMetrics]:
        out = []
        for bursts in reps:
            rep = self._measure(bursts)
            if self.counter is not None:
                rep = self.counter.assign(rep)
            out.append(rep)
            self.results.append(rep)
        return out

    def _measure(self, bursts: "tuple[Onset, ...]") -> RepMetrics:
        fs = self.info.fs
        seq0, t0 = self._origin or (0, 0.0)
        start = min(o.onset_s for o in bursts)
        first = seq0 + int(round((start - t0) * fs))
        keep = int(min(max(self._seq_end - first, 1), self._env.total_written, self._env.capacity))
        col0_t = t0 + (self._seq_end - keep - seq0) / fs
        return measure_rep(  # set, rep in set and side come from the protocol's counter
            len(self.results), bursts, self._env.snapshot(keep), fs, self._layout, t0_s=col0_t,
            mvc_uv=self._mvc if np.isfinite(self._mvc).any() else None,
            filtered=self._filt.snapshot(keep))
