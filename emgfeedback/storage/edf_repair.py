"""Repair an EDF(+)/BDF(+) file cut by a crash so that strict readers (pyedflib) accept it.

A recording killed between writing a data record and rewriting the header's record count
leaves a count that lags the data (or -1); one killed inside a write leaves a partial record.
:func:`repair_edf` cuts the partial record and writes the true count. Complete records are
never touched, and a file still being recorded (its writer's lock is held) is not touched at all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from emgfeedback.errors import RecordingError
from emgfeedback.storage._edf_header import N_RECORDS_OFFSET, parse_header
from emgfeedback.storage._filelock import in_use, lock_for_writing

__all__ = ["RepairResult", "repair_edf"]


@dataclass(frozen=True)
class RepairResult:
    """What :func:`repair_edf` found and did.

    Parameters
    ----------
    header_records : int
        Record count the header said (-1: unknown).
    records : int
        Complete data records in the file (and in the header after repair).
    truncated_bytes : int
        Bytes of a partial last record removed.
    record_duration_s : float
        Length of one record, s.
    changed : bool
        True if the file was (or, with ``dry_run``, would be) modified.
    """

    header_records: int
    records: int
    truncated_bytes: int
    record_duration_s: float
    changed: bool

    @property
    def duration_s(self) -> float:
        """Length of the data kept, s."""
        return self.records * self.record_duration_s

    def describe(self, path: str) -> str:
        """One line for a user."""
        if not self.changed:
            return f"{path}: intact ({self.records} records, {self.duration_s:.1f} s); nothing to repair"
        parts = []
        if self.truncated_bytes:
            parts.append(f"cut a partial last record ({self.truncated_bytes} bytes)")
        if self.header_records != self.records:
            parts.append(f"set the record count from {self.header_records} to {self.records}")
        return f"{path}: {' and '.join(parts)}; {self.duration_s:.1f} s of data kept"


def _refuse_in_use(fd: int, path: Path, dry_run: bool) -> None:
    """Refuse a file another program is recording to; else lock it (exclusively, when
    repairing) until it is closed."""
    try:
        if dry_run:
            busy = in_use(fd)
        else:
            lock_for_writing(fd)  # best effort where the file system has no locks
            busy = False
    except BlockingIOError:
        busy = True
    if busy:
        raise RecordingError(f"{path} is still being recorded by another program; it was not "
                             f"changed (repair it after the recording has stopped)")


def repair_edf(path: "str | Path", *, dry_run: bool = False) -> RepairResult:
    """Make the header's record count match the complete records and drop a partial one.

    Parameters
    ----------
    path : str or Path
        An EDF(+)/BDF(+) file.
    dry_run : bool
        Only report what would change.

    Raises
    ------
    RecordingError
        Missing or foreign file, no complete record to keep, or a file still being recorded
        (its writer holds the lock; the file is left untouched).
    """
    p = Path(path)
    if not p.is_file():
        raise RecordingError(f"no such recording: {p}")
    try:
        fh = open(p, "rb" if dry_run else "r+b")
    except OSError as err:
        raise RecordingError(f"cannot open {p} for repair: {err.strerror}") from err
    with fh:
        _refuse_in_use(fh.fileno(), p, dry_run)
        size = os.fstat(fh.fileno()).st_size
        h = parse_header(fh.read(256), fh.read, str(p), size)
        body = max(0, size - h.header_bytes)
        records = body // h.record_bytes
        tail = body - records * h.record_bytes
        if records == 0:
            raise RecordingError(f"{p} holds no complete data record; there is nothing to keep")
        changed = bool(tail) or h.n_records != records
        if changed and not dry_run:
            try:
                fh.truncate(h.header_bytes + records * h.record_bytes)
                fh.seek(N_RECORDS_OFFSET)
                fh.write(f"{records:<8d}".encode("ascii"))
                fh.flush()
                os.fsync(fh.fileno())
            except OSError as err:
                raise RecordingError(f"cannot repair {p}: {err.strerror}") from err
    return RepairResult(header_records=h.n_records, records=records, truncated_bytes=tail,
                        record_duration_s=h.record_duration_s, changed=changed)
