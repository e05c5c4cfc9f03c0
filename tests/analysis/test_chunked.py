"""analyze_stream / analyze_file: the analysis in blocks equals analyze_trial on the whole trial,
with a history bounded by the reps, not by the recording."""

import dataclasses
import json
from functools import lru_cache

import numpy as np
import pytest

from emgfeedback.analysis import analyze_file, analyze_stream, analyze_trial
from emgfeedback.analysis import chunked
from emgfeedback.analysis.loading import load_recording
from emgfeedback.settings import ProcessingSettings
from emgfeedback.simulation import simulate
from emgfeedback.storage import read_edf, write_edf
from emgfeedback.storage.edf_reader import EdfReader


@lru_cache(maxsize=None)
def _long():
    rec = simulate("healthy", duration_s=240.0, seed=3)
    return rec, analyze_trial(rec.data, rec.fs, rec.montage.labels)


def _blocks(x, n_cuts, seed):
    cuts = np.sort(np.random.default_rng(seed).integers(1, x.shape[1], n_cuts))
    return np.split(x, cuts, axis=1)


def _assert_same(ref, got, fs):
    assert len(got.onsets) == len(ref.onsets) > 0
    for a, b in zip(ref.onsets, got.onsets):
        assert a.channel == b.channel
        assert abs(a.onset_s - b.onset_s) <= 1 / fs and abs(a.offset_s - b.offset_s) <= 1 / fs
    assert len(got.reps) == len(ref.reps) > 10
    for a, b in zip(ref.reps, got.reps):
        assert (a.index, a.active, a.side) == (b.index, b.active, b.side)
        assert abs(a.start_s - b.start_s) <= 1 / fs and abs(a.end_s - b.end_s) <= 1 / fs
        for field in ("mean_uv", "peak_uv", "mdf_hz", "tfl_to_glute_ratio", "symmetry_pct", "gmax_minus_es_ms"):
            x, y = getattr(a, field), getattr(b, field)
            assert x.keys() == y.keys(), field
            for k in x:
                assert y[k] == pytest.approx(x[k], rel=1e-6, abs=1e-9), (a.index, field, k)
    assert got.fatigue.keys() == ref.fatigue.keys() and ref.fatigue
    for name, f in ref.fatigue.items():
        np.testing.assert_allclose(got.fatigue[name].times_s, f.times_s)
        np.testing.assert_allclose(got.fatigue[name].mdf_hz, f.mdf_hz, rtol=1e-6)
        assert got.fatigue[name].slope_pct_per_min == pytest.approx(f.slope_pct_per_min, rel=1e-6)
    for field in dataclasses.fields(ref.preview):
        np.testing.assert_allclose(getattr(got.preview, field.name), getattr(ref.preview, field.name),
                                   rtol=1e-5, atol=1e-3, err_msg=field.name)
    assert got.summary == ref.summary and got.notes == ref.notes and got.duration_s == ref.duration_s


@pytest.mark.parametrize("n_cuts", [3, 200])
def test_blocks_of_any_size_give_analyze_trials_result(n_cuts):
    rec, ref = _long()
    got = analyze_stream(_blocks(rec.data, n_cuts, n_cuts), rec.fs, rec.data.shape[1], rec.montage.labels)
    _assert_same(ref, got, rec.fs)


def test_history_holds_the_reps_not_the_recording(monkeypatch):
    rec, _ = _long()
    longest = []

    class Spy(chunked._History):
        def append(self, env, filt, keep_from):
            super().append(env, filt, keep_from)
            longest.append(self.env.shape[1])

    monkeypatch.setattr(chunked, "_History", Spy)
    analyze_stream(np.array_split(rec.data, 48, axis=1), rec.fs, rec.data.shape[1], rec.montage.labels)
    assert max(longest) / rec.fs < 15.0  # of a 240 s trial: a rep, the back-dating and one 5 s block


