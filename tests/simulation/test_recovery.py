"""``recovered(scenario, F)`` and ``sim://?recovery=F``: a simulated patient whose glute timing
improves between visits, seen in the simulator's ground truth."""

from __future__ import annotations

import numpy as np
import pytest

from emgfeedback.devices import open_device
from emgfeedback.model import Channel, Muscle, Side
from emgfeedback.simulation import LiveSimulator, get_scenario
from emgfeedback.simulation.recovery import recovered

FRACTIONS = (0.0, 0.25, 0.5, 0.75, 1.0)


def truth_latency_ms(sim: LiveSimulator, side: Side = Side.LEFT, t1_s: float = 40.0) -> float:
    """Median true onset of glute max minus lumbar ES per rep on ``side``, ms (from the truth)."""
    truth = sim.ground_truth(0.0, t1_s)
    lat = []
    for rep in truth.reps:
        on = {o.channel: o.onset_s for o in truth.onsets if rep.start_s <= o.onset_s < rep.end_s}
        gmax, es = Channel(Muscle.GLUTE_MAX, side).id, Channel(Muscle.LUMBAR_ES, side).id
        lat.append((on[gmax] - on[es]) * 1000.0)
    assert len(lat) >= 5
    return float(np.median(lat))


def test_the_true_gmax_minus_es_latency_falls_monotonically_with_recovery() -> None:
    base = get_scenario("lbp-lumbar-first")
    lat = [truth_latency_ms(LiveSimulator(recovered(base, f), seed=1)) for f in FRACTIONS]
    assert all(a > b + 20 for a, b in zip(lat, lat[1:])), lat  # 130 ms over 4 steps: ~32 ms each
    assert lat[0] == pytest.approx(80, abs=10)  # ES ~80 ms before GMax
    assert lat[-1] == pytest.approx(-50, abs=10)  # healthy: GMax ~50 ms before ES
    assert LiveSimulator(recovered(base, 1.0), seed=1).ground_truth(0, 40).first_to_fire[Side.RIGHT] is Muscle.GLUTE_MAX


def test_the_ends_are_the_scenario_and_its_healthy_counterpart() -> None:
    base = get_scenario("lbp-lumbar-first")
    assert recovered(base, 0.0) is base
    healthy = {(a.muscle, a.side): a for a in get_scenario("healthy").activations}
    for act in recovered(base, 1.0).activations:
        ref = healthy[act.muscle, act.side]
        assert (act.amplitude_uv, act.delay_s, act.ramp_s, act.ramp_p) == pytest.approx(
            (ref.amplitude_uv, ref.delay_s, ref.ramp_s, ref.ramp_p))
    half = {a.muscle: a for a in recovered(base, 0.5).activations}
    assert half[Muscle.GLUTE_MAX].ramp_s == pytest.approx((0.22 + 0.06) / 2)  # GMax ramp speeds up
    assert half[Muscle.GLUTE_MAX].amplitude_uv == pytest.approx(135.0)


def test_tfl_backs_off_in_clamshells_and_the_left_glutes_catch_up() -> None:
    clam = [recovered(get_scenario("tfl-dominant-clamshell"), f).tfl_to_glute_ratio(Side.LEFT) for f in FRACTIONS]
    assert all(a > b for a, b in zip(clam, clam[1:])) and clam[-1] == pytest.approx(0.5), clam
    left = get_scenario("left-glute-inhibition")
    amps = [recovered(left, f).amplitude_uv(Muscle.GLUTE_MAX, Side.LEFT) for f in FRACTIONS]
    assert amps[0] == 90.0 and amps[-1] == pytest.approx(150.0) and amps == sorted(amps)


@pytest.mark.parametrize("name, fraction, match", [
    ("glute-fatigue", 0.5, r"^scenario glute-fatigue has no healthy counterpart .*lbp-lumbar-first"),
    ("lbp-lumbar-first", 1.5, r"^recovery must be a fraction between 0 and 1, got 1.5$"),
    ("lbp-lumbar-first", float("nan"), r"^recovery must be a fraction between 0 and 1"),
])
def test_bad_recoveries_are_refused_in_one_line(name: str, fraction: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        recovered(get_scenario(name), fraction)


def test_the_url_option_reaches_the_simulated_patient() -> None:
    with open_device("sim://?scenario=lbp-lumbar-first&recovery=1&realtime=0&seed=1") as dev:
        assert truth_latency_ms(dev._sim) == pytest.approx(-50, abs=10)
    with pytest.raises(ValueError, match=r"^option recovery: scenario glute-fatigue has no healthy"):
        open_device("sim://?scenario=glute-fatigue&recovery=0.3")
    with pytest.raises(ValueError, match=r"^option recovery must be .* ≤ 1, got 2"):
        open_device("sim://?recovery=2")
