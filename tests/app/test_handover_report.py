"""The Summary page's "Handover report" button through the real window: the patient on screen,
their visit under way (else the latest stored), PDF and HTML written 0600 off the UI thread,
opened, and one line saying where they went or what went wrong."""

from __future__ import annotations

import datetime as dt
import io
import re
import stat

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from emgfeedback.storage.database import SessionDatabase

URL = "sim://?scenario=lbp-lumbar-first&realtime=0&block=200"


@pytest.fixture()
def window(tmp_path, monkeypatch, open_dashboard):
    monkeypatch.setenv("EMGFEEDBACK_DB", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("EMGFEEDBACK_RECORDINGS", str(tmp_path / "rec"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    with SessionDatabase() as db:  # three visits whose glute max comes earlier each time
        for day, lat in ((2, 50.0), (9, 10.0), (16, -30.0)):
            sid = db.start_session("P-0042", started_at=dt.datetime(2026, 3, day, 9, 0))
            db.add_session_protocol(sid, "prone_hip_extension")
            for i in range(6):
                db.add_rep(sid, i, i, i + 2.0, protocol="prone_hip_extension",
                           sides={"left": {"gmax_minus_es_ms": lat}, "right": {"gmax_minus_es_ms": lat}})
            db.set_session_notes(sid, pain=2, text=f"note of day {day}")
            db.end_session(sid)
    win = open_dashboard(URL)
    opened = []
    win.handover.opener = opened.append
    yield win, opened, tmp_path
    win.bridge.disconnect_device()


def _text(path) -> str:
    return re.sub(r"\s+", " ", "".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages))


def test_the_button_writes_the_patients_latest_visit_and_opens_it(qtbot, window):
    win, opened, tmp = window
    win.show_view("summary")
    assert win.handover.isVisible() and win.handover.button.isEnabled()
    qtbot.keyClicks(win.patient.code, "p0042")
    qtbot.mouseClick(win.handover.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.handover.button.text() == "Handover report", timeout=20_000)
    pdf = tmp / "rec" / "P-0042_2026-03-16_handover.pdf"
    assert win.handover.message.text() == f"handover report: {pdf} (and .html)"
    assert [u.toLocalFile() for u in opened] == [str(pdf)]
    for p in (pdf, pdf.with_suffix(".html")):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    text = _text(pdf)
    assert "visit 3 of 3" in text and "6 of 6 reps on the left" in text and "note of day 16" in text
    assert "better than the previous visit; better than the first" in text


def test_a_visit_under_way_is_the_one_reported(qtbot, window):
    win, opened, tmp = window
    qtbot.keyClicks(win.patient.code, "P-0042")
    with SessionDatabase() as db:
        second = db.sessions("P-0042")[1].id
    win.visit_for("P-0042").session_id = second  # the visit the window is holding (not the latest)
    win.handover.make()
    qtbot.waitUntil(lambda: win.handover.button.isEnabled(), timeout=20_000)
    assert win.handover.last[0].name == "P-0042_2026-03-09_handover.pdf"
    text = _text(win.handover.last[0])
    assert "visit 2 of 2" in text and "note of day 9" in text


def test_problems_are_one_line_beside_the_button(qtbot, window):
    win, opened, tmp = window
    win.handover.make()  # no patient code
    assert win.handover.message.text() == "Enter the patient's code first: the handover report is about one patient."
    (tmp / "config" / "emgfeedback").mkdir(parents=True)
    (tmp / "config" / "emgfeedback" / "clinic.toml").write_text('name = "A"\nlogo = "gone.png"\n', encoding="utf-8")
    qtbot.keyClicks(win.patient.code, "P-0042")
    win.handover.make()
    qtbot.waitUntil(lambda: win.handover.button.isEnabled(), timeout=20_000)
    msg = win.handover.message.text()
    assert msg.startswith("No handover report: ") and "key 'logo': file" in msg and "\n" not in msg
    assert opened == [] and not (tmp / "rec").exists()
