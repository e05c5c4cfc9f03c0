"""``emgfeedback analyze FILE... [--json] [--csv OUT] [--report OUT.html]``: offline trial analysis."""

from __future__ import annotations

import argparse
import functools
import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from emgfeedback.commands._outputs import check_output, write_output
from emgfeedback.commands._settings import add_settings_arguments, settings_from_args

if TYPE_CHECKING:  # pragma: no cover
    from emgfeedback.analysis.batch import BatchRequest
    from emgfeedback.analysis.cache import ResultCache
    from emgfeedback.settings import ProcessingSettings

__all__ = ["add_parser", "run"]


def add_parser(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser(
        "analyze",
        help="analyse recorded trials: reps, onsets, firing order, ratios, symmetry, fatigue",
        description="Analyse one or more recordings (EDF+/BDF+, OpenBCI GUI or UCI lower-limb .txt): "
        "reps, onsets per channel, firing order and glute max − lumbar ES latency per side, "
        "TFL-to-glute ratio, left/right symmetry and median-frequency fatigue. Prints a summary; "
        "--json prints one JSON object per file (one per line), --csv writes one table with a "
        "row per rep of every file, --report writes one self-contained printable HTML file, or a "
        "PDF; when the recordings name a patient the session database knows, the report is the "
        "handover report of that visit (docs/report.md).",
    )
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="recordings to analyse")
    p.add_argument("--json", action="store_true", help="print one JSON object per file instead of text")
    p.add_argument("--csv", type=Path, default=None, metavar="OUT", help="write every rep of every file to OUT (CSV)")
    p.add_argument("--report", type=Path, default=None, metavar="OUT.html|OUT.pdf",
                   help="write a report: HTML with plots, or PDF; the handover report (plan, verdicts, "
                   "earlier visits, trends, notes) when the database knows the recordings' patient")
    # the handover report: clinic and database of --report
    p.add_argument("--clinic", type=Path, default=None, metavar="FILE.toml",
                   help="clinic name, address and logo for --report (default "
                   "$XDG_CONFIG_HOME/emgfeedback/clinic.toml when it exists)")
    p.add_argument("--db", type=Path, default=None, metavar="PATH",
                   help="session database for the handover report (default $EMGFEEDBACK_DB, else the "
                   "dashboard's, when it exists)")
    p.add_argument("--force", action="store_true", help="replace --csv/--report files that already exist")
    p.add_argument("--channels", default=None, metavar="LABELS",
                   help="comma-separated labels replacing the file's, in channel order "
                   "(e.g. 'GMax L,GMed L,TFL L,ES L,GMax R,GMed R,TFL R,ES R')")
    p.add_argument("--mvc", type=Path, default=None, metavar="FILE.json",
                   help="MVC per channel as a JSON object {label or id: µV}; enables %%MVC and the "
                   "gluteal-to-TFL index")
    g = p.add_argument_group("many files (see docs/analysis.md, batch analysis)")
    g.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                   help="analyse N files at a time in parallel processes (default 1)")
    g.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="analyse on a running Dask distributed cluster (needs the 'dask' extra)")
    g.add_argument("--cache", type=Path, default=None, metavar="DIR",
                   help="folder of cached results: a file analysed before with the same settings is "
                   "not analysed again (default $XDG_CACHE_HOME/emgfeedback/analyze)")
    g.add_argument("--no-cache", action="store_true", help="analyse every file; read and write no cache")
    b = p.add_argument_group("BIDS datasets (see docs/bids.md)",
                             "a FILE that is a BIDS dataset root stands for its *_emg.edf/.bdf recordings, "
                             "named by their *_channels.tsv")
    b.add_argument("--subject", default=None, metavar="LABEL", help="only this participant (e.g. P0042)")
    b.add_argument("--session", default=None, metavar="LABEL", help="only this session (e.g. 1)")
    b.add_argument("--task", default=None, metavar="LABEL", help="only this task (e.g. clamshell)")
    add_settings_arguments(p)
    p.set_defaults(func=run)


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of processes, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {n}")
    return n


def _read_mvc(path: "Path | None") -> "dict[str, float] | None":
    if path is None:
        return None
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"--mvc {path} is not valid JSON ({err.msg}, line {err.lineno})") from None
    if not isinstance(obj, dict) or not obj:
        raise ValueError(f"--mvc {path} must hold a JSON object like {{\"GMax L\": 250.0, ...}} (µV per channel)")
    return obj


#: The options of :func:`add_settings_arguments` that change a result (besides ``--settings``).
_SETTING_OPTIONS = ("method", "mains", "min_burst", "merge_gap", "baseline")


