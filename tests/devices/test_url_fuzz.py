"""URL and option fuzzer for ``open_device``: whatever the URL, one clear error or a device.

Hypothesis builds device URLs from every built-in scheme and unknown ones, with targets (a real
recording, missing files, folders, garbage text) and query values meant to break number parsing:
huge, ``inf``, ``nan``, negative, fullwidth digits, empty, missing ``=``, percent-encoded NULs.
Each URL must give, within a few seconds, either a ``ValueError``/``EmgFeedbackError`` with a
one-line message, or an open device that reads (or times out) and closes again. No other
exception, no hang. ``make test`` runs a few hundred cases; ``make fuzz`` 10^5::

    EMGFEEDBACK_FUZZ_EXAMPLES=100000 .venv/bin/python -m pytest tests/devices/test_url_fuzz.py -q

Hardware schemes that would legitimately wait up to their ``timeout``/``scan``/``resolve``
option for a board (``ble``, ``ganglion``, ``lsl``) are fuzzed up to the point of I/O: the
driver is constructed (URL and options parsed and checked) but not opened. ``serial``/``cyton``
are opened on ports that do not exist and on a live virtual board's pty (an existing port is
where a rate like ``baud=3000000000`` used to overflow); there a short ``timeout`` is always
given so a valid but silent handshake costs at most 0.3 s.
"""

from __future__ import annotations

import os
import threading
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emgfeedback.devices import open_device
from emgfeedback.devices.registry import BUILTIN_DRIVERS, driver_class
from emgfeedback.errors import EmgFeedbackError
from emgfeedback.simulation import simulate
from emgfeedback.storage import write_edf

