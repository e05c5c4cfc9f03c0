"""emgfeedback analyze on many files: --jobs, --scheduler (a real local Dask cluster), the result
cache, and a bad file in the batch. The outputs must not depend on where the files ran."""

import json
import os
import re

import pytest

from emgfeedback.analysis import batch
from emgfeedback.cli import main
from emgfeedback.simulation import simulate
from emgfeedback.storage import write_edf

SCENARIOS = ("lbp-lumbar-first", "tfl-dominant-clamshell", "healthy")


def _write(path, scenario, seed=0):
    rec = simulate(scenario, duration_s=20.0, seed=seed, ramp="fast")
    write_edf(path, rec.data, rec.fs, rec.montage.labels)
    return path


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """Three recordings and, between them, one that is not a recording (the batch goes on)."""
    d = tmp_path_factory.mktemp("study")
    paths = [_write(d / f"{sc}.edf", sc) for sc in SCENARIOS]
    bad = d / "broken.edf"
    bad.write_bytes(b"0       " + os.urandom(600))  # an EDF magic, then garbage
    return [str(paths[0]), str(bad), str(paths[1]), str(paths[2])]


def _run(capsys, tmp_path, files, tag, *options):
    out_csv, out_html = tmp_path / f"{tag}.csv", tmp_path / f"{tag}.html"
    code = main(["analyze", *files, "--json", "--csv", str(out_csv), "--report", str(out_html), *options])
    cap = capsys.readouterr()
    html = re.sub(r"Made \d{4}-\d\d-\d\d \d\d:\d\d", "Made <when>", out_html.read_text(encoding="utf-8"))
    # the paths of the outputs are in the "wrote ..." lines; compare the rest
    err = cap.err.replace(str(tmp_path / tag), "<out>")
    return code, cap.out, err, out_csv.read_bytes(), html


def test_jobs_2_gives_the_outputs_of_jobs_1_byte_for_byte(study, tmp_path, capsys):
    ref = _run(capsys, tmp_path, study, "one", "--jobs", "1", "--no-cache")
    two = _run(capsys, tmp_path, study, "two", "--jobs", "2", "--no-cache")
    assert two == ref
    code, out, err, table, html = ref
    assert code == 2  # a bad file: exit 2 at the end, the others written
    assert [json.loads(line)["file"] for line in out.splitlines()] == [study[0], study[2], study[3]]
    assert err.count("emgfeedback analyze: error:") == 1 and f"{study[1]}" in err
    assert "1 of 4 files could not be analysed" in err
    assert html.count("<section") == 3
    files_in_rows = [line.split(b",")[0].decode() for line in table.splitlines()[1:]]
    assert files_in_rows == sorted(files_in_rows, key=study.index)  # rows in input order


def test_a_local_dask_cluster_gives_the_same_outputs(study, tmp_path, capsys):
    distributed = pytest.importorskip("distributed")  # declared in the dev extra: present in CI
    ref = _run(capsys, tmp_path, study, "one", "--no-cache")
    env = dict(os.environ)
    try:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster:
            with distributed.Client(cluster) as client:
                pids = set(client.run(os.getpid).values())
            got = _run(capsys, tmp_path, study, "dask", "--scheduler", cluster.scheduler_address, "--no-cache")
    finally:  # the nanny sets its workers' variables (MALLOC_TRIM_THRESHOLD_, PYTHONHASHSEED ...) here too
        os.environ.clear()
        os.environ.update(env)
    assert len(pids) == 2 and os.getpid() not in pids  # two worker processes, not this one
    assert got == ref


def test_cache_analyses_only_new_or_changed_files(study, tmp_path, capsys):
    cache = tmp_path / "cache"
    good = [study[0], study[2]]
    first = _run(capsys, tmp_path, good, "a", "--cache", str(cache))
    assert "0 of 2 file(s) from the cache" in first[2]
    entries = sorted(cache.rglob("*.json"))
    assert len(entries) == 2 and all(p.stat().st_mode & 0o777 == 0o600 for p in entries)
    assert cache.stat().st_mode & 0o777 == 0o700
    second = _run(capsys, tmp_path, good, "b", "--cache", str(cache))
    assert "2 of 2 file(s) from the cache" in second[2]
    assert second[:2] == first[:2] and second[3:] == first[3:]
    # a hit is read from the cache, not analysed again: an entry edited on disk is what comes out
    obj = json.loads(entries[0].read_text(encoding="utf-8"))
    obj["record"]["n_reps"] = 999
    entries[0].write_text(json.dumps(obj), encoding="utf-8")
    third = _run(capsys, tmp_path, good, "c", "--cache", str(cache))
    assert '"n_reps": 999' in third[1]
    # other settings: other results, analysed again
    fourth = _run(capsys, tmp_path, good, "d", "--cache", str(cache), "--min-burst", "0.08")
    assert "0 of 2 file(s) from the cache" in fourth[2]


def test_a_changed_file_is_analysed_again(tmp_path, capsys):
    cache = tmp_path / "cache"
    a, b = _write(tmp_path / "a.edf", "healthy"), _write(tmp_path / "b.edf", "healthy", seed=1)
    assert main(["analyze", str(a), str(b), "--cache", str(cache)]) == 0
    b.unlink()
    _write(b, "lbp-lumbar-first")  # same name, new content
    assert main(["analyze", str(a), str(b), "--cache", str(cache)]) == 0
    assert "1 of 2 file(s) from the cache" in capsys.readouterr().out


def test_no_scheduler_at_the_address_is_one_line(study, monkeypatch, capsys):
    pytest.importorskip("distributed")
    monkeypatch.setattr(batch, "CONNECT_TIMEOUT_S", 2.0)
    assert main(["analyze", study[0], "--no-cache", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and re.match(r"emgfeedback analyze: error: --scheduler tcp://127.0.0.1:9: no Dask", err[0])


def test_dask_missing_is_one_line(study, monkeypatch, capsys):
    monkeypatch.setitem(__import__("sys").modules, "distributed", None)  # import fails as if not installed
    assert main(["analyze", study[0], "--no-cache", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "--scheduler needs Dask distributed" in err and "emgfeedback[dask]" in err


def test_jobs_below_one_is_refused(study, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["analyze", study[0], "--jobs", "0"])
    assert exc.value.code == 2 and "--jobs: must be 1 or more, got 0" in capsys.readouterr().err


@pytest.mark.parametrize("options,message", [
    (["--jobs", "2", "--scheduler", "tcp://127.0.0.1:9"], "--jobs and --scheduler"),
    (["--scheduler", "localhost"], "must be an address like tcp://HOST:PORT"),
    (["--cache", "x", "--no-cache"], "--cache and --no-cache"),
])
def test_bad_batch_options_are_refused_before_any_file(study, options, message, tmp_path, capsys):
    assert main(["analyze", study[0], "--csv", str(tmp_path / "t.csv"), *options]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and not (tmp_path / "t.csv").exists()


def test_an_unusable_default_cache_folder_only_warns(study, tmp_path, monkeypatch, capsys):
    (tmp_path / "emgfeedback").write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert main(["analyze", study[0], "--json"]) == 0
    cap = capsys.readouterr()
    assert json.loads(cap.out)["file"] == study[0]
    assert cap.err.startswith("emgfeedback analyze: warning: no result cache (") and cap.err.count("\n") == 1
