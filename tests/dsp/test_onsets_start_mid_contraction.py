"""Streams that start inside a contraction (a file cut inside a burst, a dashboard connected while
the patient squeezes): the start baseline is replaced by the first clearly quieter rest, later
bursts get onsets (live == offline), and the burst already on at the start gets none — in the
detector, through the session engine, and through a replayed EDF file."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from independent_semg import burst_trial  # noqa: E402

from emgfeedback.dsp.onsets import METHODS, SETTLE_S, StreamingOnsetDetector, detect_onsets
from emgfeedback.dsp.pipeline import OnlinePipeline
from emgfeedback.model import SampleBlock, StreamInfo
from emgfeedback.session import SessionEngine
from emgfeedback.simulation import simulate

FS = 2000.0


def _cut_trial(seed: int, into_s: float, snr_db: float = 20.0, *, before_end: bool = False):
    """An independent-generator trial cut ``into_s`` after the first burst's onset (or before its
    end); the later bursts' true onsets, s from the cut, and the first burst's end."""
    tr = burst_trial(fs=FS, seed=seed, snr_db=snr_db, n_bursts=4, plateau_s=(2.0, 3.0))
    b0 = tr.bursts[0][0]
    cut = b0.offset_s - into_s if before_end else b0.onset_s + into_s
    x = tr.x[:, int(round(cut * FS)):]
    return x, [b.onset_s - cut for b in tr.bursts[0][1:]], b0.offset_s - cut


def _live(det: StreamingOnsetDetector, x: np.ndarray, seed: int) -> list:
    """Feed ``x`` in random block sizes; the completed bursts, by onset."""
    rng = np.random.default_rng(seed)
    out, i = [], 0
    while i < x.shape[1]:
        n = int(rng.integers(1, 400))
        out += det.process(x[:, i : i + n], i / FS)
        i += n
    return sorted((o for o in out if o.offset_s is not None), key=lambda o: o.onset_s)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", [0, 1])
def test_a_stream_started_inside_a_burst_finds_the_later_bursts_live_and_offline(method, seed):
    x, truth, first_end = _cut_trial(seed, into_s=0.5)  # the burst covers the whole baseline_s
    assert first_end > 2.0
    offline = detect_onsets(x, FS, method, baseline="start", zero_phase=False)
    assert len(offline) == len(truth)
    for o, t in zip(offline, truth):
        assert abs(o.onset_s - t) < 0.06
    det = StreamingOnsetDetector(FS, ["emg"], method=method)
    live = _live(det, x, seed)
    assert len(live) == len(offline)
    for a, b in zip(live, offline):
        assert a.onset_s == pytest.approx(b.onset_s, abs=1 / FS + 1e-9)
        assert a.offset_s == pytest.approx(b.offset_s, abs=1 / FS + 1e-9)
    # the rest statistics followed: replaced by a window after the first burst, noted as a new version
    assert det.baseline_version >= 2
    assert first_end <= det.baseline_stats.start_s[0] < truth[0]


@pytest.mark.parametrize("baseline", ["start", "auto"])
def test_a_burst_already_on_at_the_start_has_no_onset(baseline):
    x, truth, first_end = _cut_trial(0, into_s=2.0)  # the burst ends inside the first baseline_s
    assert SETTLE_S + 0.1 < first_end < 1.0
    offline = detect_onsets(x, FS, baseline=baseline, zero_phase=False)
    assert [round(o.onset_s, 1) for o in offline] == [round(t, 1) for t in truth]
    if baseline == "start":
        live = _live(StreamingOnsetDetector(FS, ["emg"]), x, 3)
        assert [o.onset_s for o in live] == pytest.approx([o.onset_s for o in offline], abs=1 / FS + 1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_the_ramp_down_of_a_burst_on_at_the_start_gives_no_onset(method):
    """At 10 dB the ramp down dips below the end threshold for a few samples: not a rest, so the
    rise after the dip still belongs to the burst that was on at the start."""
    for seed in range(4):
        x, truth, first_end = _cut_trial(seed, 0.7, 10.0, before_end=True)
        found = detect_onsets(x, FS, method, baseline="start", zero_phase=False)
        assert all(o.onset_s > first_end for o in found), (seed, found)
        assert len(found) == len(truth)


def test_rest_that_stays_rest_keeps_the_start_baseline():
    """Only a window clearly quieter than the learnt rest replaces it: stationary rest never does."""
    for seed in range(3):
        tr = burst_trial(fs=FS, seed=seed, snr_db=10.0, n_bursts=8)
        det = StreamingOnsetDetector(FS, ["emg"])
        det.process(tr.x, 0.0)
        assert det.baseline_version == 1


def test_a_flat_channel_does_not_replace_the_baseline():
    """A dropout (samples held at the last value: flat after the band-pass) is not rest; bursts
    after it are still found with the start threshold."""
    tr = burst_trial(fs=FS, seed=2, snr_db=20.0, n_bursts=3)
    x = tr.x.copy()
    b = tr.bursts[0]
    gap = (int((b[0].offset_s + 0.3) * FS), int((b[0].offset_s + 1.3) * FS))
    x[:, gap[0] : gap[1]] = x[0, gap[0] - 1]
    det = StreamingOnsetDetector(FS, ["emg"])
    found = [o for o in det.process(x, 0.0) if o.offset_s is not None]
    assert det.baseline_version == 1
    # (the step back from the held value is a transient that joins the next burst early)
    assert len(found) == len(b) and found[-1].onset_s == pytest.approx(b[-1].onset_s, abs=0.06)


def _blocks(data: np.ndarray, n: int, montage):
    for s in range(0, data.shape[1], n):
        yield SampleBlock(t0=s / FS, fs=FS, data=data[:, s : s + n], seq=s, channels=montage.ids)


def _mid_rep_recording():
    """The simulator's prone hip extension cut 0.4 s into rep 1 (the rep covers the first
    baseline_s); rep starts of the later reps, s from the cut, and rep 1's end."""
    rec = simulate("lbp-lumbar-first", 30.0, seed=11)
    r0 = rec.truth.reps[0]
    cut = r0.start_s + 0.4
    assert r0.end_s - cut > 1.5
    later = [r.start_s - cut for r in rec.truth.reps[1:] if r.end_s - cut < rec.duration_s - cut - 1.0]
    return rec, rec.data[:, int(round(cut * FS)):], later, r0.end_s - cut