def test_edf_file_is_read_in_blocks_with_the_same_result(tmp_path, monkeypatch):
    rec = simulate("healthy", duration_s=150.0, seed=5)
    path = tmp_path / "long.edf"
    write_edf(path, rec.data, rec.fs, rec.montage.labels)
    whole = read_edf(path)
    ref = analyze_trial(whole.data, whole.fs, whole.labels, source=str(path))
    monkeypatch.setattr(chunked, "analyze_trial", None)  # the whole-file path would fail
    monkeypatch.setattr(chunked, "IN_MEMORY_SAMPLES", 0)
    monkeypatch.setattr(chunked, "CHUNK_S", 7.0)
    got = analyze_file(path)
    assert got.source == str(path)
    _assert_same(ref, got, rec.fs)


def test_short_files_and_the_quietest_rule_are_analysed_whole(tmp_path, monkeypatch):
    rec = simulate("healthy", duration_s=20.0, seed=2)
    path = tmp_path / "short.bdf"
    write_edf(path, rec.data, rec.fs, rec.montage.labels, bdf=True)
    whole = read_edf(path)
    for st in (ProcessingSettings(), ProcessingSettings(baseline="quietest")):
        monkeypatch.setattr(chunked, "IN_MEMORY_SAMPLES", 0 if st.baseline == "quietest" else 10**9)
        ref = analyze_trial(whole.data, whole.fs, whole.labels, settings=st)
        got = analyze_file(load_recording(path, samples=False), settings=st)
        assert [o.onset_s for o in got.onsets] == [o.onset_s for o in ref.onsets]
    with pytest.raises(ValueError, match="'quietest' baseline rule needs the whole recording"):
        analyze_stream([rec.data], rec.fs, rec.data.shape[1], rec.montage.labels,
                       settings=ProcessingSettings(baseline="quietest"))


def test_bad_blocks_are_refused_in_one_line():
    rec, _ = _long()
    x = rec.data[:, :40_000].copy()
    x[3, 20_000] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        analyze_stream([x[:, :30_000], x[:, 30_000:]], rec.fs, x.shape[1], rec.montage.labels)
    with pytest.raises(ValueError, match="the blocks hold 30000 samples per channel, n_samples says 40000"):
        analyze_stream([rec.data[:, :30_000]], rec.fs, 40_000, rec.montage.labels)


def test_edf_reader_blocks_join_to_the_whole_file(tmp_path):
    rec = simulate("healthy", duration_s=9.37, seed=1)
    path = tmp_path / "t.edf"
    write_edf(path, rec.data, rec.fs, rec.montage.labels)
    whole = read_edf(path)
    with EdfReader(path) as r:
        n = r.end_sample(r.read_annotations())
        blocks = list(r.iter_samples(n, 2))
        assert n == whole.data.shape[1] == rec.data.shape[1] < r.n_samples  # the padding is cut
        assert max(b.shape[1] for b in blocks) == 2 * r.samples_per_record
        np.testing.assert_array_equal(np.concatenate(blocks, axis=1), whole.data)
        with pytest.raises(ValueError, match="chunk_records must be ≥ 1"):
            next(r.iter_samples(n, 0))


def test_the_analyze_command_reads_edf_in_blocks(tmp_path, monkeypatch, capsys):
    from emgfeedback.cli import main

    rec = simulate("healthy", duration_s=60.0, seed=6)
    path = tmp_path / "cmd.edf"
    write_edf(path, rec.data, rec.fs, rec.montage.labels)
    whole = read_edf(path)
    ref = analyze_trial(whole.data, whole.fs, whole.labels)
    blocks = []
    monkeypatch.setattr(chunked, "analyze_trial", None)  # the whole-file path would fail
    monkeypatch.setattr(chunked, "IN_MEMORY_SAMPLES", 0)
    real = EdfReader.iter_samples
    monkeypatch.setattr(EdfReader, "iter_samples", lambda self, *a: (blocks.append(b.shape) or b
                                                                    for b in real(self, *a)))
    assert main(["analyze", str(path), "--json", "--no-cache"]) == 0
    got = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert len(blocks) == 2 and len(got) == 1  # 60 s in blocks of 30 s
    assert [r["start_s"] for r in got[0]["reps"]] == pytest.approx([r.start_s for r in ref.reps], abs=1e-3)
