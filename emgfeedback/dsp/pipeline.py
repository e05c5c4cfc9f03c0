"""The live pipeline: one ``SampleBlock`` in, one ``FeedbackFrame`` out.

Per block, for all channels at once: band-pass + mains notch (one filter call), rectification
and the linear-envelope low-pass (one call), %MVC, live onset detection
(:class:`~emgfeedback.dsp.onsets.StreamingOnsetDetector`) and, at most
once per ``quality_interval_s``, signal quality over the last ``quality_window_s`` of raw signal
(four channels per block, so no block pays for all of them).

Memory is bounded however long it runs: filter states, a fixed ring of raw samples for quality,
and a few numbers per channel and side; nothing grows with time.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from emgfeedback.dsp._checks import check_fs, check_positive, check_signal
from emgfeedback.dsp._pipeline_parts import QualityWindow
from emgfeedback.dsp._sos_kernel import SosState
from emgfeedback.dsp.filters import design_lowpass
from emgfeedback.dsp.mvc import percent_of_mvc
from emgfeedback.dsp.onsets import BaselineStats, StreamingOnsetDetector, conditioning_sos
from emgfeedback.errors import PipelineError
from emgfeedback.model import Channel, FeedbackFrame, Montage, Onset, SampleBlock
from emgfeedback.settings import ProcessingSettings

__all__ = ["OnlinePipeline"]


def _mvc_rows(montage: Montage, mvc_uv: "Mapping[str, float] | None") -> "np.ndarray | None":
    """MVC per row, µV (NaN where unknown), or None without MVC values."""
    if mvc_uv is None:
        return None
    scale = np.full(len(montage), np.nan)
    for key, value in mvc_uv.items():
        try:
            row = montage.index(Channel.parse(str(key)))
        except (KeyError, ValueError):
            raise ValueError(
                f"mvc_uv has a value for {key!r}, which is not a channel of this montage "
                f"({', '.join(montage.ids)}); use those channel ids"
            ) from None
        v = check_positive(value, f"mvc_uv[{key!r}]", "µV")
        scale[row] = v
    return scale


class OnlinePipeline:
    """Live processing of one stream, block by block.

    Parameters
    ----------
    fs : float
        Sample rate, Hz.
    montage : Montage
        Which muscle each row of the blocks records.
    settings : ProcessingSettings, optional
        Band, mains, envelope, onset detector and baseline rule (default
        ``ProcessingSettings()``): the same object ``analyze`` takes, so live and offline agree.
    mvc_uv : mapping of str to float, optional
        MVC envelope level per channel id, µV; enables ``percent_mvc`` (NaN for channels
        without a value).
    onset_baseline : BaselineStats, optional
        Known rest statistics (``dsp.onsets.detection_signal_stats`` of a rest recording);
        detection then starts at the first sample instead of after ``settings.baseline_s``.
    quality_interval_s, quality_window_s : float
        How often signal quality is computed, s (0.5), and over how much recent raw signal, s
        (1.0). Problems are raised after 2 consecutive ratings and cleared with hysteresis
        (:class:`~emgfeedback.dsp.quality.QualityAlarms`), so a lead-off or strong mains hum
        shows within ~1.5 s of its start.

    Notes
    -----
    Firing order and the TFL-to-glute ratio are per-rep measures: the session engine computes
    them with :func:`emgfeedback.measures.measure_rep` when a rep ends (the frame's fields stay
    empty here).
    """

    def __init__(
        self,
        fs: float,
        montage: Montage,
        *,
        settings: "ProcessingSettings | None" = None,
        mvc_uv: "Mapping[str, float] | None" = None,
        onset_baseline: "BaselineStats | None" = None,
        quality_interval_s: float = 0.5,
        quality_window_s: float = 1.0,
    ) -> None:
        self.fs = check_fs(fs)
        if not isinstance(montage, Montage):
            raise TypeError(f"montage must be a Montage, got {type(montage).__name__}")
        self.settings = ProcessingSettings() if settings is None else settings
        if not isinstance(self.settings, ProcessingSettings):
            raise TypeError(f"settings must be a ProcessingSettings, got {type(settings).__name__}")
        st = self.settings
        if st.baseline != "start" and onset_baseline is None:
            raise ValueError(f"settings.baseline={st.baseline!r} needs the whole recording; a live stream "
                             "learns its rest from its start: use baseline='start'")
        self.montage = montage
        self.channels = montage.ids
        n = len(montage)
        # one band-pass + notch for the display, the envelope and the onset detector
        self._cond = SosState(conditioning_sos(self.fs, st.low_hz, st.high_hz, st.mains_hz), n)
        self._lp = SosState(design_lowpass(self.fs, st.envelope_hz, 2), n)
        self._mvc = _mvc_rows(montage, mvc_uv)
        self._detector = StreamingOnsetDetector(
            self.fs, montage, baseline_s=st.baseline_s, baseline=onset_baseline, **st.onset_kwargs())
        self._quality = QualityWindow(
            montage, self.fs, check_positive(quality_window_s, "quality_window_s", "s"),
            check_positive(quality_interval_s, "quality_interval_s", "s"), st.mains_hz,
        )
        self.reset()

    @property
    def detector(self) -> StreamingOnsetDetector:
        """The live onset detector (its ``threshold`` and ``lag_s`` are useful to show)."""
        return self._detector

    @property
    def lost_samples_total(self) -> int:
        """Samples lost in transport since the start (flagged in blocks or skipped by ``seq``)."""
        return self._lost_total

    @property
    def samples_seen(self) -> int:
        """Samples processed since the start or the last :meth:`reset`."""
        return self._seen

    def reset(self) -> None:
        """Start again: filters, onset baseline, firing order, ratios and quality are forgotten."""
        self._cond.reset()
        self._lp.reset()
        self._detector.reset()
        self._quality.reset()
        self._level = np.zeros(len(self.channels))
        self._next_seq: "int | None" = None
        self._lost_total = 0
        self._seen = 0

    def _check_block(self, block: SampleBlock) -> np.ndarray:
        if not isinstance(block, SampleBlock):
            raise TypeError(f"block must be a SampleBlock, got {type(block).__name__}")
        data = block.data
        if data.shape[0] != len(self.channels):
            raise PipelineError(
                f"block has {data.shape[0]} channel(s) but the pipeline was set up for "
                f"{len(self.channels)} ({', '.join(self.channels)}); rebuild it for this device"
            )
        if block.channels and block.channels != self.channels:
            raise PipelineError(
                f"block channels {', '.join(block.channels)} do not match the montage "
                f"{', '.join(self.channels)}; rebuild the pipeline with the device's montage"
            )
        if abs(block.fs - self.fs) > 1e-9 * self.fs:
            raise PipelineError(
                f"block sample rate {block.fs:g} Hz differs from the pipeline's {self.fs:g} Hz; "
                "rebuild the pipeline with the device's rate"
            )
        if data.dtype != np.float64 or not data.flags.c_contiguous:
            data = np.ascontiguousarray(data, dtype=np.float64)
        if not np.isfinite(data).all():
            check_signal(data, "block.data")  # raises with the position of the first bad value
        return data

    def _lost_in(self, block: SampleBlock) -> int:
        lost = block.n_lost
        if self._next_seq is not None:
            gap = block.seq - self._next_seq
            if gap < 0:
                raise PipelineError(
                    f"block starts at sample {block.seq} but sample {self._next_seq} was expected "
                    "(the stream went backwards); call reset() when a device restarts"
                )
            lost += gap
        self._next_seq = block.seq + block.n_samples
        return lost

    def process(self, block: SampleBlock) -> FeedbackFrame:
        """Process the next block of the stream.

        Parameters
        ----------
        block : SampleBlock
            Raw samples, µV, of this pipeline's channels at its rate.

        Returns
        -------
        FeedbackFrame
            Envelopes and filtered signal of this block, latest levels and %MVC, onsets that
            became known in this block, latest firing order and TFL ratio per side, quality.

        Raises
        ------
        PipelineError
            If the block does not fit the stream (channels, rate, sequence going backwards).
        ValueError
            If the block holds NaN or infinite samples.
        """
        data = self._check_block(block)
        lost = self._lost_in(block)
        self._lost_total += lost
        n = data.shape[1]
        filtered = self._cond.step(data)
        env = self._lp.step(np.abs(filtered), overwrite=True)
        onsets: "tuple[Onset, ...]" = ()
        if n:
            self._level = env[:, -1].copy()
            found = self._detector.process(data, block.t0, conditioned=filtered)
            if found:
                onsets = tuple(found)
            self._quality.update(data)
            self._seen += n
        pct = None if self._mvc is None else percent_of_mvc(self._level, self._mvc)
        return FeedbackFrame(
            t_s=block.t0 + n / self.fs,
            channels=self.channels,
            envelope_uv=env,
            filtered_uv=filtered,
            level_uv=self._level,
            percent_mvc=pct,
            onsets=onsets,
            quality=self._quality.latest,
            lost_samples=lost,
        )

    def __repr__(self) -> str:
        return (
            f"OnlinePipeline(fs={self.fs:g}, channels={len(self.channels)}, "
            f"method={self._detector.method!r}, seen={self._seen / self.fs:.1f} s)"
        )
