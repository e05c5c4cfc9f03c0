"""The Patients tab of the real window on a session database with a known history: the patient
list, a new patient (validated, one line why not), every visit of the selected patient, and
trend plots whose curves are the visits' numbers with the plan's goal dashed."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from PySide6.QtCore import Qt

from emgfeedback.app.bridge import SessionBridge
from emgfeedback.app.main_window import MainWindow
from emgfeedback.app.panels import RecentDevices
from emgfeedback.session.plan import ExercisePlan, PlanItem, plan_to_json
from emgfeedback.storage.database import SessionDatabase

#: Per visit: GMax − ES latency of the prone reps (ms, left = right), clamshell TFL:GMed, pain.
VISITS = [((60.0, 40.0, -10.0), 1.4, 6), ((20.0, -15.0, -30.0), 0.9, 4), ((-30.0, -45.0, -60.0), 0.5, 2)]
MVC = {"glute_max_left": 200.0, "glute_max_right": 190.0, "lumbar_es_left": 100.0, "lumbar_es_right": 110.0}


def fill(db: SessionDatabase) -> None:
    """P-0201: three visits a week apart (prone hip extension, clamshell); P-0202: one visit;
    P-0203: a patient with no visit yet."""
    db.set_plan("P-0201", plan_to_json(ExercisePlan((
        PlanItem("prone_hip_extension", 3, 1, 3.0, 5.0, "both", ("glute max first",)),
        PlanItem("clamshell", 2, 1, 3.0, 3.0, "left", ("TFL:GMed ≤ 0.6",)),
    ))))
    for k, (latencies, ratio, pain) in enumerate(VISITS):
        sid = db.start_session("P-0201", started_at=dt.datetime(2026, 11, 5 + 7 * k, 10, 0))
        db.add_session_protocol(sid, "prone_hip_extension")
        db.add_session_protocol(sid, "clamshell")
        db.add_mvc(sid, MVC, f"2026-11-{5 + 7 * k:02d}T10:05:00")
        i = 0
        for lat in latencies:
            first = "glute_max" if lat < 0 else "lumbar_es"
            db.add_rep(sid, i, 10.0 * i, 10.0 * i + 3, protocol="prone_hip_extension", set_number=1, rep_number=i + 1,
                       sides={s: {"gmax_minus_es_ms": lat, "first_to_fire": first} for s in ("left", "right")},
                       channels={"glute_max_left": {"peak_pct_mvc": 30.0 + 10 * k},
                                 "glute_max_right": {"peak_pct_mvc": 50.0}},
                       symmetry={"glute_max": -40.0 + 15 * k})
            i += 1
        for _ in range(2):
            db.add_rep(sid, i, 10.0 * i, 10.0 * i + 3, protocol="clamshell", side="left", set_number=1,
                       rep_number=i - 2, sides={"left": {"tfl_to_glute_ratio": ratio}})
            i += 1
        db.add_rep(sid, i, 10.0 * i, 10.0 * i + 1, protocol="clamshell", side="left", artefact="too short")
        db.set_session_notes(sid, pain=pain, rpe=5.0, text="felt the glutes work")
        db.end_session(sid)
    db.start_session("P-0202", started_at=dt.datetime(2026, 11, 20, 9, 0))
    db.patient_id("P-0203")


@pytest.fixture()
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("EMGFEEDBACK_DB", str(tmp_path / "db.sqlite3"))
    with SessionDatabase() as db:
        fill(db)
    win = MainWindow("sim://", bridge=SessionBridge(fps=60.0), recent=RecentDevices(tmp_path / "recent.json"),
                     scenarios=[])
    qtbot.addWidget(win)
    win.show()
    return win


def test_the_patient_list_and_a_patients_visits(window) -> None:
    win, page = window, window.patients_page
    win.show_view("patients")  # shown: read from the database
    rows = [[page.patients.item(r, c).text() for c in range(3)] for r in range(page.patients.rowCount())]
    assert rows == [["P-0201", "3", "2026-11-19"], ["P-0202", "1", "2026-11-20"], ["P-0203", "0", "–"]]
    page.select("P-0201")  # as a click: the code goes to the patient bar
    assert win.patient.patient_code() == "P-0201"
    assert page.headline.text() == "P-0201: 3 visits, last on 2026-11-19"
    newest = [page.visits.item(0, c).text() for c in range(page.visits.columnCount())]
    assert newest == ["2026-11-19", "Prone hip extension (firing-order test), Clamshell", "GMax 200 µV (2026-11-19)",
                      "5", "1", "0", "pain 2 · RPE 5 · felt the glutes work"]
    assert [page.visits.item(r, 0).text() for r in range(3)] == ["2026-11-19", "2026-11-12", "2026-11-05"]


def test_trend_plots_are_the_visits_numbers_with_the_plans_goals(window) -> None:
    win, page = window, window.patients_page
    win.patient.code.setText("P-0201")  # the patient bar chooses the patient too
    win.show_view("patients")
    lat = [float(np.median(v[0])) for v in VISITS]
    np.testing.assert_allclose([s.gmax_minus_es_ms["left"] for s in page.history], lat)
    plots = page.trends_grid.plots
    _x, y = plots["gmax_minus_es_ms.left"].curve.getData()
    np.testing.assert_allclose(y, lat)  # 40, -15, -45 ms
    _x, y = plots["glute_first_pct.right"].curve.getData()
    np.testing.assert_allclose(y, [100 / 3, 200 / 3, 100.0])
    ratio = plots["tfl_to_gmed.clamshell.left"]
    np.testing.assert_allclose(ratio.curve.getData()[1], [1.4, 0.9, 0.5])
    assert ratio.title.text() == "TFL:GMed ratio, Clamshell, left — lower is better"
    assert ratio.goal_line.value() == pytest.approx(0.6)  # the plan's "TFL:GMed ≤ 0.6", dashed
    assert ratio.goal_line.pen.style() == Qt.PenStyle.DashLine
    assert plots["gmax_minus_es_ms.left"].goal_line.value() == 0.0  # "glute max first"
    assert plots["glute_first_pct.left"].title.text().endswith("higher is better")
    pct = plots["pct_mvc.glute_max_left"]  # %MVC reached, symmetry: the same, per visit
    np.testing.assert_allclose(pct.curve.getData()[1], [30.0, 40.0, 50.0])
    assert pct.title.text().endswith("higher is better") and pct.goal_line is None  # no %MVC target in the plan
    sym = plots["symmetry_pct.glute_max"]
    np.testing.assert_allclose(sym.curve.getData()[1], [40.0, 25.0, 10.0])
    assert sym.title.text().endswith("lower is better")
    assert "tfl_to_gmed.clamshell.right" not in plots  # never measured: no empty plot
    assert page.trends_grid.empty.isHidden()
    # the bottom axis names each visit by number and date
    ticks = plots["gmax_minus_es_ms.left"].plot.getAxis("bottom")._tickLevels[0]
    assert [t[1] for t in ticks] == ["1: 11-05", "2: 11-12", "3: 11-19"]

    # a visit ending refreshes the page
    with SessionDatabase() as db:
        db.start_session("P-0201", started_at=dt.datetime(2026, 11, 26, 10, 0))
    win.end_visit()
    assert page.headline.text().startswith("P-0201: 4 visits")


def test_a_new_patient_is_validated_and_selected(qtbot, window) -> None:
    win, page = window, window.patients_page
    win.show_view("patients")
    qtbot.keyClicks(page.new_code, "Maria 1980-02-03")
    page.new_button.click()
    assert page.message.text().startswith("patient code refused")
    assert "\n" not in page.message.text() and win.patient.code.text() == ""
    with SessionDatabase() as db:
        assert db.patients() == ["P-0201", "P-0202", "P-0203"]
    page.new_code.clear()
    qtbot.keyClicks(page.new_code, "lbp7")
    qtbot.keyClick(page.new_code, Qt.Key.Key_Return)
    assert page.message.text() == "LBP-7 added." and win.patient.patient_code() == "LBP-7"
    assert page.headline.text() == "LBP-7: 0 visits" and page.trends_grid.empty.isVisible()
    assert win.plan_editor.code == "LBP-7"  # the Plan tab follows
    qtbot.keyClicks(page.new_code, "P-0202")
    page.new_button.click()
    assert page.message.text() == "P-0202 already exists: selected." and win.patient.patient_code() == "P-0202"


def test_the_dashboard_command_opens_a_patient_on_the_patients_tab(qtbot, tmp_path, monkeypatch) -> None:
    """``dashboard --view patients --patient CODE``: the window opens on that patient's visits."""
    import emgfeedback.app.run as mw
    from emgfeedback.cli import main
    from emgfeedback.commands import dashboard

    assert dashboard.VIEWS == mw.VIEWS  # --help lists every tab without importing Qt
    monkeypatch.setenv("EMGFEEDBACK_DB", str(tmp_path / "db.sqlite3"))
    with SessionDatabase() as db:
        fill(db)
    shown = []

    def fake_run(url, *, view, on_ready=None, **_kw):  # the window, without its event loop
        win = MainWindow(url, bridge=SessionBridge(fps=60.0), recent=RecentDevices(tmp_path / "r.json"), scenarios=[])
        qtbot.addWidget(win)
        win.show_view(view)
        if on_ready is not None:
            on_ready(win)
        shown.append(win)
        return 0

    monkeypatch.setattr(mw, "run_dashboard", fake_run)
    assert main(["dashboard", "--view", "patients", "--patient", "p0201"]) == 0
    (win,) = shown
    assert win.tabs.currentWidget() is win.patients_page
    assert win.patients_page.headline.text() == "P-0201: 3 visits, last on 2026-11-19"
    assert win.plan_editor.code == "P-0201" and len(win.plan_editor.items) == 2


