"""emgfeedback record / repair / simulate --out FILE.edf from the command line."""

import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from emgfeedback.cli import main
from emgfeedback.simulation import simulate
from emgfeedback.settings import ProcessingSettings
from emgfeedback.storage import (
    onsets_from_annotations,
    read_edf,
    read_edf_header,
    recording_settings,
    repair_edf,
    reps_from_annotations,
)

FAST = "sim://?scenario=lbp-lumbar-first&seed=1&realtime=0"


def _one_line_error(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"emgfeedback {argv[0]}: error: ") and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_record_a_device_to_edf_with_onset_annotations(tmp_path, capsys):
    out = tmp_path / "s.edf"
    assert main(["record", "--device", FAST, "--out", str(out), "--duration", "12",
                 "--patient", "P-017", "--onsets"]) == 0
    cap = capsys.readouterr()
    assert cap.out.startswith(f"wrote {out}: 12.0 s, 24000 samples per channel, 0 lost")
    assert "stopped by duration" in cap.out
    rec = read_edf(out)
    assert rec.data.shape == (8, 24000) and rec.patient_code == "P-017" and rec.recovered == ""
    onsets = [a for a in rec.annotations if a.kind == "onset"]
    assert {a.text for a in onsets} >= {"onset GMax L", "onset ES L", "onset GMax R", "onset ES R"}
    assert all(0 < a.onset_s < 12 for a in onsets)


def test_progress_line_shows_elapsed_samples_lost_and_size(tmp_path, capsys):
    out = tmp_path / "p.edf"
    assert main(["record", "--device", "sim://?scenario=healthy", "--out", str(out),
                 "--duration", "1.2"]) == 0
    lines = [x for x in capsys.readouterr().err.splitlines() if x.startswith("elapsed")]
    assert lines, "no progress line"
    parts = lines[-1].split()
    assert parts[0] == "elapsed" and parts[3] == "samples" and parts[5] == "lost" and parts[7] == "file"
    assert int(parts[4]) > 0 and float(parts[8]) > 0 and parts[9] == "MB"


def test_record_replays_an_edf_into_an_identical_file(tmp_path, capsys):
    rec = simulate("healthy", 5.0, fs=2000.0, seed=4)
    src = tmp_path / "src.edf"
    assert main(["simulate", "--scenario", "healthy", "--duration", "5", "--seed", "4",
                 "--out", str(src)]) == 0
    copy = tmp_path / "copy.edf"
    assert main(["record", "--device", f"replay://{src}?speed=0", "--out", str(copy), "--quiet"]) == 0
    assert "stopped by end of stream" in capsys.readouterr().out
    a, b = read_edf(src), read_edf(copy)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_allclose(a.data, rec.data, atol=10000 / 65535)


def test_simulate_writes_edf_with_truth_annotations(tmp_path, capsys):
    out = tmp_path / "t.edf"
    assert main(["simulate", "--scenario", "tfl-dominant-clamshell", "--duration", "20",
                 "--out", str(out)]) == 0
    truth = json.loads(out.with_suffix(".truth.json").read_text())
    rec = read_edf(out)
    assert rec.duration_s == 20.0
    assert len(reps_from_annotations(rec.annotations)) == truth["reps"]
    got = onsets_from_annotations(rec.annotations)
    want = sorted(truth["onsets"], key=lambda o: (o["onset_s"], o["channel"]))
    assert [o.channel for o in got] == [o["channel"] for o in want]
    np.testing.assert_allclose([o.onset_s for o in got], [o["onset_s"] for o in want], atol=1e-5)


