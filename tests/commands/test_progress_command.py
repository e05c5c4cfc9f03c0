"""emgfeedback progress CODE: a patient's visits and trends from the session database, the CSV
export under the overwrite policy, and one-line errors."""

import csv
import datetime as dt
import os
import stat

import pytest

from emgfeedback.cli import main
from emgfeedback.session.plan import ExercisePlan, PlanItem, plan_to_json
from emgfeedback.storage.database import SessionDatabase


def _one_line_error(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"emgfeedback {argv[0]}: error: ") and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.fixture()
def db_file(tmp_path):
    """Three visits of P-0042 whose glute max comes earlier each time; a plan with goals."""
    path = tmp_path / "db.sqlite3"
    with SessionDatabase(path) as db:
        for day, lat, ratio in ((2, 45.0, 1.0), (9, 5.0, 0.7), (16, -40.0, 0.5)):
            sid = db.start_session("P-0042", started_at=dt.datetime(2026, 3, day, 9, 0))
            db.add_session_protocol(sid, "prone_hip_extension")
            db.add_session_protocol(sid, "clamshell")
            db.add_mvc(sid, {"glute_max_left": 180.0, "glute_max_right": 170.0}, f"2026-03-{day:02d}T09:03:00")
            db.add_recording(sid, tmp_path / f"{day}.edf", 2000.0, 90.0)
            for i, side in enumerate(("left", "right", "left", "right")):
                db.add_rep(sid, i, i, i + 2.0, side=side, protocol="prone_hip_extension",
                           sides={side: {"gmax_minus_es_ms": lat + i}})
            for i in range(4, 7):
                db.add_rep(sid, i, i, i + 2.0, side="left", protocol="clamshell",
                           sides={"left": {"tfl_to_glute_ratio": ratio}})
            db.add_rep(sid, 7, 9.0, 9.1, side="left", protocol="clamshell", artefact="too short",
                       sides={"left": {"tfl_to_glute_ratio": 5.0}})
            if day == 2:
                db.set_session_notes(sid, pain=6, rpe=5, text="=cmd|' /C calc'!A0 low-back pain on bridging")
        plan = ExercisePlan((PlanItem("clamshell", 12, 2, 3.0, 3.0, "each", ("TFL:GMed ≤ 0.6",)),
                             PlanItem("prone_hip_extension", 5, 1, 3.0, 5.0, "each", ("gmax-es <= -20 ms",))))
        db.set_plan("P-0042", plan_to_json(plan))
        db.start_session("P-0001")
    return path


def test_text_shows_visits_plan_and_trends_toward_the_goal(db_file, capsys):
    assert main(["progress", "p0042", "--db", str(db_file)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("P-0042: 3 visits, 2026-03-02 to 2026-03-16\nplan:\n")
    assert "  Clamshell: 12 reps × 2 sets, sides each, hold 3 s, rest 3 s — TFL:GMed ≤ 0.6" in out
    assert "2026-03-02 09:00  visit 1: Prone hip extension (firing-order test), Clamshell" in out
    assert "  reps 7 counted, 1 flagged; MVC measured 2026-03-02 09:03; 1 recording" in out
    assert "  notes: pain 6/10; RPE 5 (Borg CR10); =cmd|' /C calc'!A0 low-back pain on bridging" in out
    assert ("  GMax − ES latency, left (ms; negative = glute max first): 46 ms → -39 ms; goal ≤ -20 ms — better"
            in out)
    assert "  TFL:GMed ratio, Clamshell, left: 1.00 → 0.50; goal ≤ 0.60 — better" in out
    assert "  Reps on target, Clamshell (%): 0 % → 100 % — better" in out
    assert "glute_max" not in out and "tfl_to_gmed" not in out  # human names only


def test_csv_exports_the_whole_history_owner_only(db_file, tmp_path, capsys):
    out = tmp_path / "history.csv"
    assert main(["progress", "P-0042", "--db", str(db_file), "--csv", str(out)]) == 0
    assert f"wrote {out}: 3 visits" in capsys.readouterr().out
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["date"] for r in rows] == ["2026-03-02", "2026-03-09", "2026-03-16"]
    assert [float(r["gmax_minus_es_ms.left"]) for r in rows] == [46.0, 6.0, -39.0]
    assert [float(r["tfl_to_gmed.clamshell.left"]) for r in rows] == [1.0, 0.7, 0.5]
    assert [float(r["on_target_pct.clamshell"]) for r in rows] == [0.0, 0.0, 100.0]
    assert rows[0]["mvc_uv.glute_max_left"] == "180.0" and rows[0]["mvc_measured_at"] == "2026-03-02T09:03:00"
    assert rows[0]["notes"].startswith("'=cmd")  # a spreadsheet does not run it
    assert rows[0]["pain"] == "6" and rows[1]["pain"] == ""
    assert rows[2]["recordings"].endswith("16.edf")
    _one_line_error(capsys, ["progress", "P-0042", "--db", str(db_file), "--csv", str(out)],
                    "already exists; choose another name or add --force")
    assert main(["progress", "P-0042", "--db", str(db_file), "--csv", str(out), "--force"]) == 0


@pytest.mark.parametrize("argv,message", [
    (["progress", "P-0043"], "no patient P-0043 in {db}; known: P-0001, P-0042"),
    (["progress", "John Smith"], "patient code"),
    (["progress", "P-0042", "--csv", "{tmp}/h.txt"], "--csv must end in .csv"),
    (["progress", "P-0042", "--csv", "{tmp}/no/such/h.csv"], "does not exist"),
])
def test_bad_input_is_one_line_and_exit_2(db_file, tmp_path, capsys, argv, message):
    argv = [a.format(tmp=tmp_path) for a in argv] + ["--db", str(db_file)]
    _one_line_error(capsys, argv, message.format(db=db_file))


def test_a_patient_without_visits_and_a_damaged_plan(tmp_path, capsys):
    path = tmp_path / "db.sqlite3"
    with SessionDatabase(path) as db:
        db.patient_id("P-0005")
    assert main(["progress", "P-0005", "--db", str(path)]) == 0
    assert capsys.readouterr().out.startswith("P-0005: 0 visits\nplan: none stored")
    with SessionDatabase(path) as db:
        db.set_plan("P-0005", '{"format": 1, "items": [{"protocol": "x"}]}')
    _one_line_error(capsys, ["progress", "P-0005", "--db", str(path)], "the stored plan of P-0005 cannot be read")
