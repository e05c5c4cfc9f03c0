"""Protocol constants and frame types (the data each frame carries); see docs/protocol.md."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Union

import numpy as np

__all__ = [
    "PROTOCOL_VERSION", "BLE_SERVICE_UUID", "BLE_DATA_UUID", "BLE_COMMAND_UUID", "MAX_FRAME_BYTES", "MAX_ENCODED_BYTES", "FrameType", "SampleFormat",
    "CommandType", "AckResult", "DeviceInfo", "Samples", "Status", "Ack", "Command", "Frame",
]

PROTOCOL_VERSION = 1
#: Largest raw frame (header + body + CRC), bytes.
MAX_FRAME_BYTES = 240
#: Largest encoded frame without its delimiter (COBS adds one byte below 254 bytes).
MAX_ENCODED_BYTES = MAX_FRAME_BYTES + 1
#: BLE GATT service carrying the protocol (ESP32 firmware advertises it).
BLE_SERVICE_UUID = "45b50de9-f033-44d9-a696-43456b1215c7"
#: Characteristic the board notifies: one or more whole encoded frames per notification.
BLE_DATA_UUID = "45b50dea-f033-44d9-a696-43456b1215c7"
#: Characteristic the host writes commands to (encoded frames, write with response).
BLE_COMMAND_UUID = "45b50deb-f033-44d9-a696-43456b1215c7"
_HEADER = struct.Struct("<BBH")
_INFO = struct.Struct("<BIBBfBBBBB")  # n_ch, fs_mhz, adc_bits, fmt, uv/count, spf, fw x3, name len
_SAMPLES = struct.Struct("<IBBB")  # sample index, n_channels, n_samples, format
_STATUS = struct.Struct("<HBIHB")  # lead-off bits, battery %, dropped samples, error count, code
_ACK = struct.Struct("<BHB")  # command type, command seq, result
_RATE = struct.Struct("<I")  # fs in mHz
_OVERHEAD = _HEADER.size + 2


class FrameType(IntEnum):
    """Frame type byte. Board → host below 0x10, host → board from 0x10."""

    DEVICE_INFO = 0x01
    SAMPLES = 0x02
    STATUS = 0x03
    ACK = 0x04
    START = 0x10
    STOP = 0x11
    INFO = 0x12
    SET_RATE = 0x13


CommandType = FrameType  # host commands are the frame types from 0x10


class SampleFormat(IntEnum):
    """How counts are packed in a samples frame."""

    INT16 = 0
    INT24 = 1

    @property
    def width(self) -> int:
        """Bytes per count."""
        return 2 if self is SampleFormat.INT16 else 3


class AckResult(IntEnum):
    """Result code of an ACK frame."""

    OK = 0
    UNKNOWN_COMMAND = 1
    BAD_ARGUMENT = 2
    BUSY = 3


@dataclass(frozen=True)
class DeviceInfo:
    """What a board is (sent on boot, with seq 0, and in answer to INFO and SET_RATE).

    Parameters
    ----------
    board : str
        Board name, ASCII, at most 32 characters, e.g. ``arduino_myoware``.
    n_channels : int
        Channels, 1–32.
    fs : float
        Sample rate, Hz (sent in mHz, uint32).
    adc_bits : int
        ADC resolution, bits.
    uv_per_count : float
        Gain: µV at the electrodes per ADC count (float32).
    sample_format : SampleFormat
        Packing of counts in samples frames.
    samples_per_frame : int
        Samples per channel the board puts in one samples frame.
    firmware : tuple of int
        Firmware version (major, minor, patch).
    seq : int
        Frame sequence number.
    """

    board: str
    n_channels: int
    fs: float
    adc_bits: int
    uv_per_count: float
    sample_format: SampleFormat = SampleFormat.INT16
    samples_per_frame: int = 8
    firmware: tuple[int, int, int] = (0, 0, 0)
    seq: int = 0

    @property
    def firmware_version(self) -> str:
        """Firmware version as ``major.minor.patch``."""
        return ".".join(str(v) for v in self.firmware)


@dataclass(frozen=True, eq=False)
class Samples:
    """Consecutive samples of all channels.

    Parameters
    ----------
    sample_index : int
        Board's counter of the first sample, uint32 (wraps).
    counts : ndarray of int32, shape (n_channels, n_samples)
        ADC counts (sent sample-major: s0c0, s0c1, …).
    sample_format : SampleFormat
        Packing on the wire.
    seq : int
        Frame sequence number.
    """

    sample_index: int
    counts: np.ndarray
    sample_format: SampleFormat = SampleFormat.INT16
    seq: int = 0

    @property
    def n_samples(self) -> int:
        """Samples per channel in this frame."""
        return int(self.counts.shape[1])

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Samples) and self.sample_index == other.sample_index
                and self.sample_format == other.sample_format and self.seq == other.seq
                and np.array_equal(self.counts, other.counts))


@dataclass(frozen=True)
class Status:
    """Board health (sent about once a second and on change).

    Parameters
    ----------
    lead_off : int
        Bit i set when channel i has an electrode off (uint16).
    battery_pct : int
        Battery charge, %, 0–100; 255 when unknown (mains or USB powered).
    dropped_samples : int
        Samples the board could not send (ADC overrun, full TX buffer) since boot, uint32.
    error_count : int
        Errors since boot, uint16.
    error_code : int
        Last error (0 none; see docs/protocol.md).
    seq : int
        Frame sequence number.
    """

    lead_off: int = 0
    battery_pct: int = 255
    dropped_samples: int = 0
    error_count: int = 0
    error_code: int = 0
    seq: int = 0


@dataclass(frozen=True)
class Ack:
    """Board's answer to START, STOP or SET_RATE."""

    command: int
    command_seq: int
    result: AckResult = AckResult.OK
    seq: int = 0


@dataclass(frozen=True)
class Command:
    """A host command: START, STOP, INFO or SET_RATE (with ``fs`` in Hz)."""

    kind: FrameType
    seq: int = 0
    fs: float = field(default=0.0)


Frame = Union[DeviceInfo, Samples, Status, Ack, Command]
