"""Byte-exact test vectors shared with the C code in firmware/ (docs/protocol-vectors.txt).

One vector per line, four TAB-separated columns, ``#`` starts a comment line::

    name <TAB> kind <TAB> key=value;key=value <TAB> hex

``kind`` is a frame type in lower case (``device_info``, ``samples``, ``status``, ``ack``,
``start``, ``stop``, ``info``, ``set_rate``), ``crc`` (fields ``ascii=…``; hex = CRC as 4 hex
digits, big-endian text) or ``reject`` (hex = an encoded chunk, delimiter included, that a
decoder must drop). For frames, hex is the encoded frame with its trailing 00. Numbers are
decimal; ``counts`` lists every count in wire order (sample-major: s0c0,s0c1,…); ``fs`` is in
mHz; ``uv_per_count`` is the float32 bit pattern in hex; ``firmware`` is ``major.minor.patch``.

Regenerate the file with ``python -m emgfeedback.protocol.vectors > docs/protocol-vectors.txt``.
"""

from __future__ import annotations

import struct
import sys

import numpy as np

from emgfeedback.protocol.codec import crc16, encode_frame, pack_frame
from emgfeedback.protocol.frames import (
    Ack, AckResult, Command, DeviceInfo, Frame, FrameType, SampleFormat, Samples, Status,
)

__all__ = ["vector_frames", "frame_fields", "format_vectors", "parse_vectors"]


def vector_frames() -> list[tuple[str, Frame]]:
    """The named frames the vector file covers (deterministic)."""
    ramp = (np.arange(64, dtype=np.int32).reshape(8, 8) * 1031 - 32768 + 17).T  # (ch, s)
    ramp[0, 0], ramp[7, 7] = -32768, 32767
    return [
        ("info_myoware", DeviceInfo("arduino_myoware", 8, 2000.0, 10, 4.8828125, SampleFormat.INT16,
                                    8, (1, 0, 0), 0)),
        ("info_esp32_24bit", DeviceInfo("esp32_ads1299", 8, 250.0, 24, float(np.float32(0.02235174)), SampleFormat.INT24,
                                        4, (0, 3, 12), 513)),
        ("samples_one", Samples(0, np.zeros((1, 1), dtype=np.int32), SampleFormat.INT16, 1)),
        ("samples_8x8_int16", Samples(123456, ramp, SampleFormat.INT16, 65535)),
        ("samples_int24_sign", Samples(0xFFFFFFF8, np.array([[-8388608, 8388607, -1, 0],
                                                             [1, -2, 256, -65536]], dtype=np.int32),
                                       SampleFormat.INT24, 42)),
        ("samples_all_zero", Samples(16, np.zeros((8, 8), dtype=np.int32), SampleFormat.INT16, 3)),
        ("status_ok", Status(0, 255, 0, 0, 0, 7)),
        ("status_leadoff", Status(0b10000101, 37, 70000, 3, 2, 300)),
        ("ack_start", Ack(int(FrameType.START), 1, AckResult.OK, 9)),
        ("ack_bad_rate", Ack(int(FrameType.SET_RATE), 4, AckResult.BAD_ARGUMENT, 10)),
        ("cmd_start", Command(FrameType.START, 1)),
        ("cmd_stop", Command(FrameType.STOP, 2)),
        ("cmd_info", Command(FrameType.INFO, 0)),
        ("cmd_set_rate", Command(FrameType.SET_RATE, 4, 1000.0)),
    ]


