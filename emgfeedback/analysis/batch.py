"""Many recordings analysed at once: in this process, in parallel processes (``jobs``) or on a
running Dask distributed cluster (``scheduler``), with results cached by file content.

Each file becomes a :class:`FileOutcome`: exactly what the outputs of ``emgfeedback analyze``
need (the text summary, the JSON object, the CSV rows, the report section), plain JSON data, so
that it travels between processes and machines and is cached without pickle. Outcomes come back
in input order whatever runs them, so the outputs do not depend on ``jobs`` or ``scheduler``.
A file that cannot be analysed gives an outcome with ``error`` set; the others go on.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import math
import multiprocessing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence

from emgfeedback import __version__
from emgfeedback.analysis.cache import ResultCache
from emgfeedback.analysis.result import TrialResult
from emgfeedback.errors import EmgFeedbackError
from emgfeedback.settings import ProcessingSettings

__all__ = ["BatchRequest", "FileOutcome", "analyse_file", "analyse_batch", "trial_text", "cache_key"]

#: Seconds to wait for a Dask scheduler to answer.
CONNECT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class BatchRequest:
    """How every file of a batch is analysed (picklable: it is sent to worker processes).

    Parameters
    ----------
    settings_for : callable
        The file's own settings (or None) -> the processing settings to use; a module-level
        function or a ``functools.partial`` of one.
    fingerprint : str
        Everything besides the file that changes a result (settings, labels, MVC), as text;
        part of the cache key.
    labels : tuple of str, optional
        Channel labels replacing the file's, in channel order.
    mvc_uv : mapping of str to float, optional
        MVC per channel, µV.
    report : bool
        Render each file's HTML report section.
    """

    settings_for: Callable[["ProcessingSettings | None"], ProcessingSettings]
    fingerprint: str
    labels: "tuple[str, ...] | None" = None
    mvc_uv: "Mapping[str, float] | None" = None
    report: bool = False


@dataclass(frozen=True)
class FileOutcome:
    """What the outputs need from one file (JSON round trip: :meth:`to_dict`/:meth:`from_dict`).

    Parameters
    ----------
    source : str
        The path as given.
    error : str
        Empty when analysed; else one line saying why not.
    warning : str
        What the reader skipped in a damaged file (empty when intact).
    text : str
        The text summary (lines ending in newline).
    record : dict
        The ``--json`` object.
    channels : list of str
        Channel names (CSV columns).
    rows : list of dict
        One CSV row per rep.
    used_pct_mvc : bool
        Some rep has %MVC values (the report says which MVC).
    section : str or None
        The HTML report section; None when not rendered.
    """

    source: str
    error: str = ""
    warning: str = ""
    text: str = ""
    record: dict = field(default_factory=dict)
    channels: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    used_pct_mvc: bool = False
    section: "str | None" = None

    def to_dict(self) -> dict:
        """Plain JSON-ready data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, obj: Mapping) -> "FileOutcome":
        """The outcome :meth:`to_dict` gave (ValueError if ``obj`` is not one)."""
        try:
            return cls(**obj)
        except TypeError as err:
            raise ValueError(f"not a file outcome: {err}") from None


def _fmt(v: "float | None", spec: str) -> str:
    return "—" if v is None or not math.isfinite(v) else f"{v:{spec}}"


def trial_text(res: TrialResult) -> str:
    """The text summary ``emgfeedback analyze`` prints for one trial (lines ending in newline)."""
    from emgfeedback.measures import latency_text

    lines = [f"{res.source}: {res.duration_s:.1f} s at {res.fs:g} Hz, {len(res.channels)} channels, "
             f"{res.summary.n_reps} rep(s)" + (f" (+{res.summary.n_artefacts} not counted: artefacts)"
                                               if res.summary.n_artefacts else ""),
             f"  settings: {res.settings.describe()}"]
    for side, ss in res.sides.items():
        first = "—" if ss.first_to_fire is None else (
            f"{ss.first_to_fire.full_name} ({ss.first_counts.get(ss.first_to_fire, 0)}/{ss.n_ordered} reps)")
        lines.append(f"  {side.value:5s}: first to fire {first}; GMax − ES onset {latency_text(ss.gmax_minus_es_ms)}; "
                     f"TFL/GMed ratio {_fmt(ss.tfl_to_glute_ratio, '.2f')}; "
                     f"gluteal-to-TFL index {_fmt(ss.gluteal_to_tfl_index, '.1f')}")
    if res.symmetry_index:
        lines.append("  symmetry index (L−R, %): " + ", ".join(
            f"{m.full_name} {_fmt(v, '+.1f')}" for m, v in res.symmetry_index.items()))
    if not res.glute:
        lines += [f"  {name}: {len(res.onsets_for(name))} bursts" for name in res.channels]
    lines += [f"  note: {note}" for note in res.notes]
    return "".join(line + "\n" for line in lines)


def analyse_file(path: str, request: BatchRequest) -> FileOutcome:
    """Analyse one recording into a :class:`FileOutcome`; never raises for a bad file.

    Parameters
    ----------
    path : str
        The recording.
    request : BatchRequest
        How to analyse it.
    """
    try:
        return _analyse(path, request)
    except (EmgFeedbackError, ValueError, OSError) as err:
        return FileOutcome(source=path, error=str(err))
    except Exception as err:  # a hostile file may break a reader in ways nobody foresaw
        return FileOutcome(source=path, error=f"{path}: could not be analysed ({type(err).__name__}: {err})")


