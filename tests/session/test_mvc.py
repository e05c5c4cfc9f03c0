"""MVC calibration and patient codes, with hand-made envelopes (reps: tests/measures)."""

from __future__ import annotations

import numpy as np
import pytest

from emgfeedback.calibration import load_mvc_procedures
from emgfeedback.dsp.mvc import peak_window_mean, percent_of_mvc
from emgfeedback.model import Montage, Muscle
from emgfeedback.session import MvcStep, MvcWizard

FS = 1000.0


def test_peak_window_mean_and_percent() -> None:
    x = np.zeros((1, 1000))
    x[0, 100:400] = 10.0
    assert peak_window_mean(x, FS, 0.2)[0] == pytest.approx(10.0)
    assert peak_window_mean(x, FS, 0.6)[0] == pytest.approx(5.0)
    assert percent_of_mvc(np.array([5.0, 5.0]), np.array([10.0, np.nan])) == pytest.approx([50.0, np.nan], nan_ok=True)
    with pytest.raises(ValueError, match="envelope must have shape"):
        peak_window_mean(np.zeros(5), FS, 0.5)


def _procs(*muscles: Muscle, trials: int = 3, rest_s: float = 30.0) -> list:
    import dataclasses

    table = load_mvc_procedures()
    return [dataclasses.replace(table[m], trials=trials, rest_s=rest_s) for m in muscles]


def _feed(wiz: MvcWizard, env: np.ndarray, t0: float = 0.0, block: int = 137) -> list[MvcStep]:
    steps: list[MvcStep] = []
    for i in range(0, env.shape[1], block):
        steps += wiz.process(t0 + i / FS, env[:, i:i + block])
    return steps


def test_mvc_wizard_takes_the_best_accepted_trial_per_channel() -> None:
    montage = Montage.default()
    wiz = MvcWizard(_procs(Muscle.GLUTE_MAX, Muscle.TFL), montage, FS, prepare_s=1.0)
    wiz.start(0.0)
    # timeline: per trial prepare 1 s, contract 5 s, rest 30 s; 3 trials per muscle
    total = 2 * 3 * (1 + 5 + 30)
    env = np.full((8, int(total * FS)), 5.0)
    gmax_rows = [montage.index("glute_max_left"), montage.index("glute_max_right")]
    tfl_left = montage.index("tfl_left")
    for trial, amp in enumerate([100.0, 250.0, 180.0]):
        a = int((trial * 36 + 1 + 1) * FS)  # 1 s into the contraction
        env[gmax_rows, a:a + int(FS)] = [[amp], [amp / 2]]
        env[tfl_left, a:a + int(FS)] = 999.0  # TFL is not being tested yet: ignored
    steps = _feed(wiz, env)
    assert wiz.step is MvcStep.DONE
    assert wiz.mvc_uv == pytest.approx({"glute_max_left": 250.0, "glute_max_right": 125.0})
    assert steps.count(MvcStep.CONTRACT) == 6
    # per-trial values: every trial keeps its own peak per channel, judged against rest 5 µV
    gmax = [t for t in wiz.trials if t.muscle is Muscle.GLUTE_MAX]
    assert [t.trial for t in gmax] == [1, 2, 3]
    assert [t.peak_uv["glute_max_left"] for t in gmax] == pytest.approx([100.0, 250.0, 180.0])
    assert [t.peak_uv["glute_max_right"] for t in gmax] == pytest.approx([50.0, 125.0, 90.0])
    assert all(t.accepted and t.rest_uv["glute_max_left"] == pytest.approx(5.0) for t in gmax)
    # TFL never rose above its 5 µV rest in its own trials: no MVC, never the rest value
    tfl = [t for t in wiz.trials if t.muscle is Muscle.TFL]
    assert len(tfl) == 3 and not any(t.accepted for t in tfl)
    assert "tfl_left" not in wiz.mvc_uv and np.isnan(wiz.mvc_array()[tfl_left])
    assert np.isnan(wiz.mvc_array()[montage.index("lumbar_es_left")])
    assert "No MVC for TFL L, TFL R" in wiz.state.text


