"""OpenBCI Cyton and Ganglion byte formats: constants, scaling, pure packet codecs (no I/O).

Written from OpenBCI's public documentation ("Cyton Data Format", "Cyton SDK",
"Ganglion Data Format") and the Ganglion firmware's ``compressData18/19``:

- Cyton: 33-byte packets ``A0 | sample number | 8 x int24 big-endian | 6 aux bytes | C0..C6``
  at 250 Hz; µV = counts x 4.5 V / gain / (2^23 - 1) x 1e6.
- Ganglion: 20-byte BLE notifications, byte 0 is the packet id: 0 = four raw int24 values;
  1-100 = two samples of 18-bit deltas; 101-200 = two samples of 19-bit deltas; 201-205 =
  impedance (ASCII ohms ending in ``Z``); 206/207 = ASCII message part / last part. Deltas are
  ``previous - current`` with the sign moved into bit 0 (so the LSB of the delta is lost).
  µV = counts x 1.2 V x 1e6 / (8388607 x 1.5 x 51).

Both codecs count what they cannot use and never raise on bad bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "CYTON_FS_HZ", "CYTON_N_CHANNELS", "CYTON_PACKET_SIZE", "CYTON_HEADER", "CYTON_FOOTERS",
    "CYTON_GAINS", "CYTON_DEFAULT_GAIN", "cyton_uv_per_count", "encode_cyton_packet",
    "CytonParser", "GANGLION_FS_HZ", "GANGLION_N_CHANNELS", "GANGLION_UV_PER_COUNT",
    "GANGLION_SERVICE_UUID", "GANGLION_RECEIVE_UUID", "GANGLION_SEND_UUID",
    "GANGLION_DISCONNECT_UUID", "GanglionDecoder", "GanglionEncoder", "split_at_gaps",
]

# --------------------------------------------------------------------------- Cyton
CYTON_FS_HZ = 250.0
CYTON_N_CHANNELS = 8
CYTON_PACKET_SIZE = 33
CYTON_HEADER = 0xA0
CYTON_FOOTERS = frozenset(range(0xC0, 0xC7))
#: ADS1299 programmable gains.
CYTON_GAINS = (1, 2, 4, 6, 8, 12, 24)
CYTON_DEFAULT_GAIN = 24
CYTON_VREF_V = 4.5
#: Text the board prints at the end of its reply to ``v`` (soft reset) and other commands.
CYTON_EOT = b"$$$"
CMD_RESET = b"v"
CMD_START = b"b"
CMD_STOP = b"s"


def cyton_uv_per_count(gain: int = CYTON_DEFAULT_GAIN) -> float:
    """Cyton scale factor, µV per ADC count, for an ADS1299 channel ``gain``.

    Raises
    ------
    ValueError
        If ``gain`` is not one of the ADS1299 gains 1, 2, 4, 6, 8, 12, 24.
    """
    if gain not in CYTON_GAINS:
        raise ValueError(f"gain must be one of {', '.join(map(str, CYTON_GAINS))}, got {gain!r}")
    return CYTON_VREF_V / gain / (2**23 - 1) * 1e6


def encode_cyton_packet(
    sample_number: int, counts: "np.ndarray | list[int]", aux: bytes = bytes(6), footer: int = 0xC0
) -> bytes:
    """One 33-byte Cyton packet for 8 channel values in counts (signed 24-bit)."""
    values = [int(v) for v in counts]
    if len(values) != CYTON_N_CHANNELS:
        raise ValueError(f"counts must hold 8 channel values, got {len(values)}")
    if len(aux) != 6 or footer not in CYTON_FOOTERS:
        raise ValueError("aux must be 6 bytes and footer one of 0xC0..0xC6")
    body = b"".join((v & 0xFFFFFF).to_bytes(3, "big") for v in values)
    return bytes((CYTON_HEADER, sample_number & 0xFF)) + body + bytes(aux) + bytes((footer,))


@dataclass
class CytonParser:
    """Split a Cyton byte stream into packets, resyncing after damage.

    A packet needs its header and footer. In sync it also needs the next packet's header and
    a number 1-4 after its own (when those bytes are already here). Out of sync (at the start
    and after any skipped byte) it needs a number 1-4 after the last one accepted and the next
    packet's header and number right behind it; failing that, the next whole packet must end
    in a footer and carry the next number. A candidate within one packet of a rejected header
    that stood where the next packet was due, and with the same number, is that damaged packet
    seen at an offset, and is dropped.

    The Cyton has no checksum, so these rules are what keeps channel bytes from being taken for
    a packet: damage costs the damaged packet and at most its neighbours (counted lost), and a
    packet returned is not misread (checked on 10^5 damaged streams by ``make fuzz``); a bit
    flipped inside channel data goes unseen.

    Attributes
    ----------
    bytes_skipped : int
        Bytes thrown away while looking for a packet start.
    packets : int
        Packets accepted so far.
    """

    bytes_skipped: int = 0
    packets: int = 0
    _buf: bytearray = field(default_factory=bytearray, repr=False)
    _in_sync: bool = field(default=False, repr=False)
    _last_sn: int = field(default=-1, repr=False)
    #: Where (offset in the buffer, may fall before it) and with which number the last header
    #: that stood where the next packet was due, but was *not* taken for a packet.
    _rejected: tuple[int, int] = field(default=(-(10**9), -1), repr=False)

    def feed(self, data: bytes) -> tuple[np.ndarray, np.ndarray]:
        """Parse more bytes.

        Returns
        -------
        sample_numbers : ndarray of int64, shape (n,)
            The packets' 0-255 sample numbers.
        counts : ndarray of int32, shape (8, n)
            Channel values in ADC counts.
        """
        buf = self._buf
        buf += data
        starts: list[int] = []
        i, n = 0, len(buf)
        size = CYTON_PACKET_SIZE
        while n - i >= size:
            ok = buf[i] == CYTON_HEADER and buf[i + size - 1] in CYTON_FOOTERS
            if ok and self._in_sync:
                if size < n - i < size + 2:
                    break  # wait for the next packet's number
                ok = n - i == size or (buf[i + size] == CYTON_HEADER
                                       and 1 <= (buf[i + size + 1] - buf[i + 1]) % 256 <= 4) or None
            elif ok:  # out of sync: a number that follows the last one must be followed in turn
                follows = self._last_sn >= 0 and 1 <= (buf[i + 1] - self._last_sn) % 256 <= 4
                if follows and n - i < size + 2:
                    break  # wait for the next packet's header and number
                nxt = (buf[i + 1] + 1) % 256
                ok = follows and buf[i + size] == CYTON_HEADER and buf[i + size + 1] == nxt or None
            if ok is None:  # not sure yet: the next whole packet must carry the next number
                if n - i < 2 * size:
                    break
                j = i + size
                nxt = (buf[i + 1] + 1) % 256
                ok = buf[j + size - 1] in CYTON_FOOTERS and buf[j + 1] == nxt
                if not ok and buf[j] == CYTON_HEADER and buf[j + 1] == nxt:
                    # the next packet's header stands where it was due but its footer does not:
                    # remember it, as in sync, so that the damaged packet seen at an offset
                    # further on is not taken (also at the very start of a stream)
                    self._rejected = (j, nxt)
            if ok and not self._in_sync:
                # within one packet of a rejected header with the same number, this is that
                # damaged packet seen at an offset (its channel bytes can fake every check)
                r_at, r_sn = self._rejected
                ok = not (0 < i - r_at < size and buf[i + 1] == r_sn)
            if ok:
                starts.append(i)
                self._last_sn = buf[i + 1]
                i += size
                self._in_sync = True
            else:
                if self._in_sync and buf[i] == CYTON_HEADER:  # where the next packet was due
                    self._rejected = (i, buf[i + 1])
                i += 1
                self.bytes_skipped += 1
                self._in_sync = False
        self._rejected = (self._rejected[0] - i, self._rejected[1])
        if not starts:
            del buf[:i]
            return np.zeros(0, np.int64), np.zeros((CYTON_N_CHANNELS, 0), np.int32)
        raw = np.frombuffer(bytes(buf[: i]), np.uint8)
        del buf[:i]
        pk = np.stack([raw[s : s + size] for s in starts])
        self.packets += len(starts)
        sn = pk[:, 1].astype(np.int64)
        b = pk[:, 2:26].reshape(-1, CYTON_N_CHANNELS, 3).astype(np.int32)
        v = (b[..., 0] << 16) | (b[..., 1] << 8) | b[..., 2]
        v = np.where(v >= 1 << 23, v - (1 << 24), v)
        return sn, np.ascontiguousarray(v.T, dtype=np.int32)

    def reset(self) -> None:
        """Forget buffered bytes (after a reconnect)."""
        self._buf.clear()
        self._in_sync = False
        self._last_sn = -1
        self._rejected = (-(10**9), -1)


# --------------------------------------------------------------------------- Ganglion
GANGLION_FS_HZ = 200.0
GANGLION_N_CHANNELS = 4
GANGLION_PACKET_SIZE = 20
#: MCP3912: Vref 1.2 V, gain 1, front-end gain 1.5 x 51.
GANGLION_UV_PER_COUNT = 1.2 * 1e6 / (8388607.0 * 1.5 * 51.0)
GANGLION_SERVICE_UUID = "0000fe84-0000-1000-8000-00805f9b34fb"
GANGLION_RECEIVE_UUID = "2d30c082-f39f-4ce6-923f-3484ea480596"
GANGLION_SEND_UUID = "2d30c083-f39f-4ce6-923f-3484ea480596"
GANGLION_DISCONNECT_UUID = "2d30c084-f39f-4ce6-923f-3484ea480596"
#: Samples per cycle: one raw sample (packet 0) then 100 packets of two delta samples.
GANGLION_CYCLE = 201
_ID_IMPEDANCE = range(201, 206)
_ID_ASCII_PART, _ID_ASCII_END = 206, 207


def _pack_fields(values: "list[int]", bits: int) -> bytes:
    mask, acc = (1 << bits) - 1, 0
    for v in values:
        acc = (acc << bits) | (v & mask)
    return acc.to_bytes(bits * len(values) // 8, "big")


def _unpack_fields(data: bytes, bits: int, count: int) -> list[int]:
    acc = int.from_bytes(data[: bits * count // 8], "big")
    out = []
    for k in range(count - 1, -1, -1):
        f = (acc >> (k * bits)) & ((1 << bits) - 1)
        out.append(f - (1 << bits) if f & 1 else f)  # sign lives in bit 0
    return out


def _ganglion_delta(prev: int, cur: int) -> int:
    """The firmware's delta: ``prev - cur`` with bit 0 replaced by the sign bit."""
    d = prev - cur
    return (d & ~1) | (1 if d < 0 else 0)


