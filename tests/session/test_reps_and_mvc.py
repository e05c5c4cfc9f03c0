"""Rep detection from envelopes and MVC calibration, with hand-made envelopes."""

from __future__ import annotations

import numpy as np
import pytest

from emgfeedback.calibration import load_mvc_procedures
from emgfeedback.model import Montage, Muscle
from emgfeedback.session import MvcStep, MvcWizard, RepDetector, peak_window_mean, percent_of_mvc

FS = 1000.0


def bursts(starts, length_s=3.0, duration_s=30.0, n_ch=2, amp=60.0, seed=0):
    t = np.arange(0, duration_s, 1 / FS)
    rng = np.random.default_rng(seed)
    env = 5.0 + rng.normal(0, 0.4, (n_ch, t.size))
    for s in starts:
        env[0, (t >= s) & (t < s + length_s)] += amp
    return env


def feed(det, env, seed=1):
    rng = np.random.default_rng(seed)
    out, i = [], 0
    while i < env.shape[1]:
        n = int(rng.integers(1, 300))
        out += det.process(i, env[:, i:i + n])
        i += n
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reps_found_at_their_edges_for_any_chunking(seed: int) -> None:
    starts = [2.0, 8.0, 14.0, 20.0]
    reps = feed(RepDetector(FS, [0, 1]), bursts(starts), seed)
    assert [r.index for r in reps] == [0, 1, 2, 3]
    assert [r.start_s for r in reps] == pytest.approx(starts, abs=0.002)
    assert [r.end_s for r in reps] == pytest.approx([s + 3 for s in starts], abs=0.002)


def test_short_blips_and_brief_dips_are_not_reps() -> None:
    env = bursts([5.0], length_s=0.1)  # 100 ms blip < min_on 250 ms
    assert feed(RepDetector(FS, [0]), env) == []
    env = bursts([5.0, 8.1], length_s=3.0)  # 0.1 s dip between two bursts < min_off 300 ms
    reps = feed(RepDetector(FS, [0]), env)
    assert len(reps) == 1 and reps[0].start_s == pytest.approx(5.0, abs=0.002)


def test_unwatched_rows_and_rest_level() -> None:
    env = bursts([5.0])
    det = RepDetector(FS, [1])
    assert feed(det, env) == []  # the burst is on row 0 only
    assert det.rest_uv == pytest.approx([5.0, 5.0], rel=0.1)


def test_flat_start_does_not_stick_active() -> None:
    env = bursts([4.0, 10.0])
    env[:, :200] = 0.0  # filters settling: zeros first
    reps = feed(RepDetector(FS, [0, 1]), env)
    assert len(reps) == 2


def test_bad_detector_arguments() -> None:
    with pytest.raises(ValueError, match="need on_factor > off_factor >= 1, got on_factor=2.0, off_factor=3.0"):
        RepDetector(FS, [0], on_factor=2.0, off_factor=3.0)
    with pytest.raises(ValueError, match="rows must name at least one"):
        RepDetector(FS, [])


def test_peak_window_mean_and_percent() -> None:
    x = np.zeros((1, 1000))
    x[0, 100:400] = 10.0
    assert peak_window_mean(x, FS, 0.2)[0] == pytest.approx(10.0)
    assert peak_window_mean(x, FS, 0.6)[0] == pytest.approx(5.0)
    assert percent_of_mvc(np.array([5.0, 5.0]), np.array([10.0, np.nan])) == pytest.approx([50.0, np.nan], nan_ok=True)
    with pytest.raises(ValueError, match="envelope must have shape"):
        peak_window_mean(np.zeros(5), FS, 0.5)


def test_mvc_wizard_takes_the_best_trial_per_channel() -> None:
    montage = Montage.default()
    procs = [p for m, p in load_mvc_procedures().items() if m in (Muscle.GLUTE_MAX, Muscle.TFL)]
    wiz = MvcWizard(procs, montage, FS, prepare_s=1.0)
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
    steps = []
    for i in range(0, env.shape[1], 137):
        steps += wiz.process(i / FS, env[:, i:i + 137])
    assert wiz.step is MvcStep.DONE
    assert wiz.mvc_uv["glute_max_left"] == pytest.approx(250.0)
    assert wiz.mvc_uv["glute_max_right"] == pytest.approx(125.0)
    assert wiz.mvc_uv["tfl_left"] == pytest.approx(5.0)
    assert steps.count(MvcStep.CONTRACT) == 6
    assert np.isnan(wiz.mvc_array()[montage.index("lumbar_es_left")])


@pytest.mark.parametrize("code", ["P-0042", "a1", "2024-17-X", "0123456789abcdef", "P_0042"])
def test_patient_codes_accepted(code: str) -> None:
    from emgfeedback.session import validate_patient_code

    assert validate_patient_code(f"  {code} ") == code


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "patient code is empty"),
        ("John Smith", "must be a de-identified code of 1-16 letters, digits, '-' or '_'.*never enter names"),
        ("JohnSmith", "has no digit and may be a name"),
        ("Anna-Maria", "has no digit and may be a name"),
        ("-0042", "must be a de-identified code"),
        ("Zoë1", "must be a de-identified code"),
        ("P-00000000000000042", "must be a de-identified code"),
        ("X", "patient code 'X' means unknown"),
    ],
)
def test_patient_codes_refused(text: str, message: str) -> None:
    from emgfeedback.session import validate_patient_code

    with pytest.raises(ValueError, match=message):
        validate_patient_code(text)
