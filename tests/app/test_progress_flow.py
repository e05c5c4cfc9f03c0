"""Issue 13's must-show, through the real window: a new patient (P-0101), their plan (prone hip
extension 5 reps × 1 set each side, "glute max first"; clamshell "TFL:GMed ≤ 0.6"), three visits
on a simulated low-back-pain patient whose glute timing improves between visits
(``sim://?scenario=lbp-lumbar-first&recovery=0|0.5|1``), the plan's warning sound heard for exactly
the reps where lumbar ES fired first (rendered to WAV and counted), the Patients tab showing the
improvement (3 visits, % glute-first rising and GMax − ES latency falling in the page's data and in
the plotted curves, with the plan's goal line) and the handover report made from the Summary tab
(its PDF's text: patient, visit 3 of 3, verdicts, comparison with the first and previous visit,
notes).

``EMGFEEDBACK_PROGRESS_SCREENSHOTS=DIR`` saves the Patients and Plan tabs as
``DIR/progress-page.png`` and ``DIR/plan-editor.png`` (docs/dashboard.md gives the command).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from audio_checks import warning_pulses

from emgfeedback.app.bridge import SessionBridge
from emgfeedback.audio import AudioFeedback, render_to_wav
from emgfeedback.app.main_window import MainWindow
from emgfeedback.app.panels import RecentDevices

URL = "sim://?scenario=lbp-lumbar-first&follow=1&realtime=0&block=200&recovery={}"
RECOVERY = ("0", "0.5", "1")


def counted(win: MainWindow) -> int:
    return sum(not r.artefact for r in win.reps)


def curve_y(win: MainWindow, key: str) -> np.ndarray:
    """The y values of a trend as plotted on the Patients tab."""
    _x, y = win.patients_page.trends_grid.plots[key].curve.getData()
    return np.asarray(y, dtype=float)


def test_three_visits_of_an_improving_patient_show_on_the_patients_tab(qtbot, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("EMGFEEDBACK_DB", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("EMGFEEDBACK_RECORDINGS", str(tmp_path / "rec"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    win = MainWindow(URL.format(0), bridge=SessionBridge(fps=60.0), recent=RecentDevices(tmp_path / "recent.json"),
                     scenarios=[])
    qtbot.addWidget(win)
    win.show()
    screen = os.environ.get("EMGFEEDBACK_PROGRESS_SCREEN")  # under Xvfb: the window fits that screen
    if screen:
        w, h = (int(v) for v in screen.split("x"))
        assert (win.screen().geometry().width(), win.screen().geometry().height()) == (w, h)
        from emgfeedback.app.layout import fit_to_screen

        fit_to_screen(win)
    page, ed, audio = win.patients_page, win.plan_editor, win.audio_controls
    audio.output.device = "null"  # the paced renderer: no sound card in tests
    audio.sound.setChecked(True)
    assert audio.output.active

    # a new patient, created on the Patients tab: its code goes to the patient bar
    win.show_view("patients")
    qtbot.keyClicks(page.new_code, "Jane Doe")
    page.new_button.click()
    assert page.message.text().startswith("patient code refused: it has no digits") and win.patient.code.text() == ""
    page.new_code.clear()
    qtbot.keyClicks(page.new_code, "p0101")
    page.new_button.click()
    assert win.patient.patient_code() == "P-0101" and page.message.text() == "P-0101 added."

    # the plan
    win.show_view("plan")
    ed.add_exercise("prone_hip_extension")
    ed.targets.setText("glute max first")
    ed.audio["warning"].setChecked(True)  # a warning sound when ES fires before glute max
    ed.add_exercise("clamshell")
    ed.targets.setText("TFL:GMed ≤ 0.6")
    ed.save_button.click()
    assert ed.message.text() == "Plan of P-0101 saved (2 exercises)."
    prone = ed.items[0]
    assert (prone.protocol, prone.reps, prone.sets, prone.sides, prone.audio) == (
        "prone_hip_extension", 5, 1, "each", ("warning",))

    # three visits, the patient recovering between them
    es_first_reps = []
    for f in RECOVERY:
        win.show_view("live")
        assert win.connect_device(URL.format(f))
        qtbot.waitUntil(lambda: win.info is not None, timeout=20_000)
        seen = []  # what the session fed the audio, to render it again in stream time
        win.bridge.live.add_listener(lambda update, engine, seen=seen: seen.append((update, engine.protocol)))
        win.protocol_panel.select("prone_hip_extension")
        warnings_before = [k for k, _ in audio.feedback.log].count("warning")
        win.protocol_panel.start.click()
        qtbot.waitUntil(lambda: win.protocol_panel.display.phase_text == "DONE", timeout=60_000)
        qtbot.waitUntil(lambda: counted(win) == 10, timeout=20_000)
        # the plan's sound: a warning for exactly the reps where lumbar ES fired first
        assert audio.feedback.modes == ("warning",)
        es_first = sum(r.latency_ms(r.side) > 0 for r in win.reps if not r.artefact)
        assert [k for k, _ in audio.feedback.log].count("warning") - warnings_before == es_first
        heard = AudioFeedback()
        heard.configure("prone_hip_extension", audio.feedback.modes_for(win.protocol))
        render_to_wav(tmp_path / f"visit-{f}.wav", heard, seen)
        assert warning_pulses(tmp_path / f"visit-{f}.wav") == 2 * es_first
        es_first_reps.append(es_first)
        win.show_view("plan")
        ed.notes.pain.setValue({"0": 6, "0.5": 4, "1": 2}[f])
        ed.notes.save.click()
        ed.notes.end.click()  # the visit ends; the next one is a new visit
        assert win.visit is None
        win.bridge.disconnect_device()
        qtbot.waitUntil(lambda: not win.bridge.is_connected, timeout=10_000)

    # the Patients tab, refreshed when shown
    win.show_view("patients")
    assert page.headline.text().startswith("P-0101: 3 visits")
    row = [page.patients.item(0, c).text() for c in range(3)]
    assert row[:2] == ["P-0101", "3"]
    assert page.visits.rowCount() == 3 and page.visits.item(0, 6).text().startswith("pain 2")  # newest first
    assert [s.n_reps for s in page.history] == [10, 10, 10]
    assert all("Prone hip extension" in page.visits.item(r, 1).text() for r in range(3))

    for side in ("left", "right"):
        latency = [s.gmax_minus_es_ms[side] for s in page.history]
        first = [s.glute_first_pct[side] for s in page.history]
        assert latency[0] > 0 > latency[-1] and latency[0] > latency[1] > latency[2], latency
        assert first[0] <= first[1] <= first[2] and first[0] < 50 < first[2], first
        # the same numbers are what is plotted
        np.testing.assert_allclose(curve_y(win, f"gmax_minus_es_ms.{side}"), latency)
        np.testing.assert_allclose(curve_y(win, f"glute_first_pct.{side}"), first)
        plot = page.trends_grid.plots[f"glute_first_pct.{side}"]
        assert plot.trend.better == "higher" and "higher is better" in plot.title.text()
        plot = page.trends_grid.plots[f"gmax_minus_es_ms.{side}"]
        assert plot.trend.better == "lower" and "lower is better" in plot.title.text()
        # "glute max first": the goal is below 0 ms, dashed; the last visit reached it
        assert plot.goal_line is not None and plot.goal_line.value() == 0.0
        assert plot.goal_line.pen.style() == Qt.PenStyle.DashLine and latency[-1] < plot.goal_line.value()

    assert es_first_reps[0] == 10 and es_first_reps[-1] == 0, es_first_reps  # warned every rep, then none

    # the handover report of the last visit, from the Summary tab
    win.handover.opener = lambda url: None
    win.show_view("summary")
    win.handover.button.click()
    qtbot.waitUntil(lambda: win.handover.button.text() == "Handover report", timeout=30_000)
    pdf = win.handover.last[0]
    assert pdf.suffix == ".pdf" and pdf.name.startswith("P-0101_")
    text = re.sub(r"\s+", " ", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages))
    for expected in ("Patient P-0101", "visit 3 of 3", "glute max fired before the lower back in 5 of 5 reps on the left",
                     "goal met", "better than the previous visit; better than the first", "Pain: 2 / 10"):
        assert expected in text, expected
    assert "glute_max" not in text and "lumbar_es" not in text  # names a person reads

    shots = os.environ.get("EMGFEEDBACK_PROGRESS_SCREENSHOTS")
    if shots:
        from PySide6.QtWidgets import QApplication

        from emgfeedback.app.theme import STYLE_SHEET

        QApplication.instance().setStyleSheet(STYLE_SHEET)  # as the dashboard command sets it
        win.show_view("patients")
        qtbot.wait(300)
        assert win.grab().save(str(Path(shots) / "progress-page.png"))
        win.show_view("plan")
        ed.select("prone_hip_extension")
        qtbot.wait(300)
        assert win.grab().save(str(Path(shots) / "plan-editor.png"))
        QApplication.instance().setStyleSheet("")


@pytest.mark.parametrize("screen", ["1366x768"])
def test_the_progress_flow_on_a_real_x_screen(screen: str, xvfb_run: str) -> None:
    """The same flow on an X server (Xvfb) of a laptop's size, not only on Qt's offscreen platform."""
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", EMGFEEDBACK_PROGRESS_SCREEN=screen)
    cmd = [xvfb_run, "-a", "-s", f"-screen 0 {screen}x24", sys.executable, "-m", "pytest", "-q", "-p",
           "no:cacheprovider", f"{__file__}::test_three_visits_of_an_improving_patient_show_on_the_patients_tab"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert re.search(r"\b1 passed", proc.stdout), proc.stdout
