"""emgfeedback analyze: simulate → EDF+ → analyze, many files → CSV, HTML report, real files, bad input."""

import csv
import json
import re

import pytest

from emgfeedback.cli import main
from emgfeedback.simulation import simulate
from emgfeedback.storage import truth_annotations, write_edf


def _edf(tmp_path, scenario, name=None, labels=None, **kw):
    rec = simulate(scenario, **kw)
    path = tmp_path / (name or f"{scenario}.edf")
    write_edf(path, rec.data, rec.fs, labels or rec.montage.labels, truth_annotations(rec.truth, rec.montage))
    return rec, path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("analyze")
    # fast ramps: the truth's 80 ms lead is then what an onset detector can see; accuracy on
    # gradual ramps is measured elsewhere (tests/dsp, bench --accuracy)
    return {sc: _edf(d, sc, ramp="fast") for sc in ("lbp-lumbar-first", "tfl-dominant-clamshell")}


def _json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_edf_round_trip_recovers_lumbar_first(files, capsys):
    rec, path = files["lbp-lumbar-first"]
    assert main(["analyze", str(path), "--json"]) == 0
    (obj,) = _json_lines(capsys.readouterr().out)
    assert obj["n_reps"] == len(rec.truth.reps)
    for side in ("left", "right"):
        assert obj["summary"][side]["first_to_fire"] == "lumbar_es"
        assert 60 < obj["summary"][side]["gmax_minus_es_onset_ms"] < 100  # truth: ES 80 ms first


def test_edf_round_trip_recovers_tfl_ratio(files, capsys):
    rec, path = files["tfl-dominant-clamshell"]
    assert main(["analyze", str(path), "--json"]) == 0
    (obj,) = _json_lines(capsys.readouterr().out)
    for side, truth in rec.truth.tfl_to_glute_ratio.items():
        assert obj["summary"][side.value]["tfl_to_glute_ratio"] == pytest.approx(truth, rel=0.10)


def test_many_files_make_one_csv_and_one_report(files, tmp_path, capsys):
    paths = [str(p) for _, p in files.values()]
    out_csv, out_html = tmp_path / "reps.csv", tmp_path / "report.html"
    assert main(["analyze", *paths, "--csv", str(out_csv), "--report", str(out_html)]) == 0
    text = capsys.readouterr().out
    assert "first to fire lumbar erector spinae" in text and f"wrote {out_csv} (20 rows, one per rep)" in text
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    assert len(rows) == 20 and {r["file"] for r in rows} == set(paths)
    html = out_html.read_text(encoding="utf-8")
    assert html.count("<section") == 2 and not re.search(r"(src|href)\s*=", html)


def test_json_stdout_stays_parseable_when_writing_files(files, tmp_path, capsys):
    _, path = files["lbp-lumbar-first"]
    assert main(["analyze", str(path), "--json", "--csv", str(tmp_path / "x.csv")]) == 0
    cap = capsys.readouterr()
    assert len(_json_lines(cap.out)) == 1 and "wrote" in cap.err


def test_mne_reads_the_same_signal_and_gives_the_same_story(files):
    mne = pytest.importorskip("mne")
    from emgfeedback.analysis import analyze_trial

    _, path = files["lbp-lumbar-first"]
    raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
    res = analyze_trial(raw.get_data() * 1e6, raw.info["sfreq"], raw.ch_names)
    assert all(s.first_to_fire.value == "lumbar_es" for s in res.sides.values())


def test_relabelled_channels_with_channels_option(tmp_path, capsys):
    rec, path = _edf(tmp_path, "healthy", labels=[f"EMG{i}" for i in range(8)])
    assert main(["analyze", str(path), "--json", "--channels", ",".join(rec.montage.labels)]) == 0
    (obj,) = _json_lines(capsys.readouterr().out)
    assert obj["summary"]["left"]["first_to_fire"] == "glute_max"


