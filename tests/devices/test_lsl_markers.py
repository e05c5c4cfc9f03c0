"""External markers: an LSL marker stream from another process lands in ``record``'s file.

The LSL parts run confined to loopback (:mod:`emgfeedback.testing.lsl_sandbox`). A child process
publishes an EMG stream whose values count its samples (stamps ``t0 + i / fs`` on the LSL clock)
and a marker stream; every 0.25 s it pushes ``m<i>`` stamped with the LSL time of sample ``i``.
``emgfeedback record --device lsl://… --markers lsl://…`` records both; in the file, sample ``i``
sits at ``(i - i_first) / fs``, which is where the marker must be.
"""

import io
import os
import threading
import time

import pytest

from emgfeedback.devices.markers import LineMarkers, LslMarkerInlet, marker_text
from emgfeedback.testing.lsl_sandbox import run_confined
from lsl_checks import needs_lsl


SENDER = """
import sys, time
import numpy as np
import pylsl
fs = 500.0
info = pylsl.StreamInfo("EMG-M", "EMG", 8, fs, "float32", "emgfeedback-test-emg-m")
chans = info.desc().append_child("channels")
for lab in ["GMax L", "GMed L", "TFL L", "ES L", "GMax R", "GMed R", "TFL R", "ES R"]:
    c = chans.append_child("channel"); c.append_child_value("label", lab); c.append_child_value("unit", "microvolts")
emg = pylsl.StreamOutlet(info, chunk_size=10)
trig = pylsl.StreamOutlet(pylsl.StreamInfo("Trig", "Markers", 1, 0.0, "string", "emgfeedback-test-trig"))
t0, i, end = pylsl.local_clock(), 0, pylsl.local_clock() + float(sys.argv[1])
while pylsl.local_clock() < end:
    n = int((pylsl.local_clock() - t0) * fs) + 1 - i
    for _ in range(max(n, 0)):
        emg.push_sample([i % 1000, i // 1000, 0, 0, 0, 0, 0, 0], t0 + i / fs)
        if i % 125 == 0 and i >= 500:
            trig.push_sample(["m%d" % i], t0 + i / fs)
        i += 1
    time.sleep(0.002)
"""

RECORD = """
import json, subprocess, sys, time
import numpy as np
sender = subprocess.Popen([sys.executable, "-c", {sender!r}, "12"])
time.sleep(1.0)
rec = subprocess.run([sys.executable, "-m", "emgfeedback.cli", "record", "--device", "lsl://name=EMG-M",
                      "--markers", "lsl://name=Trig", "--out", {out!r}, "--duration", "8", "--quiet"],
                     capture_output=True, text=True, stdin=subprocess.DEVNULL)
sender.kill(); sender.wait()
from emgfeedback.storage.edf_reader import read_edf
r = read_edf({out!r})
first = int(round(r.data[1, 0])) * 1000 + int(round(r.data[0, 0]))
errs = [a.onset_s - (int(a.text.split()[1][1:]) - first) / r.fs for a in r.annotations if a.kind == "marker"]
print(json.dumps({{"rc": rec.returncode, "err": rec.stderr[-500:], "errors_s": errs}}))
"""


@needs_lsl
def test_markers_from_another_process_land_within_20_ms_of_their_stamp(tmp_path):
    out = str(tmp_path / "m.edf")
    res = run_confined(RECORD.format(sender=SENDER, out=out), tmp_path, timeout=60)
    assert res["rc"] == 0, res["err"]
    errs = res["errors_s"]
    assert len(errs) >= 20  # 8 s of file, a marker every 0.25 s
    assert max(abs(e) for e in errs) <= 0.020, errs


def test_marker_text_is_one_short_line():
    assert marker_text("") == "marker"
    assert marker_text("  heel\nstrike ") == "marker heel strike"
    assert len(marker_text("x" * 500)) == len("marker ") + 200


def test_typed_lines_are_markers_at_the_moment_of_enter():
    got, done = [], threading.Event()

    def on(text, t):
        got.append((text, t))
        if len(got) == 2:
            done.set()

    before = time.monotonic()
    LineMarkers(io.StringIO("squat start\n\n")).start(on)
    assert done.wait(2.0)
    assert [g[0] for g in got] == ["squat start", ""]
    assert all(before <= g[1] <= time.monotonic() for g in got)


@pytest.mark.parametrize("url, match", [
    ("serial://x", "--markers needs lsl://NAME"),
    ("lsl://", "--markers needs lsl://NAME"),
    ("lsl://Trig?delay=1", "unknown marker-stream option 'delay'"),
    ("lsl://hostname=lab", "cannot look for 'hostname=lab'"),
    ("lsl://Trig?resolve=soon", "resolve must be a number of s, got 'soon'"),
    ("lsl://Trig?resolve=0", "resolve must be a finite number s > 0"),
])
def test_bad_marker_urls_are_refused_before_any_network_use(url, match):
    with pytest.raises(ValueError, match=match):
        LslMarkerInlet(url)


def test_record_refuses_a_bad_marker_url_in_one_line(tmp_path, capsys):
    from emgfeedback.cli import main

    out = tmp_path / "r.edf"
    assert main(["record", "--device", "sim://", "--out", str(out), "--markers", "udp://x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("emgfeedback record: error: --markers needs lsl://NAME") and err.count("\n") == 1
    assert not out.exists()


MISSING = """
import json, subprocess, sys
r = subprocess.run([sys.executable, "-m", "emgfeedback.cli", "record", "--device", "sim://", "--out", {out!r},
                    "--markers", "lsl://Nope?resolve=0.5", "--quiet"], capture_output=True, text=True)
print(json.dumps({{"rc": r.returncode, "err": r.stderr.strip().splitlines()[-1]}}))
"""


@needs_lsl
def test_record_with_a_missing_marker_stream_stops_in_one_line_and_leaves_no_file(tmp_path):
    out = tmp_path / "r.edf"
    res = run_confined(MISSING.format(out=str(out)), tmp_path, timeout=60)
    assert res["rc"] == 2
    assert res["err"].startswith("emgfeedback record: error: no LSL marker stream lsl://Nope?resolve=0.5 "
                                 "found in 0.5 s")
    assert not out.exists()


def test_lines_typed_into_record_on_a_terminal_become_markers(tmp_path):
    import pty
    import subprocess
    import sys

    from emgfeedback.storage import read_edf

    out = tmp_path / "k.edf"
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "emgfeedback.cli", "record", "--device",
                             "sim://?scenario=healthy", "--out", str(out), "--duration", "3", "--quiet"],
                            stdin=follower, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(follower)
    deadline = time.monotonic() + 20
    while not out.exists() and time.monotonic() < deadline:  # the file appears with the first block
        time.sleep(0.05)
    time.sleep(1.0)
    os.write(leader, b"left heel strike\n")
    _, err = proc.communicate(timeout=30)
    os.close(leader)
    assert proc.returncode == 0, err
    marks = [a for a in read_edf(out).annotations if a.kind == "marker"]
    assert [m.text for m in marks] == ["marker left heel strike"]
    assert 0.9 <= marks[0].onset_s <= 2.0  # typed 1 s after the first block
