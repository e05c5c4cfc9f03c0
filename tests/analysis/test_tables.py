"""JSON and CSV exports of trial results."""

import csv
import io
import json
import math

from emgfeedback.analysis import analyze_trial
from emgfeedback.analysis.tables import csv_columns, rep_rows, trial_to_dict, trial_to_json, write_csv
from emgfeedback.model import Muscle


def test_json_summary_holds_the_issue_fields(trial):
    _, res = trial("lbp-lumbar-first")
    obj = json.loads(trial_to_json(res))
    s = obj["summary"]
    for side in ("left", "right"):
        assert s[side]["first_to_fire"] == "lumbar_es"
        assert s[side]["gmax_minus_es_onset_ms"] > 0
        assert s[side]["tfl_to_glute_ratio"] is None  # TFL and glute med rest in this scenario
    for m in Muscle:
        assert "symmetry_index" in s[m.value]
    assert s["tfl"]["symmetry_index"] is None and abs(s["glute_max"]["symmetry_index"]) < 10
    assert obj["n_reps"] == len(obj["reps"]) == 10
    assert obj["reps"][0]["rep"] == 1 and obj["reps"][0]["firing_order"]["left"][0] == "lumbar_es"
    assert len(obj["onsets"]) == len(res.onsets)
    assert obj["channels_summary"]["glute_max_left"]["bursts"] == 10


def test_json_has_no_nan_anywhere(trial):
    _, res = trial("tfl-dominant-clamshell")
    text = trial_to_json(res)
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text)["summary"]["left"]["tfl_to_glute_ratio"] > 1.0
    assert "reps" not in trial_to_dict(res, details=False)


def test_csv_has_one_row_per_rep_of_every_file(trial):
    _, a = trial("lbp-lumbar-first")
    _, b = trial("tfl-dominant-clamshell")
    buf = io.StringIO()
    n = write_csv([a, b], buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert n == len(rows) == len(a.reps) + len(b.reps)
    assert list(rows[0]) == csv_columns([a, b])
    assert [r["file"] for r in rows].count("lbp-lumbar-first.edf") == len(a.reps)
    assert rows[0]["left_first_to_fire"] == "lumbar_es" and float(rows[0]["left_gmax_minus_es_ms"]) > 0
    clam = [r for r in rows if r["file"] == "tfl-dominant-clamshell.edf"]
    assert {r["side"] for r in clam} == {"left", "right"}
    for r in clam:  # ratio only on the working side; the other cell is empty
        other = "right" if r["side"] == "left" else "left"
        assert float(r[f"{r['side']}_tfl_to_glute_ratio"]) > 1.0 and r[f"{other}_tfl_to_glute_ratio"] == ""


def test_csv_columns_union_channels_of_different_files(trial, tmp_path):
    rec, a = trial("healthy")
    b = analyze_trial(rec.data[:2], rec.fs, ["Recto Femoral", "Biceps Femoral"], source="uci.txt")
    cols = csv_columns([a, b])
    assert "Recto Femoral_amplitude_uv" in cols and "glute_max_left_onset_s" in cols
    out = tmp_path / "t.csv"
    n = write_csv([a, b], out)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert n == len(rows) == len(a.reps) + len(b.reps)
    assert rows[-1]["glute_max_left_amplitude_uv"] == "" and rows[-1]["Recto Femoral_amplitude_uv"] != ""


def test_rep_rows_match_rep_metrics(trial):
    _, res = trial("left-glute-inhibition")
    for row, r in zip(rep_rows(res), res.reps):
        assert row["rep"] == r.index + 1
        assert math.isclose(row["glute_max_left_amplitude_uv"], r.mean_uv["glute_max_left"], rel_tol=1e-3)
        assert row["symmetry_glute_max"] < -30


def test_csv_text_cells_cannot_start_a_spreadsheet_formula(trial):
    import dataclasses

    _, res = trial("lbp-lumbar-first")
    evil = dataclasses.replace(res, source='=HYPERLINK("http://x","open")')
    buf = io.StringIO()
    write_csv([evil], buf)
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    assert len(rows) > 1 and all(r[0] == "'" + evil.source for r in rows[1:])


def test_csv_cell_quotes_formula_starts_only_in_text():
    from emgfeedback.analysis.tables import csv_cell

    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(text) == "'" + text
    assert csv_cell(-1.5) == -1.5 and csv_cell(0) == 0 and csv_cell(None) == "" and csv_cell("GMax L") == "GMax L"


def test_csv_header_cells_from_channel_labels_are_quoted_too(trial):
    import dataclasses

    _, res = trial("lbp-lumbar-first")
    evil = dataclasses.replace(res, channels=("=cmd",) + tuple(res.channels[1:]))
    buf = io.StringIO()
    write_csv([evil], buf)
    header = next(csv.reader(io.StringIO(buf.getvalue())))
    assert "'=cmd_onset_s" in header and "=cmd_onset_s" not in header
