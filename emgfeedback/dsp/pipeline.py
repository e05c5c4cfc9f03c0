"""The live pipeline: one ``SampleBlock`` in, one ``FeedbackFrame`` out.

Per block, for all channels at once: band-pass + mains notch (one filter call), rectification
and the linear-envelope low-pass (one call), %MVC, live onset detection
(:class:`~emgfeedback.dsp.onsets.StreamingOnsetDetector`), firing order of gluteus maximus vs
lumbar erector spinae per side, the TFL-to-gluteus-medius envelope ratio per side, and, at most
once per ``quality_interval_s``, signal quality over the last ``quality_window_s`` of raw signal
(four channels per block, so no block pays for all of them).

Memory is bounded however long it runs: filter states, a fixed ring of raw samples for quality,
and a few numbers per channel and side; nothing grows with time.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from emgfeedback.dsp._checks import check_fs, check_positive, check_signal
from emgfeedback.dsp._pipeline_parts import FiringOrderTracker, QualityWindow, RatioTracker
from emgfeedback.dsp._sos_kernel import SosState
from emgfeedback.dsp.filters import design_conditioning, design_lowpass
from emgfeedback.dsp.onsets import BaselineStats, StreamingOnsetDetector
from emgfeedback.errors import PipelineError
from emgfeedback.model import Channel, FeedbackFrame, Montage, Onset, SampleBlock

__all__ = ["OnlinePipeline"]


def _mvc_scale(montage: Montage, mvc_uv: "Mapping[str, float] | None") -> "np.ndarray | None":
    """100 / MVC per row (NaN where unknown), or None without MVC values."""
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
        scale[row] = 100.0 / v
    return scale


class OnlinePipeline:
    """Live processing of one stream, block by block.

    Parameters
    ----------
    fs : float
        Sample rate, Hz.
    montage : Montage
        Which muscle each row of the blocks records.
    low, high : float
        Band-pass edges, Hz (``high`` clamped to 0.45·fs).
    mains : {50.0, 60.0} or None
        Powerline frequency to notch with its harmonics; None for no notch.
    envelope_hz : float
        Linear-envelope low-pass cut-off, Hz.
    mvc_uv : mapping of str to float, optional
        MVC envelope level per channel id, µV; enables ``percent_mvc`` (NaN for channels
        without a value).
    onset_method : {"hodges", "tkeo", "bonato"}
        Live onset detector.
    onset_k : float, optional
        Detector threshold multiplier (detector default when None).
    baseline_s : float
        Seconds at the start taken as rest to learn onset thresholds.
    onset_baseline : BaselineStats, optional
        Known rest statistics (``dsp.onsets.detection_signal_stats`` of a rest recording);
        detection then starts at the first sample instead of after ``baseline_s``.
    pair_window_s : float
        Glute max and lumbar ES onsets on one side closer than this belong to one rep, s.
    ratio_window_s : float
        Time constant of the TFL-to-glute-med ratio's memory of active periods, s.
    quality_interval_s, quality_window_s : float
        How often signal quality is computed, s, and over how much recent raw signal, s.
    """

    def __init__(
        self,
        fs: float,
        montage: Montage,
        *,
        low: float = 20.0,
        high: float = 450.0,
        mains: "float | None" = 50.0,
        envelope_hz: float = 6.0,
        mvc_uv: "Mapping[str, float] | None" = None,
        onset_method: str = "hodges",
        onset_k: "float | None" = None,
        baseline_s: float = 2.0,
        onset_baseline: "BaselineStats | None" = None,
        pair_window_s: float = 0.5,
        ratio_window_s: float = 5.0,
        quality_interval_s: float = 1.0,
        quality_window_s: float = 1.0,
    ) -> None:
        self.fs = check_fs(fs)
        if not isinstance(montage, Montage):
            raise TypeError(f"montage must be a Montage, got {type(montage).__name__}")
        self.montage = montage
        self.channels = montage.ids
        n = len(montage)
        self._cond = SosState(design_conditioning(self.fs, low, high, mains), n)
        self._lp = SosState(design_lowpass(self.fs, envelope_hz, 2), n)
        self._mvc_scale = _mvc_scale(montage, mvc_uv)
        self._detector = StreamingOnsetDetector(
            self.fs, montage, method=onset_method, k=onset_k, baseline_s=baseline_s,
            baseline=onset_baseline, mains=mains, low=low, high=high,
        )
        self._row = {cid: i for i, cid in enumerate(self.channels)}
        self._firing = FiringOrderTracker(montage, check_positive(pair_window_s, "pair_window_s", "s"))
        self._ratio = RatioTracker(montage, self.fs, check_positive(ratio_window_s, "ratio_window_s", "s"))
        self._quality = QualityWindow(
            montage, self.fs, check_positive(quality_window_s, "quality_window_s", "s"),
            check_positive(quality_interval_s, "quality_interval_s", "s"), mains,
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
        self._firing.reset()
        self._ratio.reset()
        self._quality.reset()
        self._active = np.zeros(len(self.channels), dtype=bool)
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
            found = self._detector.process(data, block.t0)
            if found:
                onsets = tuple(found)
                self._take_onsets(onsets)
            self._ratio.update(env, self._active)
            self._quality.update(data)
            self._seen += n
        pct = None if self._mvc_scale is None else self._level * self._mvc_scale
        return FeedbackFrame(
            t_s=block.t0 + n / self.fs,
            channels=self.channels,
            envelope_uv=env,
            filtered_uv=filtered,
            level_uv=self._level,
            percent_mvc=pct,
            onsets=onsets,
            firing_order=self._firing.latest,
            tfl_to_glute_ratio=self._ratio.latest(),
            quality=self._quality.latest,
            lost_samples=lost,
        )

    def _take_onsets(self, onsets: "tuple[Onset, ...]") -> None:
        for o in onsets:
            row = self._row[o.channel]
            if o.offset_s is None:
                self._active[row] = True
                self._firing.onset(self.montage.channels[row], o.onset_s)
            else:
                self._active[row] = False

    def __repr__(self) -> str:
        return (
            f"OnlinePipeline(fs={self.fs:g}, channels={len(self.channels)}, "
            f"method={self._detector.method!r}, seen={self._seen / self.fs:.1f} s)"
        )
