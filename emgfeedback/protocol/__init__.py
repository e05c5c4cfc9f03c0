"""The emgfeedback firmware wire protocol, version 1: a pure codec (bytes ⇄ frames, no I/O).

Every frame is ``header | body | crc`` (all little-endian), COBS-encoded and ended by one 0x00:

======  ====  ==============================================================
offset  size  field
======  ====  ==============================================================
0       1     protocol version (1)
1       1     frame type (:class:`FrameType`)
2       2     sequence number, uint16, +1 per frame from the same sender
4       n     body (per type, see docs/protocol.md)
4+n     2     CRC-16/CCITT-FALSE of bytes 0..4+n-1 (poly 0x1021, init 0xFFFF,
              no reflection, no final xor; check value 0x29B1 for "123456789")
======  ====  ==============================================================

A raw frame is at most :data:`MAX_FRAME_BYTES` (240) bytes, so an encoded frame with its
delimiter fits one BLE notification (244 bytes) and an AVR buffer. COBS (the ``cobs`` package)
guarantees 0x00 appears only as the delimiter, so a receiver resyncs at the next 0x00 after any
damage: a corrupted byte costs exactly the frame it is in.
"""

from emgfeedback.protocol.codec import (
    crc16,
    decode_frame,
    encode_frame,
    max_samples_per_frame,
    pack_frame,
    unpack_frame,
)
from emgfeedback.protocol.frames import (
    BLE_COMMAND_UUID,
    BLE_DATA_UUID,
    BLE_SERVICE_UUID,
    MAX_ENCODED_BYTES,
    MAX_FRAME_BYTES,
    PROTOCOL_VERSION,
    Ack,
    AckResult,
    Command,
    CommandType,
    DeviceInfo,
    Frame,
    FrameType,
    SampleFormat,
    Samples,
    Status,
)
from emgfeedback.protocol.stream import StreamDecoder, sample_gap, seq_delta

__all__ = [
    "PROTOCOL_VERSION", "BLE_SERVICE_UUID", "BLE_DATA_UUID", "BLE_COMMAND_UUID", "MAX_FRAME_BYTES", "MAX_ENCODED_BYTES", "FrameType", "SampleFormat",
    "CommandType", "AckResult", "DeviceInfo", "Samples", "Status", "Ack", "Command", "Frame",
    "crc16", "pack_frame", "unpack_frame", "encode_frame", "decode_frame", "StreamDecoder",
    "seq_delta", "sample_gap", "max_samples_per_frame",
]
