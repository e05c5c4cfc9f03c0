"""Reading an EMG-BIDS dataset: its recordings by subject, session and task, and their channel
names from ``*_channels.tsv`` (the BIDS inheritance principle). Writing one: :mod:`.bids`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from emgfeedback.errors import RecordingError

__all__ = ["BidsRecording", "bids_channel_names", "find_recordings", "is_bids_root", "read_tsv"]

_DATA = re.compile(r"^(?P<stem>sub-[^_/]+(?:_[a-z]+-[^_/]+)*)_emg\.(?:edf|bdf)$")


@dataclass(frozen=True)
class BidsRecording:
    """A recording found in a dataset: its path and BIDS entities (``run`` may be None)."""

    path: Path
    subject: str
    session: "str | None"
    task: str
    run: "str | None" = None


def read_tsv(path: "str | Path") -> list[dict[str, str]]:
    """Rows of a BIDS TSV file as dicts (header from the first line).

    Raises
    ------
    RecordingError
        Unreadable or a row with a different number of columns than the header.
    """
    p = Path(path)
    try:
        lines = [ln for ln in p.read_text(encoding="utf-8-sig").splitlines() if ln.strip()]
    except (OSError, UnicodeDecodeError) as err:
        raise RecordingError(f"cannot read {p}: {err}") from None
    if not lines:
        return []
    head = lines[0].split("\t")
    rows = []
    for n, ln in enumerate(lines[1:], start=2):
        cells = ln.split("\t")
        if len(cells) != len(head):
            raise RecordingError(f"{p} line {n} has {len(cells)} columns, its header {len(head)}")
        rows.append(dict(zip(head, cells)))
    return rows


def _entities(stem: str) -> dict[str, str]:
    return dict(part.split("-", 1) for part in stem.split("_") if "-" in part)


def is_bids_root(folder: "str | Path") -> bool:
    """True if ``folder`` holds a ``dataset_description.json`` (a BIDS dataset root)."""
    return (Path(folder) / "dataset_description.json").is_file()


def find_recordings(root: "str | Path", *, subject: "str | None" = None, session: "str | None" = None,
                    task: "str | None" = None) -> list[BidsRecording]:
    """The EMG recordings (``*_emg.edf``/``*_emg.bdf``) of a BIDS dataset, sorted by path.

    Parameters
    ----------
    root : str or Path
        Dataset root (holds ``dataset_description.json``).
    subject, session, task : str, optional
        Keep only these labels (with or without the ``sub-``/``ses-``/``task-`` prefix).

    Raises
    ------
    ValueError
        ``root`` is not a BIDS dataset, or nothing matches (the message lists what is there).
    """
    base = Path(root)
    if not is_bids_root(base):
        raise ValueError(f"{base} is a folder but not a BIDS dataset (no dataset_description.json)")
    want = {"sub": subject, "ses": session, "task": task}
    want = {k: v.split("-", 1)[1] if v.startswith(f"{k}-") else v for k, v in want.items() if v}
    found: list[BidsRecording] = []
    for p in sorted(base.glob("sub-*/**/emg/*_emg.*")):
        m = _DATA.match(p.name)
        if m is None or not p.is_file():
            continue
        ent = _entities(m.group("stem"))
        found.append(BidsRecording(p, ent.get("sub", ""), ent.get("ses"), ent.get("task", ""), ent.get("run")))
    if not found:
        raise ValueError(f"{base} holds no EMG recording (sub-*/[ses-*/]emg/*_emg.edf or .bdf)")
    keep = [r for r in found if all(getattr(r, {"sub": "subject", "ses": "session", "task": "task"}[k]) == v
                                    for k, v in want.items())]
    if not keep:
        have = "; ".join(f"{opt} {', '.join(sorted({getattr(r, attr) for r in found} - {None})) or 'none'}"
                         for opt, attr in (("subjects", "subject"), ("sessions", "session"), ("tasks", "task")))
        asked = ", ".join(f"{k}-{v}" for k, v in want.items())
        raise ValueError(f"no recording in {base} matches {asked} ({have})")
    return keep


def bids_channel_names(path: "str | Path") -> "tuple[str, ...] | None":
    """Channel names of a recording in a BIDS dataset from its ``*_channels.tsv``, or None.

    The channels file applies if it is beside the recording or in a parent folder up to the
    dataset root, and its entities are a subset of the recording's (the inheritance principle;
    the nearest, most specific one wins).
    """
    p = Path(path)
    m = _DATA.match(p.name)
    if m is None:
        return None
    ent = _entities(m.group("stem"))
    folder = p.parent
    while True:
        best = None
        for c in folder.glob("*_channels.tsv"):
            cent = _entities(c.name[: -len("_channels.tsv")])
            if all(ent.get(k) == v for k, v in cent.items()) and (best is None or len(cent) > best[0]):
                best = (len(cent), c)
        if best is not None:
            rows = read_tsv(best[1])
            if rows and "name" not in rows[0]:
                raise RecordingError(f"{best[1]} has no 'name' column")
            return tuple(r["name"] for r in rows)
        if is_bids_root(folder) or folder.parent == folder:
            return None
        folder = folder.parent
