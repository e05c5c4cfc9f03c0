"""The dashboard fits the screen: at 1366 × 768, 1600 × 1000 and 4K every important control is
visible, inside the window, clear of its neighbours and at least its minimum size; painted
labels fit their boxes in readable fonts; group-box headings clear their contents; a 300-character
connect error does not widen the window. Two tests run the real dashboard under Xvfb (the
offscreen platform has one fixed 800 × 800 screen)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QRectF
from PySide6.QtGui import QFontMetrics, QFontMetricsF
from PySide6.QtWidgets import QGroupBox, QStyle, QStyleOptionGroupBox, QWidget

from emgfeedback.app.bridge import SessionBridge
from emgfeedback.app.layout import MIN_FONT_PX
from emgfeedback.app.main_window import MainWindow
from emgfeedback.app.panels import RecentDevices
from emgfeedback.app.theme import MUTED, STYLE_SHEET
from emgfeedback.errors import DeviceTimeoutError
from emgfeedback.model import Side

SIZES = [(1366, 768), (1600, 1000)]
#: What a desktop takes from a 768 px high screen: a panel and the window's title bar, px.
DESKTOP_ALLOWANCE_PX = 64
FAST = "&realtime=0&block=200"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def styled(qapp):
    """The dashboard's style sheet (what ``run_dashboard`` sets), for this test only."""
    qapp.setStyleSheet(STYLE_SHEET)
    yield qapp
    qapp.setStyleSheet("")


def _window(qtbot, tmp_path: Path, **bridge_kw: object) -> MainWindow:
    win = MainWindow("sim://", bridge=SessionBridge(fps=60.0, **bridge_kw),
                     recent=RecentDevices(tmp_path / "recent.json"), scenarios=["healthy"],
                     recordings_dir=tmp_path, db_path=tmp_path / "sessions.sqlite")
    qtbot.addWidget(win)
    win.show()
    return win


def _running_window(qtbot, tmp_path: Path) -> MainWindow:
    """A window that ran two reps of the firing-order test: every view has something to show."""
    win = _window(qtbot, tmp_path)
    assert win.connect_device(f"sim://?scenario=healthy{FAST}")
    qtbot.waitUntil(lambda: win.info is not None, timeout=20_000)
    win.start_protocol("prone_hip_extension")
    qtbot.waitUntil(lambda: len(win.reps) >= 2, timeout=60_000)
    win.bridge.disconnect_device()
    qtbot.waitUntil(lambda: win.connect_panel.button.text() == "Connect", timeout=10_000)
    return win


def _controls(win: MainWindow) -> dict[str, QWidget]:
    return {"Connect": win.connect_panel.button, "device URL": win.connect_panel.url,
            "link state": win.connect_panel.status, "patient code": win.patient.code,
            "Record": win.patient.record, "exercise": win.protocol_panel.choice,
            "Start": win.protocol_panel.start, "Stop": win.protocol_panel.stop,
            "phase, timer and cue": win.protocol_panel.display, "traces": win.traces or win.trace_placeholder,
            "scale each lane": win.per_lane, "activation bars": win.bars, "firing order": win.timeline,
            "TFL:GMed left": win.gauges[Side.LEFT], "TFL:GMed right": win.gauges[Side.RIGHT],
            "symmetry": win.symmetry, "electrode lights": win.lights}


def _in_window(win: MainWindow, w: QWidget) -> QRect:
    return QRect(w.mapTo(win, QPoint(0, 0)), w.size())


def _layout_problems(win: MainWindow) -> list[str]:
    """Every way an important control is hidden, cut, squeezed or covered, in words."""
    problems = []
    controls = _controls(win)
    rects = {}
    for name, w in controls.items():
        rect = rects[name] = _in_window(win, w)
        if not w.isVisible():
            problems.append(f"{name} is hidden")
        if not win.rect().contains(rect):
            problems.append(f"{name} {rect} is not inside the window {win.rect()}")
        least = w.minimumSizeHint().expandedTo(w.minimumSize())
        if w.width() < least.width() or w.height() < least.height():
            problems.append(f"{name} is {w.size()}, less than its minimum {least}")
        siblings = [s for s in w.parentWidget().children()
                    if isinstance(s, QWidget) and s is not w and s.isVisible() and not s.isWindow()]
        problems += [f"{name} overlaps {type(s).__name__} {s.geometry()}" for s in siblings
                     if s.geometry().intersects(w.geometry())]
    names = list(rects)
    problems += [f"{a} overlaps {b}" for i, a in enumerate(names) for b in names[i + 1:]
                 if rects[a].intersects(rects[b])]
    return problems