def test_mvc_file_enables_the_activation_index(files, tmp_path, capsys):
    rec, path = files["tfl-dominant-clamshell"]
    mvc = tmp_path / "mvc.json"
    mvc.write_text(json.dumps({label: 300.0 for label in rec.montage.labels}), encoding="utf-8")
    assert main(["analyze", str(path), "--json", "--mvc", str(mvc)]) == 0
    (obj,) = _json_lines(capsys.readouterr().out)
    assert obj["summary"]["left"]["gluteal_to_tfl_index"] < 0
    # the text names the MVC the index was computed from, once, before the trials
    assert main(["analyze", str(path), "--mvc", str(mvc), "--no-cache"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"MVC used (µV, from {mvc}): " + ", ".join(f"{c} 300" for c in rec.montage.labels)
    assert "gluteal-to-TFL index" in "\n".join(out[1:])


@pytest.mark.parametrize("name", ["3Amar.txt", "5Nsen.txt"])
def test_real_uci_file_gives_onsets_and_says_what_needs_glute_channels(real_data_dir, name, capsys):
    path = real_data_dir / "uci_lower_limb" / name
    assert main(["analyze", str(path), "--json"]) == 0
    (obj,) = _json_lines(capsys.readouterr().out)
    assert obj["glute_channels"] is False and obj["n_reps"] >= 1
    assert sum(c["bursts"] for c in obj["channels_summary"].values()) >= 4
    assert obj["summary"]["left"]["first_to_fire"] is None
    assert any("firing order, TFL-to-glute ratio" in n for n in obj["notes"])
    assert all(20 <= c["median_mdf_hz"] < 300 for c in obj["channels_summary"].values() if c["median_mdf_hz"])


def _one_line_error(capsys, argv, match):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("emgfeedback analyze: error: "), err
    assert re.search(match, err), err


def test_a_bad_file_in_a_batch_is_named_and_the_others_are_still_analysed(files, tmp_path, capsys):
    good = str(files["lbp-lumbar-first"][1])
    out_csv = tmp_path / "reps.csv"
    rc = main(["analyze", str(tmp_path / "gone.edf"), good, "--csv", str(out_csv)])
    captured = capsys.readouterr()
    assert rc == 2
    assert re.search(r"error: no such recording: .*gone\.edf", captured.err)
    assert "1 of 2 files could not be analysed" in captured.err
    assert "first to fire lumbar erector spinae" in captured.out
    assert len(list(csv.DictReader(out_csv.open(encoding="utf-8")))) == 10


def test_missing_file(tmp_path, capsys):
    _one_line_error(capsys, ["analyze", str(tmp_path / "gone.edf")], r"no such recording: .*gone\.edf")


def test_non_edf_file(tmp_path, capsys):
    p = tmp_path / "notes.edf"
    p.write_text("hello, not a recording\n", encoding="utf-8")
    _one_line_error(capsys, ["analyze", str(p)], r"notes\.edf is not a recording emgfeedback reads: expected an EDF")


def test_empty_file(tmp_path, capsys):
    p = tmp_path / "empty.edf"
    p.write_bytes(b"")
    _one_line_error(capsys, ["analyze", str(p)], r"empty\.edf is empty \(0 bytes\)")


def test_truncated_edf_header(files, tmp_path, capsys):
    _, path = files["lbp-lumbar-first"]
    cut = tmp_path / "cut.edf"
    cut.write_bytes(path.read_bytes()[:300])  # inside the signal headers
    assert main(["analyze", str(cut)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cut.edf" in err


def test_wrong_channel_labels(tmp_path, capsys):
    _, path = _edf(tmp_path, "healthy", labels=["GMax", "GMed", "TFL", "ES", "Glute R1", "Glute R2", "Glute R3",
                                                "Glute R4"])
    _one_line_error(capsys, ["analyze", str(path)],
                    r"healthy\.edf: channel label\(s\) 'GMax', .* name a glute muscle.*labels found: .*"
                    r"expected labels like: GMax L, GMed L")


def test_recording_without_reps(tmp_path, capsys):
    _, path = _edf(tmp_path, "healthy", name="rest.edf", duration_s=2.5)
    _one_line_error(capsys, ["analyze", str(path)], r"no reps found in .*rest\.edf")


def test_bad_options(files, tmp_path, capsys):
    _, path = files["lbp-lumbar-first"]
    _one_line_error(capsys, ["analyze", str(path), "--channels", "GMax L,GMed L"],
                    r"--channels names 2 channel\(s\) but .* has 8")
    _one_line_error(capsys, ["analyze", str(path), "--report", str(tmp_path / "r.docx")],
                    r"--report must end in \.html, \.htm or \.pdf, got .*r\.docx")
    bad = tmp_path / "mvc.json"
    bad.write_text("{not json", encoding="utf-8")
    _one_line_error(capsys, ["analyze", str(path), "--mvc", str(bad)], r"--mvc .* is not valid JSON")


def test_simulate_out_edf_then_analyze(tmp_path, capsys):
    path = tmp_path / "sim.edf"
    assert main(["simulate", "--scenario", "lbp-lumbar-first", "--out", str(path)]) == 0
    capsys.readouterr()
    assert main(["analyze", str(path), "--json"]) == 0
    (obj,) = _json_lines(capsys.readouterr().out)
    assert obj["summary"]["left"]["first_to_fire"] == "lumbar_es"
    assert obj["summary"]["right"]["gmax_minus_es_onset_ms"] > 0


def test_settings_options_and_file_reach_the_analysis_and_are_reported(files, tmp_path, capsys):
    _, path = files["lbp-lumbar-first"]
    assert main(["analyze", str(path), "--json", "--mains", "60", "--method", "tkeo"]) == 0
    (obj,) = _json_lines(capsys.readouterr().out)
    assert obj["settings"]["mains_hz"] == 60.0 and obj["settings"]["onset_method"] == "tkeo"
    cfg = tmp_path / "settings.toml"
    cfg.write_text("[processing]\nmin_burst_s = 0.2\nrep_join_s = 0.5\n", encoding="utf-8")
    assert main(["analyze", str(path), "--json", "--settings", str(cfg)]) == 0
    (obj,) = _json_lines(capsys.readouterr().out)
    assert obj["settings"]["min_burst_s"] == 0.2 and obj["settings"]["rep_join_s"] == 0.5
    assert main(["analyze", str(path)]) == 0
    assert "settings: band 20–450 Hz, 50 Hz notch" in capsys.readouterr().out


def test_bad_settings_are_one_line(files, tmp_path, capsys):
    _, path = files["lbp-lumbar-first"]
    cfg = tmp_path / "settings.toml"
    cfg.write_text("[processing]\nonset_methd = 'tkeo'\n", encoding="utf-8")
    _one_line_error(capsys, ["analyze", str(path), "--settings", str(cfg)],
                    r"unknown processing setting 'onset_methd' \(did you mean 'onset_method'\?\)")
    cfg.write_text("[processing\n", encoding="utf-8")
    _one_line_error(capsys, ["analyze", str(path), "--settings", str(cfg)], r"is not valid TOML")
    _one_line_error(capsys, ["analyze", str(path), "--settings", str(tmp_path / "none.toml")],
                    r"cannot read settings file .*none\.toml")
    with pytest.raises(SystemExit) as exc:
        main(["analyze", str(path), "--method", "hodge"])
    assert exc.value.code == 2 and "did you mean 'hodges'?" in capsys.readouterr().err


def test_analyze_starts_from_the_settings_a_recording_names(tmp_path, capsys):
    out = tmp_path / "r.edf"
    assert main(["record", "--device", "sim://?scenario=lbp-lumbar-first&realtime=0&block=200&seed=2",
                 "--out", str(out), "--duration", "12", "--quiet", "--mains", "60", "--merge-gap", "0.3"]) == 0
    capsys.readouterr()
    assert main(["analyze", str(out), "--json"]) == 0
    (obj,) = _json_lines(capsys.readouterr().out)
    assert obj["settings"]["mains_hz"] == 60.0 and obj["settings"]["merge_gap_s"] == 0.3
    assert main(["analyze", str(out), "--json", "--mains", "50"]) == 0  # an option still wins
    (obj,) = _json_lines(capsys.readouterr().out)
    assert obj["settings"]["mains_hz"] == 50.0 and obj["settings"]["merge_gap_s"] == 0.3


def test_existing_outputs_are_refused_before_any_analysis(tmp_path, capsys):
    out = tmp_path / "reps.csv"
    out.write_text("keep")
    # the input does not even exist: the refusal must come first, not after the analysis
    _one_line_error(capsys, ["analyze", str(tmp_path / "missing.edf"), "--csv", str(out)],
                    r"--csv .*reps\.csv already exists; choose another name or add --force to replace it")
    assert out.read_text() == "keep"
    report = tmp_path / "r.html"
    report.write_text("keep")
    _one_line_error(capsys, ["analyze", str(tmp_path / "missing.edf"), "--report", str(report)],
                    r"--report .*r\.html already exists")
    _one_line_error(capsys, ["analyze", str(tmp_path / "missing.edf"), "--csv", str(tmp_path / "no" / "x.csv")],
                    r"--csv .*x\.csv: folder .*no does not exist")


def test_force_replaces_outputs_atomically_and_owner_only(files, tmp_path, capsys):
    import os
    import stat

    _, path = files["lbp-lumbar-first"]
    out_csv, out_html = tmp_path / "reps.csv", tmp_path / "r.html"
    out_csv.write_text("old")
    out_html.write_text("old")
    assert main(["analyze", str(path), "--csv", str(out_csv), "--report", str(out_html), "--force"]) == 0
    capsys.readouterr()
    assert out_csv.read_text(encoding="utf-8").startswith("file,rep,")
    assert out_html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert {stat.S_IMODE(os.stat(p).st_mode) for p in (out_csv, out_html)} == {0o600}
    assert sorted(os.listdir(tmp_path)) == ["r.html", "reps.csv"]  # no temporary files left
