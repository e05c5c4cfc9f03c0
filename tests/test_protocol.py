"""The wire protocol codec: byte layout, CRC, round trips, test vectors, rejections."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from cobs import cobs
from hypothesis import given, settings
from hypothesis import strategies as st

from emgfeedback.errors import ProtocolError
from emgfeedback.protocol import (
    MAX_FRAME_BYTES, Ack, AckResult, Command, DeviceInfo, FrameType, SampleFormat, Samples,
    Status, StreamDecoder, crc16, decode_frame, encode_frame, max_samples_per_frame, pack_frame,
    unpack_frame,
)
from emgfeedback.protocol.vectors import format_vectors, parse_vectors, vector_frames

VECTORS = Path(__file__).resolve().parents[1] / "docs" / "protocol-vectors.txt"


def _crc_bitwise(data: bytes) -> int:
    """CRC-16/CCITT-FALSE written out bit by bit (independent of binascii)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def test_crc_is_ccitt_false():
    assert crc16(b"123456789") == 0x29B1 == _crc_bitwise(b"123456789")
    data = bytes(range(256)) * 3
    assert crc16(data) == _crc_bitwise(data)


def test_samples_layout_by_hand():
    counts = np.array([[1, -2, 3], [-32768, 32767, 0]], dtype=np.int32)  # 2 ch x 3 samples
    raw = struct.pack("<BBH", 1, 0x02, 0x1234) + struct.pack("<IBBB", 99, 2, 3, 0)
    raw += struct.pack("<6h", 1, -32768, -2, 32767, 3, 0)  # sample-major
    raw += struct.pack("<H", _crc_bitwise(raw))
    assert pack_frame(Samples(99, counts, SampleFormat.INT16, 0x1234)) == raw
    assert encode_frame(Samples(99, counts, SampleFormat.INT16, 0x1234)) == cobs.encode(raw) + b"\0"


def test_int24_and_info_layout_by_hand():
    raw = struct.pack("<BBH", 1, 0x02, 5) + struct.pack("<IBBB", 7, 1, 2, 1)
    raw += (-5 & 0xFFFFFF).to_bytes(3, "little") + (8388607).to_bytes(3, "little")
    raw += struct.pack("<H", _crc_bitwise(raw))
    frame = unpack_frame(raw)
    assert isinstance(frame, Samples) and frame.counts.tolist() == [[-5, 8388607]]

    body = struct.pack("<BIBBfBBBBB", 8, 2_000_000, 10, 0, 4.8828125, 8, 1, 2, 3, 3) + b"uno"
    raw = struct.pack("<BBH", 1, 0x01, 0) + body
    raw += struct.pack("<H", _crc_bitwise(raw))
    assert unpack_frame(raw) == DeviceInfo("uno", 8, 2000.0, 10, 4.8828125, SampleFormat.INT16, 8,
                                           (1, 2, 3), 0)


def test_vector_file_is_current_and_every_vector_round_trips():
    text = VECTORS.read_text(encoding="ascii")
    assert text == format_vectors(), "regenerate: python -m emgfeedback.protocol.vectors > docs/protocol-vectors.txt"
    parsed = {name: (kind, fields, data) for name, kind, fields, data in parse_vectors(text)}
    for name, frame in vector_frames():
        kind, fields, data = parsed[name]
        assert decode_frame(data[:-1]) == frame, name
        assert int(fields["seq"]) == frame.seq
        assert data.count(0) == 1 and data[-1] == 0
    assert parsed["crc_check"][2] == bytes.fromhex("29b1")
    rejects = [(n, f["reason"], d) for n, (k, f, d) in parsed.items() if k == "reject"]
    assert len(rejects) >= 5
    for name, reason, data in rejects:
        with pytest.raises(ProtocolError, match={"crc": "CRC", "version": "version 2", "type": "unknown frame type",
                                                 "length": "bytes", "cobs": "COBS"}[reason]):
            decode_frame(data[:-1])
        dec = StreamDecoder()
        assert dec.feed(data) == [] and dec.bad_frames == 1, name


def test_largest_frames_fit_a_ble_notification():
    for fmt in SampleFormat:
        for n_ch in (1, 4, 8, 16, 32):
            n = max_samples_per_frame(n_ch, fmt)
            frame = Samples(0, np.full((n_ch, n), -1, dtype=np.int32), fmt)
            assert len(pack_frame(frame)) <= MAX_FRAME_BYTES
            assert len(encode_frame(frame)) <= 244
    assert max_samples_per_frame(8) == 14  # 8 samples x 8 channels x int16 fits with room


