"""AudioFeedback rendered to samples in stream time: tone timing and pitch against the driving
signal, the warning exactly for the reps that missed, cue tones at phase changes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from emgfeedback.audio import AudioFeedback, audio_targets, default_modes, render_updates
from emgfeedback.audio.feedback import HYSTERESIS_PCT
from emgfeedback.audio.synth import FADE_S, TONE_HZ, pitch_hz
from emgfeedback.calibration import load_protocols
from emgfeedback.measures import RepMetrics
from emgfeedback.measures.targets import parse_target
from emgfeedback.model import Side
from emgfeedback.session.runner import Phase, PhaseEvent

FS = 44100
BLOCK = 256
PROTOCOLS = load_protocols()
SQUEEZE = PROTOCOLS["glute_squeeze"]
#: A sound decided by the update after a crossing starts within one update period, one audio
#: block and the fade (its envelope passes half height half-way through the fade).
TOL_S = 0.01 + BLOCK / FS + FADE_S


def _feedback(modes, protocol=SQUEEZE, targets=()):
    fb = AudioFeedback(sample_rate=FS)
    fb.configure(protocol.id, modes, targets)
    return fb


def _triangle(t):  # 0 → 80 %MVC over 4 s, back to 0 over the next 4 s
    return 20.0 * t if t <= 4.0 else max(80.0 - 20.0 * (t - 4.0), 0.0)


def test_target_tone_starts_and_stops_at_the_target_crossings(tools):
    fb = _feedback(("target_tone",), targets=[parse_target("GMax >= 40 %MVC")])
    x = render_updates(fb, tools.level_updates(_triangle, 8.5, protocol=SQUEEZE), block=BLOCK)
    rises, falls = tools.onsets_offsets(x, FS, threshold=0.5 * 0.5 * fb.volume)
    assert len(rises) == 1 and len(falls) == 1
    up = 40.0 / 20.0  # the driving signal reaches 40 %MVC
    down = 4.0 + (80.0 - (40.0 - HYSTERESIS_PCT)) / 20.0  # and falls below 38 %MVC
    assert up <= rises[0] <= up + TOL_S
    assert down <= falls[0] <= down + TOL_S
    mid = x[int(3.0 * FS): int(3.5 * FS)]
    assert tools.dominant_hz(mid, FS) == pytest.approx(TONE_HZ, rel=0.005)


def test_target_tone_needs_a_target_and_mvc_values(tools):
    fb = _feedback(("target_tone",))  # glute squeeze's template: target zone 20–60 %MVC
    assert fb.modes_for(SQUEEZE) == ("target_tone",)
    x = render_updates(fb, tools.level_updates(lambda t: 300.0, 1.0, protocol=SQUEEZE, pct=False), block=BLOCK)
    assert np.max(np.abs(x)) == 0.0
    assert fb.notice == "target tone needs MVC values: run the MVC wizard"
    fb = _feedback(("target_tone",), PROTOCOLS["prone_hip_extension"])  # a firing-order exercise
    render_updates(fb, tools.level_updates(lambda t: 90.0, 0.5, protocol=PROTOCOLS["prone_hip_extension"]))
    assert "no %MVC target" in fb.notice


@pytest.mark.parametrize("pct", [True, False])
def test_pitch_follows_activation_on_a_log_scale(tools, pct):
    plateaus = (25.0, 50.0, 75.0) if pct else (125.0, 250.0, 375.0)  # µV: full scale 500
    fb = _feedback(("pitch",))
    drive = tools.level_updates(lambda t: plateaus[min(int(t), 2)], 3.0, protocol=SQUEEZE, pct=pct)
    x = render_updates(fb, drive, block=BLOCK)
    full = 100.0 if pct else fb.uv_full_scale
    for i, level in enumerate(plateaus):
        got = tools.dominant_hz(x[int((i + 0.3) * FS): int((i + 0.9) * FS)], FS)
        assert got == pytest.approx(pitch_hz(level, full), rel=0.005)
    assert pitch_hz(50.0, 100.0) == pytest.approx(440.0)  # one octave per 50 %MVC


def test_pitch_is_silent_at_rest(tools):
    fb = _feedback(("pitch",))
    x = render_updates(fb, tools.level_updates(lambda t: 2.0, 1.0, protocol=SQUEEZE), block=BLOCK)
    assert np.max(np.abs(x)) == 0.0


def _rep(i, latency=math.nan, ratio=math.nan, artefact=""):
    return RepMetrics(index=i, start_s=0.0, end_s=1.0, core_s=(0.2, 0.8), rep_number=i + 1, artefact=artefact,
                      gmax_minus_es_ms={Side.LEFT: latency}, tfl_to_glute_ratio={Side.LEFT: ratio})


def test_the_warning_sounds_exactly_for_reps_with_es_first_or_tfl_over_the_ratio(tools):
    reps = {1.0: _rep(0, latency=-30.0, ratio=0.4),   # glute max first, TFL low: fine
            2.0: _rep(1, latency=40.0),                # lumbar ES fired first
            3.0: _rep(2, latency=-20.0, ratio=0.8),    # TFL over 0.6
            4.0: _rep(3, latency=40.0, artefact="outside a hold"),  # not a counted rep
            5.0: _rep(4, latency=-5.0, ratio=0.6)}     # at the limit: fine
    drive = [(tools.update(t, {}, reps=[reps[t]] if t in reps else []), SQUEEZE)
             for t in np.round(np.arange(0.01, 6.0, 0.01), 2)]
    targets = [parse_target("glute max first"), parse_target("TFL:GMed <= 0.6")]
    fb = _feedback(("warning",), targets=targets)
    x = render_updates(fb, drive, block=BLOCK)
    warned = [t for t in reps if np.max(np.abs(x[int(t * FS): int((t + 0.4) * FS)])) > 0.1]
    assert warned == [2.0, 3.0]
    rises, _ = tools.onsets_offsets(x, FS, threshold=0.1)
    assert [round(r, 1) for r in rises if r % 1.0 < 0.1] == [2.0, 3.0]  # each starts with its rep's update
    buzz = x[int(2.0 * FS): int(2.12 * FS)]
    spec = np.abs(np.fft.rfft(buzz * np.hanning(len(buzz))))
    f = np.fft.rfftfreq(len(buzz), 1 / FS)
    third = spec[(f > 900) & (f < 970)].max() / spec[(f > 290) & (f < 330)].max()
    assert third > 0.3  # the square-like buzz no cue has
    fb = _feedback(("cues",), targets=targets)  # the warning is its own mode
    assert "warning" not in [k for k, _ in (render_updates(fb, drive), fb.log)[1]]


def _event(t, phase):
    return PhaseEvent(t_s=t, phase=phase, rep=1, set=1, side=None, cue="")


def test_cue_tones_at_phase_changes_and_a_click_for_each_counted_rep(tools):
    ev = {1.0: [_event(1.0, Phase.HOLD)], 2.0: [_event(2.0, Phase.REST)], 3.0: [_event(3.0, Phase.DONE)]}
    drive = [(tools.update(t, {}, events=ev.get(t, ()), reps=[_rep(0)] if t == 2.5 else []), SQUEEZE)
             for t in np.round(np.arange(0.01, 4.0, 0.01), 2)]
    fb = _feedback(("cues",))
    x = render_updates(fb, drive, block=BLOCK)
    rises, _ = tools.onsets_offsets(x, FS, threshold=0.1)
    starts = [r for r in rises if not any(0 < r - q < 0.4 for q in rises)]  # first rise of each sound
    assert len(starts) == 4
    for got, want in zip(starts, (1.0, 2.0, 2.5, 3.0)):
        assert want <= got <= want + TOL_S

    def hz(t0, t1):
        return tools.dominant_hz(x[int(t0 * FS): int(t1 * FS)], FS)

    s = starts
    assert hz(s[0] + 0.01, s[0] + 0.08) == pytest.approx(660, rel=0.01)  # hold: rising
    assert hz(s[0] + 0.10, s[0] + 0.17) == pytest.approx(880, rel=0.01)
    assert hz(s[1] + 0.01, s[1] + 0.08) == pytest.approx(880, rel=0.01)  # rest: falling
    assert hz(s[1] + 0.10, s[1] + 0.17) == pytest.approx(660, rel=0.01)
    assert hz(s[2] + 0.005, s[2] + 0.035) == pytest.approx(1760, rel=0.02)  # rep click
    assert hz(s[3] + 0.25, s[3] + 0.34) == pytest.approx(440, rel=0.01)  # done: ends low


def test_mute_and_volume(tools):
    drive = tools.level_updates(lambda t: 50.0, 1.0, protocol=SQUEEZE)
    loud = render_updates(_feedback(("pitch",)), drive)
    fb = _feedback(("pitch",))
    fb.set_volume(fb.volume / 2)
    half = render_updates(fb, drive)
    assert np.max(np.abs(half[FS // 2:])) == pytest.approx(np.max(np.abs(loud[FS // 2:])) / 2, rel=0.01)
    fb = _feedback(("pitch",))
    fb.set_muted(True)
    assert np.max(np.abs(render_updates(fb, drive)[FS // 10:])) == 0.0
    with pytest.raises(ValueError, match="volume must be between 0 and 1"):
        fb.set_volume(2)


def test_modes_are_checked_and_default_per_exercise():
    with pytest.raises(ValueError, match=r"audio mode must be one of .*got 'pitchh'.*did you mean 'pitch'"):
        AudioFeedback().configure("clamshell", ("pitchh",))
    assert default_modes(audio_targets(PROTOCOLS["clamshell"])) == ("target_tone", "warning", "cues")
    assert default_modes(audio_targets(PROTOCOLS["prone_hip_extension"])) == ("warning", "cues")
    t = audio_targets(PROTOCOLS["clamshell"], [parse_target("TFL:GMed <= 0.5")])
    assert (t.max_ratio, t.target_pct_mvc, t.max_latency_ms) == (0.5, 20.0, None)


def test_sounds_do_not_pile_up_while_no_output_renders(tools):
    fb = _feedback(("cues", "target_tone"), targets=[parse_target("GMax >= 40 %MVC")])
    for k in range(2000):  # holds and tone switches for a long time, never rendered
        events = [_event(k * 0.01, Phase.HOLD)]
        fb.on_update(tools.update(k * 0.01, {"glute_max_left": 80.0 * (k % 2)}, events=events), SQUEEZE)
    assert len(fb._shots) <= 20 and len(fb._pending) <= 20  # 16 kept + one update's
