"""An opt-in Lab Streaming Layer outlet: raw channels and a marker stream.

Lab recorders (LabRecorder, other LSL clients) on this or other machines can then capture and
synchronise this data with motion capture or force plates. Nothing is created unless asked for
(``--lsl`` on ``record``, ``monitor`` and ``dashboard``): an LSL outlet announces itself on the local network.

Streams: ``<name>`` of type ``EMG`` (float32, one channel per electrode, labels ``GMax L`` …, unit
``microvolts``, the device's rate) and ``<name>-markers`` of type ``Markers`` (one string per
event, irregular rate): onsets, reps, cues, gaps, markers, as annotated in the recording.

Time stamps are this machine's LSL clock (receivers add LSL's clock offset to theirs). A sample's
stamp comes from the stream's sample counter through a
:class:`~emgfeedback.devices.lsl_clock.StreamClock` fed with each block's arrival: the smallest
arrival delay is kept and may rise slowly, so the stamps follow the board's clock drift against
this machine's and carry no USB/BLE jitter.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from emgfeedback.devices.lsl_clock import StreamClock
from emgfeedback.errors import DeviceUnavailableError
from emgfeedback.model import Onset, SampleBlock, StreamInfo
from emgfeedback.storage.annotations import onset_text

__all__ = ["LslOutlet"]


class LslOutlet:
    """Publish a stream's blocks and markers over LSL.

    Parameters
    ----------
    info : StreamInfo
        The device stream (rate, montage, board, source).
    name : str
        Stream name; the marker stream is ``name + "-markers"``.
    chunk_size : int
        Preferred samples per network chunk (0: as pushed).

    Raises
    ------
    DeviceUnavailableError
        pylsl or liblsl cannot be loaded.
    """

    def __init__(self, info: StreamInfo, name: str = "emgfeedback", *, chunk_size: int = 0) -> None:
        try:
            import pylsl
        except (ImportError, RuntimeError) as err:  # RuntimeError: liblsl missing
            raise DeviceUnavailableError(f"the LSL outlet needs pylsl and liblsl: {err}") from err
        if not name:
            raise ValueError("LSL stream name must not be empty")
        self._pylsl = pylsl
        source_id = f"emgfeedback:{info.board or 'device'}:{info.source}"[:200]
        emg = pylsl.StreamInfo(name, "EMG", info.n_channels, float(info.fs), "float32", source_id)
        chans = emg.desc().append_child("channels")
        for ch in info.montage:
            c = chans.append_child("channel")
            c.append_child_value("label", ch.label)
            c.append_child_value("unit", "microvolts")
            c.append_child_value("type", "EMG")
            c.append_child_value("muscle", ch.muscle.full_name)
            c.append_child_value("side", ch.side.value)
        emg.desc().append_child("acquisition").append_child_value("manufacturer", "emgfeedback")
        markers = pylsl.StreamInfo(name + "-markers", "Markers", 1, pylsl.IRREGULAR_RATE, "string",
                                   source_id + ":markers")
        self.name = name
        self.n_channels = info.n_channels
        self._emg: Any = pylsl.StreamOutlet(emg, chunk_size=chunk_size)
        self._markers: Any = pylsl.StreamOutlet(markers)
        self.samples_pushed = 0
        self.markers_pushed = 0
        #: Stream seconds ↔ this machine's LSL clock, from the blocks' arrival.
        self.clock = StreamClock()

    def push_block(self, block: SampleBlock) -> None:
        """Send one block (µV).

        Time stamps follow the sample counter (``seq / fs``) mapped to the LSL clock by
        :attr:`clock` (arrival of the block's end, least delay seen, following drift), so
        inlets see no transport jitter and lost samples keep their place.
        """
        if self._emg is None:
            return
        if block.n_channels != self.n_channels:
            raise ValueError(f"block has {block.n_channels} channels, the outlet {self.n_channels}")
        if block.n_samples:
            last = block.seq + block.n_samples - 1
            self.clock.observe(block.t_end, self._pylsl.local_clock())
            self._emg.push_chunk(np.ascontiguousarray(block.data.T, dtype=np.float32),
                                 self.clock.local_time(last / block.fs))
            self.samples_pushed += block.n_samples

    def push_live(self, block: SampleBlock, onsets: "Iterable[Onset]" = ()) -> None:
        """One block of the live view and the bursts it found: the block, then an
        ``onset GMax L`` marker at each burst's start (when it starts, not when it ends)."""
        self.push_block(block)
        for o in onsets:
            if o.offset_s is None:
                self.push_marker(onset_text(o.channel), o.onset_s)

    def push_marker(self, text: str, onset_s: "float | None" = None) -> None:
        """Send one marker string, stamped at ``onset_s`` (s on the sample clock, as in the
        recording) when given and the stream has started, else now."""
        if self._markers is None:
            return
        stamp = None if onset_s is None else self.clock.local_time(float(onset_s))
        if stamp is not None:
            self._markers.push_sample([str(text)], stamp)
        else:
            self._markers.push_sample([str(text)])
        self.markers_pushed += 1

    def close(self) -> None:
        """Withdraw both streams; idempotent."""
        self._emg = self._markers = None

    def __enter__(self) -> "LslOutlet":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
