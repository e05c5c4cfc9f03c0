"""Offline analysis of one trial: reps, onsets, firing order, latencies, ratios, symmetry, fatigue.

The analysis only composes :mod:`emgfeedback.dsp`:

1. onsets per channel with :func:`~emgfeedback.dsp.onsets.detect_onsets` — by default the
   causal detector with its filter delay subtracted, i.e. the onsets the live pipeline reports
   (``zero_phase=True`` filters forward and backward: a few ms closer to the truth on
   simulated data, but slower, see docs/analysis.md); bursts shorter than ``min_burst_s`` are
   dropped (electrode bumps, noise spikes);
2. reps with :func:`~emgfeedback.dsp.timing.group_reps` (overlapping bursts of any channels);
3. linear envelope (:func:`~emgfeedback.dsp.filters.condition` then
   :func:`~emgfeedback.dsp.filters.envelope`); each rep's *core* window is the rep trimmed by a
   quarter of its length (at most 0.5 s) at each end, away from the ramps;
4. per rep: firing order (:func:`~emgfeedback.dsp.timing.firing_order`), glute max − lumbar ES
   latency (:func:`~emgfeedback.dsp.timing.onset_latency_ms`), TFL-to-glute ratio
   (:func:`~emgfeedback.dsp.ratios.tfl_to_glute_ratio`) over the core window, the
   gluteal-to-TFL index (:func:`~emgfeedback.dsp.ratios.gluteal_to_tfl_index`, needs MVC
   values), symmetry (:func:`~emgfeedback.dsp.ratios.symmetry_index`) and median frequency
   (:func:`~emgfeedback.dsp.fatigue.median_frequency`);
5. summaries per side and muscle, and the median-frequency slope per channel.

Long recordings are filtered a few channels at a time, so memory stays near two copies of
the data (the samples and their envelope).
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from emgfeedback.analysis._preview import bin_edges, reduce_bins
from emgfeedback.analysis._summary import channel_fatigue, side_summary, trial_symmetry
from emgfeedback.analysis.channels import ChannelMap, expected_labels, map_channels
from emgfeedback.analysis.result import RepMetrics, TracePreview, TrialResult
from emgfeedback.dsp.fatigue import median_frequency
from emgfeedback.dsp.filters import condition, envelope
from emgfeedback.dsp.onsets import detect_onsets
from emgfeedback.dsp.ratios import gluteal_to_tfl_index, symmetry_index, tfl_to_glute_ratio
from emgfeedback.dsp.timing import firing_order, group_reps, onset_latency_ms
from emgfeedback.errors import PipelineError
from emgfeedback.model import Channel, FiringOrder, Montage, Muscle, Onset, Side

__all__ = ["analyze_trial", "MIN_BURST_S", "PREVIEW_BINS"]

#: Bursts shorter than this are not counted (spikes, electrode bumps), s.
MIN_BURST_S = 0.1
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


def _core(start: float, end: float) -> tuple[float, float]:
    trim = min(0.25 * (end - start), 0.5)
    return start + trim, end - trim


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


def _detect(x: np.ndarray, fs: float, cmap: ChannelMap, method: str, mains: "float | None",
            zero_phase: bool) -> list[Onset]:
    found: list[Onset] = []
    for rows in _row_groups(*x.shape):
        found += detect_onsets(x[rows], fs, method, channels=cmap.names[rows], mains=mains,
                               zero_phase=zero_phase)
    return found


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
        a, b = int(round(cores[k][0] * fs)), min(cond.shape[-1], int(round(cores[k][1] * fs)))
        s = np.arange(max(a, 0), b - w + 1, hop)
        starts.append(s)
        owner.append(np.full(s.size, k))
    st = np.concatenate(starts) if starts else np.zeros(0, dtype=int)
    if st.size == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0, dtype=int)
    frames = cond[st[:, None] + np.arange(w)].reshape(-1)
    _, mdf = median_frequency(frames, fs, window_s=w / fs, step_s=w / fs)
    return (st + w / 2) / fs, np.asarray(mdf), np.concatenate(owner)


def _filter_pass(x: np.ndarray, fs: float, mains: "float | None", envelope_hz: float,
                 names: Sequence[str], cores: Sequence[tuple[float, float]],
                 active: Sequence[set], edges: Sequence[np.ndarray],
                 ) -> tuple[np.ndarray, list[dict], dict, list[tuple[np.ndarray, np.ndarray]]]:
    """Envelope of every row, median frequencies of each row in the cores of its reps, and the
    filtered signal's min/max in the bins of each of ``edges`` (for the plots)."""
    env = np.empty_like(x)
    rep_mdf: list[dict] = [{} for _ in cores]
    windows: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    bands = [(np.zeros((x.shape[0], e.size - 1)), np.zeros((x.shape[0], e.size - 1))) for e in edges]
    w = _spectrum_window(cores, fs)
    for rows in _row_groups(*x.shape):
        cond = condition(x[rows], fs, mains=mains)
        env[rows] = envelope(cond, fs, envelope_hz, zero_phase=True)
        for (lo, hi), e in zip(bands, edges):
            lo[rows], hi[rows] = reduce_bins(cond, e, "min"), reduce_bins(cond, e, "max")
        for r in range(rows.start, rows.stop):
            mine = [k for k in range(len(cores)) if names[r] in active[k]]
            t, mdf, owner = _mdf_windows(cond[r - rows.start], fs, w, cores, mine)
            if t.size:
                windows[names[r]] = (t, mdf)
            for k in mine:
                vals = mdf[(owner == k) & np.isfinite(mdf)]
                rep_mdf[k][names[r]] = float(np.median(vals)) if vals.size else math.nan
    return env, rep_mdf, windows, bands


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


