"""Stream decoding: split bytes at 0x00 delimiters, resync after damage, count what was lost."""

from __future__ import annotations

from emgfeedback.errors import ProtocolError
from emgfeedback.protocol.codec import decode_frame
from emgfeedback.protocol.frames import MAX_ENCODED_BYTES, DeviceInfo, Frame, Samples

__all__ = ["StreamDecoder", "seq_delta", "sample_gap"]


def seq_delta(seq: int, expected: int) -> int:
    """Frames missing before ``seq`` when ``expected`` was due (mod 2**16); negative if behind."""
    d = (seq - expected) & 0xFFFF
    return d if d < 0x8000 else d - 0x10000


def sample_gap(index: int, expected: int) -> int:
    """Samples missing before ``index`` when ``expected`` was due (mod 2**32); negative if behind."""
    d = (index - expected) & 0xFFFFFFFF
    return d if d < 0x80000000 else d - 0x100000000


class StreamDecoder:
    """Split a byte stream into frames, resyncing at each 0x00 and counting what was lost.

    Feed it bytes as they arrive, in pieces of any size. A damaged frame is dropped whole
    (``bad_frames``); the next intact frame is recovered. Sequence numbers then tell exactly
    how many frames went missing (``frames_lost``) and, from sample counters, how many samples
    (``samples_lost``). A frame whose sequence number is behind the last one is a duplicate
    and is dropped (``duplicates``), except a DEVICE_INFO with seq 0: the board rebooted, and
    the counters start over from it.

    Attributes
    ----------
    frames : int
        Intact frames returned.
    bad_frames, bad_bytes : int
        Damaged chunks dropped (bad COBS, CRC, size, version or type) and their bytes.
    frames_lost : int
        Frames missing from sequence-number gaps.
    samples_lost : int
        Samples missing from sample-counter gaps.
    duplicates : int
        Intact frames dropped because their sequence number was not new.
    last_error : str
        Why the latest damaged chunk was dropped.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._skipping = False
        self.reset_counters()
        self.reset_sequence()

    def reset_counters(self) -> None:
        """Zero every counter (e.g. after the handshake, to ignore start-up noise)."""
        self.frames = self.bad_frames = self.bad_bytes = 0
        self.frames_lost = self.samples_lost = self.duplicates = 0
        self.last_error = ""

    def reset_sequence(self) -> None:
        """Forget the expected sequence numbers (the next frame is accepted as is)."""
        self._next_seq: "int | None" = None
        self._next_sample: "int | None" = None

    def counters(self) -> dict[str, int]:
        """The counters as a dict."""
        return {"frames": self.frames, "bad_frames": self.bad_frames, "bad_bytes": self.bad_bytes,
                "frames_lost": self.frames_lost, "samples_lost": self.samples_lost,
                "duplicates": self.duplicates}

    def feed(self, data: bytes) -> list[Frame]:
        """Take in bytes; return the intact, new frames completed by them, in order."""
        self._buf += data
        if b"\x00" not in data:
            self._check_overflow()
            return []
        *chunks, tail = bytes(self._buf).split(b"\x00")
        self._buf = bytearray(tail)
        out: list[Frame] = []
        for chunk in chunks:
            if self._skipping:  # the end of a chunk already counted as too long
                self._skipping = False
                continue
            if chunk:
                frame = self._accept(chunk)
                if frame is not None:
                    out.append(frame)
        self._check_overflow()
        return out

    def _check_overflow(self) -> None:
        if len(self._buf) > MAX_ENCODED_BYTES:
            if not self._skipping:
                self.bad_frames += 1
                self.last_error = f"no frame delimiter within {MAX_ENCODED_BYTES} bytes"
            self.bad_bytes += len(self._buf)
            self._buf.clear()
            self._skipping = True

    def _accept(self, chunk: bytes) -> "Frame | None":
        try:
            frame = decode_frame(chunk)
        except ProtocolError as err:
            self.bad_frames += 1
            self.bad_bytes += len(chunk) + 1
            self.last_error = str(err)
            return None
        if isinstance(frame, DeviceInfo) and frame.seq == 0:
            self.reset_sequence()
        if self._next_seq is not None:
            d = seq_delta(frame.seq, self._next_seq)
            if d < 0:
                self.duplicates += 1
                return None
            self.frames_lost += d
        self._next_seq = (frame.seq + 1) & 0xFFFF
        if isinstance(frame, Samples):
            if self._next_sample is not None:
                gap = sample_gap(frame.sample_index, self._next_sample)
                self.samples_lost += max(gap, 0)
            self._next_sample = (frame.sample_index + frame.n_samples) & 0xFFFFFFFF
        self.frames += 1
        return frame
