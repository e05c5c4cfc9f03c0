import json

import numpy as np
import pytest

from emgfeedback.cli import main


def test_list_names_every_scenario(capsys):
    assert main(["simulate", "--list"]) == 0
    out = capsys.readouterr().out
    for name in ("healthy", "lbp-lumbar-first", "tfl-dominant-clamshell", "left-glute-inhibition", "glute-fatigue"):
        assert name in out


def test_json_truth_of_lbp_says_lumbar_first(capsys):
    assert main(["simulate", "--scenario", "lbp-lumbar-first", "--duration", "12", "--json"]) == 0
    truth = json.loads(capsys.readouterr().out)
    assert truth["first_to_fire"] == {"left": "lumbar_es", "right": "lumbar_es"}
    assert truth["duration_s"] == pytest.approx(12.0)
    es = [o for o in truth["onsets"] if o["channel"] == "lumbar_es_left"]
    gmax = [o for o in truth["onsets"] if o["channel"] == "glute_max_left"]
    assert es and len(es) == len(gmax)
    lags = [g["onset_s"] - e["onset_s"] for e, g in zip(es, gmax)]
    assert 0.06 < np.median(lags) < 0.10


def test_csv_export_round_trips(tmp_path, capsys):
    out = tmp_path / "healthy.csv"
    assert main(["simulate", "--scenario", "healthy", "--duration", "3", "--fs", "1000", "--out", str(out)]) == 0
    table = np.loadtxt(out, delimiter=",", skiprows=1)
    assert table.shape == (3000, 9)
    header = out.read_text().splitlines()[0]
    assert header.startswith("time_s,GMax L (uV),GMed L (uV)")
    truth = json.loads(out.with_suffix(".truth.json").read_text())
    assert truth["scenario"] == "healthy"


@pytest.mark.parametrize(
    "argv,message",
    [
        (["simulate", "--scenario", "nope"], "scenario must be one of healthy"),
        (["simulate", "--out", "x.wav", "--duration", "1"], "--out must end in .csv, .edf or .bdf"),
        (["simulate", "--duration", "-1"], "duration"),
        (["simulate", "--duration", "1e308"], "--duration must be a finite number s > 0 and ≤ 86400, got 1e+308"),
        (["simulate", "--serve", "--duration", "inf"], "--duration must be a finite number s > 0"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_out_and_truth_are_refused_when_they_exist_and_replaced_with_force(tmp_path, capsys):
    import os
    import stat

    out, truth = tmp_path / "s.csv", tmp_path / "s.truth.json"
    argv = ["simulate", "--duration", "1", "--fs", "1000", "--out", str(out)]
    truth.write_text("keep")  # only the truth file exists: nothing may be written
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "s.truth.json already exists" in err and "--force" in err and err.count("\n") == 1
    assert not out.exists() and truth.read_text() == "keep"
    truth.unlink()
    out.write_text("keep")
    assert main(argv) == 2
    assert "s.csv already exists" in capsys.readouterr().err and out.read_text() == "keep"
    assert main(argv + ["--force"]) == 0
    capsys.readouterr()
    assert np.loadtxt(out, delimiter=",", skiprows=1).shape == (1000, 9)
    assert json.loads(truth.read_text())["scenario"] == "healthy"
    assert {stat.S_IMODE(os.stat(p).st_mode) for p in (out, truth)} == {0o600}
    assert sorted(os.listdir(tmp_path)) == ["s.csv", "s.truth.json"]


def test_edf_out_is_owner_only_and_whole(tmp_path, capsys):
    import os
    import stat

    from emgfeedback.storage import read_edf

    out = tmp_path / "s.edf"
    assert main(["simulate", "--duration", "2", "--out", str(out)]) == 0
    capsys.readouterr()
    assert read_edf(out).data.shape == (8, 4000) and stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["s.edf", "s.truth.json"]
