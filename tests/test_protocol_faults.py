"""Fault tests of the stream decoder: random corruption, truncation, duplication and garbage.

Whatever is done to the byte stream, the decoder raises nothing, returns exactly the intact new
frames, and its loss counters are exact. ``make test`` runs a few hundred cases; the fuzz run
takes the number of cases from the environment::

    EMGFEEDBACK_FUZZ_EXAMPLES=100000 .venv/bin/python -m pytest tests/test_protocol_faults.py -q
"""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emgfeedback.protocol import (
    MAX_ENCODED_BYTES,     SampleFormat, Samples, Status, StreamDecoder, encode_frame, max_samples_per_frame,
)

N_EXAMPLES = int(os.environ.get("EMGFEEDBACK_FUZZ_EXAMPLES", "300"))
# Derandomized: the same cases every run (reproducible CI; `make fuzz` widens the net to 10^5).
FUZZ = settings(max_examples=N_EXAMPLES, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


def make_stream(seed: int, n_frames: int, seq0: int, index0: int):
    """Frames (mostly samples, some status) with consecutive seq and contiguous sample indices."""
    rng = np.random.default_rng(seed)
    frames, index = [], index0
    for i in range(n_frames):
        seq = (seq0 + i) & 0xFFFF
        if rng.random() < 0.15:
            frames.append(Status(int(rng.integers(0, 256)), int(rng.integers(0, 256)), seq=seq))
            continue
        fmt = SampleFormat(int(rng.integers(0, 2)))
        n_ch = int(rng.choice([1, 4, 8]))
        n = int(rng.integers(1, max_samples_per_frame(n_ch, fmt) + 1))
        lim = 1 << (8 * fmt.width - 1)
        scale = int(rng.choice([0, 3, 300, lim]))  # zeros stress COBS; small values too
        counts = rng.integers(-scale, max(scale, 1), size=(n_ch, n)).clip(-lim, lim - 1).astype(np.int32)
        frames.append(Samples(index & 0xFFFFFFFF, counts, fmt, seq))
        index += n
    return frames


damage = st.tuples(st.sampled_from(["flip", "delete", "duplicate", "insert", "zero"]),
                   st.floats(0, 1, exclude_max=True), st.integers(1, 300), st.integers(1, 255))


def apply(wire: bytes, ops) -> bytes:
    buf = bytearray(wire)
    for kind, where, length, value in ops:
        if not buf:
            break
        at = int(where * len(buf))
        if kind == "flip":
            buf[at] ^= value  # value != 0, so the byte really changes
        elif kind == "zero":
            buf[at] = 0
        elif kind == "delete":
            del buf[at:at + length]
        elif kind == "duplicate":
            buf[at + length:at + length] = buf[at:at + length]
        else:
            buf[at:at] = bytes((value * (k + 7)) & 0xFF for k in range(length))
    return bytes(buf)


def oracle(frames, encoded, damaged: bytes):
    """What an ideal decoder returns: terminated chunks equal to an original frame, newest only."""
    index_of = {enc[:-1]: i for i, enc in enumerate(encoded)}
    *chunks, tail = damaged.split(b"\x00")
    out, last, lost_frames, dups, bad = [], None, 0, 0, 0
    taken: list[int] = []
    for chunk in chunks:
        i = index_of.get(chunk)
        if i is None:
            bad += bool(chunk)
            continue
        if last is not None and i <= last:
            dups += 1
            continue
        if last is not None:
            lost_frames += i - last - 1
        out.append(frames[i])
        taken.append(i)
        last = i
    # samples missing between the first and the last delivered samples frame (before the first
    # one there is no counter to compare with)
    sample_frames = [i for i in taken if isinstance(frames[i], Samples)]
    lost_samples = 0
    if sample_frames:
        lost_samples = sum(frames[j].n_samples for j in range(sample_frames[0], sample_frames[-1])
                           if isinstance(frames[j], Samples) and j not in taken)
    bad += len(tail) > MAX_ENCODED_BYTES  # an unterminated run that long is dropped and counted
    return out, lost_frames, lost_samples, dups, bad


@FUZZ
@given(seed=st.integers(0, 2**32 - 1), n_frames=st.integers(1, 25), seq0=st.integers(0, 0xFFFF),
       index0=st.integers(0, 2**32 - 1), ops=st.lists(damage, max_size=6),
       cut_seed=st.integers(0, 2**32 - 1))
def test_decoder_recovers_every_intact_frame_and_counts_loss_exactly(seed, n_frames, seq0, index0, ops, cut_seed):
    frames = make_stream(seed, n_frames, seq0, index0)
    encoded = [encode_frame(f) for f in frames]
    damaged = apply(b"".join(encoded), ops)
    expected, lost_frames, lost_samples, dups, bad = oracle(frames, encoded, damaged)

    dec = StreamDecoder()
    got = []
    rng = np.random.default_rng(cut_seed)
    pos = 0
    while pos < len(damaged):  # arbitrary read sizes, as from a serial port
        step = int(rng.integers(1, 400))
        got += dec.feed(damaged[pos:pos + step])
        pos += step
    assert got == expected
    assert dec.frames == len(expected)
    assert dec.frames_lost == lost_frames
    assert dec.samples_lost == lost_samples
    assert dec.duplicates == dups
    assert dec.bad_frames == bad


@FUZZ
@given(seed=st.integers(0, 2**32 - 1), n_frames=st.integers(2, 25), cut=st.floats(0, 1))
def test_truncated_stream_loses_only_the_cut_frame(seed, n_frames, cut):
    frames = make_stream(seed, n_frames, 0, 0)
    wire = b"".join(encode_frame(f) for f in frames)
    at = int(cut * len(wire))
    dec = StreamDecoder()
    got = dec.feed(wire[:at])
    # everything fully received before the cut comes out; nothing after it is invented
    assert got == frames[: wire[:at].count(0)]
    assert dec.bad_frames == 0 and dec.frames_lost == 0