def test_a_bad_patient_code_is_one_line_before_any_window(capsys, monkeypatch) -> None:
    import emgfeedback.app.run as mw
    from emgfeedback.cli import main

    monkeypatch.setattr(mw, "run_dashboard", lambda *a, **k: pytest.fail("the window opened"))
    assert main(["dashboard", "--patient", "John Smith"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "patient code refused" in err


def test_a_damaged_database_is_one_line_on_the_page(qtbot, tmp_path, monkeypatch) -> None:
    db_path = tmp_path / "db.sqlite3"
    db_path.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("EMGFEEDBACK_DB", str(db_path))
    win = MainWindow("sim://", bridge=SessionBridge(fps=60.0), recent=RecentDevices(tmp_path / "r.json"), scenarios=[])
    qtbot.addWidget(win)
    win.show_view("patients")
    text = win.patients_page.message.text()
    assert text.startswith("Cannot read the session database:") and "\n" not in text
    win.patient.code.setText("P-0201")  # the Plan tab says so too, and saves nothing
    text = win.plan_editor.message.text()
    assert text.startswith("Stored plan") and "is not a usable emgfeedback database" in text and "\n" not in text
    win.plan_editor.add_exercise("clamshell")
    assert not win.plan_editor.save() and win.plan_editor.message.text().startswith("Not saved:")
