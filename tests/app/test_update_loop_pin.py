"""The plain pyqtgraph curve-update loop that PySide6-Essentials 6.12.0 crashes in
("Fatal Python error: none_dealloc") on Python 3.11: 8 curves x 20,000 points, a few hundred
frames offscreen. This test checks the pin (<6.12) still holds; it runs in a subprocess so a
crash fails the test instead of killing pytest."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

LOOP = textwrap.dedent(
    """
    import numpy as np
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    win = pg.GraphicsLayoutWidget()
    win.resize(640, 480)
    curves = []
    for i in range(8):
        plot = win.addPlot(row=i, col=0)
        c = plot.plot(pen="y")
        c.setDownsampling(auto=True, method="peak")
        c.setClipToView(True)
        curves.append(c)
    win.show()
    x = np.linspace(-10, 0, 20000)
    rng = np.random.default_rng(0)
    data = rng.normal(0, 50, (8, 20000))
    for frame in range(200):
        data = np.roll(data, -40, axis=1)
        for i, c in enumerate(curves):
            c.setData(x, data[i])
        app.processEvents()
    print("frames", frame + 1)
    """
)


def test_plain_curve_update_loop_survives() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", LOOP], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, f"update loop crashed (PySide6 pin?): {proc.stderr[-2000:]}"
    assert "frames 200" in proc.stdout


def test_pyside6_pin_is_below_6_12() -> None:
    import PySide6

    major, minor = (int(v) for v in PySide6.__version__.split(".")[:2])
    assert (major, minor) < (6, 12), f"PySide6 {PySide6.__version__} installed; 6.12.0 crashes pyqtgraph loops"