N_EXAMPLES = int(os.environ.get("EMGFEEDBACK_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=N_EXAMPLES, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
#: Longest a single URL may take to fail or to open, read and close, s.
CASE_TIMEOUT_S = 20.0
NOT_OPENED = ("ble", "ganglion", "lsl")  # would wait for a radio or a network stream

NASTY_NUMBERS = ["inf", "-inf", "+inf", "nan", "NaN", "-nan", "1e308", "1e309", "-1e308", "1e-320", "0", "-0",
                 "-1", "1", "2", "0.5", "3000000000", "2147483648", "4294967296", "-2147483649",
                 "100000000000", "9" * 50, "9" * 5000, "1e11", "0x10", "1_000", " 5 ", "5 ", "１２", "٣",
                 "", "true", "yes", "maybe", "é", "\u2212" + "1", "1,5", "∞"]


def _keys(scheme: str) -> dict[str, type]:
    """URL keys of the driver's options and their types."""
    import dataclasses
    import typing

    opts = driver_class(scheme).Options
    hints = typing.get_type_hints(opts)
    return {f.metadata.get("key", f.name): hints[f.name] for f in dataclasses.fields(opts)}


#: ``timeout`` values for URLs opened on the live pty: invalid ones, or short valid ones.
PTY_TIMEOUTS = ["0.05", "0.3", "0", "-1", "inf", "nan", "1e308", "", "abc", "100000000000"]


@pytest.fixture(scope="module")
def targets(tmp_path_factory):
    from emgfeedback.simulation.virtual_board import VirtualBoard

    d = tmp_path_factory.mktemp("urlfuzz")
    board = VirtualBoard("healthy", 2000.0, seed=0).start()
    rec = simulate("healthy", 2.0, fs=500.0, seed=0)
    edf = d / "r.edf"
    write_edf(edf, rec.data, rec.fs, rec.montage.labels)
    (d / "junk.edf").write_bytes(b"0       " * 40)
    (d / "junk.txt").write_text("not a recording\n")
    yield {
        "pty": board.path,
        "replay": [str(edf), str(d / "junk.edf"), str(d / "junk.txt"), str(d), str(d / "missing.edf"),
                   str(d / "missing.bdf"), ""],
        "serial": [board.path, str(d / "ttyNONE"), "/nonexistent/ttyUSB9", "COM99", ""],
        "cyton": [board.path, str(d / "ttyNONE"), "/nonexistent/ttyUSB9", ""],
        "sim": [""],
        "ble": ["AA:BB:CC:DD:EE:FF", "name=EMG", "xyz", ""],
        "ganglion": ["AA:BB:CC:DD:EE:FF", "name=Ganglion-1", ""],
        "lsl": ["name=x", "type=EMG", "", "nonsense"],
    }
    board.close()


def _value(typ: "type | None" = None):
    nasty = st.one_of(st.sampled_from(NASTY_NUMBERS), st.text(max_size=12))
    if typ is int:  # whole numbers around every boundary a C long, a termios rate or a loop meets
        exp = st.integers(min_value=0, max_value=80).map(lambda e: 2**e)
        near = st.tuples(exp, st.sampled_from([-1, 0, 1]), st.sampled_from([1, -1])).map(
            lambda t: str(t[2] * (t[0] + t[1])))
        return st.one_of(near, near, st.integers(min_value=-(10**30), max_value=10**30).map(str), nasty)
    if typ is float:
        exp = st.integers(min_value=-330, max_value=330).map(lambda e: f"1e{e}")
        return st.one_of(exp, st.floats(allow_nan=True, allow_infinity=True).map(repr), nasty)
    return nasty


#: Schemes fuzzed together (each group gets its share of the examples, so the serial ports,
#: where numbers meet C and termios, are not drowned by the others).
GROUPS = {
    "serial": ["serial", "cyton", "SERIAL"],
    "sim": ["sim", "SIM"],
    "replay": ["replay"],
    "other": ["ble", "ganglion", "lsl", "nope", "", "s im", "seria", "Sim", "REPLAY"],
}
assert {s.lower() for g in GROUPS.values() for s in g} >= set(BUILTIN_DRIVERS)
#: Examples per group: ``make fuzz``'s 10^5 split over the groups, at least 100 each.
PER_GROUP = max(N_EXAMPLES // len(GROUPS), 100)


@st.composite
def urls(draw, targets, group):
    scheme = draw(st.sampled_from(GROUPS[group]))
    base = scheme.lower()
    if base in targets:
        first = targets[base][0]  # the live port for serial/cyton, the good recording for replay
        target = draw(st.one_of(st.just(first), st.just(first), st.sampled_from(targets[base]),
                                st.text(alphabet="abc/", max_size=8).map(lambda t: first + t)))
        known = _keys(base)
    else:
        target, known = draw(st.text(max_size=10)), {"x": str}
    # each option of the driver with even odds, then now and then an unknown one
    extra = draw(st.sampled_from([[]] * 5 + [[draw(st.text(max_size=4))]]))
    keys = draw(st.permutations([k for k in known if draw(st.booleans())] + extra))
    parts = []
    if target == targets["pty"]:  # a live port: always a short (or invalid) handshake timeout
        keys = [k for k in keys if k != "timeout"]
        parts.append("timeout=" + draw(st.sampled_from(PTY_TIMEOUTS)))
    for key in keys:
        value = draw(_value(known.get(key)))
        if draw(st.booleans()):
            value = quote(value, safe="")
        parts.append(draw(st.sampled_from([f"{key}={value}"] * 8 + [key, f"{key}=", f"={value}"])))
    query = "&".join(parts)
    sep = draw(st.sampled_from(["://"] * 10 + [":/", "", ":///"]))
    return f"{scheme}{sep}{target}" + (f"?{query}" if query or draw(st.booleans()) else "")


def _one_case(url: str) -> "tuple[str, object]":
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    try:
        if scheme in NOT_OPENED:
            driver_class(scheme)(url)  # parse and check everything; no radio, no network
            return "parsed", None
        dev = open_device(url)
    except (ValueError, EmgFeedbackError) as err:
        return "error", err
    try:
        dev.start()
        dev.read(timeout=0.2)
    except (ValueError, EmgFeedbackError) as err:
        dev.close()
        return "error", err
    dev.close()
    assert not dev.is_open
    return "opened", None


def _run_with_timeout(url: str) -> "tuple[str, object]":
    box: dict = {}

    def work() -> None:
        try:
            box["result"] = _one_case(url)
        except BaseException as err:  # reported below with the URL
            box["crash"] = err

    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join(CASE_TIMEOUT_S)
    assert not t.is_alive(), f"{url!r} hangs (> {CASE_TIMEOUT_S:g} s)"
    if "crash" in box:
        err = box["crash"]
        raise AssertionError(f"{url!r} raised {type(err).__name__}: {err}") from err
    return box["result"]


@pytest.mark.parametrize("group", sorted(GROUPS))
@settings(FUZZ, max_examples=PER_GROUP)
@given(data=st.data())
def test_any_url_gives_one_clear_line_or_a_device_that_closes(targets, group, data):
    url = data.draw(urls(targets, group))
    outcome, err = _run_with_timeout(url)
    if outcome == "error":
        text = str(err)
        assert text.strip(), f"{url!r}: {type(err).__name__} without a message"
        assert "\n" not in text, f"{url!r}: message on several lines: {text!r}"


@pytest.mark.parametrize("url", [
    "serial://PTY?baud=3000000000&timeout=0.3", "cyton://PTY?baud=99999999999999999999&timeout=0.3",
    "sim://?block=100000000000&realtime=0", "sim://?fs=inf", "sim://?fs=nan",
    "replay:///x.edf?speed=1e309", "cyton:///dev/ttyUSB0?timeout=1e308", "sim://?seed=" + "9" * 5000,
    "serial://%00?baud=9600", "serial://\x00", "sim://?block=１２&realtime=0",
])
def test_the_issue_s_urls_are_one_line(targets, url):
    outcome, err = _run_with_timeout(url.replace("PTY", targets["pty"]))
    assert outcome == "opened" or (outcome == "error" and "\n" not in str(err) and str(err))
