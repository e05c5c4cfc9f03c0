"""Recording a live session: EDF+ with onsets/reps/cues, per-rep results in the database,
a write error that finishes the file, opening the device on the worker."""

from __future__ import annotations

import errno
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from emgfeedback.calibration import load_protocols
from emgfeedback.devices import open_device
from emgfeedback.errors import DeviceConnectionError
from emgfeedback.measures import RepMetrics
from emgfeedback.model import FiringOrder, Muscle, Side
from emgfeedback.session import (
    CONNECTING,
    STOPPED,
    STREAMING,
    LiveSession,
    rep_fields,
    recording_path,
)
from emgfeedback.settings import ProcessingSettings
from emgfeedback.storage import SessionDatabase, read_edf, read_edf_header, recording_settings

FAST = "sim://?scenario=lbp-lumbar-first&realtime=0&block=200"


@pytest.fixture(autouse=True)
def _private_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("EMGFEEDBACK_DB", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("EMGFEEDBACK_RECORDINGS", str(tmp_path / "rec"))


def _wait(cond, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return False


def test_rep_fields_adapts_a_rep_result_to_the_database() -> None:
    fo = FiringOrder(Side.LEFT, (Muscle.LUMBAR_ES, Muscle.GLUTE_MAX), (1.0, 1.06), 0)
    rep = RepMetrics(0, 1.0, 3.0, (1.5, 2.5), set_number=2, side=Side.LEFT, mean_uv={"glute_max_left": 50.0},
                    peak_uv={"glute_max_left": 90.0}, firing_order={Side.LEFT: fo},
                    gmax_minus_es_ms={Side.LEFT: 60.0}, tfl_to_glute_ratio={Side.LEFT: float("nan")})
    f = rep_fields(rep)
    assert f["set_number"] == 2 and f["side"] == "left"
    assert f["sides"] == {"left": {"first_to_fire": "lumbar_es", "firing_order": "lumbar_es>glute_max",
                                   "gmax_minus_es_ms": pytest.approx(60.0), "tfl_to_glute_ratio": None,
                                   "gluteal_to_tfl_index": None}}
    assert f["channels"] == {"glute_max_left": {"mean_uv": 50.0, "peak_uv": 90.0, "peak_pct_mvc": None,
                                                "pct_mvc": None, "onset_s": None}}
    assert f["symmetry"] == {}


def test_recording_path_names_and_refuses_names(tmp_path) -> None:
    p = recording_path("P-0042", tmp_path / "r")
    assert p.parent == tmp_path / "r" and p.name.startswith("P-0042_") and p.suffix == ".edf"
    assert (tmp_path / "r").stat().st_mode & 0o777 == 0o700
    p.touch()
    again = recording_path("P-0042", tmp_path / "r", when=None)
    assert again != p or not again.exists()
    with pytest.raises(ValueError, match="has no digits and may be a name"):
        recording_path("JohnSmith", tmp_path)


def test_live_recording_writes_edf_annotations_and_database(tmp_path) -> None:
    live = LiveSession(open_device(FAST + "&follow=1"))  # the simulated patient follows the cues
    live.start()
    path = recording_path("P-0042")
    try:
        live.start_recording(path, "P-0042")
        live.call(lambda e: e.start_protocol(load_protocols()["prone_hip_extension"]))
        reps: list[RepMetrics] = []
        assert _wait(lambda: (reps.extend(r for u in live.drain_results() for r in u.reps)
                              or sum(not r.artefact for r in reps) >= 2))
        assert live.recording_status is not None and live.recording_status.active
        live.stop_recording()
        assert _wait(lambda: not live.recording_status.active)
    finally:
        live.stop()
    st = live.recording_status
    assert st.error == "" and st.warning == "" and st.reps >= 2 and st.file_bytes > 0
    rec = read_edf(path)
    assert rec.fs == 2000.0 and rec.labels[0] == "GMax L" and rec.data.shape[0] == 8
    texts = [a.text for a in rec.annotations]
    assert any(t.startswith("rep 1") for t in texts) and any(t.startswith("rep 2") for t in texts)
    assert any(t.startswith("cue hold") for t in texts) and any(t.startswith("onset ES L") for t in texts)
    assert rec.data.shape[1] / rec.fs == pytest.approx(st.recorded_s, abs=0.01)
    with SessionDatabase() as db:  # EMGFEEDBACK_DB -> tmp_path
        assert db.patients() == ["P-0042"]
        (session,) = db.sessions("P-0042")
        assert session.protocol == "prone_hip_extension" and session.ended_at is not None
        assert db.recordings(session.id) == [str(path.resolve())]
        stored = db.reps(session.id)
    assert sum(r["artefact"] is None for r in stored) == st.reps  # counted reps: file, database, status
    # rep times in the database are times in the file: the annotations say the same
    rep_ann = [a for a in rec.annotations if a.kind in ("rep", "artefact")]
    for row in stored[:2]:
        ann = rep_ann[row["index"]]
        assert row["start_s"] == pytest.approx(ann.onset_s, abs=1e-3)
        assert row["sides"]["left"]["first_to_fire"] == "lumbar_es"
        assert row["sides"]["left"]["gmax_minus_es_ms"] > 0  # lumbar ES fires first in this scenario
    assert reps[0].latency_ms(Side.LEFT) == pytest.approx(stored[0]["sides"]["left"]["gmax_minus_es_ms"])


def test_disk_full_stops_recording_with_a_message_and_a_readable_file(tmp_path, monkeypatch) -> None:
    import emgfeedback.storage.edf as edf

    real_write = edf.os.write
    budget = {"bytes": 200_000}

    def limited_write(fd, data):
        if budget["bytes"] <= 0 and len(data) > 1000:
            raise OSError(errno.ENOSPC, "No space left on device")
        budget["bytes"] -= len(data)
        return real_write(fd, data)

    monkeypatch.setattr(edf.os, "write", limited_write)
    live = LiveSession(open_device(FAST))
    live.start()
    path = tmp_path / "full.edf"
    try:
        live.start_recording(path, "P-7")
        assert _wait(lambda: live.recording_status is not None and live.recording_status.error != "")
        assert live.running  # the live view goes on
        blocks = live.blocks
        assert _wait(lambda: live.blocks > blocks + 5)
    finally:
        live.stop()
    st = live.recording_status
    assert not st.active
    assert "the disk is full" in st.error and "is readable" in st.error
    rec = read_edf(path)
    assert rec.recovered == "" and rec.data.shape[1] > 0
    with SessionDatabase() as db:
        (session,) = db.sessions("P-7")
        assert db.recordings(session.id) == [str(path.resolve())]


def test_recording_refuses_a_name_without_touching_disk(tmp_path) -> None:
    live = LiveSession(open_device(FAST))
    live.start()
    try:
        live.start_recording(tmp_path / "x.edf", "Anna-Maria")
        assert _wait(lambda: live.recording_status is not None)
    finally:
        live.stop()
    assert "may be a name" in live.recording_status.error and not (tmp_path / "x.edf").exists()


def test_recording_names_its_settings_and_an_unknown_patient_stays_out_of_the_database(tmp_path) -> None:
    settings = ProcessingSettings(mains_hz=60.0, onset_method="bonato", min_burst_s=0.05)
    live = LiveSession(open_device(FAST), settings=settings, stop_after_s=3.0)
    live.start_recording(tmp_path / "u.edf", None)  # no code: EDF+'s unknown X
    live.start()
    assert _wait(lambda: not live.running)
    live.stop()
    st = live.recording_status
    assert st.error == "" and "not stored in the session database" in st.warning
    assert recording_settings(st.path) == settings
    (first,) = [a for a in read_edf(st.path).annotations if a.text.startswith("settings ")]
    assert first.onset_s == 0.0
    assert read_edf_header(st.path).patient.startswith("X X X X")
    assert not (tmp_path / "db.sqlite3").exists()


def test_the_patient_code_rule_is_one_and_refuses_the_placeholder(tmp_path) -> None:
    import emgfeedback.session as session
    import emgfeedback.storage as storage

    assert session.validate_patient_code is storage.validate_patient_code
    for check in (session.validate_patient_code, storage.validate_patient_code):
        with pytest.raises(ValueError, match="patient code 'X' means unknown"):
            check("X")
        assert check(" P-0042 ") == "P-0042"
    live = LiveSession(open_device(FAST))
    live.start_recording(tmp_path / "x.edf", "X")
    live.start()
    try:
        assert _wait(lambda: live.recording_status is not None)
    finally:
        live.stop()
    assert "means unknown" in live.recording_status.error and not (tmp_path / "x.edf").exists()


def test_device_opens_on_the_worker_and_errors_come_back() -> None:
    release = threading.Event()
    caller = threading.get_ident()
    seen = {}

    def slow_opener():
        seen["thread"] = threading.get_ident()
        release.wait(5.0)
        raise DeviceConnectionError("no answer from /dev/ttyUSB0 within 2 s")

    live = LiveSession(opener=slow_opener)
    t0 = time.monotonic()
    live.start_async()
    assert time.monotonic() - t0 < 0.5 and live.state == CONNECTING
    release.set()
    assert _wait(lambda: live.state == STOPPED)
    assert seen["thread"] != caller
    assert isinstance(live.error, DeviceConnectionError) and "no answer" in str(live.error)
    with pytest.raises(ValueError, match="give exactly one of device"):
        LiveSession()


def test_stop_while_connecting_returns_at_once_and_closes_the_device_later() -> None:
    release = threading.Event()
    dev = open_device("sim://?realtime=0")
    closed = []
    real_close = dev.close
    dev.close = lambda: (closed.append(1), real_close())

    def opener():
        release.wait(5.0)
        return dev

    live = LiveSession(opener=opener)
    live.start_async()
    t0 = time.monotonic()
    live.stop(wait=False)
    assert time.monotonic() - t0 < 0.2
    release.set()
    assert _wait(lambda: live.state == STOPPED and closed)
    assert live.error is None
    live2 = LiveSession(open_device("sim://?realtime=0"))
    assert live2.start().n_channels == 8 and live2.state == STREAMING
    live2.stop()
    assert live2.state == STOPPED and np.isfinite(live2.stream_t_s)


def test_one_visit_holds_its_mvc_protocols_reps_and_recordings(tmp_path) -> None:
    """Record then Start, a second protocol, a second recording: one database session (the
    visit) with its MVC once, both protocols, reps numbered across it, both recordings."""
    from emgfeedback.session import SessionStore

    db = SessionDatabase(tmp_path / "s.sqlite3")
    store = SessionStore(db, "P-9", None, mvc_uv={"glute_max_left": 200.0})
    store.start_recording(tmp_path / "a.edf", 2000.0)  # Record before Start
    store.set_protocol("clamshell")
    store.add_rep(RepMetrics(0, 1.0, 2.0, (1.25, 1.75), protocol="clamshell", set_number=1, rep_number=1), 1.0, 2.0)
    store.set_protocol("bridge")
    store.add_rep(RepMetrics(0, 5.0, 5.2, (5.05, 5.15), artefact="too short (0.20 s < 2.0 s)"), 5.0, 5.2)
    store.add_mvc({"glute_max_left": 200.0})  # unchanged: not stored twice
    store.finish_recording(10.0)
    store.close()
    db = SessionDatabase(tmp_path / "s.sqlite3")
    (visit,) = db.sessions("P-9")
    store2 = SessionStore(db, "P-9", "bridge", session_id=visit.id)  # a second recording, same visit
    store2.start_recording(tmp_path / "b.edf", 2000.0)
    store2.add_rep(RepMetrics(0, 9.0, 11.0, (9.5, 10.5), protocol="bridge", set_number=1, rep_number=1), 9.0, 11.0)
    store2.close(end=False)  # crashed: no finish_recording
    store3 = SessionStore(SessionDatabase(tmp_path / "s.sqlite3"), "P-9", session_id=visit.id)
    store3.start_recording(tmp_path / "c.edf", 2000.0)
    store3.finish_recording(0.0, kept=False)  # failed start: no file was left, no row either
    store3.close(end=False)
    db = SessionDatabase(tmp_path / "s.sqlite3")
    (visit,) = db.sessions("P-9")
    assert db.session_protocols(visit.id) == ["clamshell", "bridge"]
    reps = db.reps(visit.id)
    assert [r["index"] for r in reps] == [0, 1, 2]
    assert [(r["protocol"], r["set_number"], r["rep_number"]) for r in reps] == [
        ("clamshell", 1, 1), ("bridge", 0, 0), ("bridge", 1, 1)]
    assert reps[1]["artefact"].startswith("too short") and reps[0]["artefact"] is None
    assert db.latest_mvc("P-9") == {"glute_max_left": 200.0}
    assert db._db.execute("SELECT COUNT(*) FROM mvc").fetchone()[0] == 1
    rows = db.recording_rows(visit.id)
    assert [Path(r["path"]).name for r in rows] == ["a.edf", "b.edf"]
    assert rows[0]["duration_s"] == 10.0 and rows[0]["ended_at"] is not None
    assert rows[1]["ended_at"] is None  # linked at start: the crash left the visit naming its file
    db.close()
