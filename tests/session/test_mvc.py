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
