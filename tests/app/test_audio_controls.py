"""Audio feedback through the real window on a simulated patient: the sounds of the selected
exercise (defaults, the patient's plan, the clinician's choice), the warning decided exactly for
the reps with lumbar ES first, the status line, and no device being one line while the session
goes on."""

from __future__ import annotations

import dataclasses
import sys
import types

import pytest

from audio_checks import warning_pulses

from emgfeedback.audio import AudioFeedback, render_to_wav
from emgfeedback.measures.targets import parse_target
from emgfeedback.model import Side
from emgfeedback.session.plan import ExercisePlan, PlanItem, plan_to_json
from emgfeedback.storage.database import SessionDatabase

#: Part-way recovered: some reps glute max first, some lumbar ES first.
URL = "sim://?scenario=lbp-lumbar-first&recovery=0.6&realtime=0&block=200&follow=1"


@pytest.fixture()
def window(tmp_path, monkeypatch, open_dashboard):
    monkeypatch.setenv("EMGFEEDBACK_DB", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("EMGFEEDBACK_RECORDINGS", str(tmp_path / "rec"))
    win = open_dashboard(URL)
    win.audio_controls.output.device = "null"  # the paced renderer: no sound card in tests
    yield win
    win.bridge.disconnect_device()
    win.audio_controls.close_output()


def _checked(win):
    return tuple(m for m, act in win.audio_controls.actions.items() if act.isChecked())


def test_the_warning_sounds_for_exactly_the_reps_where_lumbar_es_fired_first(qtbot, window, tmp_path):
    win, audio = window, window.audio_controls
    audio.sound.setChecked(True)
    assert audio.output.active
    audio.show_status()
    assert audio.status.text().startswith("♪ null output (no sound card)")
    win.protocol_panel.select("prone_hip_extension")
    assert _checked(win) == ("warning", "cues")  # a firing-order exercise: its defaults
    protocol = dataclasses.replace(win.protocols["prone_hip_extension"], reps=4, sets=1, sides="left")
    seen = []  # what the window's session fed the audio, to render it again in stream time
    win.bridge.live.add_listener(lambda update, engine: seen.append((update, engine.protocol)))
    win.start_protocol(protocol)
    qtbot.waitUntil(lambda: win.protocol_panel.display.phase_text == "DONE", timeout=90_000)
    qtbot.waitUntil(lambda: sum(not r.artefact for r in win.reps) == 4, timeout=30_000)
    log = [k for k, _ in audio.feedback.log]
    latency = [r.gmax_minus_es_ms.get(Side.LEFT, float("nan")) for r in win.reps if not r.artefact]
    es_first = [v for v in latency if v > 0]
    assert 0 < len(es_first) < len(latency), latency  # both kinds of rep in this visit
    assert log.count("warning") == len(es_first)
    assert log.count("hold") == 4 and log.count("rep") == 4 and log.count("done") == 1
    assert audio.feedback.samples > 0  # the output pulled the sound
    # the same sounds rendered to a WAV in stream time: one buzz (two 311 Hz pulses) per ES-first rep
    fb = AudioFeedback()
    fb.configure(protocol.id, audio.feedback.modes_for(protocol))
    render_to_wav(tmp_path / "visit.wav", fb, seen)
    assert warning_pulses(tmp_path / "visit.wav") == 2 * len(es_first)


def test_the_plan_sets_the_sounds_and_targets_and_the_clinician_can_change_them(qtbot, window, tmp_path):
    win, audio = window, window.audio_controls
    item = PlanItem("clamshell", 10, 2, 3.0, 3.0, "each", (parse_target("GMax >= 40 %MVC"),), ("pitch", "cues"))
    with SessionDatabase() as db:
        db.set_plan("P-0007", plan_to_json(ExercisePlan((item,))))
    qtbot.keyClicks(win.patient.code, "P-0007")
    win.protocol_panel.select("clamshell")
    assert _checked(win) == ("pitch", "cues")  # the plan's choice
    win.protocol_panel.select("glute_squeeze")
    assert _checked(win) == ("target_tone", "cues")  # not in the plan: its defaults
    audio.actions["pitch"].trigger()  # the clinician adds pitch for this exercise
    assert _checked(win) == ("target_tone", "pitch", "cues")
    win.protocol_panel.select("clamshell")
    win.protocol_panel.select("glute_squeeze")
    assert _checked(win) == ("target_tone", "pitch", "cues")  # kept while the dashboard runs
    win.protocol_panel.select("clamshell")
    win.start_protocol("clamshell")
    qtbot.waitUntil(lambda: audio.feedback.modes == ("pitch", "cues"), timeout=20_000)
    assert audio.feedback.targets.target_pct_mvc == 40.0  # the plan's target, not the template's 20


def test_no_audio_device_is_one_line_and_the_session_goes_on(qtbot, window, monkeypatch):
    win, audio = window, window.audio_controls
    audio.output.device = None
    sd = types.ModuleType("sounddevice")

    class PortAudioError(Exception):
        pass

    def query_devices(device=None, kind=None):
        raise PortAudioError("Error querying device -1")

    sd.PortAudioError, sd.query_devices = PortAudioError, query_devices
    monkeypatch.setitem(sys.modules, "sounddevice", sd)
    audio.sound.setChecked(True)
    assert audio.status.text() == "no audio output: Error querying device -1; audio feedback off"
    assert not audio.sound.isChecked()  # silent, and says so; checking again retries
    before = win.bridge.live.blocks
    win.start_protocol("glute_squeeze")
    qtbot.waitUntil(lambda: win.bridge.live.blocks > before + 50, timeout=20_000)
    assert win.bridge.is_connected


def test_bench_ui_measures_the_dashboard_with_audio_on_beside_the_same_run_without():
    from emgfeedback.app.bench_ui import format_ui_report, run_ui_benchmark

    r = run_ui_benchmark(1.0, hour_s=0.0)
    assert r["fps"] > 3 and r["audio_fps"] > 3
    assert r["audio_output"].startswith("audio: ")  # a device, or the null output with the reason
    assert r["audio_samples"] > 0.5 * 44100  # sound was rendered while the window ran
    assert "with audio" in format_ui_report(r)
