"""Fuzz the EDF/BDF reader with hostile headers and damaged records.

Whatever is done to a valid file (a header field replaced by ``inf``, ``nan``, huge, negative,
non-numeric or random text; bytes overwritten anywhere; the file cut or extended), reading it
gives either a correct read (shapes that match the header and the file size, finite samples and
times) or one ``RecordingError``/``ValueError`` line, never another exception and never a hang.
``make test`` runs a few hundred cases; ``make fuzz`` takes the count from the environment::

    EMGFEEDBACK_FUZZ_EXAMPLES=100000 .venv/bin/python -m pytest tests/storage/test_edf_fuzz.py -q
"""

from __future__ import annotations

import math
import os
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emgfeedback.analysis.loading import load_recording
from emgfeedback.errors import RecordingError
from emgfeedback.storage import Annotation, EdfReader, read_edf, repair_edf, write_edf

N_EXAMPLES = int(os.environ.get("EMGFEEDBACK_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=N_EXAMPLES, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])
SLOWEST_S = 5.0  # one case taking longer counts as a hang

# (name, offset, width) of the fixed part; signal fields follow, field by field for all signals
FIXED = (("version", 0, 8), ("patient", 8, 80), ("recording", 88, 80), ("startdate", 168, 8),
         ("starttime", 176, 8), ("header bytes", 184, 8), ("reserved", 192, 44),
         ("records", 236, 8), ("duration", 244, 8), ("signals", 252, 4))
SIGNAL = (("label", 16), ("transducer", 80), ("unit", 8), ("physical_min", 8), ("physical_max", 8),
          ("digital_min", 8), ("digital_max", 8), ("prefilter", 80), ("samples", 8), ("reserved", 32))
HOSTILE = ("inf", "-inf", "nan", "NaN", "1e308", "-1e308", "9e99", "1e-300", "-1", "0", "1", "2.5",
           "", " ", "+", "-", "0x10", "1_0", "99999999", "-9999999", "32768", "-32769", "8388608",
           "\x00", "\xff", "1e5", "3")


def _base(bdf: bool) -> bytes:
    import tempfile

    rng = np.random.default_rng(3)
    x = rng.normal(0, 50, size=(2, 230))  # 2.3 s at 100 Hz: 5 records of 0.5 s, the last padded
    anns = [Annotation(0.2, 0.4, "onset GMax L"), Annotation(1.0, None, "rep 1")]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "base.bdf" if bdf else "base.edf")
        write_edf(path, x, 100.0, ["GMax L", "GMax R"], anns, bdf=bdf, annotation_bytes=64)
        with open(path, "rb") as fh:
            return fh.read()


BASES = {False: _base(False), True: _base(True)}
N_SIGNALS = 3  # two channels and the annotation signal


def _field_span(name: str, k: int) -> tuple[int, int]:
    for fname, off, width in FIXED:
        if fname == name:
            return off, width
    pos = 256
    for fname, width in SIGNAL:
        if fname == name:
            return pos + k * width, width
        pos += width * N_SIGNALS
    raise KeyError(name)


field_names = [n for n, _, _ in FIXED] + [f"signal {n}" for n, _ in SIGNAL]
texts = st.one_of(st.sampled_from(HOSTILE), st.integers(-10**9, 10**9).map(str),
                  st.floats(allow_nan=True, allow_infinity=True).map(repr),
                  st.text(st.characters(min_codepoint=0, max_codepoint=255), max_size=10))
mutation = st.one_of(
    st.tuples(st.just("field"), st.sampled_from(field_names), st.integers(0, N_SIGNALS - 1), texts),
    st.tuples(st.just("bytes"), st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("cut"), st.floats(0, 1, exclude_max=True)),
    st.tuples(st.just("append"), st.binary(min_size=1, max_size=600)),
)


def mutate(raw: bytes, ops) -> bytes:
    buf = bytearray(raw)
    for op in ops:
        if op[0] == "field":
            _, name, k, text = op
            off, width = _field_span(name.removeprefix("signal "), k)
            if off + width <= len(buf):
                buf[off: off + width] = text.encode("latin-1")[:width].ljust(width, b" ")
        elif op[0] == "bytes" and buf:
            at = int(op[1] * len(buf))
            buf[at: at + len(op[2])] = op[2]
        elif op[0] == "cut":
            del buf[int(op[1] * len(buf)):]
        elif op[0] == "append":
            buf += op[1]
    return bytes(buf)


def _one_line(err: Exception) -> None:
    msg = str(err)
    assert msg and "\n" not in msg and "Traceback" not in msg, repr(msg)


def check_read(path: str) -> None:
    """A correct read or one line; the three entry points agree on whether the file is readable."""
    try:
        rec = read_edf(path)
    except RecordingError as err:
        _one_line(err)
        with pytest.raises(RecordingError):
            load_recording(path)
        return
    size = os.path.getsize(path)
    with EdfReader(path) as r:
        h = r.header
        assert r.n_records == (size - h.header_bytes) // h.record_bytes >= 1
        assert math.isfinite(r.fs) and 0 < r.fs <= 1e6
        assert rec.data.shape[0] == len(r.labels) >= 1
        assert rec.data.shape[1] <= r.n_records * r.samples_per_record
    assert np.isfinite(rec.data).all()
    assert all(math.isfinite(a.onset_s) and (a.duration_s is None or a.duration_s >= 0)
               for a in rec.annotations)
    try:
        loaded = load_recording(path)
    except (RecordingError, ValueError) as err:  # e.g. too few samples, a damaged settings note
        _one_line(err)
    else:
        assert loaded.data.shape == rec.data.shape
    try:
        repair_edf(path, dry_run=True)
    except RecordingError as err:
        _one_line(err)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@pytest.mark.parametrize("bdf", [False, True], ids=["edf", "bdf"])
def test_the_unharmed_files_read_back(work, bdf):
    path = work / ("ok.bdf" if bdf else "ok.edf")
    path.write_bytes(BASES[bdf])
    rec = read_edf(path)
    assert rec.data.shape == (2, 230) and rec.recovered == ""
    assert [a.text for a in rec.annotations if a.kind in ("onset", "rep")] == ["onset GMax L", "rep 1"]


@FUZZ
@given(bdf=st.booleans(), ops=st.lists(mutation, min_size=1, max_size=4))
def test_hostile_headers_and_records_give_a_read_or_one_line(work, bdf, ops):
    path = str(work / ("f.bdf" if bdf else "f.edf"))
    with open(path, "wb") as fh:
        fh.write(mutate(BASES[bdf], ops))
    t0 = time.monotonic()
    check_read(path)
    assert time.monotonic() - t0 < SLOWEST_S, f"{ops} took {time.monotonic() - t0:.1f} s"