def _file_settings(found: "ProcessingSettings | None", *, loaded: "ProcessingSettings | None",
                   options: argparse.Namespace) -> "ProcessingSettings":
    """A file's settings: its own (or ``--settings FILE``, ``loaded``), then the single options."""
    return settings_from_args(options, loaded or found)


def _request(args: argparse.Namespace, mvc: "dict[str, float] | None", report: bool) -> "BatchRequest":
    from emgfeedback.analysis.batch import BatchRequest
    from emgfeedback.settings import load_settings

    loaded = load_settings(args.settings) if args.settings else None
    options = argparse.Namespace(**{k: getattr(args, k) for k in _SETTING_OPTIONS if hasattr(args, k)})
    labels = None if args.channels is None else tuple(s.strip() for s in args.channels.split(","))
    fingerprint = json.dumps({"settings": None if loaded is None else loaded.to_dict(), "options": vars(options),
                              "labels": labels, "mvc": mvc}, sort_keys=True, default=str)
    return BatchRequest(settings_for=functools.partial(_file_settings, loaded=loaded, options=options),
                        fingerprint=fingerprint, labels=labels, mvc_uv=mvc, report=report)


def _cache(args: argparse.Namespace) -> "ResultCache | None":
    from emgfeedback.analysis.cache import ResultCache, default_cache_dir

    if args.no_cache:
        if args.cache is not None:
            raise ValueError("--cache and --no-cache contradict each other; give one")
        return None
    if args.cache is not None:
        return ResultCache(args.cache)
    try:
        return ResultCache(default_cache_dir())
    except ValueError as err:  # e.g. a read-only home: analyse without the cache rather than not at all
        print(f"emgfeedback analyze: warning: no result cache ({err})", file=sys.stderr)
        return None


def _bids_files(args: argparse.Namespace) -> "list[Path]":
    """The FILE arguments with each BIDS dataset root replaced by its recordings (filtered by
    --subject, --session, --task)."""
    from emgfeedback.storage.bids_dataset import find_recordings

    filters = {k: getattr(args, k, None) for k in ("subject", "session", "task")}
    if any(filters.values()) and not any(p.is_dir() for p in args.files):
        raise ValueError("--subject, --session and --task select recordings of a BIDS dataset; "
                         "give the dataset's root folder as FILE")
    files: "list[Path]" = []
    for p in args.files:
        files += [r.path for r in find_recordings(p, **filters)] if p.is_dir() else [p]
    return files


def _bids_labels(path: Path, request: "BatchRequest") -> "tuple[str, ...] | None":
    """Labels from the ``*_channels.tsv`` of a recording in a BIDS dataset when they differ from
    the file's (None: the file's own, or --channels)."""
    from emgfeedback.errors import RecordingError
    from emgfeedback.storage import read_edf_header
    from emgfeedback.storage.bids_dataset import bids_channel_names

    if request.labels is not None:
        return None
    try:
        names = bids_channel_names(path)
        if names is None:
            return None
        found = tuple(s.label for s in read_edf_header(path).signals if not s.is_annotation)
    except (RecordingError, OSError, ValueError):
        return None  # a broken file is reported by the analysis itself
    if len(names) != len(found):
        print(f"emgfeedback analyze: warning: {path}: its channels.tsv lists {len(names)} channel(s), "
              f"the file has {len(found)}; using the file's labels", file=sys.stderr)
        return None
    return None if names == found else names


def _bids_batches(files: "list[Path]", request: "BatchRequest", **where):
    """:func:`analyse_batch` over consecutive files that share their labels (in input order)."""
    import dataclasses
    import itertools

    from emgfeedback.analysis.batch import analyse_batch

    for labels, group in itertools.groupby(files, key=lambda p: _bids_labels(p, request)):
        req = request if labels is None else dataclasses.replace(
            request, labels=labels, fingerprint=request.fingerprint + json.dumps({"channels.tsv": labels}))
        yield from analyse_batch(list(group), req, **where)


# the handover report
def _clinic(args: argparse.Namespace):
    from emgfeedback.calibration.clinic import find_clinic

    if args.report is None:
        if args.clinic is not None or args.db is not None:
            raise ValueError("--clinic and --db are for the report; give --report OUT.pdf (or .html) too")
        return None
    if args.db is not None:  # a missing or damaged --db fails before any file is read
        from emgfeedback.commands._database import open_existing_db

        with open_existing_db(args.db):
            pass
    return find_clinic(args.clinic)


