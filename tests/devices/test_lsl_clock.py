"""Clock synchronisation of LSL streams (``devices/lsl_clock.py`` and the ``lsl://`` inlet).

Simulating another machine's clock on one machine: liblsl's ``local_clock()`` cannot be shifted
inside a process, so the "remote" sender stamps its samples with ``R(T) = T + offset + drift (T -
T0)`` (``T``: true time on this machine's LSL clock), exactly what an outlet on a machine whose
clock is off by ``offset`` and runs ``drift`` s/s fast would send. The inlet's
``time_correction()`` is then replaced by what liblsl would measure against that machine:
``T - R(T)`` at the moment of the reading, give or take half a round trip (±0.25 ms, uniform).
Time is virtual: ten minutes of 500 Hz stream are pushed as fast as they are read, in lock step,
each sample with its explicit stamp, so the test runs in seconds. The marker stream comes from a
second outlet on this machine's own clock (its ``time_correction()`` is liblsl's own, ~0).
Both LSL streams run confined to loopback (:mod:`emgfeedback.testing.lsl_sandbox`).
"""


import numpy as np
import pytest

from emgfeedback.devices.lsl_clock import ClockSync, StreamClock
from emgfeedback.testing.lsl_sandbox import run_confined
from lsl_checks import needs_lsl


TWO_CLOCKS = """
import json, random, time
import numpy as np
import pylsl
from emgfeedback.devices import open_device
from emgfeedback.devices.markers import LslMarkerInlet

OFFSET, DRIFT, FS, MINUTES = -1234.567, 80e-6, 500.0, 10
info = pylsl.StreamInfo("EMG-R", "EMG", 8, FS, "float32", "emgfeedback-test-remote")
chans = info.desc().append_child("channels")
for lab in ["GMax L", "GMed L", "TFL L", "ES L", "GMax R", "GMed R", "TFL R", "ES R"]:
    chans.append_child("channel").append_child_value("label", lab)
emg = pylsl.StreamOutlet(info)
trig = pylsl.StreamOutlet(pylsl.StreamInfo("Trig-L", "Markers", 1, 0.0, "string", "emgfeedback-test-local"))
T0 = pylsl.local_clock()
now = {"T": T0}
remote = lambda T: T + OFFSET + DRIFT * (T - T0)
rng = random.Random(3)
dev = open_device("lsl://name=EMG-R?resolve=5&timeout=30", reconnect_timeout_s=0)
dev.time_correction = lambda: now["T"] - remote(now["T"]) + rng.uniform(-2.5e-4, 2.5e-4)
markers = LslMarkerInlet("lsl://Trig-L?resolve=5").open()
dev.start()
first, got, errors = None, 0, []
for sec in range(0, MINUTES * 60, 10):  # 10 s per push: the inlet returns full 4096-sample chunks
    idx = np.arange(sec * FS, (sec + 10) * FS)
    T = T0 + idx / FS
    now["T"] = float(T[-1])
    x = np.zeros((len(idx), 8), dtype=np.float32); x[:, 0] = idx % 1000; x[:, 1] = idx // 1000
    emg.push_chunk(x, list(remote(T)))
    trig.push_sample(["m%d" % idx[2500]], float(T[2500]))  # 5 s into the 10
    while got < (sec + 10) * FS:
        b = dev.read(5.0)
        assert b is not None, "no samples"
        if first is None:
            first = int(round(b.data[1, 0])) * 1000 + int(round(b.data[0, 0]))
        got += b.n_samples
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        ms = markers.pull(0.05)
        for text, t in ms:
            i = int(text[1:])
            errors.append(dev.stream_clock.stream_time(t) - (i - first) / FS)
        if ms:
            break
dev.close(); markers.close()
print(json.dumps({"errors_s": errors, "drift": dev.clock_sync.drift, "n": got}))
"""


@needs_lsl
def test_two_streams_on_different_clocks_line_up_within_2_ms_over_10_minutes(tmp_path):
    out = run_confined(TWO_CLOCKS, tmp_path, timeout=300)
    errs = np.abs(out["errors_s"])
    assert out["n"] >= 600 * 500
    assert len(errs) == 60  # one marker every 10 s of the 10 minutes
    assert errs.max() <= 0.002, out["errors_s"]
    assert out["drift"] == pytest.approx(80e-6, rel=0.05)


def test_clock_sync_fits_offset_and_drift_from_noisy_readings():
    rng = np.random.default_rng(0)
    sync = ClockSync(window=64)
    t_remote = np.arange(0.0, 600.0, 5.0) + 7000.0
    for t in t_remote:  # local = remote + offset(t): -3.2 s, drifting -50 ppm, ±0.25 ms readings
        sync.add(t, -3.2 - 50e-6 * (t - 7000.0) + rng.uniform(-2.5e-4, 2.5e-4))
    assert abs(sync.to_local(6600.0) - (6600.0 - 3.2 + 50e-6 * 400.0)) <= 2e-4  # extrapolated back
    assert abs(sync.to_local(7600.0) - (7600.0 - 3.2 - 50e-6 * 600.0)) <= 2e-4
    assert sync.drift == pytest.approx(50e-6 / (1 - 50e-6), rel=0.05)  # the sender runs 50 ppm fast


def test_clock_sync_is_identity_before_a_reading_and_constant_after_one():
    sync = ClockSync()
    assert sync.to_local(12.5) == 12.5
    sync.add(100.0, 0.25)
    assert sync.to_local(200.0) == pytest.approx(200.25)
    with pytest.raises(ValueError, match="window must be at least 2 readings, got 1"):
        ClockSync(window=1)


def test_stream_clock_recovers_the_true_delay_from_late_arrivals():
    # blocks every 10 ms reach the host 2 ms + an exponential 10 ms late: the least delay is kept
    rng = np.random.default_rng(1)
    clock, true_offset = StreamClock(), 100.0
    assert clock.stream_time(5.0) is None and not clock.known
    for k in range(1, 2001):
        t_end = k * 0.01
        clock.observe(t_end, true_offset + t_end + 0.002 + rng.exponential(0.01))
    assert abs(clock.stream_time(true_offset + 15.0) - 15.0) <= 0.003


def test_stream_clock_follows_a_slow_device_crystal():
    # the host sees the device's samples 100 ppm later every second: the leak follows it
    clock = StreamClock(leak=2e-4)
    for k in range(1, 60001):
        t_end = k * 0.01
        clock.observe(t_end, t_end * (1 + 1e-4) + 0.001)
    assert abs(clock.local_time(600.0) - (600.0 * (1 + 1e-4) + 0.001)) <= 0.001
    with pytest.raises(ValueError, match=r"leak must be in \[0, 0.01\) s/s, got 0.5"):
        StreamClock(leak=0.5)