def _orders(kept: list[Onset], reps: list, cmap: ChannelMap) -> dict[Side, dict[int, FiringOrder]]:
    out: dict[Side, dict[int, FiringOrder]] = {}
    for side in Side:
        muscles = [m for m in Muscle if cmap.row(m, side) is not None]
        if len(muscles) >= 2:
            fos = firing_order(kept, side, muscles, reps=reps, min_muscles=2)
            out[side] = {fo.rep: fo for fo in fos}
    return out


def _latencies(kept: list[Onset], reps: list, cmap: ChannelMap) -> dict[Side, np.ndarray]:
    out: dict[Side, np.ndarray] = {}
    for side in Side:
        g, e = cmap.row(Muscle.GLUTE_MAX, side), cmap.row(Muscle.LUMBAR_ES, side)
        if g is not None and e is not None:
            out[side] = onset_latency_ms(kept, cmap.names[g], cmap.names[e], reps=reps)
    return out


def _rep_metrics(k: int, rep: tuple, core: tuple[float, float], end: float, env: np.ndarray, fs: float,
                 cmap: ChannelMap, orders: dict, lat: dict, mdf: dict, mvc: "np.ndarray | None",
                 level_out: dict) -> RepMetrics:
    names = cmap.names
    a = max(0, int(round(core[0] * fs)))
    b = max(a + 1, min(env.shape[1], int(round(core[1] * fs))))
    amp = env[:, a:b].mean(axis=1)
    active = {o.channel for o in rep}
    first: dict[str, float] = {}
    for o in rep:
        first.setdefault(o.channel, o.onset_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = None if mvc is None else 100.0 * amp / mvc
    level = amp if pct is None else np.where(np.isfinite(pct), pct, amp)
    level_out[k] = {names[i]: float(level[i]) for i in range(len(names))}
    sides_on = {cmap.channels[i].side for i in range(len(names))
                if cmap.channels[i] is not None and names[i] in active}
    ratio: dict[Side, float] = {}
    gta: dict[Side, float] = {}
    for s in Side:
        t, g, gx = cmap.row(Muscle.TFL, s), cmap.row(Muscle.GLUTE_MED, s), cmap.row(Muscle.GLUTE_MAX, s)
        if t is not None and g is not None and (names[t] in active or names[g] in active):
            r = tfl_to_glute_ratio(env[t, a:b], env[g, a:b])
            if math.isfinite(r):
                ratio[s] = r
        if (pct is not None and None not in (t, g, gx) and np.isfinite(pct[[t, g, gx]]).all()
                and active & {names[t], names[g], names[gx]}):
            gta[s] = float(gluteal_to_tfl_index(pct[g], pct[gx], pct[t]))
    sym: dict[Muscle, float] = {}
    for m in Muscle:
        li, ri = cmap.row(m, Side.LEFT), cmap.row(m, Side.RIGHT)
        if li is not None and ri is not None and names[li] in active and names[ri] in active:
            sym[m] = float(symmetry_index(float(level[li]), float(level[ri])))
    return RepMetrics(
        index=k, start_s=float(rep[0].onset_s), end_s=float(end), core_s=(float(core[0]), float(core[1])),
        side=next(iter(sides_on)) if len(sides_on) == 1 else None,
        active=tuple(n for n in names if n in active), onset_s=first,
        amplitude_uv={names[i]: float(amp[i]) for i in range(len(names))},
        firing_order={s: orders[s][k] for s in orders if k in orders[s]},
        gmax_minus_es_ms={s: float(v[k]) for s, v in lat.items() if math.isfinite(v[k])},
        tfl_to_glute_ratio=ratio, gluteal_to_tfl_index=gta, symmetry_index=sym, mdf_hz=mdf,
    )


def _notes(cmap: ChannelMap, mvc: "np.ndarray | None", n_open: int, n_short: int, min_burst_s: float) -> list[str]:
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
    if n_short:
        notes.append(f"{n_short} burst(s) shorter than {min_burst_s * 1000:.0f} ms were ignored")
    return notes


def analyze_trial(
    data: np.ndarray,
    fs: float,
    channels: "Montage | Sequence[str]",
    *,
    method: str = "hodges",
    mains: "float | None" = 50.0,
    min_burst_s: float = MIN_BURST_S,
    join_s: float = 0.3,
    envelope_hz: float = 6.0,
    zero_phase: bool = False,
    mvc_uv: "Mapping[str, float] | None" = None,
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
    method : {"hodges", "tkeo", "bonato"}
        Onset detector (see :func:`~emgfeedback.dsp.onsets.detect_onsets`).
    mains : {50.0, 60.0} or None
        Powerline frequency to notch, Hz.
    min_burst_s : float
        Shortest burst counted, s.
    join_s : float
        Gap between bursts still counted as one rep, s.
    envelope_hz : float
        Linear-envelope low-pass cut-off, Hz.
    zero_phase : bool
        Detect onsets with forward-backward filters (no delay). Default False: the causal
        detector's delay-corrected times, the same onsets as the live pipeline.
    mvc_uv : mapping of str to float, optional
        MVC reference per channel (id or label → µV, e.g. from
        :func:`~emgfeedback.dsp.mvc.mvc_from_trial`); enables %MVC levels and the
        gluteal-to-TFL index.
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
        When no rep is found (no channel has a burst of at least ``min_burst_s``).
    """
    x = _check_data(data)
    fs = float(fs)
    if not (math.isfinite(min_burst_s) and min_burst_s >= 0):
        raise ValueError(f"min_burst_s must be a number of seconds ≥ 0, got {min_burst_s!r}")
    cmap = map_channels(channels, x.shape[0])
    mvc = _mvc_rows(mvc_uv, cmap)
    duration = x.shape[1] / fs
    found = _detect(x, fs, cmap, method, mains, zero_phase)
    closed = [o if o.offset_s is not None else Onset(o.onset_s, duration, o.channel) for o in found]
    kept = [o for o in closed if o.offset_s - o.onset_s >= min_burst_s]
    reps = group_reps(kept, join_s=join_s)
    where = source or "the recording"
    if not reps:
        raise PipelineError(
            f"no reps found in {where}: no channel had a burst of at least {min_burst_s * 1000:.0f} ms above "
            f"its resting level ({len(found)} shorter burst(s) ignored); check that the electrodes are on "
            "and that the trial contains contractions with rest before them")
    ends = [max(o.offset_s for o in rep) for rep in reps]
    cores = [_core(rep[0].onset_s, end) for rep, end in zip(reps, ends)]
    active = [{o.channel for o in rep} for rep in reps]
    edges = _preview_edges(x.shape[1], fs, (reps[0][0].onset_s, ends[0]))
    env, rep_mdf, windows, bands = _filter_pass(x, fs, mains, envelope_hz, cmap.names, cores, active, edges)
    orders, lat = _orders(kept, reps, cmap), _latencies(kept, reps, cmap)
    level: dict[int, dict[str, float]] = {}
    metrics = tuple(
        _rep_metrics(k, rep, cores[k], ends[k], env, fs, cmap, orders, lat, rep_mdf[k], mvc, level)
        for k, rep in enumerate(reps))
    preview = _preview(env, fs, edges, bands)
    del env
    sides = {s: side_summary(s, metrics) for s in Side} if cmap.has_glute else {}
    n_open = sum(o.offset_s is None for o in found)
    return TrialResult(
        source=source, fs=fs, duration_s=duration, channels=cmap.names, labels=cmap.labels,
        glute=cmap.has_glute, onsets=tuple(sorted(kept, key=lambda o: (o.onset_s, o.channel))),
        reps=metrics, sides=sides, symmetry_index=trial_symmetry(cmap, metrics, level),
        fatigue={name: channel_fatigue(name, *windows[name]) for name in cmap.names if name in windows},
        preview=preview, notes=tuple(_notes(cmap, mvc, n_open, len(closed) - len(kept), min_burst_s)),
        settings={"method": method, "mains_hz": mains, "min_burst_s": min_burst_s, "join_s": join_s,
                  "envelope_hz": envelope_hz, "zero_phase": zero_phase, "mvc": mvc is not None},
    )
