"""A failed start leaves no file; a write error says what is really on disk and names its cause
(a full disk, a file-size limit) correctly."""

from __future__ import annotations

import dataclasses
import errno
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import emgfeedback.storage.edf as edf
from emgfeedback.errors import RecordingError
from emgfeedback.storage import EdfWriter, read_edf, repair_edf
from emgfeedback.storage.recorder import Recorder

FS = 1000.0


def _full_disk_after(monkeypatch, n_bytes):
    """``os.write`` in the writer fails with ENOSPC once ``n_bytes`` were written."""
    real = edf.os.write
    left = {"n": n_bytes}

    def write(fd, data):
        if len(data) > left["n"]:
            raise OSError(errno.ENOSPC, "No space left on device")
        left["n"] -= len(data)
        return real(fd, data)

    monkeypatch.setattr(edf.os, "write", write)


def test_a_full_disk_at_the_header_leaves_no_file_and_a_retry_works(tmp_path, monkeypatch):
    path = tmp_path / "s.edf"
    _full_disk_after(monkeypatch, 100)
    with pytest.raises(RecordingError, match=r"^cannot start recording to .*s.edf: the disk is full; "
                                             r"no file was left$"):
        EdfWriter(path, FS, ["GMax L"])
    assert not path.exists()
    monkeypatch.undo()
    EdfWriter(path, FS, ["GMax L"]).close()  # the same name is free


def test_a_full_disk_before_the_first_record_says_nothing_was_kept(tmp_path, monkeypatch):
    path = tmp_path / "s.edf"
    _full_disk_after(monkeypatch, 1100)  # the header (1024 bytes) fits, the first record does not
    w = EdfWriter(path, FS, ["GMax L", "GMax R"])
    with pytest.raises(RecordingError) as info:
        w.write(np.zeros((2, 600)))
    assert str(info.value) == (f"recording stopped: writing {path} failed (the disk is full); nothing "
                               f"had been recorded yet, so no file was left")
    w.close()
    assert not path.exists()


def test_a_full_disk_later_reports_exactly_what_the_file_keeps(tmp_path, monkeypatch):
    path = tmp_path / "s.edf"
    _full_disk_after(monkeypatch, 1024 + 7 * 2512 + 10)  # header and 7 records of 0.5 s
    w = EdfWriter(path, FS, ["GMax L", "GMax R"])
    assert (w.header.header_bytes, w.record_bytes) == (1024, 2512)
    with pytest.raises(RecordingError, match=r"failed \(the disk is full\); the file keeps the first "
                                             r"3.5 s and is readable$"):
        for _ in range(20):
            w.write(np.ones((2, 250)))
    w.close()
    rec = read_edf(path)
    assert rec.duration_s == 3.5 and rec.recovered == "" and not repair_edf(path, dry_run=True).changed


def test_a_recording_that_got_no_sample_leaves_no_file(tmp_path):
    path = tmp_path / "s.edf"
    w = EdfWriter(path, FS, ["GMax L"])
    w.annotate(0.0, "settings {}")
    w.close()
    assert w.removed and not path.exists()


class _Device:
    def __init__(self):
        from emgfeedback.model import Montage, StreamInfo

        self.info = StreamInfo(fs=FS, montage=Montage.from_names(["GMax L"]), source="t://", board="t")
        self.closed = False

    def start(self):
        pass

    def close(self):
        self.closed = True


def test_recorder_closes_the_device_when_the_file_cannot_be_created(tmp_path):
    path = tmp_path / "taken.edf"
    path.write_bytes(b"")
    dev = _Device()
    with pytest.raises(RecordingError, match="already exists"):
        Recorder(dev, path).run()
    assert dev.closed and path.read_bytes() == b""


SIZE_LIMITED = textwrap.dedent("""
    import resource, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # EFBIG instead of being killed
    resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
    import numpy as np
    from emgfeedback.errors import RecordingError
    from emgfeedback.storage import EdfWriter
    try:
        w = EdfWriter(sys.argv[1], 1000.0, ["GMax L", "GMax R"])
        for _ in range(40):
            w.write(np.ones((2, 250)))
    except RecordingError as err:
        print(err)
""")


@pytest.mark.parametrize("limit,kept", [(11_172, "the file keeps the first 2.0 s and is readable"),
                                        (2_000, "nothing had been recorded yet, so no file was left"),
                                        (500, "no file was left")])
def test_a_file_size_limit_is_named_as_such_not_as_a_full_disk(tmp_path, limit, kept):
    path = tmp_path / "big.edf"
    out = subprocess.run([sys.executable, "-c", SIZE_LIMITED.format(limit=limit), str(path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    line = out.stdout.strip()
    assert "the file reached this system's file-size limit" in line and "disk is full" not in line
    assert line.endswith(kept)
    if limit == 11_172:  # 1024 header bytes + 4 records of 2512 bytes fit
        assert read_edf(path).duration_s == 2.0
    else:
        assert not path.exists()


RECORD_LIMITED = textwrap.dedent("""
    import resource, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))   # less than an 8-channel header
    from emgfeedback.cli import main
    sys.exit(main(["record", "--device", "sim://?realtime=0", "--out", sys.argv[1],
                   "--duration", "2", "--quiet"]))
""")


def test_record_that_cannot_start_leaves_nothing_and_a_retry_works(tmp_path):
    path = tmp_path / "retry.edf"
    failed = subprocess.run([sys.executable, "-c", RECORD_LIMITED, str(path)], capture_output=True,
                            text=True, timeout=120)
    assert failed.returncode == 2
    assert failed.stderr.strip().splitlines() == [
        f"emgfeedback record: error: cannot start recording to {path}: the file reached this "
        f"system's file-size limit; no file was left"]
    assert not path.exists()
    retry = subprocess.run([sys.executable, "-m", "emgfeedback.cli", "record", "--device",
                            "sim://?realtime=0", "--out", str(path), "--duration", "2", "--quiet"],
                           capture_output=True, text=True, timeout=120)
    assert retry.returncode == 0, retry.stderr
    assert read_edf(path).duration_s == 2.0


def test_record_whose_stream_ends_before_a_sample_says_no_file_was_left(tmp_path, monkeypatch, capsys):
    import emgfeedback.devices as devices
    from emgfeedback.cli import main
    from emgfeedback.devices.base import Device, EndOfStream
    from emgfeedback.model import Montage, StreamInfo

    @dataclasses.dataclass(frozen=True)
    class NoOptions:
        pass

    class Empty(Device):
        scheme = "empty"
        Options = NoOptions

        def _open(self):
            return StreamInfo(fs=FS, montage=Montage.default(), source=self.url, board="empty")

        def _read_chunk(self):
            raise EndOfStream

    monkeypatch.setattr(devices, "open_device", lambda url: Empty(url).open())
    path = tmp_path / "empty.edf"
    assert main(["record", "--device", "empty://", "--out", str(path), "--quiet"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"emgfeedback record: error: {path}: nothing was recorded (stopped before the first sample), "
        f"so no file was left"]
    assert not path.exists()
