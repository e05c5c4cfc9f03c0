"""Pack, unpack, COBS-encode and decode single frames; CRC-16/CCITT-FALSE."""

from __future__ import annotations

from binascii import crc_hqx

import numpy as np
from cobs import cobs

from emgfeedback.errors import ProtocolError
from emgfeedback.protocol.frames import (
    _ACK, _HEADER, _INFO, _OVERHEAD, _RATE, _SAMPLES, _STATUS, MAX_ENCODED_BYTES,
    MAX_FRAME_BYTES, PROTOCOL_VERSION, Ack, AckResult, Command, DeviceInfo, Frame, FrameType,
    SampleFormat, Samples, Status,
)

__all__ = ["crc16", "max_samples_per_frame", "pack_frame", "unpack_frame", "encode_frame",
           "decode_frame"]


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE of ``data`` (poly 0x1021, init 0xFFFF; ``b"123456789"`` → 0x29B1)."""
    return crc_hqx(data, 0xFFFF)


def max_samples_per_frame(n_channels: int, sample_format: SampleFormat = SampleFormat.INT16) -> int:
    """Most samples per channel that fit one frame for this channel count and format."""
    room = MAX_FRAME_BYTES - _OVERHEAD - _SAMPLES.size
    return min(255, room // (n_channels * SampleFormat(sample_format).width))


def _check_u(name: str, value: int, bits: int) -> int:
    if not isinstance(value, (int, np.integer)) or not 0 <= value < (1 << bits):
        raise ValueError(f"{name} must be an integer in 0..{(1 << bits) - 1}, got {value!r}")
    return int(value)


def _pack_counts(counts: np.ndarray, fmt: SampleFormat) -> bytes:
    lim = 1 << (8 * fmt.width - 1)
    c = np.asarray(counts)
    if c.size and (c.min() < -lim or c.max() >= lim):
        raise ValueError(f"counts must fit {fmt.name.lower()} ({-lim}..{lim - 1}), "
                         f"got {c.min()}..{c.max()}")
    flat = np.ascontiguousarray(c.T, dtype="<i4").reshape(-1)
    if fmt is SampleFormat.INT16:
        return flat.astype("<i2").tobytes()
    return flat.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()


def _unpack_counts(raw: bytes, n_ch: int, n: int, fmt: SampleFormat) -> np.ndarray:
    if fmt is SampleFormat.INT16:
        flat = np.frombuffer(raw, dtype="<i2").astype(np.int32)
    else:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        flat = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        flat = np.where(flat >= 1 << 23, flat - (1 << 24), flat)
    return flat.reshape(n, n_ch).T.copy()


def _body(frame: Frame) -> tuple[int, bytes]:
    if isinstance(frame, Samples):
        fmt = SampleFormat(frame.sample_format)
        counts = np.asarray(frame.counts)
        if counts.ndim != 2 or not 1 <= counts.shape[0] <= 32 or counts.shape[1] < 1:
            raise ValueError(f"counts must have shape (1..32 channels, >=1 samples), got {counts.shape}")
        n_ch, n = counts.shape
        if n > max_samples_per_frame(n_ch, fmt):
            raise ValueError(f"at most {max_samples_per_frame(n_ch, fmt)} samples of {n_ch} "
                             f"{fmt.name.lower()} channels fit one frame, got {n}")
        head = _SAMPLES.pack(_check_u("sample_index", frame.sample_index, 32), n_ch, n, fmt)
        return FrameType.SAMPLES, head + _pack_counts(counts, fmt)
    if isinstance(frame, DeviceInfo):
        name = frame.board.encode("ascii")
        if len(name) > 32:
            raise ValueError(f"board name must be at most 32 ASCII characters, got {frame.board!r}")
        if not 1 <= frame.n_channels <= 32:
            raise ValueError(f"n_channels must be 1..32, got {frame.n_channels!r}")
        head = _INFO.pack(frame.n_channels, _check_u("fs (mHz)", round(frame.fs * 1000), 32),
                          _check_u("adc_bits", frame.adc_bits, 8), SampleFormat(frame.sample_format),
                          frame.uv_per_count, _check_u("samples_per_frame", frame.samples_per_frame, 8),
                          *(_check_u("firmware", v, 8) for v in frame.firmware), len(name))
        return FrameType.DEVICE_INFO, head + name
    if isinstance(frame, Status):
        return FrameType.STATUS, _STATUS.pack(
            _check_u("lead_off", frame.lead_off, 16), _check_u("battery_pct", frame.battery_pct, 8),
            _check_u("dropped_samples", frame.dropped_samples, 32),
            _check_u("error_count", frame.error_count, 16), _check_u("error_code", frame.error_code, 8))
    if isinstance(frame, Ack):
        return FrameType.ACK, _ACK.pack(_check_u("command", frame.command, 8),
                                        _check_u("command_seq", frame.command_seq, 16),
                                        AckResult(frame.result))
    if isinstance(frame, Command):
        kind = FrameType(frame.kind)
        if kind < FrameType.START:
            raise ValueError(f"a Command kind must be START, STOP, INFO or SET_RATE, got {kind.name}")
        if kind is FrameType.SET_RATE:
            return kind, _RATE.pack(_check_u("fs (mHz)", round(frame.fs * 1000), 32))
        return kind, b""
    raise TypeError(f"cannot encode {type(frame).__name__}; expected a protocol frame")


def pack_frame(frame: Frame) -> bytes:
    """Raw frame bytes (header, body, CRC) before COBS.

    Raises
    ------
    ValueError
        If a field does not fit its wire type (the message names it).
    """
    kind, body = _body(frame)
    raw = _HEADER.pack(PROTOCOL_VERSION, kind, _check_u("seq", frame.seq, 16)) + body
    return raw + crc16(raw).to_bytes(2, "little")


def encode_frame(frame: Frame) -> bytes:
    """Frame ready for the wire: COBS-encoded raw frame followed by the 0x00 delimiter."""
    return cobs.encode(pack_frame(frame)) + b"\x00"


def _need(body: bytes, n: int, what: str) -> None:
    if len(body) != n:
        raise ProtocolError(f"{what} frame body is {len(body)} bytes, expected {n}")


def unpack_frame(raw: bytes) -> Frame:
    """Parse one raw (COBS-decoded) frame.

    Raises
    ------
    ProtocolError
        Too short or long, bad CRC, unknown version or type, or a body of the wrong size.
    """
    if not _OVERHEAD <= len(raw) <= MAX_FRAME_BYTES:
        raise ProtocolError(f"frame of {len(raw)} bytes; valid frames are {_OVERHEAD}..{MAX_FRAME_BYTES}")
    if crc16(raw[:-2]) != int.from_bytes(raw[-2:], "little"):
        raise ProtocolError("frame CRC mismatch (damaged in transit)")
    version, kind, seq = _HEADER.unpack_from(raw)
    if version != PROTOCOL_VERSION:
        raise ProtocolError(f"board speaks protocol version {version}, this host speaks "
                            f"{PROTOCOL_VERSION}; update the firmware or emgfeedback")
    body = raw[_HEADER.size:-2]
    if kind == FrameType.SAMPLES:
        if len(body) < _SAMPLES.size:
            raise ProtocolError(f"samples frame body is {len(body)} bytes, too short")
        index, n_ch, n, fmt = _SAMPLES.unpack_from(body)
        if fmt not in (0, 1) or n_ch == 0 or n == 0:
            raise ProtocolError(f"samples frame with format {fmt}, {n_ch} channels, {n} samples")
        sf = SampleFormat(fmt)
        _need(body, _SAMPLES.size + n_ch * n * sf.width, "samples")
        return Samples(index, _unpack_counts(body[_SAMPLES.size:], n_ch, n, sf), sf, seq)
    if kind == FrameType.DEVICE_INFO:
        if len(body) < _INFO.size:
            raise ProtocolError(f"device-info frame body is {len(body)} bytes, too short")
        n_ch, fs_mhz, bits, fmt, gain, spf, f1, f2, f3, name_len = _INFO.unpack_from(body)
        _need(body, _INFO.size + name_len, "device-info")
        if fmt not in (0, 1) or n_ch == 0 or fs_mhz == 0:
            raise ProtocolError(f"device-info with format {fmt}, {n_ch} channels, {fs_mhz} mHz")
        try:
            board = body[_INFO.size:].decode("ascii")
        except UnicodeDecodeError:
            raise ProtocolError("device-info board name is not ASCII") from None
        return DeviceInfo(board, n_ch, fs_mhz / 1000.0, bits, gain, SampleFormat(fmt), spf,
                          (f1, f2, f3), seq)
    if kind == FrameType.STATUS:
        _need(body, _STATUS.size, "status")
        return Status(*_STATUS.unpack(body), seq=seq)
    if kind == FrameType.ACK:
        _need(body, _ACK.size, "ack")
        cmd, cmd_seq, result = _ACK.unpack(body)
        if result > max(AckResult):
            raise ProtocolError(f"ack with unknown result code {result}")
        return Ack(cmd, cmd_seq, AckResult(result), seq)
    if kind == FrameType.SET_RATE:
        _need(body, _RATE.size, "set-rate")
        return Command(FrameType.SET_RATE, seq, _RATE.unpack(body)[0] / 1000.0)
    if kind in (FrameType.START, FrameType.STOP, FrameType.INFO):
        _need(body, 0, FrameType(kind).name.lower())
        return Command(FrameType(kind), seq)
    raise ProtocolError(f"unknown frame type 0x{kind:02x}")


def decode_frame(encoded: bytes) -> Frame:
    """Parse one COBS-encoded frame given without its 0x00 delimiter.

    Raises
    ------
    ProtocolError
        If the bytes are not a valid frame (any damage at all).
    """
    if len(encoded) > MAX_ENCODED_BYTES:
        raise ProtocolError(f"encoded frame of {len(encoded)} bytes exceeds {MAX_ENCODED_BYTES}")
    try:
        raw = cobs.decode(encoded)
    except cobs.DecodeError as err:
        raise ProtocolError(f"bad COBS encoding: {err}") from None
    return unpack_frame(raw)
