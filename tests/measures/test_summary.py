"""summarise: the one summary of reps (per side and per muscle)."""

import math

import pytest

from emgfeedback.measures import RepMetrics, summarise
from emgfeedback.model import FiringOrder, Muscle, Side

GM, ES = Muscle.GLUTE_MAX, Muscle.LUMBAR_ES


def _rep(i: int, lat_ms: float, ratio: float, sym: "float | None") -> RepMetrics:
    first, second = (GM, ES) if lat_ms < 0 else (ES, GM)
    fo = FiringOrder(Side.LEFT, (first, second), (0.0, abs(lat_ms) / 1000), i)
    return RepMetrics(index=i, start_s=i, end_s=i + 1, core_s=(i + 0.25, i + 0.75), firing_order={Side.LEFT: fo},
                      gmax_minus_es_ms={Side.LEFT: lat_ms}, tfl_to_glute_ratio={Side.LEFT: ratio},
                      symmetry_pct={} if sym is None else {Muscle.GLUTE_MED: sym})


def test_summary_medians_counts_and_glute_first_share() -> None:
    reps = [_rep(0, -50, 0.5, 10.0), _rep(1, -30, 0.7, None), _rep(2, 40, 0.9, 30.0)]
    s = summarise(reps)
    left = s.sides[Side.LEFT]
    assert s.n_reps == 3
    assert left.first_to_fire is GM and left.first_counts == {GM: 2, ES: 1} and left.n_ordered == 3
    assert left.gmax_minus_es_ms == pytest.approx(-30.0)
    assert left.glute_first_pct == pytest.approx(200 / 3)
    assert left.tfl_to_glute_ratio == pytest.approx(0.7)
    assert s.symmetry_pct == {Muscle.GLUTE_MED: pytest.approx(20.0)}  # reps with both sides only
    right = s.sides[Side.RIGHT]
    assert right.first_to_fire is None and math.isnan(right.gmax_minus_es_ms)
    assert Muscle.GLUTE_MAX not in s.symmetry_pct