def test_a_trial_at_rest_level_is_rejected_with_its_reason() -> None:
    montage = Montage.default()
    wiz = MvcWizard(_procs(Muscle.GLUTE_MED, trials=2, rest_s=2.0), montage, FS, prepare_s=2.0)
    wiz.start(0.0)
    env = np.full((8, int(2 * (2 + 5 + 2) * FS)), 7.0)  # rest 7 µV everywhere
    left, right = montage.index("glute_med_left"), montage.index("glute_med_right")
    env[left, int(3 * FS):int(4 * FS)] = 9.0  # trial 1: GMed L barely moves (9 µV)
    env[right, int(3 * FS):int(4 * FS)] = 120.0  # GMed R contracts
    env[left, int(12 * FS):int(13 * FS)] = 30.0  # trial 2: 30 µV: over rest + 20 but under 5 × rest
    _feed(wiz, env[:, :int(9 * FS)])
    st = wiz.state
    assert st.step is MvcStep.PREPARE and st.trial == 2
    first = st.trial_results[0]
    assert not first.accepted and set(first.rejected) == {"glute_med_left"}
    assert first.reason == "GMed L trial 1: peak 9 µV is not above rest 7 µV — muscle did not contract; redo"
    assert first.accepted_uv == pytest.approx({"glute_med_right": 120.0})
    assert st.rest_uv["glute_med_left"] == pytest.approx(7.0)
    _feed(wiz, env[:, int(9 * FS):], t0=9.0)
    assert wiz.step is MvcStep.DONE
    assert "glute_med_left" in wiz.trials[1].rejected  # 30 < 5 × 7 = 35 µV
    assert wiz.mvc_uv == pytest.approx({"glute_med_right": 120.0})  # never 9, 30 or 7 µV


def test_rest_shown_during_a_rest_after_a_rejected_trial_and_trace_kept() -> None:
    montage = Montage.default()
    wiz = MvcWizard(_procs(Muscle.TFL, trials=2, rest_s=5.0), montage, FS, prepare_s=1.0)
    wiz.start(0.0)
    env = np.full((8, int(7 * FS)), 3.0)
    _feed(wiz, env)
    st = wiz.state
    assert st.step is MvcStep.REST
    assert "TFL L trial 1: peak 3 µV is not above rest 3 µV" in st.text
    assert st.trace_channels == ("tfl_left", "tfl_right") and st.trace_uv.shape == (2, int(5 * FS))


def test_rest_is_the_relaxed_floor_of_the_countdowns() -> None:
    montage = Montage.default()
    wiz = MvcWizard(_procs(Muscle.GLUTE_MAX, trials=2, rest_s=0.0), montage, FS, prepare_s=2.0)
    wiz.start(0.0)
    row = montage.index("glute_max_left")
    env = np.full((8, int(14 * FS)), 6.0)
    env[row, :int(1.5 * FS)] = 80.0  # pushing for 1.5 s of the first 2 s countdown: rest still 6 µV
    env[row, int(3 * FS):int(4 * FS)] = 100.0
    env[row, int(7 * FS):int(9 * FS)] = 30.0  # tense through the second countdown: rest stays 6 µV
    env[row, int(10 * FS):int(11 * FS)] = 40.0  # over max(5 × 6, 6 + 20) µV: a contraction
    _feed(wiz, env)
    assert [t.rest_uv["glute_max_left"] for t in wiz.trials] == pytest.approx([6.0, 6.0])
    assert [set(t.accepted_uv) for t in wiz.trials] == [{"glute_max_left"}, {"glute_max_left"}]
    assert wiz.mvc_uv == pytest.approx({"glute_max_left": 100.0})


def test_redo_replaces_the_last_trial() -> None:
    montage = Montage.default()
    wiz = MvcWizard(_procs(Muscle.GLUTE_MAX, trials=2, rest_s=2.0), montage, FS, prepare_s=1.0)
    wiz.start(0.0)
    rows = [montage.index("glute_max_left"), montage.index("glute_max_right")]
    env = np.full((8, int(7.5 * FS)), 4.0)  # prepare 1 + contract 5 + 1.5 s of the 2 s rest
    env[rows, int(2 * FS):int(3 * FS)] = 60.0
    _feed(wiz, env)
    assert wiz.step is MvcStep.REST and [t.trial for t in wiz.trials] == [1]
    wiz.redo_trial(7.5)  # trial 1 again, after a new countdown
    assert wiz.step is MvcStep.PREPARE and wiz.state.trial == 1 and wiz.trials == []
    env = np.full((8, int((1 + 5 + 2 + 1 + 5) * FS)), 4.0)
    env[rows, int(2 * FS):int(3 * FS)] = 200.0  # the redone trial 1
    env[rows, int(10 * FS):int(11 * FS)] = 150.0  # trial 2
    _feed(wiz, env, t0=7.5)
    assert wiz.step is MvcStep.DONE
    assert [t.trial for t in wiz.trials] == [1, 2]
    assert [t.peak_uv["glute_max_left"] for t in wiz.trials] == pytest.approx([200.0, 150.0])
    assert wiz.mvc_uv["glute_max_left"] == pytest.approx(200.0)


