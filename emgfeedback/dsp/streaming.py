"""Streaming filters: small classes holding only filter state, fed block by block.

Each mirrors ``scipy.signal.sosfilt(sos, x, zi) -> (y, zf)``: ``process(block)`` filters one
``(n_channels, n)`` block (``n`` may be 0 or 1; a 1-D block is one channel) and carries the
state to the next call; ``reset()`` forgets it. Starting from zero state, the concatenated
outputs equal the offline causal functions in :mod:`emgfeedback.dsp.filters` on the same
samples, whatever the block sizes. All channels go through one filter call per block
(scipy's SOS kernel, see :mod:`emgfeedback.dsp._sos_kernel`).
"""

from __future__ import annotations

import numpy as np

from emgfeedback.dsp._checks import check_block
from emgfeedback.dsp._sos_kernel import SosState
from emgfeedback.dsp.filters import (
    _moving_rms_core,
    design_bandpass,
    design_conditioning,
    design_lowpass,
    design_notch,
    rms_window_samples,
)

__all__ = [
    "StreamingSos",
    "StreamingBandpass",
    "StreamingNotch",
    "StreamingConditioning",
    "StreamingEnvelope",
    "StreamingMovingRms",
]


class StreamingSos:
    """Any SOS filter applied block by block with carried state.

    Parameters
    ----------
    sos : ndarray, shape (n_sections, 6)
        Second-order sections, e.g. from :func:`~emgfeedback.dsp.filters.design_bandpass`.
    """

    def __init__(self, sos: np.ndarray) -> None:
        sos = np.asarray(sos, dtype=np.float64)
        if sos.ndim != 2 or sos.shape[1] != 6 or sos.shape[0] < 1:
            raise ValueError(f"sos must have shape (n_sections, 6), got {sos.shape}")
        if not np.isfinite(sos).all():
            raise ValueError("sos contains NaN or inf coefficients; design it again")
        self.sos = np.ascontiguousarray(sos)
        self._state: "SosState | None" = None

    @property
    def n_channels(self) -> "int | None":
        """Channels seen since the last reset (None before the first block)."""
        return None if self._state is None else self._state.n_channels

    def reset(self) -> None:
        """Forget the filter state (the next block starts from zero state)."""
        self._state = None

    def process(self, block: np.ndarray) -> np.ndarray:
        """Filter one block.

        Parameters
        ----------
        block : ndarray, shape (n_channels, n) or (n,)
            Samples, µV. The channel count must stay the same until :meth:`reset`.

        Returns
        -------
        ndarray
            Filtered samples, same shape as ``block``.
        """
        one_d = np.ndim(block) == 1
        x = check_block(block, "block", self.n_channels)
        y = self._step(x)
        return y[0] if one_d else y

    def _step(self, x: np.ndarray) -> np.ndarray:
        """Filter a validated 2-D float64 block (no checks: the hot path of the pipeline)."""
        if self._state is None:
            self._state = SosState(self.sos, x.shape[0])
        return self._state.step(x)


class StreamingBandpass(StreamingSos):
    """Streaming form of :func:`~emgfeedback.dsp.filters.bandpass` (same parameters, Hz)."""

    def __init__(self, fs: float, low: float = 20.0, high: float = 450.0, *, order: int = 4) -> None:
        super().__init__(design_bandpass(fs, low, high, order))
        self.fs = float(fs)


class StreamingNotch(StreamingSos):
    """Streaming form of :func:`~emgfeedback.dsp.filters.notch` (same parameters, Hz)."""

    def __init__(
        self, fs: float, mains: float = 50.0, *, harmonics: bool = True,
        n_harmonics: "int | None" = None, q: float = 30.0,
    ) -> None:
        super().__init__(design_notch(fs, mains, harmonics=harmonics, n_harmonics=n_harmonics, q=q))
        self.fs = float(fs)


class StreamingConditioning(StreamingSos):
    """Streaming form of :func:`~emgfeedback.dsp.filters.condition`: band-pass + notch in one call."""

    def __init__(
        self, fs: float, low: float = 20.0, high: float = 450.0, mains: "float | None" = 50.0, *,
        order: int = 4, q: float = 30.0, harmonics: bool = True,
    ) -> None:
        super().__init__(design_conditioning(fs, low, high, mains, order=order, q=q, harmonics=harmonics))
        self.fs = float(fs)


class StreamingEnvelope(StreamingSos):
    """Streaming linear envelope: rectify then low-pass (see :func:`~emgfeedback.dsp.filters.envelope`)."""

    def __init__(self, fs: float, cutoff: float = 6.0, *, order: int = 2) -> None:
        super().__init__(design_lowpass(fs, cutoff, order))
        self.fs = float(fs)

    def _step(self, x: np.ndarray) -> np.ndarray:
        if self._state is None:
            self._state = SosState(self.sos, x.shape[0])
        return self._state.step(np.abs(x), overwrite=True)


class StreamingMovingRms:
    """Streaming causal moving RMS (see :func:`~emgfeedback.dsp.filters.moving_rms`).

    Parameters
    ----------
    fs : float
        Sample rate, Hz.
    window_s : float
        Window length, s.
    """

    def __init__(self, fs: float, window_s: float = 0.1) -> None:
        self.window = rms_window_samples(fs, window_s)
        self.fs = float(fs)
        self._hist: "np.ndarray | None" = None

    @property
    def n_channels(self) -> "int | None":
        """Channels seen since the last reset (None before the first block)."""
        return None if self._hist is None else int(self._hist.shape[0])

    def reset(self) -> None:
        """Forget the window contents (the next block starts from zeros)."""
        self._hist = None

    def process(self, block: np.ndarray) -> np.ndarray:
        """RMS over the last ``window_s`` for each sample of ``block``, µV, same shape."""
        one_d = np.ndim(block) == 1
        x = check_block(block, "block", self.n_channels)
        y = self._step(x)
        return y[0] if one_d else y

    def _step(self, x: np.ndarray) -> np.ndarray:
        if self._hist is None:
            self._hist = np.zeros((x.shape[0], self.window - 1))
        y, self._hist = _moving_rms_core(self._hist, x * x, self.window)
        return y
