"""The audio of a simulated session rendered to a WAV (no sound card): the live session's
listener hook feeds it; tone timing checked against the driving signal."""

from __future__ import annotations

import dataclasses
import os
import stat
import time

import numpy as np

from emgfeedback.audio import AudioFeedback, read_wav, render_to_wav, write_wav
from emgfeedback.calibration import load_protocols
from emgfeedback.devices import open_device
from emgfeedback.session import LiveSession

FS = 44100


def test_wav_round_trip_is_16_bit_mono_and_private(tmp_path):
    x = (0.5 * np.sin(np.arange(FS) * 2 * np.pi * 440 / FS)).astype(np.float32)
    path = tmp_path / "a.wav"
    write_wav(path, x, FS)
    y, fs = read_wav(path)
    assert fs == FS and y.shape == x.shape
    assert np.max(np.abs(y - x)) < 1e-4
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_simulated_session_through_the_listener_renders_its_cues_and_tone(tmp_path, tools):
    protocol = dataclasses.replace(load_protocols()["glute_squeeze"], reps=3, sets=1, prepare_s=3.0,
                                   hold_s=2.0, rest_s=2.0)
    mvc = {f"{m}_{s}": 150.0 for m in ("glute_max", "glute_med", "tfl", "lumbar_es") for s in ("left", "right")}
    live = LiveSession(opener=lambda: open_device("sim://?scenario=healthy&realtime=0&follow=1&seed=3"),
                       protocol=protocol, mvc_uv=mvc)
    seen = []
    live.add_listener(lambda update, engine: seen.append((update, engine.protocol)))
    live.add_listener(lambda update, engine: 1 / 0)  # a broken listener is dropped, the session goes on
    live.start(timeout_s=20)
    deadline = time.monotonic() + 60
    while live.stream_t_s < 16.0 and live.running and time.monotonic() < deadline:
        time.sleep(0.02)
    live.stop()
    assert live.error is None and live.stream_t_s >= 16.0
    fb = AudioFeedback(sample_rate=FS)
    fb.configure(protocol.id, ("target_tone", "cues"))
    path = tmp_path / "session.wav"
    x = render_to_wav(path, fb, seen, block=256)
    y, fs = read_wav(path)
    assert fs == FS and len(y) == len(x)
    holds = [e.t_s for u, _ in seen for e in u.events if e.phase.value == "hold"]
    assert holds == [3.0, 7.0, 11.0]
    # the target tone: on from the first update at or above 20 %MVC, off below 18 %MVC
    rows = [seen[0][0].frame.channels.index(c) for c in ("glute_max_left", "glute_max_right")]
    level = np.array([max(u.percent_mvc[rows]) for u, _ in seen])
    t = np.array([u.frame.t_s for u, _ in seen])
    tone = [k for k, _ in fb.log if k.startswith("target_tone")]
    on_times = [ts for k, ts in fb.log if k == "target_tone"]
    assert tone and len(on_times) >= 3  # at least once per hold
    for ts in on_times:
        i = int(np.flatnonzero(t == ts)[0])
        assert level[i] >= 20.0 and (i == 0 or level[i - 1] < 20.0)
        seg = y[int(ts * FS): int((ts + 0.1) * FS)]
        assert np.max(np.abs(seg)) > 0.1  # sounding within 100 ms of its update (cues may overlap)
