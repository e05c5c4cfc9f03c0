"""One recording, two paths: the live session at full speed and ``analyze`` find the same reps,
onsets (within one sample), firing order, latency, ratio and symmetry per rep — and the same
numbers reach the dashboard's summary, the session database and the HTML report."""

from __future__ import annotations

import dataclasses
import html
import math

import pytest

from emgfeedback.analysis import analyze_trial, render_report
from emgfeedback.dsp.pipeline import OnlinePipeline
from emgfeedback.measures import latency_text, summarise
from emgfeedback.model import Side, StreamInfo
from emgfeedback.session import SessionEngine
from emgfeedback.session.store import rep_fields
from emgfeedback.settings import ProcessingSettings
from emgfeedback.simulation import simulate
from emgfeedback.storage import SessionDatabase

SCENARIOS = ("lbp-lumbar-first", "tfl-dominant-clamshell", "left-glute-inhibition")


def _live(rec, settings: ProcessingSettings, block: int):
    info = StreamInfo(fs=rec.fs, montage=rec.montage)
    engine = SessionEngine(info, OnlinePipeline(rec.fs, rec.montage, settings=settings), settings=settings)
    reps = []
    for b in rec.blocks(block):
        reps += engine.process(b).reps
    reps += engine.finish()
    assert reps == engine.results
    return engine


def _assert_same_reps(live, offline, fs: float) -> None:
    """Same reps, onsets within one sample, order, latency, ratio, symmetry, amplitudes, spectra."""
    one_sample = 1.0 / fs + 1e-9
    assert len(live) == len(offline)
    for a, b in zip(live, offline):
        assert a.index == b.index and a.active == b.active
        assert a.start_s == pytest.approx(b.start_s, abs=one_sample)
        assert a.end_s == pytest.approx(b.end_s, abs=one_sample)
        assert a.onset_s.keys() == b.onset_s.keys()
        for ch in a.onset_s:
            assert a.onset_s[ch] == pytest.approx(b.onset_s[ch], abs=one_sample)
        assert {s: fo.order for s, fo in a.firing_order.items()} == {s: fo.order for s, fo in b.firing_order.items()}
        assert a.gmax_minus_es_ms == pytest.approx(b.gmax_minus_es_ms, abs=1000 * one_sample)
        assert a.tfl_to_glute_ratio == pytest.approx(b.tfl_to_glute_ratio, rel=1e-6)
        assert a.symmetry_pct == pytest.approx(b.symmetry_pct, rel=1e-6, abs=1e-6)
        assert a.mean_uv == pytest.approx(b.mean_uv, rel=1e-6)
        assert a.mdf_hz == pytest.approx(b.mdf_hz, rel=1e-3)


@pytest.fixture(scope="module", params=SCENARIOS)
def both(request):
    rec = simulate(request.param, 40.0, seed=3)
    settings = ProcessingSettings()
    engine = _live(rec, settings, block=37)  # an odd block size: nothing may depend on it
    offline = analyze_trial(rec.data, rec.fs, rec.montage, settings=settings, source=request.param)
    return rec, engine, offline


def test_same_reps_onsets_order_latency_ratio_symmetry(both):
    rec, engine, res = both
    assert len(res.reps) >= 5
    _assert_same_reps(engine.results, res.reps, rec.fs)


def test_the_dashboard_summary_is_the_report_summary(both):
    _, engine, res = both
    live, off = engine.summary(), res.summary
    assert live.n_reps == off.n_reps
    for s in Side:
        a, b = live.sides[s], off.sides[s]
        assert (a.first_to_fire, dict(a.first_counts), a.n_ordered) == (b.first_to_fire, dict(b.first_counts), b.n_ordered)
        for field in ("gmax_minus_es_ms", "glute_first_pct", "tfl_to_glute_ratio"):
            x, y = getattr(a, field), getattr(b, field)
            assert (math.isnan(x) and math.isnan(y)) or x == pytest.approx(y, abs=0.51), field
    assert live.symmetry_pct.keys() == off.symmetry_pct.keys()
    assert summarise(engine.results) == engine.summary()


def test_the_database_stores_what_the_live_session_measured(both, tmp_path):
    _, engine, res = both
    with SessionDatabase(tmp_path / "s.sqlite3") as db:
        sid = db.start_session("P001")
        for r in engine.results:
            db.add_rep(sid, r.index, r.start_s, r.end_s, **rep_fields(r))
        stored = db.reps(sid)
    assert len(stored) == len(res.reps)
    for row, off in zip(stored, res.reps):
        for s in Side:
            side = row["sides"].get(s.value, {})
            lat, ratio = side.get("gmax_minus_es_ms"), side.get("tfl_to_glute_ratio")
            assert (lat is None) == (s not in off.gmax_minus_es_ms)
            if lat is not None:
                assert lat == pytest.approx(off.gmax_minus_es_ms[s], abs=0.51)
            assert (ratio is None) == (s not in off.tfl_to_glute_ratio)
            if ratio is not None:
                assert ratio == pytest.approx(off.tfl_to_glute_ratio[s], rel=1e-6)
            fo = off.firing_order.get(s)
            assert side.get("firing_order") == (None if fo is None else ">".join(m.value for m in fo.order))
        assert row["symmetry"] == pytest.approx({m.value: v for m, v in off.symmetry_pct.items()}, rel=1e-6)


