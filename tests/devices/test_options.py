"""Every numeric URL option is range-checked, naming the option, before any I/O."""

import dataclasses
import typing

import pytest

from emgfeedback.cli import main
from emgfeedback.devices import open_device
from emgfeedback.devices.registry import BUILTIN_DRIVERS, driver_class


@pytest.mark.parametrize("url, match", [
    ("serial:///dev/ttyUSB0?baud=3000000000", r"option baud must be a whole number ≥ 50 and ≤ 12000000, got 3000000000"),
    ("cyton:///dev/ttyUSB0?baud=3000000000", r"option baud must be .* got 3000000000"),
    ("serial:///dev/ttyUSB0?timeout=inf", r"option timeout must be a finite number s > 0 and ≤ 60, got inf"),
    ("cyton:///dev/ttyUSB0?timeout=1e308", r"option timeout must be .* got 1e\+308"),
    ("sim://?block=100000000000", r"option block must be a whole number ≥ 1 and ≤ 100000, got 100000000000"),
    ("sim://?fs=nan", r"option fs must be a finite number Hz > 0 and ≤ 100000, got nan"),
    ("sim://?fs=1e999", r"option fs must be .* got inf"),
    ("sim://?snr=-inf", r"option snr must be a finite number dB"),
    ("sim://?seed=-1", r"option seed must be a whole number ≥ 0"),
    ("replay:///x.edf?speed=inf", r"option speed must be a finite number ≥ 0 and ≤ 1000, got inf"),
    ("replay:///x.edf?block=-1", r"option block must be a whole number ≥ 0"),
    ("ganglion://AA:BB:CC:DD:EE:FF?scan=inf", r"option scan must be a finite number s > 0 and ≤ 60"),
    ("ble://AA:BB:CC:DD:EE:FF?timeout=nan", r"option timeout must be a finite number s > 0"),
    ("lsl://name=x?resolve=1e308", r"option resolve must be .* ≤ 60"),
    ("lsl://name=x?scale=nan", r"option scale must be a finite number"),
])
def test_out_of_range_numbers_are_refused_naming_the_option(url, match):
    with pytest.raises(ValueError, match=match):
        open_device(url)


@pytest.mark.parametrize("value, match", [
    (1e11, r"option block must be a whole number ≥ 1 and ≤ 100000"),
    (float("inf"), r"option block must be an integer, got inf"),
    (2.5, r"option block must be an integer, got 2\.5"),
])
def test_keyword_numbers_are_checked_like_url_ones(value, match):
    with pytest.raises(ValueError, match=match):
        open_device("sim://", block=value)


def test_a_huge_integer_for_a_float_option_is_one_error():
    with pytest.raises(ValueError, match=r"option fs is out of range"):
        open_device("sim://", fs=10**400)


def test_base_options_are_range_checked():
    with pytest.raises(ValueError, match=r"reconnect_timeout_s must be a finite number s ≥ 0 and ≤ 3600, got inf"):
        open_device("sim://", reconnect_timeout_s=float("inf"))
    with pytest.raises(ValueError, match=r"queue_blocks must be a whole number ≥ 1"):
        open_device("sim://", queue_blocks=0)


@pytest.mark.parametrize("scheme", sorted(BUILTIN_DRIVERS))
def test_every_numeric_option_of_every_driver_has_a_range(scheme):
    try:
        cls = driver_class(scheme)
    except Exception as err:  # an optional library missing here: its options still must be ranged
        pytest.fail(f"{scheme}: {err}")
    opts = cls.Options
    hints = typing.get_type_hints(opts)
    for f in dataclasses.fields(opts):
        if hints[f.name] in (int, float):
            assert "range" in f.metadata, f"{scheme}:// option {f.name} has no range"


@pytest.mark.parametrize("command", [["monitor"], ["record", "--out", "x.edf"]])
def test_the_commands_say_it_in_one_line(command, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main([*command, "--device", "serial:///dev/ttyUSB0?baud=3000000000"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "option baud must be a whole number" in err and "Traceback" not in err
    assert not (tmp_path / "x.edf").exists()