class GanglionEncoder:
    """Turn counts into the Ganglion's 20-byte packets exactly as its firmware does.

    Parameters
    ----------
    bits : {19, 18}
        19 = default stream (packet ids 101-200); 18 = accelerometer on (ids 1-100).
    """

    def __init__(self, bits: int = 19) -> None:
        if bits not in (18, 19):
            raise ValueError(f"bits must be 18 or 19, got {bits!r}")
        self.bits = bits
        self._counter = GANGLION_CYCLE  # firmware starts at 0xFF, which wraps to 0
        self._last = [0] * GANGLION_N_CHANNELS
        self._pending: list[int] = []

    def encode(self, counts: np.ndarray) -> list[bytes]:
        """Encode samples ``counts`` (4, n) and return the packets completed by them."""
        out: list[bytes] = []
        for col in np.asarray(counts, dtype=np.int64).T:
            if self._counter >= GANGLION_CYCLE:
                self._counter = 0
            cur = [int(v) for v in col]
            if self._counter == 0:
                raw = b"".join((v & 0xFFFFFF).to_bytes(3, "big") for v in cur)
                out.append(bytes((0,)) + raw + b"ABCDEFG")
            else:
                self._pending += [_ganglion_delta(p, c) for p, c in zip(self._last, cur)]
                if self._counter % 2 == 0:
                    pid = self._counter // 2 + (100 if self.bits == 19 else 0)
                    body = _pack_fields(self._pending, self.bits)
                    out.append(bytes((pid,)) + body.ljust(19, b"\0"))
                    self._pending = []
            self._last = cur
            self._counter += 1
        return out