def frame_fields(frame: Frame) -> str:
    """The ``key=value;…`` column for ``frame``."""
    if isinstance(frame, DeviceInfo):
        gain = struct.pack(">f", frame.uv_per_count).hex()
        parts = [("board", frame.board), ("n_channels", frame.n_channels),
                 ("fs", round(frame.fs * 1000)), ("adc_bits", frame.adc_bits),
                 ("uv_per_count", gain), ("format", int(frame.sample_format)),
                 ("samples_per_frame", frame.samples_per_frame),
                 ("firmware", frame.firmware_version)]
    elif isinstance(frame, Samples):
        counts = ",".join(str(int(v)) for v in np.asarray(frame.counts).T.reshape(-1))
        parts = [("sample_index", frame.sample_index), ("n_channels", frame.counts.shape[0]),
                 ("n_samples", frame.n_samples), ("format", int(frame.sample_format)),
                 ("counts", counts)]
    elif isinstance(frame, Status):
        parts = [("lead_off", frame.lead_off), ("battery_pct", frame.battery_pct),
                 ("dropped_samples", frame.dropped_samples), ("error_count", frame.error_count),
                 ("error_code", frame.error_code)]
    elif isinstance(frame, Ack):
        parts = [("command", frame.command), ("command_seq", frame.command_seq),
                 ("result", int(frame.result))]
    elif frame.kind is FrameType.SET_RATE:
        parts = [("fs", round(frame.fs * 1000))]
    else:
        parts = []
    return ";".join(f"{k}={v}" for k, v in [("seq", frame.seq), *parts])


def _kind(frame: Frame) -> str:
    if isinstance(frame, Command):
        return FrameType(frame.kind).name.lower()
    return {DeviceInfo: "device_info", Samples: "samples", Status: "status", Ack: "ack"}[type(frame)]


def _rejects() -> list[tuple[str, str, bytes]]:
    good = pack_frame(Status(0, 255, 0, 0, 0, 7))
    from cobs import cobs

    flipped = bytearray(good)
    flipped[5] ^= 0x40
    bad_version = bytearray(good)
    bad_version[0] = 2
    bad_version[-2:] = crc16(bytes(bad_version[:-2])).to_bytes(2, "little")
    unknown = bytearray(good[:4])
    unknown[1] = 0x7F
    unknown += crc16(bytes(unknown)).to_bytes(2, "little")
    short = bytearray(good[:-3])
    short[-2:] = crc16(bytes(short[:-2])).to_bytes(2, "little")
    return [
        ("reject_crc", "reason=crc", cobs.encode(bytes(flipped)) + b"\x00"),
        ("reject_version", "reason=version", cobs.encode(bytes(bad_version)) + b"\x00"),
        ("reject_type", "reason=type", cobs.encode(bytes(unknown)) + b"\x00"),
        ("reject_length", "reason=length", cobs.encode(bytes(short)) + b"\x00"),
        ("reject_cobs", "reason=cobs", bytes([0x09, 0x01, 0x02]) + b"\x00"),
        ("reject_tiny", "reason=length", bytes([0x02, 0x01]) + b"\x00"),
    ]


def format_vectors() -> str:
    """The whole vector file as text."""
    lines = ["# emgfeedback wire protocol v1 test vectors: name<TAB>kind<TAB>fields<TAB>hex",
             "# generated by: python -m emgfeedback.protocol.vectors (see docs/protocol.md)",
             f"crc_check\tcrc\tascii=123456789\t{crc16(b'123456789'):04x}",
             f"crc_empty\tcrc\tascii=\t{crc16(b''):04x}"]
    for name, frame in vector_frames():
        lines.append(f"{name}\t{_kind(frame)}\t{frame_fields(frame)}\t{encode_frame(frame).hex()}")
    for name, fields, data in _rejects():
        lines.append(f"{name}\treject\t{fields}\t{data.hex()}")
    return "\n".join(lines) + "\n"


def parse_vectors(text: str) -> list[tuple[str, str, dict[str, str], bytes]]:
    """Parse vector-file text into (name, kind, fields, bytes); CRC lines give 2 big-endian bytes."""
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, kind, fields, hexdata = line.split("\t")
        kv = dict(item.split("=", 1) for item in fields.split(";") if item)
        out.append((name, kind, kv, bytes.fromhex(hexdata)))
    return out


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(format_vectors())
