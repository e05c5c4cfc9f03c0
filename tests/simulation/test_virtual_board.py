"""The virtual board speaks the protocol on its pty: a raw client (no devices/ code) checks it."""

from __future__ import annotations

import os
import select
import termios
import time

import numpy as np
import pytest

from emgfeedback.protocol import (
    Ack, AckResult, Command, DeviceInfo, FrameType, Samples, Status, StreamDecoder, encode_frame,
)
from emgfeedback.simulation.virtual_board import VirtualBoard, serve_virtual_board


class RawClient:
    def __init__(self, path: str, baud: int = termios.B460800) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        attrs = termios.tcgetattr(self.fd)
        attrs[4] = attrs[5] = baud
        termios.tcsetattr(self.fd, termios.TCSANOW, attrs)
        self.dec = StreamDecoder()
        self.seq = 0

    def send(self, kind: FrameType, fs: float = 0.0) -> None:
        os.write(self.fd, encode_frame(Command(kind, self.seq, fs)))
        self.seq += 1

    def frames(self, seconds: float) -> list:
        out, end = [], time.monotonic() + seconds
        while time.monotonic() < end:
            r, _, _ = select.select([self.fd], [], [], 0.02)
            if r:
                out += self.dec.feed(os.read(self.fd, 4096))
        return out

    def close(self) -> None:
        os.close(self.fd)


@pytest.fixture
def client():
    with VirtualBoard("healthy", 2000.0, seed=1) as board:
        c = RawClient(board.path)
        yield c
        c.close()


def test_info_start_stop_and_real_time_rate(client):
    client.send(FrameType.INFO)
    infos = [f for f in client.frames(0.2) if isinstance(f, DeviceInfo)]
    assert infos and infos[-1].fs == 2000.0 and infos[-1].n_channels == 8 and infos[-1].uv_per_count == 0.25
    client.send(FrameType.START)
    frames = client.frames(1.05)
    assert any(isinstance(f, Ack) and f.command == FrameType.START and f.result is AckResult.OK for f in frames)
    samples = [f for f in frames if isinstance(f, Samples)]
    n = sum(f.n_samples for f in samples)
    assert 1600 <= n <= 2400, f"{n} samples in ~1 s at 2 kHz"
    idx = [f.sample_index for f in samples]
    assert idx == list(range(idx[0], idx[0] + 8 * len(idx), 8))
    assert any(isinstance(f, Status) for f in frames)
    assert client.dec.frames_lost == 0 and client.dec.bad_frames == 0
    counts = np.concatenate([f.counts for f in samples], axis=1)
    assert counts.std() > 2  # real signal, not a flat line
    client.send(FrameType.STOP)
    client.frames(0.1)
    assert not [f for f in client.frames(0.2) if isinstance(f, Samples)]


def test_set_rate_answers_ack_and_new_info(client):
    client.send(FrameType.SET_RATE, 1000.0)
    frames = client.frames(0.3)
    acks = [f for f in frames if isinstance(f, Ack)]
    assert acks and acks[0].result is AckResult.OK
    assert [f.fs for f in frames if isinstance(f, DeviceInfo)][-1] == 1000.0
    client.send(FrameType.SET_RATE, 5.0)
    acks = [f for f in client.frames(0.3) if isinstance(f, Ack)]
    assert acks and acks[0].result is AckResult.BAD_ARGUMENT


def test_wrong_baud_client_sees_only_garbage():
    with VirtualBoard("healthy", 2000.0, baud=460800) as board:
        c = RawClient(board.path, baud=termios.B115200)
        try:
            c.frames(0.1)  # the boot announcement went out before the client set its rate
            c.send(FrameType.INFO)
            assert c.frames(0.3) == []
        finally:
            c.close()


def test_boot_announcement_and_symlink_follow_reappearance(tmp_path):
    link = str(tmp_path / "ttyEMG")
    with VirtualBoard("healthy", link=link) as board:
        first = os.path.realpath(link)
        board.vanish()
        assert not os.path.exists(link)
        board.reappear()
        assert os.path.islink(link)
        c = RawClient(link)
        try:
            c.send(FrameType.INFO)
            info = [f for f in c.frames(0.3) if isinstance(f, DeviceInfo)]
            assert info and info[0].seq == 0  # the boot announcement waited in the pty buffer
        finally:
            c.close()
    assert not os.path.exists(link) and first.startswith("/dev/")


def test_serve_announces_the_path_and_stops_after_duration():
    lines = []
    t = time.monotonic()
    assert serve_virtual_board("healthy", 2000.0, duration_s=0.2, announce=lines.append) == 0
    assert time.monotonic() - t < 2
    assert lines and "serial:///dev/" in lines[0]


def test_bad_board_arguments():
    with pytest.raises(ValueError, match="samples_per_frame must be 1..14 for 8 channels, got 20"):
        VirtualBoard(samples_per_frame=20)


def test_cli_serve_end_to_end_through_serial(tmp_path):
    import subprocess
    import sys

    from emgfeedback.devices import open_device

    link = tmp_path / "ttyVB"
    proc = subprocess.Popen([sys.executable, "-m", "emgfeedback.cli", "simulate", "--serve",
                             "--scenario", "lbp-lumbar-first", "--duration", "4", "--link", str(link)],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert f"serial://{link}" in line or "serial:///dev/" in line, line
        with open_device(f"serial://{link}") as dev:
            n = 0
            while n < 400:
                b = dev.read(timeout=2.0)
                assert b is not None
                n += b.n_samples
            assert dev.info.board == "virtual_board"
    finally:
        proc.wait(timeout=10)
    assert proc.returncode == 0


def test_three_consecutive_client_sessions_each_get_answers():
    # the firmware answers every intact command whatever its sequence number; each new client
    # starts again from seq 0 (the serial driver does), so the board must not drop it as old
    with VirtualBoard("healthy", 2000.0, seed=1) as board:
        for session in range(3):
            c = RawClient(board.path)
            try:
                for kind in (FrameType.STOP, FrameType.INFO, FrameType.START, FrameType.STOP):
                    c.send(kind)
                frames = c.frames(0.4)
            finally:
                c.close()
            acks = [f for f in frames if isinstance(f, Ack)]
            assert [a.command_seq for a in acks] == [0, 2, 3], f"session {session + 1}: {acks}"
            assert any(isinstance(f, DeviceInfo) for f in frames), f"session {session + 1}"


@pytest.mark.parametrize("how", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_serve_removes_its_link_when_terminated(tmp_path, how):
    import signal
    import subprocess
    import sys

    link = tmp_path / "ttyVB"
    proc = subprocess.Popen([sys.executable, "-m", "emgfeedback.cli", "simulate", "--serve", "--link", str(link)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "virtual board" in proc.stdout.readline()
        assert link.is_symlink()
        proc.send_signal(getattr(signal, how))
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not link.is_symlink() and not link.exists()
    assert "Traceback" not in err
    assert proc.returncode in (0, 130)
