"""Offline analysis of one trial: reps, onsets, firing order, latencies, ratios, symmetry, fatigue.

The analysis only routes data through the measurement core, with one
:class:`~emgfeedback.settings.ProcessingSettings` — the same path the live session takes:

1. bursts per channel with :func:`~emgfeedback.dsp.onsets.detect_onsets` (the causal
   detector with its localised, back-dated onsets: the onsets the live pipeline reports;
   burst rules ``merge_gap_s``/``min_burst_s`` and the baseline rule from the settings);
2. reps with :func:`~emgfeedback.dsp.timing.group_reps` (``settings.rep_join_s``);
3. the causal band-passed signal and linear envelope (:func:`~emgfeedback.dsp.filters.condition`,
   :func:`~emgfeedback.dsp.filters.envelope`, the live pipeline's filters);
4. each rep measured by :func:`~emgfeedback.measures.measure_rep` and the reps summarised by
   :func:`~emgfeedback.measures.summarise`;
5. the median-frequency slope per channel over its reps (fatigue).

Long recordings are filtered a few channels at a time; memory stays near the samples, their
envelope and a float32 copy of the filtered signal. For files,
:func:`~emgfeedback.analysis.chunked.analyze_file` runs the same steps block by block, in memory
that does not grow with the recording.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
from scipy import signal

from emgfeedback.analysis._preview import bin_edges, reduce_bins
from emgfeedback.analysis._summary import channel_fatigue
from emgfeedback.analysis.channels import ChannelMap, expected_labels, map_channels
from emgfeedback.analysis.result import TracePreview, TrialResult
from emgfeedback.dsp.fatigue import median_frequency
from emgfeedback.dsp.filters import envelope
from emgfeedback.dsp.onsets import BaselineStats, conditioning_sos, detect_onsets
from emgfeedback.dsp.timing import group_reps
from emgfeedback.errors import PipelineError
from emgfeedback.measures import ProtocolRun, core_window, count_reps, measure_rep, summarise
from emgfeedback.model import Channel, Montage, Muscle, Onset, Side
from emgfeedback.settings import ProcessingSettings

__all__ = ["analyze_trial", "PREVIEW_BINS"]

#: Points per channel in the overview and detail plots.
PREVIEW_BINS = 700
#: Samples filtered at once (rows × samples), bounding memory on long recordings.
_MAX_BLOCK = 16_000_000
#: Shortest core window a median frequency is computed on, s.
_MIN_SPECTRUM_S = 0.05


def _check_data(data: object) -> np.ndarray:
    x = np.asarray(data, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] < 2:
        raise ValueError(f"data must be a 2-D array (n_channels, n_samples) in µV with at least 2 samples, "
                         f"got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("data contains NaN or inf; fill lost samples before analysing")
    return x


def _row_groups(n_rows: int, n_samples: int) -> list[slice]:
    per = max(1, _MAX_BLOCK // max(n_samples, 1))
    return [slice(i, min(i + per, n_rows)) for i in range(0, n_rows, per)]


def _mvc_rows(mvc_uv: "Mapping[str, float] | None", cmap: ChannelMap) -> "np.ndarray | None":
    if mvc_uv is None:
        return None
    out = np.full(len(cmap.names), np.nan)
    rows = cmap.glute_rows
    for key, value in mvc_uv.items():
        try:
            cid = Channel.parse(str(key)).id
        except ValueError:
            raise ValueError(f"mvc_uv names unknown channel {key!r}; use ids or labels like "
                             f"{expected_labels()}") from None
        if cid not in rows:
            raise ValueError(f"mvc_uv gives an MVC for {cid}, which this recording does not have "
                             f"(channels: {', '.join(cmap.names)})")
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValueError(f"mvc_uv[{key!r}] must be a positive number of µV, got {value!r}")
        out[rows[cid]] = float(value)
    return out


def _baseline_of(names: Sequence[str], given: "Mapping[str, tuple[float, float]] | None") -> object:
    """Recorded rest statistics for these rows (all of them), else None (the settings' rule)."""
    if not given or not all(n in given for n in names):
        return None
    mean = np.array([given[n][0] for n in names])
    sd = np.array([given[n][1] for n in names])
    zero = np.zeros(len(names))
    return BaselineStats(mean, sd, zero, zero)


def _filter_and_detect(x: np.ndarray, fs: float, cmap: ChannelMap, st: ProcessingSettings,
                       onset_baseline: "Mapping[str, tuple[float, float]] | None" = None,
                       ) -> tuple[np.ndarray, np.ndarray, list[Onset]]:
    """Causal band-pass + notch (the one conditioning filter: the live pipeline's and the
    detectors'), linear envelope and bursts of every row, a few rows at a time; the filtered
    signal is kept as float32 for spectra and plots."""
    groups = _row_groups(*x.shape)
    whole = len(groups) == 1  # the usual case: no copies into preallocated arrays
    env = None if whole else np.empty_like(x)
    filt = None if whole else np.empty(x.shape, dtype=np.float32)
    sos = conditioning_sos(fs, st.low_hz, st.high_hz, st.mains_hz)
    baseline: object = "start" if st.baseline == "start" else "auto"
    found: list[Onset] = []
    for rows in groups:
        cond = signal.sosfilt(sos, x[rows], axis=-1)
        if whole:
            env, filt = envelope(cond, fs, st.envelope_hz), cond.astype(np.float32)
        else:
            env[rows] = envelope(cond, fs, st.envelope_hz)  # type: ignore[index]
            filt[rows] = cond  # type: ignore[index]
        given = _baseline_of(cmap.names[rows], onset_baseline)
        found += detect_onsets(x[rows], fs, channels=cmap.names[rows], zero_phase=False,
                               baseline=baseline if given is None else given, baseline_s=st.baseline_s,
                               conditioned=cond, **st.onset_kwargs())
    return env, filt, found


def _spectrum_window(cores: Sequence[tuple[float, float]], fs: float) -> int:
    """Median-frequency window, samples: 1 s, or the shortest core if shorter (≥ 0.25 s)."""
    shortest = min((b - a for a, b in cores if b - a >= _MIN_SPECTRUM_S), default=0.0)
    return max(16, int(round(min(1.0, max(shortest, _MIN_SPECTRUM_S)) * fs)))


def _mdf_windows(cond: np.ndarray, fs: float, w: int, cores: Sequence[tuple[float, float]],
                 reps: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median frequency in windows of ``w`` samples (hop w/2) inside the cores of ``reps``.

    The windows are laid end to end and passed to one
    :func:`~emgfeedback.dsp.fatigue.median_frequency` call with ``step = window`` (the same
    numbers as one call per rep, without the per-call cost on long recordings).
    Returns window centres (s), MDF (Hz) and the rep of each window.
    """
    hop = max(1, w // 2)
    starts, owner = [], []
    for k in reps:
        a, b = core_samples(cores[k], fs, cond.shape[-1])
        s = np.arange(a, b - w + 1, hop)
        starts.append(s)
        owner.append(np.full(s.size, k))
    st = np.concatenate(starts) if starts else np.zeros(0, dtype=int)
    if st.size == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0, dtype=int)
    return (st + w / 2) / fs, mdf_of_frames(cond, st, w, fs), np.concatenate(owner)


def mdf_of_frames(x: np.ndarray, starts: np.ndarray, w: int, fs: float) -> np.ndarray:
    """Median frequency (Hz) of the ``w``-sample windows of the 1-D ``x`` starting at ``starts``,
    in one :func:`~emgfeedback.dsp.fatigue.median_frequency` call."""
    frames = x[starts[:, None] + np.arange(w)].reshape(-1)
    _, mdf = median_frequency(frames, fs, window_s=w / fs, step_s=w / fs)
    return np.asarray(mdf)


def core_samples(core: tuple[float, float], fs: float, n: int) -> tuple[int, int]:
    """Sample range ``[a, b)`` of a rep's core window (s) that its median frequencies use."""
    return max(int(round(core[0] * fs)), 0), min(n, int(round(core[1] * fs)))


def _spectra_and_bins(filt: np.ndarray, fs: float, names: Sequence[str], cores: Sequence[tuple[float, float]],
                      active: Sequence[set], edges: Sequence[np.ndarray],
                      ) -> tuple[dict, list[tuple[np.ndarray, np.ndarray]]]:
    """Median-frequency windows of each row in the cores of its reps (fatigue), and the filtered
    signal's min/max in the bins of each of ``edges`` (for the plots)."""
    windows: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    bands = [(reduce_bins(filt, e, "min"), reduce_bins(filt, e, "max")) for e in edges]
    w = _spectrum_window(cores, fs)
    for r in range(filt.shape[0]):
        mine = [k for k in range(len(cores)) if names[r] in active[k]]
        t, mdf, _ = _mdf_windows(filt[r], fs, w, cores, mine)
        if t.size:
            windows[names[r]] = (t, mdf)
    return windows, bands


def _preview_edges(n: int, fs: float, first: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Bins of the overview (whole trial) and of the detail view (rep 1 ± 0.5 s)."""
    a = max(0, int((first[0] - 0.5) * fs))
    b = min(n, int(math.ceil((first[1] + 0.5) * fs)))
    return bin_edges(0, n, PREVIEW_BINS), bin_edges(a, b, PREVIEW_BINS)


def _preview(env: np.ndarray, fs: float, edges: Sequence[np.ndarray], bands: list) -> TracePreview:
    (ed, dd), ((lo, hi), (dlo, dhi)) = edges, bands
    return TracePreview(
        t_s=ed[:-1] / fs, raw_min_uv=lo, raw_max_uv=hi, env_uv=reduce_bins(env, ed, "max"),
        detail_t_s=dd[:-1] / fs, detail_raw_min_uv=dlo, detail_raw_max_uv=dhi,
        detail_env_uv=reduce_bins(env, dd, "max"),
    )


def _notes(cmap: ChannelMap, mvc: "np.ndarray | None", n_open: int) -> list[str]:
    notes: list[str] = []
    other = [lab for lab, ch in zip(cmap.labels, cmap.channels) if ch is None]
    if not cmap.has_glute:
        notes.append(
            f"no glute channels (labels found: {', '.join(cmap.labels)}): onsets and reps are per channel "
            f"only; firing order, TFL-to-glute ratio, activation index and symmetry need channels "
            f"labelled {expected_labels()}")
        return notes
    if other:
        notes.append(f"channel(s) {', '.join(other)} are not glute channels: onsets only")
    for s in Side:
        if cmap.row(Muscle.TFL, s) is None or cmap.row(Muscle.GLUTE_MED, s) is None:
            notes.append(f"TFL-to-glute ratio on the {s.value} side needs TFL {s.letter} and GMed {s.letter}")
        if cmap.row(Muscle.GLUTE_MAX, s) is None or cmap.row(Muscle.LUMBAR_ES, s) is None:
            notes.append(f"glute max − lumbar ES latency on the {s.value} side needs GMax {s.letter} "
                         f"and ES {s.letter}")
    if mvc is None:
        notes.append("gluteal-to-TFL activation index needs MVC values (%MVC); symmetry uses µV")
    if n_open:
        notes.append(f"{n_open} burst(s) still on at the end of the recording were closed there")
    return notes


def no_reps_error(source: str, st: ProcessingSettings) -> PipelineError:
    """The error for a recording without a single burst."""
    return PipelineError(
        f"no reps found in {source or 'the recording'}: no channel had a burst of at least "
        f"{st.min_burst_s * 1000:.0f} ms above its resting level; check that the electrodes are on and that "
        "the trial contains contractions with rest before them")


def analyze_trial(
    data: np.ndarray,
    fs: float,
    channels: "Montage | Sequence[str]",
    *,
    settings: "ProcessingSettings | None" = None,
    mvc_uv: "Mapping[str, float] | None" = None,
    onset_baseline: "Mapping[str, tuple[float, float]] | None" = None,
    protocol_runs: "Sequence[ProtocolRun]" = (),
    source: str = "",
) -> TrialResult:
    """Analyse one recorded trial.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        Raw sEMG, µV.
    fs : float
        Sample rate, Hz.
    channels : Montage or sequence of str
        What each row records: a montage, or labels (``GMax L`` …; other labels are analysed
        for onsets and reps only, see :func:`~emgfeedback.analysis.channels.map_channels`).
    settings : ProcessingSettings, optional
        Band, mains, onset detector and burst rules, baseline and rep rules (default
        ``ProcessingSettings()``, as the live session).
    mvc_uv : mapping of str to float, optional
        MVC reference per channel (id or label → µV, e.g. from
        :func:`~emgfeedback.dsp.mvc.mvc_from_trial`); enables %MVC levels and the
        gluteal-to-TFL index.
    onset_baseline : mapping of str to (float, float), optional
        Rest statistics (mean, SD of the detection signal) per channel id, as a live recording
        stores them (``LoadedRecording.baseline``): the onset thresholds the live view used,
        instead of learning rest from the file's start (which may be mid-contraction).
    protocol_runs : sequence of ProtocolRun
        The protocol runs of a live recording (``storage.protocol_runs_from_annotations``):
        reps are counted against them as the live session counted them (set, rep in set,
        side; artefacts flagged and left out of the summary), see
        :mod:`emgfeedback.measures.counting`.
    source : str
        Where the data came from (shown in results and messages).

    Returns
    -------
    TrialResult

    Raises
    ------
    ValueError
        Bad shape, NaN samples, labels that do not fit the data or name glute muscles in an
        unreadable form, bad ``mvc_uv``, or settings the filters reject.
    PipelineError
        When no rep is found (no channel has a burst).
    """
    x = _check_data(data)
    fs = float(fs)
    st = ProcessingSettings() if settings is None else settings
    if not isinstance(st, ProcessingSettings):
        raise TypeError(f"settings must be a ProcessingSettings, got {type(settings).__name__}")
    cmap = map_channels(channels, x.shape[0])
    mvc = _mvc_rows(mvc_uv, cmap)
    duration = x.shape[1] / fs
    env, filt, found = _filter_and_detect(x, fs, cmap, st, onset_baseline)
    closed = [o if o.offset_s is not None else Onset(o.onset_s, duration, o.channel) for o in found]
    reps = group_reps(closed, join_s=st.rep_join_s)
    if not reps:
        raise no_reps_error(source, st)
    spans = [(min(o.onset_s for o in rep), max(o.offset_s for o in rep)) for rep in reps]  # type: ignore[type-var]
    cores = [core_window(a, b) for a, b in spans]
    active = [{o.channel for o in rep} for rep in reps]
    edges = _preview_edges(x.shape[1], fs, spans[0])
    windows, bands = _spectra_and_bins(filt, fs, cmap.names, cores, active, edges)
    metrics = tuple(measure_rep(k, rep, env, fs, cmap, mvc_uv=mvc, filtered=filt) for k, rep in enumerate(reps))
    if protocol_runs:
        metrics = count_reps(metrics, protocol_runs)
    preview = _preview(env, fs, edges, bands)
    del env, filt
    n_open = sum(o.offset_s is None for o in found)
    return TrialResult(
        source=source, fs=fs, duration_s=duration, channels=cmap.names, labels=cmap.labels,
        glute=cmap.has_glute, onsets=tuple(sorted(closed, key=lambda o: (o.onset_s, o.channel))),
        reps=metrics, summary=summarise(metrics),
        fatigue={name: channel_fatigue(name, *windows[name]) for name in cmap.names if name in windows},
        preview=preview, notes=tuple(_notes(cmap, mvc, n_open)), settings=st,
    )