@pytest.mark.parametrize(
    "frame, match",
    [
        (Samples(0, np.zeros((8, 15), dtype=np.int32)), "at most 14 samples of 8 int16 channels"),
        (Samples(0, np.array([[40000]])), r"counts must fit int16 \(-32768..32767\), got 40000..40000"),
        (Samples(-1, np.zeros((1, 1))), r"sample_index must be an integer in 0..4294967295, got -1"),
        (Status(battery_pct=300), r"battery_pct must be an integer in 0..255, got 300"),
        (DeviceInfo("x" * 33, 8, 2000, 10, 1.0), "board name must be at most 32 ASCII"),
        (Command(FrameType.SAMPLES), "Command kind must be START, STOP, INFO or SET_RATE"),
        (Ack(1, 70000), r"command_seq must be an integer in 0..65535"),
    ],
)
def test_encoder_rejects_fields_that_do_not_fit(frame, match):
    with pytest.raises(ValueError, match=match):
        encode_frame(frame)


counts16 = st.integers(-32768, 32767)


@st.composite
def frames(draw):
    seq = draw(st.integers(0, 0xFFFF))
    kind = draw(st.sampled_from(["samples", "info", "status", "ack", "cmd"]))
    if kind == "samples":
        fmt = draw(st.sampled_from(list(SampleFormat)))
        n_ch = draw(st.integers(1, 32))
        n = draw(st.integers(1, max_samples_per_frame(n_ch, fmt)))
        lim = 1 << (8 * fmt.width - 1)
        seed = draw(st.integers(0, 2**32 - 1))
        counts = np.random.default_rng(seed).integers(-lim, lim, size=(n_ch, n), dtype=np.int32)
        return Samples(draw(st.integers(0, 2**32 - 1)), counts, fmt, seq)
    if kind == "info":
        return DeviceInfo(draw(st.text("abcxyz_0123456789", max_size=32)), draw(st.integers(1, 32)),
                          draw(st.integers(1, 4_000_000)) / 1000, draw(st.integers(0, 255)),
                          float(np.float32(draw(st.floats(1e-6, 1e6)))),
                          draw(st.sampled_from(list(SampleFormat))), draw(st.integers(0, 255)),
                          tuple(draw(st.lists(st.integers(0, 255), min_size=3, max_size=3))), seq)
    if kind == "status":
        return Status(draw(st.integers(0, 0xFFFF)), draw(st.integers(0, 255)),
                      draw(st.integers(0, 2**32 - 1)), draw(st.integers(0, 0xFFFF)),
                      draw(st.integers(0, 255)), seq)
    if kind == "ack":
        return Ack(draw(st.integers(0, 255)), draw(st.integers(0, 0xFFFF)),
                   draw(st.sampled_from(list(AckResult))), seq)
    k = draw(st.sampled_from([FrameType.START, FrameType.STOP, FrameType.INFO, FrameType.SET_RATE]))
    return Command(k, seq, draw(st.integers(1, 4_000_000)) / 1000 if k is FrameType.SET_RATE else 0.0)


@settings(max_examples=300, deadline=None)
@given(frames())
def test_every_frame_round_trips_and_has_one_zero(frame):
    wire = encode_frame(frame)
    assert wire.index(0) == len(wire) - 1
    assert decode_frame(wire[:-1]) == frame


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_protocol_error(data):
    try:
        decode_frame(data)
    except ProtocolError:
        pass
    try:
        unpack_frame(data)
    except ProtocolError:
        pass


def test_board_reboot_resets_sequence_without_counting_a_gap():
    dec = StreamDecoder()
    wire = b"".join(encode_frame(Samples(i * 8, np.zeros((8, 8), np.int32), seq=100 + i)) for i in range(3))
    wire += encode_frame(DeviceInfo("uno", 8, 2000, 10, 1.0, seq=0))
    wire += encode_frame(Samples(0, np.zeros((8, 8), np.int32), seq=1))
    out = dec.feed(wire)
    assert len(out) == 5 and dec.frames_lost == 0 and dec.samples_lost == 0 and dec.duplicates == 0


def test_delimiter_less_garbage_is_bounded_and_counted_once():
    dec = StreamDecoder()
    frame = Status(seq=1)
    for _ in range(10):
        assert dec.feed(b"\x55" * 100) == []
    assert dec.bad_frames == 1 and "no frame delimiter" in dec.last_error
    assert dec.feed(b"\x00" + encode_frame(frame)) == [frame]
    assert dec.bad_frames == 1
