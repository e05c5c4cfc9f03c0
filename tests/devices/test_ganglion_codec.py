"""Ganglion packet codec: OpenBCI's published vectors, the firmware-exact encoder, gaps."""

import numpy as np
import pytest

from emgfeedback.devices._openbci import (
    GANGLION_UV_PER_COUNT,
    GanglionDecoder,
    GanglionEncoder,
    _unpack_fields,
)

# Vectors from OpenBCI's "Ganglion Data Format" page (NodeJS driver tests): packet bytes and the
# signed delta fields they carry, [[sample 1 ch 1-4], [sample 2 ch 1-4]].
DOC_18_POS = [0b00000001, 0, 0, 0, 0, 0b00100000, 0, 0b00101000, 0, 0b00000100, 0b10000000, 0,
              0b10111100, 0, 0b00000111, 0, 0b00101000, 0b11000000, 0b00001010, 0b00001110]
DOC_18_NEG = [0b00000001, 0b11111111, 0b11111111, 0b01111111, 0b11111111, 0b10111111, 0b11111111,
              0b11100111, 0b11111111, 0b11110101, 0, 0b00000001, 0b01001111, 0b10001110,
              0b00110000, 0, 0b00011111, 0b11110000, 0b00000001]
DOC_19_POS = [0b01100101, 0, 0, 0, 0, 0b00001000, 0, 0b00000101, 0, 0, 0b01001000, 0, 0b00001001,
              0b11110000, 0b00000001, 0b10110000, 0, 0b00110000, 0, 0b00001000]
DOC_19_NEG = [0b01100101, 0b11111111, 0b11111111, 0b10111111, 0b11111111, 0b11101111, 0b11111111,
              0b11111100, 0b11111111, 0b11111111, 0b01011000, 0, 0b00001011, 0b00111110,
              0b00111000, 0b11100000, 0, 0b00111111, 0b11110000, 0b00000001]


@pytest.mark.parametrize(
    "packet,bits,expected",
    [
        (DOC_18_POS, 18, [[0, 2, 10, 4], [131074, 245760, 114698, 49162]]),
        (DOC_18_NEG, 18, [[-3, -5, -7, -11], [-262139, -198429, -262137, -4095]]),
        (DOC_19_POS, 19, [[0, 2, 10, 4], [262148, 507910, 393222, 8]]),
        (DOC_19_NEG, 19, [[-3, -5, -7, -11], [-262139, -198429, -262137, -4095]]),
    ],
)
def test_published_delta_vectors(packet, bits, expected):
    fields = _unpack_fields(bytes(packet[1:]), bits, 8)
    assert fields == expected[0] + expected[1]


def _raw(values):
    return bytes([0]) + b"".join((v & 0xFFFFFF).to_bytes(3, "big") for v in values) + b"ABCDEFG"


def test_decoder_applies_published_deltas_as_previous_minus_current():
    dec = GanglionDecoder()
    dec.decode(_raw([1000, -2000, 3000, 0]))
    packet = bytes(DOC_19_NEG).ljust(20, b"\0")
    gaps, counts = dec.decode(packet)
    assert gaps == [0, 0]
    s1 = np.array([1000, -2000, 3000, 0]) - np.array([-3, -5, -7, -11])
    s2 = s1 - np.array([-262139, -198429, -262137, -4095])
    np.testing.assert_array_equal(counts[:, 0], s1)
    np.testing.assert_array_equal(counts[:, 1], s2)


def _expected_decode(counts):
    """What an ideal decoder recovers from firmware deltas: the LSB of each delta is the sign."""
    out = counts.astype(np.int64).copy()
    n = counts.shape[1]
    for start in range(0, n, 201):
        stop = min(start + 201, n)
        d = counts[:, start : stop - 1] - counts[:, start + 1 : stop]  # previous - current
        d = (d & ~1) | (d < 0)
        out[:, start + 1 : stop] = counts[:, [start]] - np.cumsum(d, axis=1)
    return out


@pytest.mark.parametrize("bits", [18, 19])
def test_encoder_decoder_round_trip_is_exact_up_to_the_documented_lsb_loss(bits):
    rng = np.random.default_rng(bits)
    limit = 2 ** (bits - 2)
    counts = np.cumsum(rng.integers(-limit, limit, size=(4, 603)), axis=1) + 5_000
    packets = GanglionEncoder(bits).encode(counts)
    assert len(packets) == 3 + 300
    assert all(len(p) == 20 for p in packets)
    ids = [p[0] for p in packets]
    first = 1 if bits == 18 else 101
    assert ids[:3] == [0, first, first + 1] and ids[101] == 0
    dec = GanglionDecoder()
    parts = [dec.decode(p)[1] for p in packets]
    got = np.concatenate(parts, axis=1)
    np.testing.assert_array_equal(got, _expected_decode(counts))
    # the error is bounded by one count per sample since the last raw packet
    assert np.abs(got - counts).max() <= 200
    assert dec.lost_samples == 0 and dec.bad_packets == 0


def test_lost_packet_is_counted_and_raw_packet_restores_level():
    counts = np.tile(np.arange(402) * 4, (4, 1))
    packets = GanglionEncoder().encode(counts)
    dec = GanglionDecoder()
    gaps_seen = []
    for k, p in enumerate(packets):
        if k == 10:
            continue  # drop one notification: two samples
        gaps, c = dec.decode(p)
        gaps_seen += gaps
    assert dec.lost_samples == 2
    assert sum(gaps_seen) == 2
    # the next raw packet (sample 201) is exact again
    gaps, c = GanglionDecoder().decode(packets[101])
    assert c[0, 0] == 201 * 4


def test_deltas_before_first_raw_are_ignored_and_junk_is_counted():
    dec = GanglionDecoder()
    gaps, c = dec.decode(bytes(DOC_19_POS))
    assert c.shape == (4, 0) and dec.waiting_raw
    dec.decode(b"\x00\x01")
    dec.decode(bytes([250]) + bytes(19))
    assert dec.bad_packets == 2


def test_impedance_and_ascii_packets():
    dec = GanglionDecoder()
    dec.decode(bytes([202]) + b"12345Z".ljust(19, b"\0"))
    dec.decode(bytes([205]) + b"800Z".ljust(19, b"\0"))
    dec.decode(bytes([206]) + b"OpenBCI Ganglion v".ljust(19, b"\0"))
    dec.decode(bytes([207]) + b"2.0.0$$$".ljust(19, b"\0"))
    assert dec.impedance_ohm == {2: 12345.0, 0: 800.0}
    assert dec.messages == ["OpenBCI Ganglion v2.0.0$$$"]


def test_scale_factor_matches_mcp3912_formula():
    assert GANGLION_UV_PER_COUNT == pytest.approx(1.2e6 / (8388607 * 1.5 * 51))
    assert 8388607 * GANGLION_UV_PER_COUNT == pytest.approx(15686.3, rel=1e-4)


def test_encoder_rejects_bad_bits():
    with pytest.raises(ValueError, match="bits must be 18 or 19, got 17"):
        GanglionEncoder(17)
