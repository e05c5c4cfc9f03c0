"""Firmware, built and run: host C tests against the shared vectors, the AVR image and its
size, and the AVR firmware running in simavr read end to end by the ``serial://`` driver.

Tools missing (gcc, make, avr-gcc, libsimavr) skip these tests with the reason, unless
``EMGFEEDBACK_REQUIRE_ALL`` is set (CI sets it): then a missing tool fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
FW = ROOT / "firmware"
F_CPU = 16_000_000
FS = 1000
MYOWARE_GAIN = 201.0  # calibration/boards/arduino_myoware.toml
VREF_MV = 5000


def _need(*tools: str, headers: tuple[str, ...] = ()) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    missing += [h for h in headers if not Path(h).exists()]
    if not missing:
        return
    why = (f"firmware toolchain missing: {', '.join(missing)} (Debian: apt-get install gcc make "
           "gcc-avr avr-libc simavr libsimavr-dev libelf-dev pkg-config)")
    if os.environ.get("EMGFEEDBACK_REQUIRE_ALL"):
        pytest.fail(why + "; EMGFEEDBACK_REQUIRE_ALL is set, so this is a failure")
    pytest.skip(why)


def _make(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(["make", "--no-print-directory", *args], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, f"make {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fwbuild")


@pytest.fixture(scope="module")
def avr_elf(build_dir: Path) -> Path:
    _need("make", "avr-gcc", "avr-objcopy", "avr-size")
    _make("-C", str(FW / "arduino_myoware"), f"BUILD={build_dir / 'avr'}")
    elf = build_dir / "avr" / "emg_myoware.elf"
    assert elf.exists()
    return elf


@pytest.fixture(scope="module")
def emgsim(build_dir: Path) -> Path:
    _need("make", "cc", "pkg-config", headers=("/usr/include/simavr/sim_avr.h",
                                               "/usr/include/libelf.h"))
    _make("-C", str(FW / "sim"), f"BUILD={build_dir / 'sim'}")
    return build_dir / "sim" / "emgsim"


# ------------------------------------------------------------------ host tests
def test_host_c_tests_pass_against_the_shared_vectors(build_dir: Path) -> None:
    _need("make", "cc")
    out = _make("-C", str(FW), "test", f"BUILD={build_dir / 'host'}").stdout
    assert re.search(r"OK: (\d+) vectors \((\d+) frames, (\d+) rejects\)", out), out
    n_vectors = int(re.search(r"OK: (\d+) vectors", out).group(1))
    listed = [ln for ln in (ROOT / "docs/protocol-vectors.txt").read_text().splitlines()
              if ln and not ln.startswith("#")]
    assert n_vectors == len(listed)  # the C test read every vector in the file
    assert "OK: board/app tests" in out


# ------------------------------------------------------------------ AVR image
def test_avr_image_fits_the_atmega328p(avr_elf: Path) -> None:
    out = subprocess.run(["avr-size", "-A", str(avr_elf)], capture_output=True, text=True,
                         check=True).stdout
    sec = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\.\w+)\s+(\d+)", out, re.M)}
    flash = sec[".text"] + sec.get(".data", 0)
    ram = sec.get(".data", 0) + sec.get(".bss", 0)
    assert flash <= 32 * 1024 - 512, f"flash {flash} B leaves no room for the Optiboot bootloader"
    assert ram <= 2048 - 512, f"static RAM {ram} B leaves under 512 B of the 2 KiB for the stack"
    hex_file = avr_elf.with_suffix(".hex")
    assert hex_file.exists() and hex_file.read_text().startswith(":")


def test_board_gain_in_firmware_matches_the_calibration_file() -> None:
    from emgfeedback.calibration.boards import load_board

    board = load_board("arduino_myoware")
    text = (FW / "arduino_myoware/board_config.h").read_text()
    gain = float(re.search(r"#define UV_PER_COUNT ([\d.]+)f", text).group(1))
    assert gain == pytest.approx(board.uv_per_count, rel=1e-5)
    assert board.gain == MYOWARE_GAIN


# ------------------------------------------------------------------ simavr end to end
def _waveform(path: Path, n: int) -> np.ndarray:
    """A simulated scenario (µV at the electrodes) as MyoWare RAW pin voltages, mV (int)."""
    from emgfeedback.simulation import LiveSimulator

    uv = LiveSimulator("lbp-lumbar-first", fs=FS, seed=3).read(n)
    mv = np.clip(np.rint(VREF_MV / 2 + uv * MYOWARE_GAIN / 1000.0), 0, VREF_MV).astype(np.int64)
    with open(path, "w") as fh:
        fh.write("# unit=mV  MyoWare RAW output at the ADC pins, 8 channels\n")
        np.savetxt(fh, mv.T, fmt="%d")
    return mv


def _expected_uv(mv: np.ndarray) -> np.ndarray:
    """What the driver reports for pin voltages mv: simavr's ADC model, minus mid-scale, times
    the µV per count of the board file (calibration/boards/arduino_myoware.toml — the board file,
    not the firmware's float32 DEVICE_INFO value, is where a unit is calibrated)."""
    from emgfeedback.devices._boards import known_board

    counts = mv * 1023 // VREF_MV
    return (counts - 512) * known_board("arduino_myoware").uv_per_count


class _Sim:
    def __init__(self, emgsim: Path, elf: Path, wave: Path, tmp: Path, *extra: str) -> None:
        self.tmp = tmp
        self.proc = subprocess.Popen(
            [str(emgsim), "--firmware", str(elf), "--wave", str(wave), "--speed", "0",
             "--tick-log", str(tmp / "ticks.txt"), "--summary", str(tmp / "summary.txt"),
             "--tx-log", str(tmp / "tx.bin"), *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.pty = ""
        for _ in range(20):
            line = self.proc.stdout.readline()
            if line.startswith("emgsim: pty "):
                self.pty = line.split()[-1]
                break
        assert self.pty, f"emgsim printed no pty path: {self.proc.stderr.read() if self.proc.poll() is not None else ''}"

    def stop(self) -> dict[str, str]:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        text = (self.tmp / "summary.txt").read_text()
        return dict(ln.split("=", 1) for ln in text.splitlines() if "=" in ln)


def _read(pty: str, n_samples: int):
    from emgfeedback.devices import open_device

    blocks = []
    dev = open_device(f"serial://{pty}?timeout=3")
    with dev:
        dev.backpressure = True  # the simulation may run faster than real time: never drop
        dev.start()
        got = 0
        while got < n_samples:
            block = dev.read(timeout=5.0)
            assert block is not None, f"no samples after {got}"
            blocks.append(block)
            got += block.data.shape[1]
        info, stats = dev.info, dev.stats
    return blocks, info, stats


def test_firmware_in_simavr_streams_the_fed_waveform_exactly(avr_elf: Path, emgsim: Path,
                                                             tmp_path: Path) -> None:
    n = 2000
    mv = _waveform(tmp_path / "wave.txt", 3 * n)
    sim = _Sim(emgsim, avr_elf, tmp_path / "wave.txt", tmp_path)
    try:
        blocks, info, stats = _read(sim.pty, n)
    finally:
        summary = sim.stop()
    assert info.board == "arduino_myoware" and info.fs == FS and info.firmware == "1.0.0"
    data = np.concatenate([b.data for b in blocks], axis=1)[:, :n]
    # in order, no gaps: consecutive sample counters and nothing flagged lost
    seqs = [b.seq for b in blocks]
    assert seqs == list(np.cumsum([0] + [b.data.shape[1] for b in blocks[:-1]]))
    assert all(b.lost is None or not b.lost.any() for b in blocks)
    assert stats.extra["bad_frames"] == 0 and stats.extra["frames_lost"] == 0
    assert stats.extra["board_dropped_samples"] == 0
    # equal to the fed waveform after quantisation (10-bit ADC, µV per count from the board file)
    np.testing.assert_array_equal(data, _expected_uv(mv[:, :n]))
    # ... and within one ADC step of the simulated µV (the quantisation error is all there is)
    step = 24.2926
    assert np.max(np.abs(data - (mv[:, :n] - VREF_MV / 2) * 1000.0 / MYOWARE_GAIN)) <= 2 * step
    # at the configured rate in simulated time: one conversion chain every F_CPU / fs cycles
    ticks = np.loadtxt(tmp_path / "ticks.txt", dtype=np.int64)
    assert len(ticks) >= n
    period = np.diff(ticks[: n + 1])
    assert np.abs(period - F_CPU // FS).max() <= 100, "sampling jitter above 6 µs"
    assert (ticks[n] - ticks[0]) / n == pytest.approx(F_CPU / FS, abs=0.1)
    assert float(summary["sim_seconds"]) >= n / FS


def _frames_in(log: bytes) -> list[tuple[int, int, object]]:
    """(start, end) byte offsets and decoded frame of each frame in the clean UART log."""
    from emgfeedback.protocol import decode_frame

    out, start = [], 0
    for end in [i for i, b in enumerate(log) if b == 0]:
        if end > start:
            out.append((start, end, decode_frame(log[start:end])))
        start = end + 1
    return out


def test_corrupted_uart_bytes_cost_only_their_frames(avr_elf: Path, emgsim: Path,
                                                     tmp_path: Path) -> None:
    from emgfeedback.protocol import Samples

    n = 2000
    mv = _waveform(tmp_path / "wave.txt", 3 * n)
    sim = _Sim(emgsim, avr_elf, tmp_path / "wave.txt", tmp_path,
               "--corrupt-every", "1009", "--corrupt-from", "1500")
    try:
        blocks, _, stats = _read(sim.pty, n)
    finally:
        summary = sim.stop()
    corrupted = [int(x) for x in summary["corrupted"].split(",") if x]
    frames = _frames_in((tmp_path / "tx.bin").read_bytes())
    samples = [(s, e, f) for s, e, f in frames if isinstance(f, Samples)]
    assert samples[0][2].sample_index == 0 and corrupted[0] > samples[1][1]
    damaged = {id(f) for s, e, f in frames for c in corrupted if s <= c < e}
    assert len(damaged) == len(corrupted) >= 5  # one frame per corrupted byte, none merged
    # which board sample indices should be missing: exactly those in damaged SAMPLES frames
    lost_expected = set()
    for _, _, f in samples:
        if id(f) in damaged:
            lost_expected.update(range(f.sample_index, f.sample_index + f.n_samples))
    data = np.concatenate([b.data for b in blocks], axis=1)
    lost = np.concatenate([b.lost if b.lost is not None else np.zeros(b.data.shape[1], bool)
                           for b in blocks])
    got_lost = {int(i) for i in np.flatnonzero(lost)}
    span = data.shape[1]
    assert got_lost == {i for i in lost_expected if i < span}
    assert got_lost, "no samples frame was damaged in the window read"
    keep = ~lost
    np.testing.assert_array_equal(data[:, keep], _expected_uv(mv[:, :span])[:, keep])
    # the decoder dropped the damaged frames that arrived (at least all before the last sample
    # read; the reader may have seen a few more before it closed) and recovered every other one
    last_end = next(e for s, e, f in samples if f.sample_index + f.n_samples >= span)
    arrived = sum(1 for s, e, f in frames if id(f) in damaged and e <= last_end)
    assert arrived <= stats.extra["bad_frames"] <= len(damaged)
    assert stats.extra["samples_lost"] >= len(got_lost)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
