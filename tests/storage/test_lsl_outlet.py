"""The opt-in LSL outlet, checked inside a loopback-only network namespace (never on the LAN)."""

import os
import textwrap

import pytest

try:
    import pylsl  # noqa: F401
except Exception:  # pylsl or liblsl missing
    if os.environ.get("EMGFEEDBACK_REQUIRE_ALL"):
        raise
    pytest.skip("pylsl is not installed", allow_module_level=True)

from emgfeedback.testing.lsl_sandbox import run_confined


def test_outlet_streams_samples_labels_and_markers_to_an_inlet(tmp_path):
    out = run_confined(textwrap.dedent("""
        import json, time
        import numpy as np
        import pylsl
        from emgfeedback.model import Montage, SampleBlock, StreamInfo
        from emgfeedback.storage.lsl_outlet import LslOutlet

        info = StreamInfo(fs=500.0, montage=Montage.default(), source="sim://", board="simulator")
        outlet = LslOutlet(info, name="emg-test")
        found = pylsl.resolve_byprop("name", "emg-test", 1, 5.0)
        mfound = pylsl.resolve_byprop("name", "emg-test-markers", 1, 5.0)
        inlet = pylsl.StreamInlet(found[0]); minlet = pylsl.StreamInlet(mfound[0])
        inlet.open_stream(5.0); minlet.open_stream(5.0)
        time.sleep(0.5)
        x = np.arange(8 * 250, dtype=float).reshape(8, 250) * 0.5
        for k in range(0, 250, 50):
            outlet.push_block(SampleBlock(t0=k / 500, fs=500.0, data=x[:, k:k + 50], seq=k))
        outlet.push_marker("rep 1")
        got, deadline = [], time.monotonic() + 10
        while sum(len(c) for c in got) < 250 and time.monotonic() < deadline:
            chunk, ts = inlet.pull_chunk(timeout=0.5)
            if chunk:
                got.append(chunk)
        marker, _ = minlet.pull_sample(timeout=5.0)
        full = inlet.info(5.0)
        ch = full.desc().child("channels").child("channel")
        labels = []
        while not ch.empty():
            labels.append(ch.child_value("label")); ch = ch.next_sibling()
        data = np.concatenate([np.asarray(c) for c in got]).T
        print(json.dumps({"equal": bool(np.allclose(data, x)), "n": int(data.shape[1]),
                          "fs": found[0].nominal_srate(), "type": found[0].type(),
                          "labels": labels, "unit": full.desc().child("channels").child("channel").child_value("unit"),
                          "marker": marker, "pushed": outlet.samples_pushed}))
        outlet.close()
    """), tmp_path)
    assert out["equal"] and out["n"] == 250 and out["pushed"] == 250
    assert out["fs"] == 500.0 and out["type"] == "EMG"
    assert out["labels"] == ["GMax L", "GMed L", "TFL L", "ES L", "GMax R", "GMed R", "TFL R", "ES R"]
    assert out["unit"] == "microvolts" and out["marker"] == ["rep 1"]


