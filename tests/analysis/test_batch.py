"""emgfeedback.analysis.batch and .cache: outcomes as JSON, the cache key, the cache folder."""

import json

import pytest

from emgfeedback.analysis import batch
from emgfeedback.analysis.batch import BatchRequest, FileOutcome, analyse_batch, analyse_file, cache_key
from emgfeedback.analysis.cache import ResultCache, default_cache_dir
from emgfeedback.settings import ProcessingSettings
from emgfeedback.simulation import simulate
from emgfeedback.storage import write_edf


def _own(found):
    return found or ProcessingSettings()


def _request(fingerprint="a", report=True):
    return BatchRequest(settings_for=_own, fingerprint=fingerprint, report=report)


@pytest.fixture(scope="module")
def edf(tmp_path_factory):
    rec = simulate("lbp-lumbar-first", duration_s=20.0, ramp="fast")
    path = tmp_path_factory.mktemp("batch") / "t.edf"
    write_edf(path, rec.data, rec.fs, rec.montage.labels)
    return str(path)


def test_an_outcome_survives_json_unchanged(edf):
    out = analyse_file(edf, _request())
    assert not out.error and out.rows and out.section.startswith('<section class="trial">')
    back = FileOutcome.from_dict(json.loads(json.dumps(out.to_dict(), allow_nan=False)))
    assert back == out


def test_not_an_outcome_is_a_value_error():
    with pytest.raises(ValueError, match="not a file outcome"):
        FileOutcome.from_dict({"source": "x", "pickle": "no"})


def test_a_hostile_file_gives_an_error_outcome_not_an_exception(tmp_path):
    bad = tmp_path / "bad.bdf"
    bad.write_bytes(b"\xffBIOSEMI" + b"\x00" * 300)
    out = analyse_file(str(bad), _request())
    assert out.error and str(bad) in out.error and "\n" not in out.error


def test_the_key_follows_bytes_request_and_version(edf, tmp_path, monkeypatch):
    k = cache_key(edf, _request())
    assert k == cache_key(edf, _request()) and len(k) == 64
    assert cache_key(edf, _request("b")) != k
    monkeypatch.setattr(batch, "__version__", "99")
    assert cache_key(edf, _request()) != k
    monkeypatch.undo()
    assert cache_key(str(tmp_path / "missing.edf"), _request()) is None


def test_changed_bytes_change_the_key(tmp_path):
    p = tmp_path / "f.edf"
    p.write_bytes(b"0" * 100)
    k = cache_key(str(p), _request())
    p.write_bytes(b"0" * 99 + b"1")
    assert cache_key(str(p), _request()) != k


def test_an_entry_without_the_report_section_is_analysed_again(edf, tmp_path):
    cache = ResultCache(tmp_path / "c")
    [(first, hit)] = list(analyse_batch([edf], _request(report=False), cache=cache))
    assert not hit and first.section is None
    [(again, hit)] = list(analyse_batch([edf], _request(report=False), cache=cache))
    assert hit and again == first
    [(with_report, hit)] = list(analyse_batch([edf], _request(report=True), cache=cache))
    assert not hit and with_report.section


def test_cache_entries_are_owner_only_json_and_a_broken_one_is_absent(tmp_path):
    cache = ResultCache(tmp_path / "c")
    key = "ab" * 32
    cache.put(key, {"x": 1})
    (entry,) = (tmp_path / "c").rglob("*.json")
    assert entry.stat().st_mode & 0o777 == 0o600 and json.loads(entry.read_text()) == {"x": 1}
    assert cache.get(key) == {"x": 1} and cache.get("cd" * 32) is None
    entry.write_text("{not json")
    assert cache.get(key) is None
    with pytest.raises(ValueError, match="64 hex digits"):
        cache.put("../../etc/passwd", {})


def test_a_file_named_as_cache_folder_is_refused(tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(ValueError, match="is a file; name a folder"):
        ResultCache(tmp_path / "f")


def test_default_folder_follows_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "emgfeedback" / "analyze"


def _broken(found):
    raise KeyError("nobody foresaw this")


def test_an_unforeseen_failure_is_one_file_s_error(edf):
    out = analyse_file(edf, BatchRequest(settings_for=_broken, fingerprint=""))
    assert out.error == f"{edf}: could not be analysed (KeyError: 'nobody foresaw this')"


def test_one_request_per_file_in_parallel_processes(edf):
    labels = tuple(f"X{i}" for i in range(8))
    own = BatchRequest(settings_for=_own, fingerprint="b", labels=labels)
    got = [out for out, _ in analyse_batch([edf, edf, edf], [_request(report=False), own, _request(report=False)],
                                           jobs=2)]
    assert [o.channels == list(labels) for o in got] == [False, True, False]
    assert got[0] == got[2] and not any(o.error for o in got)
    with pytest.raises(ValueError, match="one per path"):
        list(analyse_batch([edf, edf], [own]))