def _text_problems(widget: QWidget) -> list[str]:
    """Painted labels that do not fit, leave the widget, are too small or cover each other."""
    name = type(widget).__name__
    boxes = widget.text_boxes()
    area = QRectF(widget.rect()).adjusted(-0.5, -0.5, 0.5, 0.5)
    problems = []
    for b in boxes:
        drawn = QFontMetricsF(b.font).boundingRect(b.rect, b.flags, b.text)
        if not b.fits() or not area.contains(drawn):
            problems.append(f"{name}: {b.text!r} ({b.font.pixelSize()} px) does not fit {b.rect} in {widget.size()}")
        if b.font.pixelSize() < MIN_FONT_PX:
            problems.append(f"{name}: {b.text!r} in {b.font.pixelSize()} px")
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a.rect.intersected(b.rect).width() > 0.5 and a.rect.intersected(b.rect).height() > 0.5:
                problems.append(f"{name}: {a.text!r} overlaps {b.text!r}")
    return problems


def _heading_problems(win: MainWindow) -> list[str]:
    """Group-box titles cut short or drawn over the box's contents."""
    problems = []
    for box in win.tabs.widget(0).findChildren(QGroupBox):
        opt = QStyleOptionGroupBox()
        box.initStyleOption(opt)
        title = box.style().subControlRect(QStyle.ComplexControl.CC_GroupBox, opt,
                                           QStyle.SubControl.SC_GroupBoxLabel, box)
        if QFontMetrics(box.font()).horizontalAdvance(box.title()) > title.width() or title.right() > box.width():
            problems.append(f"heading {box.title()!r} is cut ({title.width()} px)")
        for child in box.findChildren(QWidget):
            if child.parentWidget() is box and child.isVisible() and child.geometry().intersects(title):
                problems.append(f"heading {box.title()!r} overlaps {type(child).__name__}")
    return problems


