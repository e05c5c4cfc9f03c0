"""The tiny SVG helper."""

import numpy as np

from emgfeedback.analysis.svg import Plot, nice_ticks


def test_nice_ticks_are_round_and_cover_the_range():
    assert nice_ticks(0, 10, 5) == [0, 2, 4, 6, 8, 10]
    assert nice_ticks(-0.3, 0.9, 4) == [0, 0.5]  # step 0.3 rounds up to 0.5
    assert nice_ticks(-130, 130, 4) == [-100, 0, 100]
    assert nice_ticks(3, 3) == [3]


def test_coordinates_map_data_into_the_frame_both_ways_up():
    p = Plot(200, 100, (0, 10), (0, 1))
    assert p.x(0) == p.l and p.x(10) == 200 - p.r
    assert p.y(0) == 100 - p.b and p.y(1) == p.t
    down = Plot(200, 100, (0, 10), (1, 0))  # reps listed downwards
    assert down.y(1) == 100 - down.b and down.y(0) == down.t


def test_render_escapes_text_and_skips_non_finite_points():
    p = Plot(200, 100, (0, 1), (0, 1), title="a < b")
    p.line(np.array([0, 0.5, 1]), np.array([0, np.nan, 1]), "#000").points([0.5, np.nan], [0.5, 0.5], "#f00")
    svg = p.axes().render()
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "a &lt; b" in svg and svg.count("<circle") == 1 and "nan" not in svg.lower()