@dataclass
class GanglionDecoder:
    """Decode Ganglion packets into counts, tracking lost packets.

    Attributes
    ----------
    lost_samples : int
        Samples missing between packets (from packet-id gaps).
    bad_packets : int
        Packets of the wrong length or with an unknown id.
    waiting_raw : bool
        True until a raw packet (id 0) has seeded the delta decoder.
    impedance_ohm : dict of int to float
        Latest impedance per channel (1-4; 0 for the reference), Ω.
    messages : list of str
        Complete ASCII messages the board sent.
    """

    lost_samples: int = 0
    bad_packets: int = 0
    waiting_raw: bool = True
    impedance_ohm: dict[int, float] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    _last: list[int] = field(default_factory=lambda: [0] * GANGLION_N_CHANNELS, repr=False)
    _pos: int = field(default=-1, repr=False)  # cycle position of the last sample decoded
    _text: bytearray = field(default_factory=bytearray, repr=False)

    def decode(self, packet: "bytes | bytearray") -> tuple[list[int], np.ndarray]:
        """Decode one notification.

        Returns
        -------
        gaps : list of int
            For each sample returned, how many samples were lost just before it.
        counts : ndarray of int64, shape (4, n)
            Decoded samples (n = 0, 1 or 2) in counts.
        """
        empty = np.zeros((GANGLION_N_CHANNELS, 0), np.int64)
        if len(packet) != GANGLION_PACKET_SIZE:
            self.bad_packets += 1
            return [], empty
        pid = packet[0]
        if pid == 0:
            v = [int.from_bytes(packet[1 + 3 * k : 4 + 3 * k], "big", signed=True) for k in range(4)]
            samples, first = [v], 0
        elif 1 <= pid <= 200:
            if self.waiting_raw:
                return [], empty  # deltas mean nothing before the first raw packet
            bits = 18 if pid <= 100 else 19
            f = _unpack_fields(bytes(packet[1:]), bits, 8)
            s1 = [p - d for p, d in zip(self._last, f[:4])]
            s2 = [p - d for p, d in zip(s1, f[4:])]
            samples, first = [s1, s2], 2 * (pid - (0 if bits == 18 else 100)) - 1
        elif pid in _ID_IMPEDANCE:
            text = bytes(packet[1:]).split(b"Z", 1)[0].decode("ascii", "replace").strip()
            try:
                self.impedance_ohm[0 if pid == 205 else pid - 200] = float(text)
            except ValueError:
                self.bad_packets += 1
            return [], empty
        elif pid in (_ID_ASCII_PART, _ID_ASCII_END):
            self._text += bytes(packet[1:]).rstrip(b"\0")
            if pid == _ID_ASCII_END:
                self.messages.append(self._text.decode("ascii", "replace"))
                self._text.clear()
            return [], empty
        else:
            self.bad_packets += 1
            return [], empty
        gap = 0 if self._pos < 0 else (first - self._pos - 1) % GANGLION_CYCLE
        if self.waiting_raw:
            gap, self.waiting_raw = 0, False
        self.lost_samples += gap
        self._pos = first + len(samples) - 1
        self._last = samples[-1]
        gaps = [gap] + [0] * (len(samples) - 1)
        return gaps, np.array(samples, dtype=np.int64).T

    def reset(self) -> None:
        """Wait for a fresh raw packet (after a reconnect or restart)."""
        self.waiting_raw, self._pos = True, -1
        self._text.clear()


def split_at_gaps(values: np.ndarray, gaps: "list[int] | np.ndarray") -> list[tuple[int, np.ndarray]]:
    """Cut received samples where samples were lost, for drivers whose chunks carry one gap.

    Parameters
    ----------
    values : ndarray, shape (n_channels, n)
        Samples received, in order.
    gaps : sequence of int, length n
        Samples lost just before each received sample.

    Returns
    -------
    list of (gap, ndarray)
        Runs of consecutive samples, each with the number lost just before it.
    """
    gaps = np.asarray(gaps, dtype=np.int64)
    cuts = [int(k) for k in np.flatnonzero(gaps)]
    if not cuts or cuts[0] != 0:
        cuts = [0] + cuts
    bounds = cuts + [values.shape[1]]
    return [(int(gaps[a]), values[:, a:b]) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