@pytest.mark.parametrize("size", [*SIZES, (3840, 2160)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_control_fits_at_screen_size(qtbot, tmp_path, styled, size) -> None:
    win = _running_window(qtbot, tmp_path)
    hint = win.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 768 - DESKTOP_ALLOWANCE_PX, hint
    win.resize(*size)
    qtbot.waitUntil(lambda: (win.width(), win.height()) == size, timeout=5000)
    qtbot.wait(50)  # layouts settle
    assert _layout_problems(win) == []
    shown = (win.protocol_panel.display.phase_text, win.protocol_panel.display.phase_color,
             win.protocol_panel.display.timer_text, win.protocol_panel.display.counter_text,
             win.protocol_panel.display.cue_text)
    painted = [win.protocol_panel.display, win.bars, win.timeline, win.symmetry, win.lights, *win.gauges.values()]
    assert [p for w in painted for p in _text_problems(w)] == []
    assert _heading_problems(win) == []
    # every protocol's longest cue fits the phase display too
    display = win.protocol_panel.display
    cues = [c for p in win.protocols.values() for c in vars(p.cues).values()]
    display.set_texts("SET BREAK", MUTED, "10.0 s", "Rep 10 / 10   ·   Set 2 / 2   ·   right side",
                      max(cues, key=len))
    assert _text_problems(display) == []
    display.set_texts(*shown)
    # what those checks measured is on the screen: the cue, two rows of firing order, the gauges' numbers
    texts = {b.text for w in painted for b in w.text_boxes()}
    assert win.protocol_panel.display.cue_text in texts
    assert {"GMax", "right", "left", "TFL : GMed  left"} <= texts
    assert any(t.startswith("Rep 1 ") for t in texts) and any(" first by " in t for t in texts)
    # every lane label fits the traces' axis (pyqtgraph silently drops a wider one)
    axis = win.traces.getPlotItem().getAxis("left")
    font = QFontMetrics(axis.style["tickFont"])
    labels = [win.traces.lane_label(i) for i in range(len(win.traces.channels))]
    assert max(font.horizontalAdvance(t) for t in labels) <= axis.width() - 4


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_tab_fits_beside_the_patient_bar(qtbot, tmp_path, styled, size) -> None:
    """All tabs one click away without scroll arrows, idle and while recording (the recording
    indicator takes room beside the tabs only then)."""
    win = _window(qtbot, tmp_path)
    win.resize(*size)
    qtbot.waitUntil(lambda: (win.width(), win.height()) == size, timeout=5000)
    bar = win.tabs.tabBar()
    for recording in ("", "REC 01:23 · 2.4 MB"):
        win.patient.indicator.set_text(recording)
        qtbot.wait(50)  # layouts settle
        assert bar.width() >= bar.sizeHint().width(), (recording, bar.width(), bar.sizeHint().width())
        last = bar.tabRect(bar.count() - 1)
        assert last.right() <= bar.width(), (recording, last, bar.width())


def test_long_connect_error_does_not_widen_the_window(qtbot, tmp_path, styled) -> None:
    reason = ("the port answered with" + " garbage" * 40).strip()
    assert len(reason) >= 300

    def fail(url):
        raise DeviceTimeoutError(reason)

    win = _window(qtbot, tmp_path, open_device=fail)
    win.resize(*SIZES[0])
    qtbot.waitUntil(lambda: (win.width(), win.height()) == SIZES[0], timeout=5000)
    assert win.connect_device("serial:///dev/ttyUSB0")
    qtbot.waitUntil(lambda: win.connect_panel.button.text() == "Connect"
                    and reason in win.connect_panel.status.text(), timeout=10_000)
    qtbot.wait(50)
    status = win.connect_panel.status
    assert (win.width(), win.height()) == SIZES[0] and win.minimumSizeHint().width() <= SIZES[0][0]
    assert status.toolTip() == status.text() == f"cannot open serial:///dev/ttyUSB0: {reason}"
    shown = status.elided_text()  # cut in the middle: "cannot open" and the end of the reason stay
    assert shown.startswith("cannot open") and "…" in shown and shown.endswith(" garbage")
    assert win.trace_placeholder.text() == status.text() and win.trace_placeholder.wordWrap()  # in full
    assert win.rect().contains(_in_window(win, win.patient.record)) and win.patient.record.isVisible()
    assert _layout_problems(win) == []
    # a long patient message and status line do not widen it either
    win.patient.show_message("recording stopped: " + "the disk is full " * 20, error=True)
    win.status.setText("stream " + "1234.5 s · " * 40)
    qtbot.wait(50)
    assert (win.width(), win.height()) == SIZES[0] and _layout_problems(win) == []


# ---------------------------------------------------------------------------- under Xvfb
XVFB_SCRIPT = r"""
import json, sys
from PySide6.QtCore import QPoint, QTimer
from emgfeedback.app.run import run_dashboard

out = {}

def ready(win):
    def check():
        r = win.patient.record
        top_left = r.mapToGlobal(QPoint(0, 0))
        scr, frame = win.screen().availableGeometry(), win.frameGeometry()
        out.update(screen=[scr.x(), scr.y(), scr.width(), scr.height()],
                   frame=[frame.x(), frame.y(), frame.width(), frame.height()],
                   record=[top_left.x(), top_left.y(), r.width(), r.height(), r.isVisible()],
                   status=win.connect_panel.status.text(), platform=win.windowHandle().screen().name())
    QTimer.singleShot(int(float(sys.argv[2]) * 1000), check)

code = run_dashboard(sys.argv[1], exit_after=float(sys.argv[2]) + 1.0, on_ready=ready)
print("RESULT " + json.dumps(out))
sys.exit(code)
"""


@pytest.mark.parametrize("screen, url", [
    ((1366, 768), "serial:///dev/ttyUSB0?baud=115200&" + "x" * 260),  # a ~300-character error
    ((1600, 1000), "sim://?scenario=lbp-lumbar-first"),
], ids=["1366x768-long-error", "1600x1000"])
def test_dashboard_fits_a_real_screen_under_xvfb(tmp_path, screen, url, xvfb_run) -> None:
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               EMGFEEDBACK_DB=str(tmp_path / "sessions.sqlite"), EMGFEEDBACK_RECORDINGS=str(tmp_path),
               PYTHONPATH=str(ROOT))
    cmd = [xvfb_run, "-a", "-s", f"-screen 0 {screen[0]}x{screen[1]}x24", sys.executable, "-c", XVFB_SCRIPT,
           url, "2.5"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, f"dashboard under Xvfb failed:\n{proc.stdout}\n{proc.stderr}"
    out = json.loads(lines[-1][7:])
    sx, sy, sw, sh = out["screen"]
    assert (sw, sh) == screen
    fx, fy, fw, fh = out["frame"]
    assert sx <= fx and sy <= fy and fx + fw <= sx + sw and fy + fh <= sy + sh, out  # never outgrows the screen
    assert fw >= sw * 0.9 and fh >= sh * 0.9, out  # and uses it
    rx, ry, rw, rh, visible = out["record"]
    assert visible and fx <= rx and rx + rw <= fx + fw and ry + rh <= fy + fh, out  # Record on screen
    if url.startswith("serial"):
        assert out["status"].startswith("cannot open serial:///dev/ttyUSB0") and len(out["status"]) >= 300, out


# ---------------------------------------------------------------------------- the helpers
def test_elided_label_keeps_its_size_and_its_full_text(qtbot) -> None:
    from PySide6.QtCore import QSize, Qt

    from emgfeedback.app.layout import ElidedLabel, window_size

    label = ElidedLabel("ok", min_width=60, hint_width=200, elide=Qt.TextElideMode.ElideMiddle)
    qtbot.addWidget(label)
    hint, least = label.sizeHint(), label.minimumSizeHint()
    long = "cannot open serial:///dev/ttyUSB0: " + "x" * 300 + " is the board powered?"
    label.setText(long)
    assert (label.sizeHint(), label.minimumSizeHint()) == (hint, least) == (QSize(200, hint.height()),
                                                                             QSize(60, hint.height()))
    label.resize(240, hint.height())
    shown = label.elided_text()
    assert label.text() == label.toolTip() == long and "…" in shown and shown.endswith("powered?")
    assert QFontMetrics(label.font()).horizontalAdvance(shown) <= 240
    assert window_size(QSize(1366, 728), QSize(0, 37)) == QSize(1366, 691)
