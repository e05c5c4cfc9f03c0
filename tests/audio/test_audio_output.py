"""AudioOutput: one line and no crash without PortAudio or an output device; the callback fills
the device's buffer from the feedback and measures the latency of each sound it starts."""

from __future__ import annotations

import sys
import threading
import time
import types

import numpy as np

from emgfeedback.audio import AudioFeedback, AudioOutput
from emgfeedback.calibration import load_protocols
from emgfeedback.devices import open_device
from emgfeedback.model import Side
from emgfeedback.session import LiveSession

SQUEEZE = load_protocols()["glute_squeeze"]


class _PortAudioError(Exception):
    pass


def _fake_sounddevice(monkeypatch, *, devices=True, latency=0.02, written=None):
    """A sounddevice module: no output device, or a stream whose thread calls the callback."""
    sd = types.ModuleType("sounddevice")
    sd.PortAudioError = _PortAudioError

    def query_devices(device=None, kind=None):
        if not devices:
            raise _PortAudioError("Error querying device -1")
        return {"name": "Fake headset", "max_output_channels": 2}

    class OutputStream:
        def __init__(self, *, samplerate, blocksize, device, channels, dtype, latency, callback):
            if not devices:
                raise _PortAudioError("Error opening OutputStream: Invalid device [PaErrorCode -9996]")
            self.latency, self.blocksize, self.callback, self.samplerate = latency_s, blocksize, callback, samplerate
            self.active = False

        def start(self):
            self.active = True
            threading.Thread(target=self._run, daemon=True).start()

        def _run(self):
            while self.active:
                buf = np.zeros((self.blocksize, 1), np.float32)
                self.callback(buf, self.blocksize, None, None)
                if written is not None:
                    written.append(buf[:, 0].copy())
                time.sleep(self.blocksize / self.samplerate)

        def stop(self):
            self.active = False

        def close(self):
            self.active = False

    latency_s = latency
    sd.query_devices, sd.OutputStream = query_devices, OutputStream
    monkeypatch.setitem(sys.modules, "sounddevice", sd)
    return sd


def test_no_output_device_is_one_line_and_the_session_goes_on(monkeypatch):
    _fake_sounddevice(monkeypatch, devices=False)
    fb = AudioFeedback()
    out = AudioOutput(fb)
    assert out.start() is False
    assert out.status == "no audio output: Error querying device -1; audio feedback off"
    assert "\n" not in out.status and not out.active
    live = LiveSession(opener=lambda: open_device("sim://?realtime=0"), protocol=SQUEEZE)
    live.add_listener(fb.listen)  # the feedback still follows the session: nothing plays it
    live.start(timeout_s=20)
    deadline = time.monotonic() + 30
    while live.stream_t_s < 5.0 and live.running and time.monotonic() < deadline:
        time.sleep(0.02)
    live.stop()
    assert live.error is None and live.stream_t_s >= 5.0
    out.close()


def test_missing_portaudio_is_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import fails as without the library
    out = AudioOutput(AudioFeedback())
    assert out.start() is False
    assert out.status.startswith("no audio output: PortAudio is not available")
    assert out.status.endswith("apt-get install libportaudio2; audio feedback off")


def test_the_callback_plays_the_feedback_and_measures_latency(monkeypatch, tools):
    written: list = []
    _fake_sounddevice(monkeypatch, latency=0.02, written=written)
    fb = AudioFeedback()
    fb.configure(SQUEEZE.id, ("cues",))
    out = AudioOutput(fb, blocksize=256)
    assert out.start() is True
    assert out.status == "audio: Fake headset, 44100 Hz, output latency 20 ms (reported)"
    from emgfeedback.session.runner import Phase, PhaseEvent

    u = tools.update(1.0, {}, events=[PhaseEvent(1.0, Phase.HOLD, 1, 1, None, "")])
    u = type(u)(**{**u.__dict__, "arrival_s": time.monotonic()})
    fb.on_update(u, SQUEEZE)
    deadline = time.monotonic() + 5
    while not out.latency_ms and time.monotonic() < deadline:
        time.sleep(0.005)
    out.close()
    assert len(out.latency_ms) == 1
    assert 20.0 <= out.latency_ms[0] < 20.0 + 200.0  # the reported output latency is counted in
    played = np.concatenate(written)
    assert np.max(np.abs(played)) > 0.2  # the hold cue reached the device's buffer
    assert out.latency_text().startswith("audio latency p50 ")


def test_the_null_output_renders_in_real_time_without_a_sound_card():
    fb = AudioFeedback()
    out = AudioOutput(fb, device="null", blocksize=441)
    assert out.start() and out.active
    time.sleep(0.5)
    out.close()
    assert not out.active and out.status == "audio off"
    assert 0.3 * 44100 <= fb.samples <= 0.8 * 44100  # paced by the clock, not as fast as it can


def test_a_sound_queued_behind_another_is_not_counted_as_latency(tools):
    from emgfeedback.measures import RepMetrics
    from emgfeedback.measures.targets import parse_target
    from emgfeedback.session.runner import Phase, PhaseEvent

    fb = AudioFeedback()
    fb.configure(SQUEEZE.id, ("cues", "warning"), [parse_target("glute max first")])
    rep = RepMetrics(index=0, start_s=0.0, end_s=1.0, core_s=(0.2, 0.8), rep_number=1,
                     gmax_minus_es_ms={Side.LEFT: 40.0})
    u = tools.update(1.0, {}, events=[PhaseEvent(1.0, Phase.REST, 1, 1, None, "")], reps=[rep])
    fb.on_update(type(u)(**{**u.__dict__, "arrival_s": 5.0}), SQUEEZE)
    for _ in range(200):
        fb.render(256)
    kinds = [(k, a) for k, a, _ in fb.starts]
    assert [k for k, _ in kinds] == ["rest", "rep", "warning"]  # one after another
    assert kinds[0][1] == 5.0 and all(a != a for _, a in kinds[1:])  # only the first has an arrival