def test_redo_during_a_contraction_starts_it_again() -> None:
    montage = Montage.default()
    wiz = MvcWizard(_procs(Muscle.GLUTE_MAX, trials=1, rest_s=0.0), montage, FS, prepare_s=1.0)
    wiz.start(0.0)
    _feed(wiz, np.full((8, int(3 * FS)), 4.0))
    assert wiz.step is MvcStep.CONTRACT
    wiz.redo_trial(3.0)
    assert wiz.step is MvcStep.PREPARE and wiz.state.trial == 1 and wiz.trials == []


class _EnvelopePipeline:
    """Treats the samples as the envelope (hand-made envelopes through the engine)."""

    def process(self, block):
        from emgfeedback.model import FeedbackFrame

        return FeedbackFrame(t_s=block.t_end, channels=block.channels, envelope_uv=block.data,
                             filtered_uv=block.data, level_uv=block.data[:, -1])


def _engine_run(engine, env: np.ndarray, t0: float, block: int = 100) -> None:
    from emgfeedback.model import SampleBlock

    for i in range(0, env.shape[1], block):
        seq = int(round(t0 * FS)) + i
        engine.process(SampleBlock(t0=seq / FS, fs=FS, data=env[:, i:i + block], seq=seq))


def test_engine_applies_only_accepted_values_and_cancel_keeps_the_old_mvc() -> None:
    from emgfeedback.model import StreamInfo
    from emgfeedback.session import SessionEngine

    montage = Montage.default()
    before = {"glute_max_left": 300.0, "glute_med_left": 90.0}
    engine = SessionEngine(StreamInfo(fs=FS, montage=montage), _EnvelopePipeline(), mvc_uv=before)
    procs = _procs(Muscle.GLUTE_MAX, Muscle.GLUTE_MED, trials=1, rest_s=0.0)
    rows = [montage.index("glute_max_left"), montage.index("glute_max_right")]
    # run 1: cancelled in the middle of GMed, after GMax contracted: the old MVC stays
    engine.start_mvc(procs)
    env = np.full((8, int(12 * FS)), 5.0)
    env[rows, int(4 * FS):int(5 * FS)] = 100.0
    _engine_run(engine, env[:, :int(10 * FS)], 0.0)
    assert engine.wizard.mvc_uv == pytest.approx({"glute_max_left": 100.0, "glute_max_right": 100.0})
    assert engine.mvc_uv == before  # nothing applied before the wizard is done
    engine.cancel_mvc()
    _engine_run(engine, env[:, int(10 * FS):], 10.0)
    assert engine.wizard.step is MvcStep.CANCELLED and engine.mvc_uv == before
    # run 2 to the end, GMed never contracts: GMax applied, GMed gets no MVC (not 5 µV, not the old 90)
    engine.start_mvc(procs)
    env = np.full((8, int(17 * FS)), 5.0)
    env[rows, int(5 * FS):int(6 * FS)] = 100.0
    _engine_run(engine, env, 12.0)
    assert engine.wizard.step is MvcStep.DONE
    assert engine.mvc_uv == pytest.approx({"glute_max_left": 100.0, "glute_max_right": 100.0})


def test_replace_mvc_is_all_or_nothing() -> None:
    from emgfeedback.model import StreamInfo
    from emgfeedback.session import SessionEngine

    engine = SessionEngine(StreamInfo(fs=FS, montage=Montage.default()), _EnvelopePipeline(),
                           mvc_uv={"tfl_left": 50.0})
    with pytest.raises(ValueError, match="MVC of glute_max_left must be a positive"):
        engine.replace_mvc({"tfl_right": 40.0, "glute_max_left": -1.0})
    assert engine.mvc_uv == {"tfl_left": 50.0}
    engine.replace_mvc({"tfl_right": 40.0})
    assert engine.mvc_uv == {"tfl_right": 40.0}
