"""``emgfeedback bids export FILE... --out DIR [--force]``: recordings → an EMG-BIDS dataset."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from emgfeedback.commands._outputs import atomic_output, write_output

__all__ = ["add_parser", "run_export"]

#: Index files whose rows are merged with those already in the dataset (key: first column).
_MERGED = ("participants.tsv", "_scans.tsv")


def add_parser(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser("bids", help="EMG-BIDS datasets: export recordings",
                       description="Brain Imaging Data Structure (BIDS v1.11, Electromyography) datasets. "
                       "'analyze DIR' analyses a dataset (filters --subject, --session, --task).")
    verbs = p.add_subparsers(dest="bids_command", metavar="ACTION")
    verbs.required = True
    e = verbs.add_parser(
        "export", help="write recordings and their sessions as an EMG-BIDS dataset",
        description="Turn EDF+/BDF+ recordings into an EMG-BIDS dataset: the recordings are copied "
        "byte for byte to sub-<code>/ses-<n or date>/emg/, with *_emg.json, *_channels.tsv, "
        "*_events.tsv (reps, onsets, cues, markers, artefacts), *_scans.tsv, participants.tsv/json "
        "and dataset_description.json. Patient, session and protocol come from the session database "
        "when it knows the file, else from the file (patient code, date, protocol annotation).")
    e.add_argument("files", nargs="+", type=Path, metavar="FILE", help="EDF+/BDF+ recordings")
    e.add_argument("--out", type=Path, required=True, metavar="DIR", help="dataset folder (created if missing)")
    e.add_argument("--force", action="store_true",
                   help="write into a folder that is not empty, replacing files of the same name "
                   "(participants.tsv and scans.tsv rows are merged)")
    e.add_argument("--db", type=Path, default=None, metavar="FILE",
                   help="session database (default: $EMGFEEDBACK_DB or the user data folder, if it exists)")
    e.add_argument("--subject", default=None, metavar="CODE",
                   help="patient code for files that name none and are not in the database (e.g. P-0042)")
    e.add_argument("--line-hz", type=float, default=None, choices=(50.0, 60.0), metavar="HZ",
                   help="mains frequency (50 or 60) when the recordings' settings do not give it")
    e.add_argument("--name", default="emgfeedback recordings", help="the dataset's name")
    e.set_defaults(func=run_export)


def _check_out(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file; name a folder")
    if out.is_dir():
        if any(out.iterdir()) and not force:
            raise ValueError(f"--out {out} is not empty; choose a new folder or add --force to add to it")
        if not os.access(out, os.W_OK | os.X_OK):
            raise ValueError(f"--out {out} is not writable")
    elif not out.parent.is_dir():
        raise ValueError(f"--out {out}: folder {out.parent} does not exist")
    elif not os.access(out.parent, os.W_OK | os.X_OK):
        raise ValueError(f"--out {out}: folder {out.parent} is not writable")


def _open_db(path: "Path | None"):
    from emgfeedback.storage import SessionDatabase, default_db_path

    if path is not None and not path.is_file():
        raise ValueError(f"--db {path}: no such session database")
    path = path if path is not None else default_db_path()
    return SessionDatabase(path) if path.is_file() else None


def _merged(dest: Path, text: str) -> str:
    """``text`` (a TSV) with the rows of an existing ``dest`` whose key (first column) it lacks."""
    from emgfeedback.storage.bids_dataset import read_tsv

    if not dest.is_file():
        return text
    head, *new = text.splitlines()
    keys = {line.split("\t", 1)[0] for line in new}
    cols = head.split("\t")
    old = ["\t".join(r.get(c, "n/a") for c in cols) for r in read_tsv(dest)
           if r.get(cols[0]) not in keys]
    return "\n".join([head, *sorted(old + new)]) + "\n"


def run_export(args: argparse.Namespace) -> int:
    from emgfeedback import __version__
    from emgfeedback.storage.bids import BIDS_VERSION, plan_export

    out: Path = args.out
    _check_out(out, args.force)  # before any file is read: a refusal never comes after the work
    db = _open_db(args.db)
    try:
        files = plan_export(args.files, db=db, subject=args.subject, line_hz=args.line_hz,
                            name=args.name, version=__version__)
    finally:
        if db is not None:
            db.close()
    out.mkdir(mode=0o700, exist_ok=True)
    for f in files:
        dest = out / f.path
        folder = out
        for part in Path(f.path).parent.parts:  # each level owner-only (mkdir(parents=) would not be)
            folder = folder / part
            folder.mkdir(mode=0o700, exist_ok=True)
        if f.source is not None:
            with atomic_output(dest, force=args.force) as tmp:
                shutil.copyfile(f.source, tmp)
        else:
            text = _merged(dest, f.text) if f.path.endswith(_MERGED) else f.text
            write_output(dest, text, force=args.force)
    n = sum(1 for f in files if f.source is not None)
    subjects = len({f.path.split("/", 1)[0] for f in files if f.source is not None})
    print(f"wrote {out}: {n} recording(s) of {subjects} participant(s), EMG-BIDS (BIDS {BIDS_VERSION})",
          file=sys.stdout)
    return 0