def _write_handover(args: argparse.Namespace, results: list, clinic, mvc: "dict[str, float] | None") -> bool:
    """Write the handover report to ``--report`` when the database knows the recordings' patient,
    or as PDF from the recordings alone; False: the HTML analysis report is wanted instead."""
    import contextlib

    from emgfeedback.commands._database import db_path, open_existing_db
    from emgfeedback.session.handover import (database_handover, recording_handover, recordings_date,
                                              recordings_patient, render_handover)

    paths = [Path(o.source) for o in results]
    use_db = args.db is not None or db_path(None).is_file()
    with (open_existing_db(args.db) if use_db else contextlib.nullcontext()) as db:
        data = database_handover(paths, db, clinic=clinic)
    if data is None and args.report.suffix.lower() == ".pdf":
        data = recording_handover([o.record for o in results], code=recordings_patient(paths),
                                  date=recordings_date(paths), mvc_uv=mvc, clinic=clinic,
                                  mvc_note=f"values from {args.mvc}, measurement date not recorded" if mvc else "")
    if data is None:
        return False
    write_output(args.report, render_handover(data, args.report.suffix), force=args.force)
    return True
# --- end handover report -------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    from emgfeedback.analysis.report import assemble_report
    from emgfeedback.analysis.tables import columns_for, write_rows

    settings_from_args(args)  # a bad --settings file or option fails before any file is read
    # the output files are checked before any analysis: a refusal never comes after the work
    for out, option, suffix in ((args.report, "--report", (".html", ".htm", ".pdf")), (args.csv, "--csv", (".csv",))):
        if out is not None:
            check_output(out, option, force=args.force, suffixes=suffix)
    if args.csv is not None and args.report is not None and args.csv.resolve() == args.report.resolve():
        raise ValueError(f"--csv and --report name the same file {args.csv}")
    if args.jobs is not None and args.scheduler is not None:
        raise ValueError("--jobs and --scheduler choose where files are analysed; give one")
    if args.scheduler is not None and "://" not in args.scheduler:
        raise ValueError(f"--scheduler must be an address like tcp://HOST:PORT, got {args.scheduler!r}")
    clinic = _clinic(args)  # a bad clinic.toml fails before any file is read
    args.files = _bids_files(args)
    mvc = _read_mvc(args.mvc)
    request, cache = _request(args, mvc, args.report is not None), _cache(args)
    results, failed, cached = [], 0, 0
    if mvc and not args.json:  # %MVC and the gluteal-to-TFL index below are relative to these
        print(f"MVC used (µV, from {args.mvc}): " + ", ".join(f"{ch} {v:.0f}" for ch, v in mvc.items()), flush=True)
    for out, hit in _bids_batches(args.files, request, jobs=args.jobs or 1, scheduler=args.scheduler, cache=cache):
        cached += hit
        if out.error:
            if len(args.files) == 1:
                raise ValueError(out.error)
            # one bad file in a batch: say which, and go on with the others
            print(f"emgfeedback analyze: error: {out.error}", file=sys.stderr)
            failed += 1
            continue
        if out.warning:
            print(f"emgfeedback analyze: warning: {out.source}: {out.warning}", file=sys.stderr)
        results.append(out)
        if args.json:
            print(json.dumps(out.record, ensure_ascii=False), flush=True)
        else:
            print(out.text, end="", flush=True)
    says = sys.stderr if args.json else sys.stdout
    if not results:
        print(f"emgfeedback analyze: error: none of the {failed} files could be analysed", file=sys.stderr)
        return 2
    if args.csv is not None:
        table = io.StringIO()
        n = write_rows(columns_for(o.channels for o in results), (row for o in results for row in o.rows), table)
        write_output(args.csv, table.getvalue(), force=args.force)
        print(f"wrote {args.csv} ({n} rows, one per rep)", file=says)
    if args.report is not None and _write_handover(args, results, clinic, mvc):
        print(f"wrote {args.report} (handover report)", file=says)
    elif args.report is not None:
        note = f"MVC values from {args.mvc}" if mvc else ""
        html = assemble_report([o.section or "" for o in results], used_pct_mvc=any(o.used_pct_mvc for o in results),
                               channels=[c for o in results for c in o.channels], mvc_uv=mvc, mvc_note=note)
        write_output(args.report, html, force=args.force)
        print(f"wrote {args.report}", file=says)
    if cache is not None and (cached or len(args.files) > 1):
        print(f"{cached} of {len(args.files)} file(s) from the cache {cache.folder}", file=says)
    if failed:
        print(f"emgfeedback analyze: {failed} of {len(args.files)} files could not be analysed", file=sys.stderr)
    return 2 if failed else 0
