"""A recording killed with SIGKILL, and one that hits a full disk, leave readable files."""

import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest

from emgfeedback.simulation import LiveSimulator
from emgfeedback.storage import read_edf, read_edf_header, repair_edf

mne = pytest.importorskip("mne")
pyedflib = pytest.importorskip("pyedflib")

FS = 2000.0
URL = "sim://?scenario=healthy&seed=5&fs=2000"


def _sim_truth(n):
    return LiveSimulator("healthy", fs=FS, seed=5).read(n)


def _mne(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mne.io.read_raw_edf(path, preload=True, verbose="error").get_data() * 1e6


def _pyedflib(path):
    f = pyedflib.EdfReader(str(path))
    try:
        return np.vstack([f.readSignal(k) for k in range(f.signals_in_file)])
    finally:
        f.close()


@pytest.mark.slow
def test_sigkill_loses_at_most_the_last_second(tmp_path):
    out = tmp_path / "killed.edf"
    proc = subprocess.Popen(
        [sys.executable, "-m", "emgfeedback.cli", "record", "--device", URL, "--out", str(out),
         "--patient", "P9"], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    reported = 0
    t_end = time.monotonic() + 30
    try:
        # wait for ~2.6 s of signal, reading progress lines (one per 0.5 s when not a tty)
        while time.monotonic() < t_end:
            line = proc.stderr.readline()
            assert line, f"recorder ended early: {proc.communicate()}"
            if line.startswith("elapsed"):
                reported = int(line.split("samples")[1].split()[0])
                if reported >= 2.6 * FS:
                    break
        time.sleep(0.3)  # kill somewhere mid-record
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert reported >= 2.6 * FS, "the recorder did not report progress in time"

    # MNE reads the killed file as it is
    m = _mne(out)
    assert m.shape[0] == 8 and m.shape[1] >= reported - FS
    ours = read_edf(out)
    n = ours.data.shape[1]
    assert n >= reported - FS, f"lost more than 1 s: {reported} samples reported, {n} in the file"
    truth = _sim_truth(n)
    step = 10000 / 65535
    assert np.max(np.abs(ours.data - np.clip(truth, -5000, 5000))) <= step
    assert np.max(np.abs(m[:, :n] - ours.data[:, : m.shape[1]][:, :n])) <= 1e-3
    # after repair (if any was needed) pyedflib reads every complete record
    repair_edf(out)
    p = _pyedflib(out)
    assert p.shape[1] == n and np.max(np.abs(p - ours.data)) <= 1e-3
    assert read_edf_header(out).patient.startswith("P-9 X X X")


DISK_FULL = textwrap.dedent("""
    import resource, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # get EFBIG instead of being killed
    resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
    from emgfeedback.cli import main
    sys.exit(main(["record", "--device", "{url}&realtime=0", "--out", sys.argv[1],
                   "--duration", "60", "--quiet"]))
""")


def test_full_disk_stops_with_a_clear_message_and_a_readable_file(tmp_path):
    out = tmp_path / "full.edf"
    limit = 200_000  # bytes: about 6 s of 8 ch x 2 kHz
    proc = subprocess.run([sys.executable, "-c", DISK_FULL.format(limit=limit, url=URL), str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1, proc.stderr
    assert err[0].startswith("emgfeedback record: error: recording stopped: writing ")
    # RLIMIT_FSIZE gives EFBIG: named as the file-size limit it is, not as a full disk
    assert "failed (the file reached this system's file-size limit); the file keeps the first" in err[0]
    assert "is readable" in err[0]
    assert 0 < out.stat().st_size <= limit
    # written part readable by all three readers with no repair
    ours = read_edf(out)
    assert ours.recovered == "" and ours.duration_s >= 5.0
    assert not repair_edf(out, dry_run=True).changed
    assert _pyedflib(out).shape == ours.data.shape
    assert _mne(out).shape == ours.data.shape
    n = ours.data.shape[1]
    assert np.max(np.abs(ours.data - np.clip(_sim_truth(n), -5000, 5000))) <= 10000 / 65535