def test_the_report_shows_the_live_numbers_with_one_sign_convention(both):
    _, engine, res = both
    page = html.unescape(render_report([res]))
    for s, ss in engine.summary().sides.items():
        if math.isfinite(ss.gmax_minus_es_ms):
            assert latency_text(ss.gmax_minus_es_ms) in page
    for r in engine.results[:5]:
        for s, v in r.gmax_minus_es_ms.items():
            assert f"<td>{v:+.0f}</td>".replace("-", "−") in page or f"<td>{v:+.0f}</td>" in page


def test_live_results_do_not_depend_on_block_size():
    rec = simulate("lbp-lumbar-first", 20.0, seed=5)
    st = ProcessingSettings()
    a = _live(rec, st, block=16).results
    b = _live(rec, st, block=500).results
    assert [r.onset_s for r in a] == [r.onset_s for r in b]
    assert len(a) >= 2
    for x, y in zip(a, b):
        assert x.gmax_minus_es_ms == pytest.approx(y.gmax_minus_es_ms)
        assert x.mean_uv == pytest.approx(y.mean_uv, rel=1e-9)


def test_a_file_replayed_through_the_live_session_and_analyze_give_the_same_reps(tmp_path):
    """The whole product path: an EDF+ file played through LiveSession (replay://, full speed)
    and the same file through `emgfeedback analyze`'s loader and analysis."""

    from emgfeedback.analysis import load_recording
    from emgfeedback.testing.replay import replay_reps
    from emgfeedback.storage import write_edf

    rec = simulate("lbp-lumbar-first", 30.0, seed=7)
    path = tmp_path / "trial.edf"
    write_edf(path, rec.data, rec.fs, rec.montage.labels)
    live, got = replay_reps(path)
    loaded = load_recording(path)
    res = analyze_trial(loaded.data, loaded.fs, loaded.labels, settings=ProcessingSettings())
    assert len(res.reps) >= 4
    _assert_same_reps(got, res.reps, rec.fs)


def test_a_recording_started_mid_contraction_is_analysed_with_the_live_thresholds(tmp_path):
    """The dashboard records from the moment the clinician presses Record — often inside a rep.
    The file then stores the live detector's rest statistics, and its analysis finds the reps
    the live view found (learning rest from the file's first seconds would not)."""
    from emgfeedback.analysis import load_recording
    from emgfeedback.session.recording import LiveRecording

    rec = simulate("lbp-lumbar-first", 40.0, seed=11)
    st = ProcessingSettings()
    info = StreamInfo(fs=rec.fs, montage=rec.montage)
    engine = SessionEngine(info, OnlinePipeline(rec.fs, rec.montage, settings=st), settings=st)
    first_rep = rec.truth.reps[0]
    start = (first_rep.start_s + first_rep.end_s) / 2  # Record pressed in the middle of rep 1
    recording = LiveRecording(info, tmp_path / "mid.edf", None, use_db=False, settings=st)
    for b in rec.blocks(40):
        update = engine.process(b)
        if b.t0 >= start:
            recording.feed(b, update, engine)
    recording.add_results(dataclasses.replace(update, reps=tuple(engine.finish()), events=()), engine)
    recording.stop()
    loaded = load_recording(recording.path)
    assert loaded.baseline is not None and set(loaded.baseline) == set(rec.montage.ids)
    res = analyze_trial(loaded.data, loaded.fs, loaded.labels, settings=loaded.settings,
                        onset_baseline=loaded.baseline)
    offset = recording.sink.file_time(0.0)  # stream time 0 in file time (negative)
    live = [r for r in engine.results if r.start_s >= start + 0.5]  # reps wholly inside the file
    mine = [r for r in res.reps if r.start_s >= 0.5]
    assert len(live) == len(mine) >= 5
    for a, b in zip(live, mine):
        assert a.onset_s.keys() == b.onset_s.keys()
        for ch in a.onset_s:  # the file holds 16-bit samples, the live session saw floats: ≤ 5 ms
            assert a.onset_s[ch] + offset == pytest.approx(b.onset_s[ch], abs=0.005)
        assert {s: fo.order for s, fo in a.firing_order.items()} == {s: fo.order for s, fo in b.firing_order.items()}
