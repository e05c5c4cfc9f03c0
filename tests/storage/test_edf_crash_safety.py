"""Crash safety pinned: the periodic fsync and the header's record count kept current.

A SIGKILL keeps the page cache, and readers infer the length from the file size, so neither
removing the fsync nor updating the count only at close shows in a kill test that reads the
file back. Here a power loss is simulated by keeping only what was fsync-ed (the file's bytes at
each ``os.fsync``), and the header of a killed file is read before anything repairs it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from types import SimpleNamespace

import numpy as np
import pytest

import emgfeedback.storage.edf as edf
import emgfeedback.storage.recorder as recorder
from emgfeedback.model import Montage, SampleBlock
from emgfeedback.storage import EdfWriter, read_edf
from emgfeedback.storage._edf_header import N_RECORDS_OFFSET
from emgfeedback.storage.recorder import BlockWriter

FS = 1000.0
LABELS = ["GMax L", "GMax R"]


class PowerLoss:
    """A fake clock for the writer and a record of what each ``fsync`` made durable."""

    def __init__(self, monkeypatch, path):
        self.now = 0.0
        self.path = path
        self.durable: list[bytes] = []  # the file's bytes at each fsync
        clock = SimpleNamespace(monotonic=lambda: self.now)
        monkeypatch.setattr(edf, "time", clock)
        monkeypatch.setattr(recorder, "time", clock)
        real = os.fsync

        def fsync(fd):
            real(fd)
            self.durable.append(self.path.read_bytes())

        monkeypatch.setattr(edf.os, "fsync", fsync)

    def survivor(self, tmp_path) -> float:
        """Seconds of signal a reader gets from the file as the last fsync left it (0: none)."""
        if not self.durable or len(self.durable[-1]) <= 1024:
            return 0.0
        lost = tmp_path / "after_power_loss.edf"
        lost.write_bytes(self.durable[-1])
        rec = read_edf(lost, trim_padding=False)
        # the count in the durable header is current too: no reader has to guess
        assert rec.recovered == "", rec.recovered
        return rec.duration_s


def test_a_power_loss_loses_at_most_the_sync_interval_and_a_record(tmp_path, monkeypatch):
    path = tmp_path / "p.edf"
    loss = PowerLoss(monkeypatch, path)
    w = EdfWriter(path, FS, LABELS, sync_interval_s=1.0)
    worst = 0.0
    for _ in range(200):  # 20 s in blocks of 0.1 s arriving in real time
        w.write(np.ones((2, 100)))
        loss.now += 0.1
        worst = max(worst, w.n_records * w.record_duration_s - loss.survivor(tmp_path))
    assert worst <= 1.0 + w.record_duration_s
    n_syncs = len(loss.durable)
    assert 13 <= n_syncs <= 22  # the header, then every 1-1.5 s (on the first record after 1 s)
    w.close()


def _block(seq, n):
    return SampleBlock(t0=seq / FS, fs=FS, data=np.ones((2, n)), seq=seq, lost=None,
                       channels=Montage.from_names(LABELS).ids)


def test_a_silent_device_still_gets_its_records_synced(tmp_path, monkeypatch):
    """The records written just before a device goes quiet reach the disk within a second."""
    path = tmp_path / "s.edf"
    loss = PowerLoss(monkeypatch, path)
    sink = BlockWriter(EdfWriter(path, FS, LABELS, sync_interval_s=1.0))
    loss.now = 0.5
    sink.write(_block(0, 900))  # 1 record written; the writer's own interval has not elapsed
    assert loss.survivor(tmp_path) == 0.0
    for _ in range(15):  # the device is silent for 1.5 s: only the loop's flush_due runs
        loss.now += 0.1
        sink.flush_due(1.0)
    assert loss.survivor(tmp_path) == 0.5
    sink.writer.close()


KILLED = textwrap.dedent("""
    import sys, time
    import numpy as np
    from emgfeedback.storage import EdfWriter
    w = EdfWriter(sys.argv[1], 1000.0, ["GMax L", "GMax R"], record_duration_s=0.1)
    print("recording", flush=True)
    while True:                       # 20 ms blocks in real time, until killed
        w.write(np.ones((2, 20)))
        time.sleep(0.02)
""")


@pytest.mark.parametrize("after_s", [0.8, 1.7])
def test_the_header_count_of_a_killed_recording_is_current_before_any_repair(tmp_path, after_s):
    path = tmp_path / "killed.edf"
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "recording"
        time.sleep(after_s)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    raw = path.read_bytes()  # as the kill left it: nothing has repaired it
    header_bytes, record_bytes = 1024, 2 * 100 * 2 + 512
    complete = (len(raw) - header_bytes) // record_bytes
    count = int(raw[N_RECORDS_OFFSET: N_RECORDS_OFFSET + 8])
    assert complete >= 4, "the child wrote too little before the kill"
    # the count is rewritten after every record: it may lag only a record killed in between
    assert complete - 1 <= count <= complete
