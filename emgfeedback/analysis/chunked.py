"""Analysis of long recordings in chunks: memory does not grow with the recording's length.

:func:`analyze_stream` runs the analysis of :func:`~emgfeedback.analysis.trial.analyze_trial`
on consecutive blocks of samples with the streaming forms of the same steps — the conditioning
filter and envelope (:class:`~emgfeedback.dsp.streaming.StreamingSos`), the causal onset
detector (:class:`~emgfeedback.dsp.onsets.StreamingOnsetDetector`, equal to
``detect_onsets(..., zero_phase=False)``), :class:`~emgfeedback.measures.grouping.RepGrouper`
and :func:`~emgfeedback.measures.measure_rep` on a history that holds only what an unfinished
rep can still need. The plots' min/max bins are reduced block by block. The median-frequency
windows (fatigue) need the shortest rep of the whole trial to size them, so each rep's core
window of the filtered signal is spilled to a temporary file (float32) and the spectra are
computed at the end, a batch of reps at a time.

:func:`analyze_file` reads an EDF/BDF file in blocks of whole records (about :data:`CHUNK_S`) and feeds them to
:func:`analyze_stream`. Not chunked (read whole, then :func:`analyze_trial`): text formats,
short files, and the ``quietest`` baseline rule (its threshold comes from the 10th-percentile
rest window of the whole recording, known only after the last sample).
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

import numpy as np

from emgfeedback.analysis._preview import bin_edges
from emgfeedback.analysis._summary import channel_fatigue
from emgfeedback.analysis.loading import LoadedRecording, load_recording
from emgfeedback.analysis.channels import ChannelMap, map_channels
from emgfeedback.analysis.result import TracePreview, TrialResult
from emgfeedback.analysis.trial import (
    PREVIEW_BINS, _baseline_of, _mvc_rows, _notes, _preview_edges, _spectrum_window, analyze_trial, core_samples, mdf_of_frames,
    no_reps_error,
)
from emgfeedback.dsp.onsets import StreamingOnsetDetector, conditioning_sos
from emgfeedback.dsp.streaming import StreamingEnvelope, StreamingSos
from emgfeedback.measures import ProtocolRun, core_window, count_reps, measure_rep, summarise
from emgfeedback.measures.grouping import RepGrouper
from emgfeedback.model import Onset
from emgfeedback.settings import ProcessingSettings

if TYPE_CHECKING:  # pragma: no cover
    from emgfeedback.storage.edf_reader import EdfReader

__all__ = ["analyze_file", "analyze_stream"]

#: Samples per block read from an EDF/BDF file, s (whole records).
CHUNK_S = 30.0
#: Files with at most this many samples (all channels; 8 × 2 kHz × 31 s) are analysed in memory.
IN_MEMORY_SAMPLES = 500_000
#: History kept before the earliest sample an unfinished rep can need, s.
_MARGIN_S = 1.0
#: Samples (rows × window) per median-frequency batch at the end.
_MDF_BATCH = 2_000_000


class _Bins:
    """Min/max of the filtered signal and max of the envelope in fixed bins, block by block."""

    def __init__(self, edges: np.ndarray, n_ch: int) -> None:
        self.edges = edges
        k = edges.size - 1
        self.lo = np.full((n_ch, k), np.inf, dtype=np.float32)
        self.hi = np.full((n_ch, k), -np.inf, dtype=np.float32)
        self.env = np.full((n_ch, k), -np.inf)

    def add(self, filt: np.ndarray, env: np.ndarray, s: int) -> None:
        e = s + filt.shape[1]
        a, b = max(s, int(self.edges[0])), min(e, int(self.edges[-1]))
        if b <= a:
            return
        inner = self.edges[(self.edges > a) & (self.edges < b)]
        rel = np.concatenate(([a], inner)) - s
        idx = np.searchsorted(self.edges, rel + s, side="right") - 1
        f, v = filt[:, a - s: b - s], env[:, a - s: b - s]
        rel = rel - (a - s)
        self.lo[:, idx] = np.minimum(self.lo[:, idx], np.minimum.reduceat(f, rel, axis=1))
        self.hi[:, idx] = np.maximum(self.hi[:, idx], np.maximum.reduceat(f, rel, axis=1))
        self.env[:, idx] = np.maximum(self.env[:, idx], np.maximum.reduceat(v, rel, axis=1))


class _History:
    """The latest envelope (float64) and filtered signal (float32), from sample ``start`` on."""

    def __init__(self, n_ch: int) -> None:
        self.start = 0
        self.env = np.zeros((n_ch, 0))
        self.filt = np.zeros((n_ch, 0), dtype=np.float32)

    @property
    def stop(self) -> int:
        return self.start + self.env.shape[1]

    def append(self, env: np.ndarray, filt: np.ndarray, keep_from: int) -> None:
        cut = min(max(0, keep_from - self.start), self.env.shape[1])
        self.env = np.concatenate([self.env[:, cut:], env], axis=1)
        self.filt = np.concatenate([self.filt[:, cut:], filt.astype(np.float32)], axis=1)
        self.start += cut

    def rows(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        return self.filt[:, a - self.start: b - self.start], self.env[:, a - self.start: b - self.start]


class _Cores:
    """Each rep's core window of the filtered signal, spilled to a temporary file (float32)."""

    def __init__(self) -> None:
        self._fh = tempfile.TemporaryFile()
        self.where: list[tuple[int, int, int]] = []  # file offset, first sample, length

    def add(self, seg: np.ndarray, a: int) -> None:
        self.where.append((self._fh.tell(), a, seg.shape[1]))
        self._fh.write(np.ascontiguousarray(seg, dtype=np.float32).tobytes())

    def read(self, k: int, n_ch: int) -> tuple[np.ndarray, int]:
        off, a, m = self.where[k]
        self._fh.seek(off)
        return np.frombuffer(self._fh.read(n_ch * m * 4), dtype=np.float32).reshape(n_ch, m), a

    def close(self) -> None:
        self._fh.close()