def _analyse(path: str, request: BatchRequest) -> FileOutcome:
    from emgfeedback.analysis.loading import load_recording
    from emgfeedback.analysis.report import trial_section
    from emgfeedback.analysis.tables import rep_rows, trial_to_dict
    from emgfeedback.analysis.chunked import analyze_file

    rec = load_recording(path, samples=False)  # EDF/BDF samples are read in blocks by analyze_file
    try:
        settings = request.settings_for(rec.settings)
        labels = rec.labels
        if request.labels is not None:
            if len(request.labels) != len(rec.labels):
                raise ValueError(f"--channels names {len(request.labels)} channel(s) but {path} has "
                                 f"{len(rec.labels)} ({', '.join(rec.labels)})")
            labels = request.labels
        # the live thresholds when the file has them and the detector is the one that made them
        same = (rec.settings is not None and settings.onset_kwargs() == rec.settings.onset_kwargs()
                and settings.baseline == rec.settings.baseline)
        res = analyze_file(rec, labels, settings=settings, mvc_uv=request.mvc_uv,
                           onset_baseline=rec.baseline if same else None,
                           protocol_runs=rec.protocol_runs, source=path)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from err
    record = trial_to_dict(res)
    if rec.recovered:
        record["recovered"] = rec.recovered
    return FileOutcome(
        source=path, warning=rec.recovered, text=trial_text(res), record=record, channels=list(res.channels),
        rows=rep_rows(res), used_pct_mvc=any(r.pct_mvc for r in res.reps),
        section=trial_section(res, mvc_given=bool(request.mvc_uv)) if request.report else None)


def cache_key(path: str, request: BatchRequest) -> "str | None":
    """SHA-256 of the file's bytes, its path, the request's fingerprint and the emgfeedback
    version (hex); None when the file cannot be read (its outcome then says why)."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    except OSError:
        return None
    head = json.dumps({"version": __version__, "path": path, "request": request.fingerprint}, sort_keys=True)
    return hashlib.sha256(head.encode("utf-8") + h.digest()).hexdigest()


def _usable(obj: "dict | None", request: BatchRequest) -> "FileOutcome | None":
    if obj is None:
        return None
    try:
        out = FileOutcome.from_dict(obj)
    except ValueError:
        return None
    return None if request.report and out.section is None else out


def _dask_client(scheduler: str):
    try:
        from distributed import Client
    except ImportError as err:
        raise ValueError(f"--scheduler needs Dask distributed ({err}); install it with "
                         "pip install 'emgfeedback[dask]'") from None
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as err:
        raise ValueError(f"--scheduler {scheduler}: no Dask scheduler answers there ({err})") from None


def _dask_map(client, paths: Sequence[str], requests: Sequence[BatchRequest]) -> Iterator[FileOutcome]:
    with client:
        futures = client.map(analyse_file, list(paths), list(requests), pure=False)
        for fut in futures:
            yield fut.result()


def _run(paths: Sequence[str], requests: Sequence[BatchRequest], jobs: int,
         scheduler: "str | None") -> Iterator[FileOutcome]:
    if not paths:
        return iter(())
    if scheduler is not None:
        return _dask_map(_dask_client(scheduler), paths, requests)  # connects now: a wrong address fails first
    if jobs > 1 and len(paths) > 1:
        return _pool_map(paths, requests, jobs)
    return (analyse_file(p, r) for p, r in zip(paths, requests))


def _pool_map(paths: Sequence[str], requests: Sequence[BatchRequest], jobs: int) -> Iterator[FileOutcome]:
    # spawn: the same on every platform, and safe with threads in the parent
    ctx = multiprocessing.get_context("spawn")
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=min(jobs, len(paths)), mp_context=ctx)
    try:
        yield from pool.map(analyse_file, paths, requests)
    finally:  # stopped early (an error, a closed pipe): files not started are not analysed
        pool.shutdown(wait=True, cancel_futures=True)


def analyse_batch(paths: Sequence["str | Path"], request: "BatchRequest | Sequence[BatchRequest]", *, jobs: int = 1,
                  scheduler: "str | None" = None,
                  cache: "ResultCache | None" = None) -> Iterator[tuple[FileOutcome, bool]]:
    """Analyse ``paths``; yields ``(outcome, from_cache)`` in input order.

    Parameters
    ----------
    paths : sequence of str or Path
        Recordings.
    request : BatchRequest or sequence of BatchRequest
        How to analyse them: one for all, or one per path (e.g. each file's own labels).
    jobs : int
        Worker processes on this machine (1: this process).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://HOST:PORT``); overrides ``jobs``.
    cache : ResultCache, optional
        Outcomes of files analysed before with the same request; new outcomes are added.

    Raises
    ------
    ValueError
        ``jobs`` below 1, not one request per path, Dask missing or no scheduler at
        ``scheduler`` (before any file).
    """
    if jobs < 1:
        raise ValueError(f"jobs must be 1 or more, got {jobs}")
    names = [str(p) for p in paths]
    requests = [request] * len(names) if isinstance(request, BatchRequest) else list(request)
    if len(requests) != len(names):
        raise ValueError(f"request must be one BatchRequest or one per path ({len(names)}), got {len(requests)}")
    keys = [cache_key(p, r) if cache is not None else None for p, r in zip(names, requests)]
    found = [_usable(cache.get(k), r) if cache is not None and k else None for k, r in zip(keys, requests)]
    todo = [(p, r) for p, r, f in zip(names, requests, found) if f is None]
    fresh = _run([p for p, _ in todo], [r for _, r in todo], jobs, scheduler)
    for key, hit in zip(keys, found):
        if hit is not None:
            yield hit, True
            continue
        out = next(fresh)
        if cache is not None and key and not out.error:
            cache.put(key, out.to_dict())
        yield out, False