def test_ctrl_c_finishes_the_file_cleanly(tmp_path):
    out = tmp_path / "c.edf"
    proc = subprocess.Popen([sys.executable, "-m", "emgfeedback.cli", "record", "--device",
                             "sim://?scenario=healthy", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (out.exists() and out.stat().st_size > 40000):
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert "stopped by stop" in stdout
    rec = read_edf(out)
    assert rec.recovered == "" and rec.duration_s > 1.0
    assert not repair_edf(out, dry_run=True).changed


@pytest.mark.parametrize("argv,message", [
    (["record", "--device", FAST, "--out", "{tmp}/a.edf", "--patient", "Jane Doe"], "never names"),
    (["record", "--device", FAST, "--out", "{tmp}/a.edf", "--patient", "Smith"], "may be a name"),
    (["record", "--device", "nope://x", "--out", "{tmp}/a.edf"], "unknown device scheme 'nope://'"),
    (["record", "--device", FAST, "--out", "{tmp}/a.txt"], "--out must end in .edf or .bdf"),
    (["record", "--device", FAST, "--out", "{tmp}/missing/a.edf"], "does not exist"),
    (["record", "--device", FAST, "--out", "{tmp}/a.edf", "--duration", "-1"], "--duration must be a finite number s > 0"),
    (["record", "--device", "replay://{tmp}/none.edf", "--out", "{tmp}/a.edf"], "no such recording"),
    (["repair", "{tmp}/none.edf"], "no such recording"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, message):
    _one_line_error(capsys, [a.replace("{tmp}", str(tmp_path)) for a in argv], message)
    assert not (tmp_path / "a.edf").exists()


def test_record_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "x.edf"
    out.write_bytes(b"keep")
    _one_line_error(capsys, ["record", "--device", FAST, "--out", str(out)], "already exists")
    assert out.read_bytes() == b"keep"


def test_repair_command(tmp_path, capsys):
    out = tmp_path / "r.edf"
    assert main(["simulate", "--duration", "3", "--out", str(out)]) == 0
    raw = out.read_bytes()
    out.write_bytes(raw[:-1000])  # cut inside the last record
    capsys.readouterr()
    assert main(["repair", "--check", str(out)]) == 1
    assert "needs repair" in capsys.readouterr().out and out.stat().st_size == len(raw) - 1000
    assert main(["repair", str(out)]) == 0
    assert "cut a partial last record" in capsys.readouterr().out
    assert main(["repair", str(out)]) == 0
    assert "nothing to repair" in capsys.readouterr().out
    notedf = tmp_path / "n.edf"
    notedf.write_text("x" * 1000)
    _one_line_error(capsys, ["repair", str(notedf)], "is not an EDF/BDF file")


def test_record_runs_the_live_session_reps_and_settings_are_annotated(tmp_path, capsys):
    # the same loop as the dashboard: reps are annotated without --onsets, and the file names
    # the settings that made its annotations (here from a file, then --mains on top of it)
    settings_file = tmp_path / "s.toml"
    settings_file.write_text('[processing]\nonset_method = "tkeo"\nmin_burst_s = 0.08\n')
    out = tmp_path / "reps.edf"
    assert main(["record", "--device", FAST, "--out", str(out), "--duration", "20", "--quiet",
                 "--settings", str(settings_file), "--mains", "60"]) == 0
    capsys.readouterr()
    rec = read_edf(out)
    kinds = {a.kind for a in rec.annotations}
    assert {"onset", "rep", "settings"} <= kinds
    assert len(reps_from_annotations(rec.annotations)) >= 2
    got = recording_settings(out)
    assert got == ProcessingSettings(onset_method="tkeo", min_burst_s=0.08, mains_hz=60.0)
    assert rec.patient_code == "X" and read_edf_header(out).patient.startswith("X X X X")


@pytest.mark.parametrize("extra,message", [
    (["--mains", "none", "--settings", "{tmp}/typo.toml"], "onset_method must be one of .*did you mean 'hodges'"),
    (["--settings", "{tmp}/none.toml"], "cannot read settings file"),
    (["--settings", "{tmp}/bad.toml"], "settings file .*bad.toml: unknown processing setting 'mains'"),
    (["--patient", "X"], "patient code 'X' means unknown"),
])
def test_bad_processing_options_are_one_line_and_exit_2(tmp_path, capsys, extra, message):
    (tmp_path / "bad.toml").write_text("[processing]\nmains = 60\n")
    (tmp_path / "typo.toml").write_text('[processing]\nonset_method = "hodge"\n')
    argv = ["record", "--device", FAST, "--out", str(tmp_path / "a.edf")]
    argv += [a.replace("{tmp}", str(tmp_path)) for a in extra]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("emgfeedback record: error: ") and err.count("\n") == 1, err
    import re

    assert re.search(message, err), err
    assert not (tmp_path / "a.edf").exists()


def test_record_force_replaces_an_existing_file(tmp_path, capsys):
    out = tmp_path / "x.edf"
    out.write_bytes(b"old")
    _one_line_error(capsys, ["record", "--device", FAST, "--out", str(out)],
                    "x.edf already exists; choose another name or add --force to replace it")
    assert out.read_bytes() == b"old"
    assert main(["record", "--device", FAST, "--out", str(out), "--duration", "1", "--quiet", "--force"]) == 0
    capsys.readouterr()
    assert read_edf(out).data.shape == (8, 2000)


@pytest.mark.parametrize("value", ["inf", "nan", "1e308", "0"])
def test_record_duration_out_of_range_is_one_line(tmp_path, capsys, value):
    _one_line_error(capsys, ["record", "--device", FAST, "--out", str(tmp_path / "a.edf"), "--duration", value],
                    "--duration must be a finite number s > 0 and ≤ 86400, got")
    assert not (tmp_path / "a.edf").exists()


def test_record_with_a_patient_adds_its_visit_to_the_session_database(tmp_path, capsys):
    from emgfeedback.storage.database import SessionDatabase

    db_file = tmp_path / "visits.sqlite3"
    out = tmp_path / "v.edf"
    assert main(["record", "--device", FAST, "--out", str(out), "--duration", "12", "--patient", "p0042",
                 "--db", str(db_file), "--quiet"]) == 0
    assert f"stored as visit 1 of P-0042 in {db_file}" in capsys.readouterr().out
    reps_in_file = reps_from_annotations(read_edf(out).annotations)
    with SessionDatabase(db_file) as db:
        (visit,) = db.sessions("P-0042")
        assert visit.ended_at is not None
        (recording,) = db.recording_rows(visit.id)
        assert recording["path"] == str(out.resolve()) and recording["duration_s"] == 12.0
        assert recording["ended_at"] is not None  # finished cleanly
        reps = db.reps(visit.id)
    assert len(reps) == len(reps_in_file) >= 2
    assert all(r["recording_id"] is not None for r in reps)
    assert all(r["sides"]["left"]["gmax_minus_es_ms"] > 0 for r in reps)  # lumbar first, as simulated
    # without a patient nothing is stored
    assert main(["record", "--device", FAST, "--out", str(tmp_path / "anon.edf"), "--duration", "2",
                 "--db", str(tmp_path / "none.sqlite3"), "--quiet"]) == 0
    assert not (tmp_path / "none.sqlite3").exists()


def test_record_into_an_unusable_database_is_one_line(tmp_path, capsys):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database" * 200)
    _one_line_error(capsys, ["record", "--device", FAST, "--out", str(tmp_path / "x.edf"), "--duration", "1",
                             "--patient", "P-0042", "--db", str(junk)], "is not a usable emgfeedback database")
    assert not (tmp_path / "x.edf").exists()