def _fatigue(cores: _Cores, core_s: Sequence[tuple[float, float]], active: Sequence[set],
             names: Sequence[str], fs: float) -> dict:
    """Median-frequency windows of each channel in the cores of its reps (as
    :func:`~emgfeedback.analysis.trial.analyze_trial` lays them out), a batch of reps at a time."""
    w = _spectrum_window(core_s, fs)
    hop = max(1, w // 2)
    t_all: dict[str, list] = {nm: [] for nm in names}
    f_all: dict[str, list] = {nm: [] for nm in names}
    k = 0
    while k < len(core_s):
        batch, size = [], 0
        while k < len(core_s) and size < _MDF_BATCH:
            seg, a = cores.read(k, len(names))
            batch.append((k, seg, a))
            size += seg.size
            k += 1
        for r, nm in enumerate(names):
            rows, starts, times = [], [], []
            offset = 0
            for j, seg, a in batch:
                if nm not in active[j]:
                    continue
                st = np.arange(0, seg.shape[1] - w + 1, hop)
                rows.append(seg[r])
                starts.append(st + offset)
                times.append((a + st + w / 2) / fs)
                offset += seg.shape[1]
            st_all = np.concatenate(starts) if starts else np.zeros(0, dtype=int)
            if st_all.size:
                t_all[nm].append(np.concatenate(times))
                f_all[nm].append(mdf_of_frames(np.concatenate(rows), st_all, w, fs))
    return {nm: channel_fatigue(nm, np.concatenate(t_all[nm]), np.concatenate(f_all[nm]))
            for nm in names if t_all[nm]}


def _check_block(block: object, n_ch: int) -> np.ndarray:
    x = np.asarray(block, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] != n_ch:
        raise ValueError(f"blocks must be 2-D arrays ({n_ch}, n) in µV, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("data contains NaN or inf; fill lost samples before analysing")
    return x


def analyze_stream(
    blocks: Iterable[np.ndarray],
    fs: float,
    n_samples: int,
    channels: "Sequence[str]",
    *,
    settings: "ProcessingSettings | None" = None,
    mvc_uv: "Mapping[str, float] | None" = None,
    onset_baseline: "Mapping[str, tuple[float, float]] | None" = None,
    protocol_runs: "Sequence[ProtocolRun]" = (),
    source: str = "",
) -> TrialResult:
    """Analyse one trial fed as consecutive blocks; the result of
    :func:`~emgfeedback.analysis.trial.analyze_trial` on the joined blocks (onsets within one
    sample), in memory bounded by the longest rep, not by the trial.

    Parameters
    ----------
    blocks : iterable of ndarray, shape (n_channels, m)
        Consecutive raw sEMG blocks, µV (any sizes).
    fs : float
        Sample rate, Hz.
    n_samples : int
        Samples per channel in all blocks together (sizes the overview plot's bins).
    channels, settings, mvc_uv, onset_baseline, protocol_runs, source
        As in :func:`~emgfeedback.analysis.trial.analyze_trial` (``settings.baseline`` must be
        ``"start"`` unless ``onset_baseline`` gives every channel's rest statistics).

    Raises
    ------
    ValueError
        As analyze_trial; also blocks that do not add up to ``n_samples`` or a ``quietest``
        baseline rule without recorded rest statistics (it needs the whole trial).
    PipelineError
        When no rep is found.
    """
    fs = float(fs)
    st = ProcessingSettings() if settings is None else settings
    if not isinstance(st, ProcessingSettings):
        raise TypeError(f"settings must be a ProcessingSettings, got {type(settings).__name__}")
    n_total = int(n_samples)
    cmap: ChannelMap = map_channels(channels, len(channels))
    n_ch = len(cmap.names)
    mvc = _mvc_rows(mvc_uv, cmap)
    given = _baseline_of(cmap.names, onset_baseline)
    if given is None and st.baseline != "start":
        raise ValueError(f"the {st.baseline!r} baseline rule needs the whole recording; use analyze_trial")
    det = StreamingOnsetDetector(fs, cmap.names, baseline_s=st.baseline_s,
                                 baseline="start" if given is None else given, **st.onset_kwargs())
    cond_f = StreamingSos(conditioning_sos(fs, st.low_hz, st.high_hz, st.mains_hz))
    env_f = StreamingEnvelope(fs, st.envelope_hz)
    grouper = RepGrouper(st.rep_join_s, det.max_backdate_s)
    overview = _Bins(bin_edges(0, n_total, PREVIEW_BINS), n_ch)
    hist = _History(n_ch)
    bursts: dict[tuple[str, float], Onset] = {}  # every burst; an end replaces its open start
    waiting: dict[tuple[str, float], Onset] = {}  # bursts whose rep is not measured yet
    metrics: list = []
    cores_s: list[tuple[float, float]] = []
    active: list[set] = []
    detail: "list" = []  # [edges, _Bins or None] once the first rep is known
    cores = _Cores()
    try:
        seen = 0

        def measure(reps: list) -> None:
            for rep in reps:
                for o in rep:
                    waiting.pop((o.channel, o.onset_s), None)
                metrics.append(measure_rep(len(metrics), rep, hist.env, fs, cmap, t0_s=hist.start / fs,
                                           mvc_uv=mvc, filtered=hist.filt))
                span = (min(o.onset_s for o in rep), max(o.offset_s for o in rep))
                core = core_window(*span)
                a, b = core_samples(core, fs, n_total)
                cores.add(hist.rows(a, max(a, b))[0], a)
                cores_s.append(core)
                active.append({o.channel for o in rep})
                if not detail:
                    detail.extend([_preview_edges(n_total, fs, span)[1], None])

        def reduce_detail(force: bool) -> None:
            if detail and detail[1] is None and (force or hist.stop >= detail[0][-1]):
                detail[1] = _Bins(detail[0], n_ch)
                detail[1].add(*hist.rows(hist.start, hist.stop), hist.start)

        for block in blocks:
            x = _check_block(block, n_ch)
            if x.shape[1] == 0:
                continue
            cond = cond_f.process(x)
            env = env_f.process(cond)
            events = det.process(x, seen / fs, conditioned=cond)
            for o in events:
                bursts[(o.channel, o.onset_s)] = waiting[(o.channel, o.onset_s)] = o
            grouper.add(events)
            overview.add(cond, env, seen)
            seen += x.shape[1]
            need = min([o.onset_s for o in waiting.values()] + [seen / fs - det.max_backdate_s])
            if detail and detail[1] is None:
                need = min(need, detail[0][0] / fs)
            hist.append(env, cond, int(math.floor((need - _MARGIN_S) * fs)))
            measure(grouper.finished(seen / fs))
            reduce_detail(False)
        if seen != n_total:
            raise ValueError(f"the blocks hold {seen} samples per channel, n_samples says {n_total}")
        duration = n_total / fs
        measure(grouper.flush(duration))
        reduce_detail(True)
        if not metrics:
            raise no_reps_error(source, st)
        fatigue = _fatigue(cores, cores_s, active, cmap.names, fs)
    finally:
        cores.close()
    found = list(bursts.values())
    closed = [o if o.offset_s is not None else Onset(o.onset_s, duration, o.channel) for o in found]
    reps = tuple(metrics) if not protocol_runs else count_reps(tuple(metrics), protocol_runs)
    ed, (dd, dbins) = overview.edges, detail
    preview = TracePreview(
        t_s=ed[:-1] / fs, raw_min_uv=overview.lo, raw_max_uv=overview.hi, env_uv=overview.env,
        detail_t_s=dd[:-1] / fs, detail_raw_min_uv=dbins.lo, detail_raw_max_uv=dbins.hi, detail_env_uv=dbins.env,
    )
    return TrialResult(
        source=source, fs=fs, duration_s=duration, channels=cmap.names, labels=cmap.labels,
        glute=cmap.has_glute, onsets=tuple(sorted(closed, key=lambda o: (o.onset_s, o.channel))),
        reps=reps, summary=summarise(reps), fatigue=fatigue, preview=preview,
        notes=tuple(_notes(cmap, mvc, sum(o.offset_s is None for o in found))), settings=st,
    )


def analyze_file(
    recording: "str | Path | LoadedRecording",
    channels: "Sequence[str] | None" = None,
    *,
    settings: "ProcessingSettings | None" = None,
    mvc_uv: "Mapping[str, float] | None" = None,
    onset_baseline: "Mapping[str, tuple[float, float]] | None" = None,
    protocol_runs: "Sequence[ProtocolRun]" = (),
    source: str = "",
) -> TrialResult:
    """Analyse a recording file; an EDF/BDF file is read and analysed in blocks of
    :data:`CHUNK_S` seconds (peak memory does not grow with its length).

    Parameters
    ----------
    recording : str, Path or LoadedRecording
        A file :func:`~emgfeedback.analysis.loading.load_recording` reads, or what it returned
        (with ``samples=False`` the EDF/BDF samples are read here, in blocks).
    channels : sequence of str, optional
        Labels replacing the file's (default: the file's).
    settings, mvc_uv, onset_baseline, protocol_runs, source
        As in :func:`~emgfeedback.analysis.trial.analyze_trial` (``source`` default: the path).

    Raises
    ------
    RecordingError
        The file cannot be read.
    ValueError, PipelineError
        As :func:`~emgfeedback.analysis.trial.analyze_trial`.
    """
    from emgfeedback.storage.edf_reader import EdfReader

    st = ProcessingSettings() if settings is None else settings
    rec = recording if isinstance(recording, LoadedRecording) else load_recording(recording, samples=False)
    labels = tuple(rec.labels if channels is None else channels)
    kw = dict(settings=st, mvc_uv=mvc_uv, onset_baseline=onset_baseline, protocol_runs=protocol_runs,
              source=source or rec.source)
    if rec.data is None:
        names = map_channels(labels, len(labels)).names
        with EdfReader(rec.source) as r:
            n = r.end_sample(r.read_annotations())
            if n * len(labels) > IN_MEMORY_SAMPLES and (
                    st.baseline == "start" or _baseline_of(names, onset_baseline) is not None):
                return analyze_stream(r.iter_samples(n, _chunk_records(r)), r.fs, n, labels, **kw)
        rec = load_recording(rec.source)
    return analyze_trial(rec.data, rec.fs, labels, **kw)


def _chunk_records(r: "EdfReader") -> int:
    """Records per block: about :data:`CHUNK_S` of samples."""
    return max(1, int(round(CHUNK_S / r.header.record_duration_s)))
