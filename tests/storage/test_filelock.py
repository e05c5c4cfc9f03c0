"""A recording being written is locked: repair and replay leave it alone, analysis reads only its
complete records; after the recorder finishes the file is complete and intact."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from emgfeedback.analysis.loading import load_recording
from emgfeedback.cli import main
from emgfeedback.devices import open_device
from emgfeedback.errors import RecordingError
from emgfeedback.simulation import LiveSimulator
from emgfeedback.storage import EdfReader, EdfWriter, read_edf, repair_edf

FS = 2000.0
HOLDER = textwrap.dedent("""
    import sys, time
    import numpy as np
    from emgfeedback.simulation import simulate
    from emgfeedback.storage import EdfWriter
    sim = simulate("healthy", duration_s=10.3, fs=1000.0, seed=2)
    w = EdfWriter(sys.argv[1], sim.fs, sim.montage.labels)
    w.write(sim.data)             # 20 records of 0.5 s on disk, a partial one in memory
    w.flush()
    print("ready", flush=True)
    sys.stdin.readline()          # hold the file open (locked) until told
    w.close()
""")


@pytest.fixture
def held(tmp_path):
    """A file held open by an EdfWriter in another process (20 records on disk)."""
    path = tmp_path / "held.edf"
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    # what a recorder killed in the middle of a record (or repair racing it) would cut
    with open(path, "ab") as fh:
        fh.write(b"\x01" * 100)
    yield path
    proc.communicate("stop\n", timeout=30)
    assert proc.returncode == 0


def test_repair_refuses_a_file_in_use_and_leaves_it_byte_identical(held, capsys):
    before = held.read_bytes()
    for dry_run in (False, True):
        with pytest.raises(RecordingError, match=r"held.edf is still being recorded by another program; "
                                                 r"it was not changed"):
            repair_edf(held, dry_run=dry_run)
    assert main(["repair", str(held)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is still being recorded" in err[0]
    assert held.read_bytes() == before


def test_analysis_reads_only_the_complete_records_and_says_so(held, capsys):
    before = held.read_bytes()
    rec = load_recording(held)
    assert rec.data.shape == (8, 10000)  # 20 records of 500 samples, not the 100 stray bytes
    assert rec.recovered == "still being recorded by another program: read the 20 records complete so far (10.0 s)"
    with EdfReader(held) as r:
        assert r.in_use
    assert main(["analyze", str(held)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"emgfeedback analyze: warning: {held}: {rec.recovered}"]
    assert held.read_bytes() == before


def test_replay_refuses_a_file_in_use(held):
    before = held.read_bytes()
    with pytest.raises(RecordingError, match=r"held.edf is still being recorded by another program; "
                                             r"replay it once the recording has stopped"):
        open_device(f"replay://{held}?speed=0")
    assert held.read_bytes() == before


def test_the_lock_goes_with_the_writer(tmp_path):
    path = tmp_path / "w.edf"
    w = EdfWriter(path, FS, ["GMax L"])
    assert w.locked
    w.write(np.zeros((1, 1000)))
    with EdfReader(path) as r:
        assert r.in_use
    with pytest.raises(RecordingError, match="is being recorded by another program"):
        EdfWriter(path, FS, ["GMax L"], overwrite=True)  # and the file was not truncated
    assert path.stat().st_size == w.file_bytes
    w.close()
    with EdfReader(path) as r:
        assert not r.in_use and r.recovered == ""
    assert not repair_edf(path).changed


@pytest.mark.slow
def test_repair_analyze_and_replay_beside_a_live_recording(tmp_path):
    """The issue's stress run: repair in a loop beside `record` used to zero-fill records."""
    out = tmp_path / "live.edf"
    url = "sim://?scenario=healthy&seed=5&fs=2000&realtime=1"
    proc = subprocess.Popen([sys.executable, "-m", "emgfeedback.cli", "record", "--device", url,
                             "--duration", "6", "--out", str(out), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    refused = noted = 0
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if not out.exists() or out.stat().st_size < 20_000:
                time.sleep(0.05)
                continue
            try:
                repair_edf(out)
            except RecordingError as err:
                assert "is still being recorded" in str(err)
                refused += 1
            try:
                rec = load_recording(out)
                noted += rec.recovered.startswith("still being recorded")
            except RecordingError as err:  # nothing complete yet
                assert "holds no complete data record yet" in str(err)
            try:
                open_device(f"replay://{out}?speed=0").close()  # only once the recorder has closed it
                with EdfReader(out) as r:
                    assert proc.poll() is not None or not r.in_use
            except RecordingError as err:
                assert "still being recorded" in str(err)
            time.sleep(0.1)
    finally:
        if proc.poll() is None:
            proc.kill()
        stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert refused >= 5 and noted >= 5
    # complete and intact: every sample is the simulator's, no zero-filled record
    rec = read_edf(out)
    assert rec.recovered == "" and not repair_edf(out, dry_run=True).changed
    n = rec.data.shape[1]
    assert n == 6 * FS
    truth = np.clip(LiveSimulator("healthy", fs=FS, seed=5).read(n), -5000, 5000)
    assert np.max(np.abs(rec.data - truth)) <= 10000 / 65535
    assert os.stat(out).st_mode & 0o777 == 0o600