def test_recorder_with_outlet_feeds_the_lsl_inlet_driver(tmp_path):
    edf = tmp_path / "lsl.edf"
    out = run_confined(textwrap.dedent(f"""
        import json, threading, time
        import numpy as np
        from emgfeedback.devices import open_device
        from emgfeedback.storage import read_edf
        from emgfeedback.storage.lsl_outlet import LslOutlet
        from emgfeedback.storage.recorder import Recorder

        dev = open_device("sim://?scenario=healthy&fs=500&seed=3")
        outlet = LslOutlet(dev.info, name="emg-rec")
        rec = Recorder(dev, {str(edf)!r}, duration_s=4.0, outlet=outlet)
        result = {{}}
        def listen():
            with open_device("lsl://name=emg-rec?resolve=5", reconnect_timeout_s=0) as inlet:
                blocks, n, deadline = [], 0, time.monotonic() + 10
                while n < 600 and time.monotonic() < deadline:
                    b = inlet.read(0.5)
                    if b is not None:
                        blocks.append(b); n += b.n_samples
                result["labels"] = inlet.info.montage.labels
                result["data"] = np.concatenate([b.data for b in blocks], axis=1)
                result["lost"] = sum(b.n_lost for b in blocks)
        th = threading.Thread(target=listen); th.start()
        rec.annotate("marker start")
        final = rec.run()
        th.join(20)
        outlet.close()
        file = read_edf({str(edf)!r}).data
        got = result["data"]
        # the inlet joined mid-stream: find its first sample in the file
        m = 50
        err = [np.abs(file[:, i:i + m] - got[:, :m]).max() for i in range(file.shape[1] - m)]
        start = int(np.argmin(err))
        k = min(got.shape[1], file.shape[1] - start)
        bad = np.flatnonzero(np.abs(got[:, :k] - file[:, start:start + k]).max(axis=0) > 0.2)
        print(json.dumps({{"labels": list(result["labels"]), "n": int(got.shape[1]),
                          "match": bool(np.allclose(got[:, :k], file[:, start:start + k], atol=0.2)),
                          "markers": outlet.markers_pushed, "samples": final.samples,
                          "lost": int(result["lost"]), "start": start, "bad": bad[:10].tolist(), "minerr": float(min(err))}}))
    """), tmp_path)
    assert out["labels"][0] == "GMax L" and out["n"] >= 600 and out["match"], str(out)
    assert out["markers"] >= 1 and out["samples"] == 2000


_LIVE_LISTENER = """
import json, threading, time
import pylsl
from emgfeedback.devices import open_device

def listen(result):
    found = pylsl.resolve_byprop("name", "emgfeedback-markers", 1, 10.0)
    minlet = pylsl.StreamInlet(found[0]); minlet.open_stream(5.0)
    with open_device("lsl://name=emgfeedback?resolve=10", reconnect_timeout_s=0) as inlet:
        n, markers, deadline = 0, [], time.monotonic() + 12
        while time.monotonic() < deadline and not ({"onset GMax L", "onset ES L"} <= set(markers) and n > 2000):
            b = inlet.read(0.2)
            if b is not None:
                n += b.n_samples; result["channels"] = b.n_channels
            m, _ = minlet.pull_sample(timeout=0.0)
            if m:
                markers.append(m[0])
    result.update(n=n, markers=markers)
"""


def test_monitor_with_lsl_publishes_channels_and_onset_markers(tmp_path):
    # the live terminal view with --lsl: a lab recorder sees the 8 channels and "onset GMax L"
    out = run_confined(_LIVE_LISTENER + textwrap.dedent("""
        from emgfeedback.cli import main
        result = {}
        t = threading.Thread(target=listen, args=(result,)); t.start()
        rc = main(["monitor", "--device", "sim://?scenario=healthy&fs=1000", "--duration", "7",
                   "--interval", "5", "--lsl"])
        t.join()
        print(json.dumps({"rc": rc, **result}))
    """), tmp_path)
    assert out["rc"] == 0 and out["channels"] == 8 and out["n"] > 2000
    assert "onset GMax L" in out["markers"] and "onset ES L" in out["markers"]


def test_live_session_with_lsl_publishes_while_the_dashboard_runs(tmp_path):
    # the dashboard's worker (session.LiveSession) with lsl=True; no Qt needed
    out = run_confined(_LIVE_LISTENER + textwrap.dedent("""
        from emgfeedback.session import LiveSession
        result = {}
        t = threading.Thread(target=listen, args=(result,)); t.start()
        live = LiveSession(opener=lambda: open_device("sim://?scenario=healthy&fs=1000"), lsl=True)
        live.start(timeout_s=10)
        t.join()
        live.stop()
        print(json.dumps({"error": repr(live.error), **result}))
    """), tmp_path)
    assert out["error"] == "None" and out["channels"] == 8 and out["n"] > 2000
    assert "onset GMax L" in out["markers"] and "onset ES L" in out["markers"]