def test_the_session_engine_gives_a_firing_order_after_the_first_rest():
    rec, x, later, first_end = _mid_rep_recording()
    engine = SessionEngine(StreamInfo(fs=FS, montage=rec.montage), OnlinePipeline(FS, rec.montage))
    updates = [engine.process(b) for b in _blocks(x, 40, rec.montage)]
    reps = engine.results + engine.finish()
    starts = [r.start_s for r in reps]
    assert len(reps) >= len(later) >= 3
    assert min(starts) > first_end  # rep 1, already on at the start, is no rep
    for t in later:
        rep = min(reps, key=lambda r: abs(r.start_s - t))
        assert abs(rep.start_s - t) < 0.15 and rep.firing_order
    shown = [u for u in updates if u.frame.firing_order]
    assert shown and shown[0].frame.t_s < later[1]  # shown once the first whole rep is measured


def test_a_replayed_file_cut_inside_a_rep_gives_reps_with_a_firing_order(tmp_path):
    from emgfeedback.testing.replay import replay_reps
    from emgfeedback.storage import write_edf

    rec, x, later, first_end = _mid_rep_recording()
    path = tmp_path / "cut.edf"
    write_edf(path, x, FS, rec.montage.labels)
    _, reps = replay_reps(path)
    assert len(reps) >= len(later) >= 3
    assert min(r.start_s for r in reps) > first_end
    assert all(r.firing_order for r in reps)
