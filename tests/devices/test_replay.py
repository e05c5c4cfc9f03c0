"""replay:// plays EDF+/BDF+ recordings and other tools' text files through the device interface."""

import time

import numpy as np
import pytest

from emgfeedback.devices import open_device
from emgfeedback.dsp.pipeline import OnlinePipeline
from emgfeedback.errors import RecordingError
from emgfeedback.model import Side
from emgfeedback.simulation import simulate
from emgfeedback.storage import read_edf, read_openbci_gui_txt, truth_annotations, write_edf

OPENBCI = "openbci_gui/OpenBCI_GUI-v6-blinks-jawClench-alpha.txt"


@pytest.fixture(scope="module")
def lbp(tmp_path_factory):
    rec = simulate("lbp-lumbar-first", 20.0, fs=2000.0, seed=2)
    path = tmp_path_factory.mktemp("replay") / "lbp.edf"
    write_edf(path, rec.data[:, :-333], rec.fs, rec.montage.labels,
              truth_annotations(rec.truth, rec.montage), patient_code="P2")
    return rec, path


def _all_blocks(url, **kw):
    with open_device(url, **kw) as dev:
        info = dev.info
        blocks = list(dev)
    return info, blocks


def test_edf_replay_gives_the_file_samples_in_order_and_ends(lbp):
    rec, path = lbp
    info, blocks = _all_blocks(f"replay://{path}?speed=0&block=97")
    assert info.fs == 2000.0 and info.montage == rec.montage and info.board == "replay:edf"
    assert [b.seq for b in blocks] == list(np.cumsum([0] + [b.n_samples for b in blocks[:-1]]))
    data = np.concatenate([b.data for b in blocks], axis=1)
    np.testing.assert_array_equal(data, read_edf(path).data)  # padding of the last record left out
    assert data.shape[1] == rec.data.shape[1] - 333
    assert all(b.n_lost == 0 for b in blocks)


def test_replay_through_the_live_session_shows_the_scenario_truth(lbp):
    # the one acquisition loop over a replayed file, to its end (queued blocks drained)
    from emgfeedback.session import LiveSession

    rec, path = lbp
    live = LiveSession(open_device(f"replay://{path}?speed=0"))
    live.start()
    assert live.wait(60)
    live.stop()
    assert live.error is None and live.stopped_by == "end of stream"
    assert live.filtered.total_written == read_edf(path).data.shape[1]
    reps = [r for u in live.drain_results() for r in u.reps]
    assert reps
    for side in Side:
        firsts = [r.firing_order[side].first for r in reps if side in r.firing_order]
        assert firsts and all(f == rec.truth.first_to_fire[side] for f in firsts)


def test_real_openbci_gui_file_replays(real_data_dir):
    path = real_data_dir / OPENBCI
    text = read_openbci_gui_txt(path)
    info, blocks = _all_blocks(f"replay://{path}?speed=0")
    assert info.fs == 250.0 and info.board == "replay:text" and info.n_channels == 8
    assert info.montage.labels[0] == "GMax L"  # channels mapped in order
    np.testing.assert_array_equal(np.concatenate([b.data for b in blocks], axis=1), text.data)
    # and through the live pipeline (band edge clamped below Nyquist at 250 Hz)
    pipe = OnlinePipeline(info.fs, info.montage)
    frames = [pipe.process(b) for b in blocks[:500]]
    assert np.isfinite(frames[-1].level_uv).all()


def test_real_time_pacing(lbp, tmp_path):
    path = tmp_path / "one_s.edf"
    write_edf(path, np.zeros((2, 1000)), 1000.0, ["GMax L", "GMax R"])
    t0 = time.monotonic()
    _, blocks = _all_blocks(f"replay://{path}?speed=2")
    took = time.monotonic() - t0
    assert sum(b.n_samples for b in blocks) == 1000
    assert 0.45 <= took < 3.0  # 1 s of signal at twice real time


def test_loop_starts_again(tmp_path):
    path = tmp_path / "short.edf"
    x = np.arange(1000.0)[None, :].repeat(2, axis=0) * 0.1
    write_edf(path, x, 1000.0, ["GMax L", "GMax R"])
    with open_device(f"replay://{path}?speed=0&loop=1&block=300") as dev:
        got, total = [], 0
        while total < 2500:
            b = dev.read(1.0)
            got.append(b.data)
            total += b.n_samples
    data = np.concatenate(got, axis=1)[0]
    np.testing.assert_allclose(data[1000:2000], data[:1000])
    np.testing.assert_allclose(data[:1000], x[0], atol=0.1)


def test_foreign_labels_need_montage_default(tmp_path):
    path = tmp_path / "eeg.edf"
    write_edf(path, np.zeros((2, 1000)), 1000.0, ["Fp1", "Fp2"])
    with pytest.raises(RecordingError, match=r"add \?montage=default to map them in order"):
        open_device(f"replay://{path}")
    info, _ = _all_blocks(f"replay://{path}?montage=default&speed=0")
    assert info.montage.labels == ("GMax L", "GMed L")


@pytest.mark.parametrize("url,exc,match", [
    ("replay://", ValueError, "replay:// needs a file"),
    ("replay://x.wav", ValueError, r"plays .edf, .bdf, .txt, .csv, .xdf or .c3d files, got 'x.wav'"),
    ("replay://x.edf?speed=-1", ValueError, "option speed must be a finite number ≥ 0 and ≤ 1000, got -1"),
    ("replay://x.edf?rate=3", ValueError, "unknown option 'rate'"),
    ("replay://x.edf?montage=mine", ValueError, "option montage must be auto or default"),
    ("replay:///no/such/file.edf", RecordingError, "no such recording: /no/such/file.edf"),
])
def test_bad_urls_and_files(url, exc, match):
    with pytest.raises(exc, match=match):
        open_device(url)


def test_non_edf_and_truncated_files(tmp_path, lbp):
    _, path = lbp
    junk = tmp_path / "junk.edf"
    junk.write_text("not an edf " * 100)
    with pytest.raises(RecordingError, match="is not an EDF/BDF file"):
        open_device(f"replay://{junk}")
    cut = tmp_path / "cut.edf"
    cut.write_bytes(path.read_bytes()[:500])
    with pytest.raises(RecordingError, match="truncated inside its header"):
        open_device(f"replay://{cut}")
