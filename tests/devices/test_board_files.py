"""Drivers take their ADC bit depth and counts → µV scale from calibration/boards/*.toml; the
storage layer chooses BDF+ from the bit depth."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from emgfeedback.calibration import default_calibration_dir, load_board
from emgfeedback.devices import open_device
from emgfeedback.devices._boards import calibrated
from emgfeedback.protocol.frames import DeviceInfo
from emgfeedback.testing.blocks import read_samples, stack_blocks
from emgfeedback.testing.cyton_emulator import CytonEmulator
from emgfeedback.testing.fake_ble import FakeBleWorld
from emgfeedback.testing.ganglion_emulator import GanglionEmulator


@pytest.fixture
def edited_boards(tmp_path, monkeypatch):
    """A copy of the calibration folder whose board files the test may edit."""
    folder = tmp_path / "calibration"
    shutil.copytree(default_calibration_dir(), folder)
    monkeypatch.setenv("EMGFEEDBACK_CALIBRATION", str(folder))

    def edit(name: str, old: str, new: str) -> Path:
        path = folder / "boards" / f"{name}.toml"
        text = path.read_text()
        for o, n in zip(old.split("|"), new.split("|")):
            assert o in text, o
            text = text.replace(o, n)
        path.write_text(text)
        return path

    return edit


def test_cyton_scale_and_bits_come_from_its_board_file(edited_boards):
    # a board whose reference measured 4.0 V instead of 4.5 V: edit the file, not the code
    edited_boards("openbci_cyton", "vref_v = 4.5|uv_per_count = 0.0223517445",
                  "vref_v = 4.0|uv_per_count = 0.0198682173")
    with CytonEmulator(speed=4.0) as board:
        with open_device(f"cyton://{board.port}", reconnect_timeout_s=0) as dev:
            assert dev.info.adc_bits == 24
            data, _ = stack_blocks(read_samples(dev, 50))
        expected = board.expected_uv(board.sent[: data.shape[1]])
    np.testing.assert_allclose(data, expected * 4.0 / 4.5, rtol=1e-6, atol=1e-9)


def test_ganglion_scale_and_bits_come_from_its_board_file(edited_boards):
    edited_boards("openbci_ganglion", "gain = 51.0|uv_per_count = 0.0018699499",
                  "gain = 50.0|uv_per_count = 0.0019073489")
    world = FakeBleWorld()
    world.add(GanglionEmulator(speed=4.0))
    board = next(iter(world.peripherals.values()))
    with open_device("ganglion://C0:FF:EE:00:00:01", ble_backend=world, reconnect_timeout_s=0) as dev:
        assert dev.info.adc_bits == 24
        data, _ = stack_blocks(read_samples(dev, 20))
    truth = board.truth(0, data.shape[1])
    np.testing.assert_allclose(data[:, 0], truth[:, 0] * load_board("openbci_ganglion").uv_per_count)
    assert load_board("openbci_ganglion").gain == 50.0


def test_own_firmware_boards_use_their_board_file_when_there_is_one():
    myoware = DeviceInfo("arduino_myoware", 8, 1000.0, 12, 99.0)
    got = calibrated(myoware)
    assert (got.adc_bits, got.uv_per_count) == (10, pytest.approx(24.2926))
    other = DeviceInfo("virtual_board", 8, 2000.0, 16, 0.25)
    assert calibrated(other) is other  # no file: what the board says


def test_replay_reports_the_bit_depth_of_its_file(tmp_path):
    from emgfeedback.storage import write_edf

    x = np.zeros((8, 2000))
    labels = ["GMax L", "GMed L", "TFL L", "ES L", "GMax R", "GMed R", "TFL R", "ES R"]
    write_edf(tmp_path / "a.edf", x, 1000.0, labels)
    write_edf(tmp_path / "a.bdf", x, 1000.0, labels, bdf=True)
    with open_device(f"replay://{tmp_path}/a.edf?speed=0") as dev:
        assert dev.info.adc_bits == 16
    with open_device(f"replay://{tmp_path}/a.bdf?speed=0") as dev:
        assert dev.info.adc_bits == 24
    with open_device("sim://") as dev:
        assert dev.info.adc_bits is None
