"""Files cut by a crash: MNE reads them as they are, pyedflib only after repair; repair keeps every
complete record and nothing else changes."""

import warnings

import numpy as np
import pytest

from emgfeedback.errors import RecordingError
from emgfeedback.storage import read_edf, read_edf_header, repair_edf, write_edf
from emgfeedback.storage._edf_header import N_RECORDS_OFFSET

mne = pytest.importorskip("mne")
pyedflib = pytest.importorskip("pyedflib")

FS = 1000.0
LABELS = ["GMax L", "ES L"]


@pytest.fixture()
def good(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(0, 100, (2, 10000))  # 10 s = 20 records of 0.5 s
    path = tmp_path / "good.edf"
    write_edf(path, x, FS, LABELS, patient_code="P1")
    return path, x


def _set_count(path, n):
    with open(path, "r+b") as fh:
        fh.seek(N_RECORDS_OFFSET)
        fh.write(f"{n:<8d}".encode())


def _cut_states(path, tmp_path):
    """States a crash can leave. This writer updates the count after the data, so a kill leaves
    'lag' or 'partial'; 'unknown' (-1) is what EDFlib-based writers leave, 'ahead' a file copied
    or cut short after it was written."""
    h = read_edf_header(path)
    raw = path.read_bytes()
    lag = tmp_path / "lag.edf"
    lag.write_bytes(raw)
    _set_count(lag, h.n_records - 1)
    partial = tmp_path / "partial.edf"
    partial.write_bytes(raw[: h.header_bytes + 15 * h.record_bytes + 777])
    _set_count(partial, 15)
    unknown = tmp_path / "unknown.edf"
    unknown.write_bytes(raw[: h.header_bytes + 12 * h.record_bytes + 5])
    _set_count(unknown, -1)
    ahead = tmp_path / "ahead.edf"
    ahead.write_bytes(raw[: h.header_bytes + 9 * h.record_bytes + 300])
    return {"lag": (lag, 20), "partial": (partial, 15), "unknown": (unknown, 12), "ahead": (ahead, 9)}


def _pyedflib_reads(path):
    f = pyedflib.EdfReader(str(path))
    try:
        return f.readSignal(0)
    finally:
        f.close()


# what pyedflib 0.1.42 does before repair (measured): it accepts a file longer than its header
# says and reads only the counted records; it rejects a count of -1 or one beyond the file's end
PYEDFLIB_BEFORE = {"lag": 19 * 500, "partial": 15 * 500, "unknown": None, "ahead": None}


@pytest.mark.parametrize("state", ["lag", "partial", "unknown", "ahead"])
def test_cut_file_recovered_on_open_and_repaired_for_strict_readers(good, tmp_path, state):
    path, x = good
    cut, n_records = _cut_states(path, tmp_path)[state]
    n = n_records * 500
    # our reader recovers on open, without touching the file
    before = cut.read_bytes()
    r = read_edf(cut)
    assert r.recovered and r.data.shape == (2, n)
    np.testing.assert_allclose(r.data, x[:, :n], atol=10000 / 65535)
    assert cut.read_bytes() == before
    # MNE reads it as it is (it trusts the header count or the file size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = mne.io.read_raw_edf(cut, preload=True, verbose="error")
    m = raw.get_data()[0] * 1e6
    k = min(m.size, n)
    assert k >= n - 500 and np.allclose(m[:k], x[0, :k], atol=0.2)
    if PYEDFLIB_BEFORE[state] is None:
        with pytest.raises(OSError, match="not EDF"):
            _pyedflib_reads(cut)
    else:
        assert _pyedflib_reads(cut).size == PYEDFLIB_BEFORE[state]
    res = repair_edf(cut)
    assert res.changed and res.records == n_records
    assert "kept" in res.describe(str(cut))
    np.testing.assert_allclose(_pyedflib_reads(cut), x[0, :n], atol=10000 / 65535)
    assert read_edf(cut).recovered == ""
    assert not repair_edf(cut).changed  # idempotent


def test_dry_run_changes_nothing(good, tmp_path):
    path, _ = good
    cut, _ = _cut_states(path, tmp_path)["partial"]
    before = cut.read_bytes()
    res = repair_edf(cut, dry_run=True)
    assert res.changed and res.truncated_bytes == 777 and cut.read_bytes() == before


def test_intact_file_is_left_alone(good):
    path, _ = good
    before = path.read_bytes()
    res = repair_edf(path)
    assert not res.changed and path.read_bytes() == before
    assert "nothing to repair" in res.describe("f.edf")


def test_repair_refuses_what_it_cannot_fix(tmp_path, good):
    with pytest.raises(RecordingError, match="no such recording"):
        repair_edf(tmp_path / "none.edf")
    junk = tmp_path / "j.edf"
    junk.write_bytes(b"x" * 600)
    with pytest.raises(RecordingError, match="is not an EDF/BDF file"):
        repair_edf(junk)
    path, _ = good
    h = read_edf_header(path)
    empty = tmp_path / "empty.edf"
    empty.write_bytes(path.read_bytes()[: h.header_bytes + 10])
    with pytest.raises(RecordingError, match="holds no complete data record; there is nothing to keep"):
        repair_edf(empty)


def test_repair_goes_on_past_a_bad_file_and_fails_at_the_end(good, tmp_path, capsys):
    from emgfeedback.cli import main

    states = _cut_states(good[0], tmp_path)
    partial, unknown = states["partial"][0], states["unknown"][0]
    bad = tmp_path / "bad.edf"
    bad.write_bytes(b"0       " + b"x" * 300)
    missing = tmp_path / "missing.edf"
    assert main(["repair", "--check", str(partial), str(bad), str(unknown)]) == 2
    out = capsys.readouterr()
    assert [line.split(":")[0] for line in out.out.splitlines()] == [str(partial), str(unknown)]
    assert main(["repair", str(partial), str(bad), str(missing), str(unknown)]) == 2
    out = capsys.readouterr()
    assert out.out.splitlines() == [
        f"{partial}: cut a partial last record (777 bytes); 7.5 s of data kept",
        f"{unknown}: cut a partial last record (5 bytes) and set the record count from -1 to 12; 6.0 s of data kept"]
    err = out.err.splitlines()
    assert err[0].startswith(f"emgfeedback repair: error: {bad} is not a valid EDF/BDF file: header field")
    assert err[1:] == [f"emgfeedback repair: error: no such recording: {missing}",
                       "emgfeedback repair: 2 of 4 files could not be repaired"]
    assert not repair_edf(partial, dry_run=True).changed and not repair_edf(unknown, dry_run=True).changed
