"""Streaming filters: any chunking equals one-shot causal processing."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgfeedback.dsp import filters as F
from emgfeedback.dsp import streaming as S

FS = 1000.0
N = 600
_RNG = np.random.default_rng(7)
SIGNAL = _RNG.normal(0.0, 40.0, (3, N)) + 30.0 * np.sin(2 * np.pi * 50.0 * np.arange(N) / FS)

CASES: "dict[str, tuple[Callable[[], object], Callable[[np.ndarray], np.ndarray]]]" = {
    "bandpass": (lambda: S.StreamingBandpass(FS, 20.0, 400.0), lambda x: F.bandpass(x, FS, 20.0, 400.0)),
    "notch": (lambda: S.StreamingNotch(FS, 50.0), lambda x: F.notch(x, FS, 50.0)),
    "conditioning": (lambda: S.StreamingConditioning(FS, mains=60.0), lambda x: F.condition(x, FS, mains=60.0)),
    "envelope": (lambda: S.StreamingEnvelope(FS, 6.0), lambda x: F.envelope(x, FS, 6.0)),
    "moving_rms": (lambda: S.StreamingMovingRms(FS, 0.05), lambda x: F.moving_rms(x, FS, 0.05)),
}


def _feed(stage: object, x: np.ndarray, sizes: "list[int]") -> np.ndarray:
    outs, i = [], 0
    for n in sizes:
        outs.append(stage.process(x[:, i : i + n]))  # type: ignore[attr-defined]
        i += n
    outs.append(stage.process(x[:, i:]))  # type: ignore[attr-defined]
    return np.concatenate(outs, axis=1)


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=25, deadline=None)
@given(sizes=st.lists(st.integers(min_value=0, max_value=80), max_size=40))
def test_random_chunking_equals_one_shot(name: str, sizes: "list[int]") -> None:
    make, offline = CASES[name]
    got = _feed(make(), SIGNAL, sizes)
    np.testing.assert_allclose(got, offline(SIGNAL), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", sorted(CASES))
def test_sample_by_sample_and_reset(name: str) -> None:
    make, offline = CASES[name]
    stage = make()
    x = SIGNAL[:, :200]
    first = _feed(stage, x, [1] * 199)
    np.testing.assert_allclose(first, offline(x), rtol=1e-9, atol=1e-9)
    stage.reset()  # type: ignore[attr-defined]
    assert stage.n_channels is None  # type: ignore[attr-defined]
    again = _feed(stage, x, [0, 0, 7, 0, 50])
    np.testing.assert_allclose(again, first, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", sorted(CASES))
def test_one_d_blocks_keep_their_shape(name: str) -> None:
    make, offline = CASES[name]
    stage = make()
    x = SIGNAL[0]
    y = np.concatenate([stage.process(x[:100]), stage.process(x[100:])])  # type: ignore[attr-defined]
    assert y.ndim == 1
    np.testing.assert_allclose(y, offline(x), rtol=1e-9, atol=1e-9)


def test_empty_block_first_and_shape() -> None:
    stage = S.StreamingBandpass(FS)
    out = stage.process(np.zeros((4, 0)))
    assert out.shape == (4, 0)
    assert stage.n_channels == 4


@pytest.mark.parametrize("name", sorted(CASES))
def test_channel_count_must_not_change(name: str) -> None:
    stage = CASES[name][0]()
    stage.process(np.zeros((3, 5)))  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match=r"block has 2 channel\(s\) but this stream has 3.*reset"):
        stage.process(np.zeros((2, 5)))  # type: ignore[attr-defined]


def test_nan_in_block_is_rejected_with_position() -> None:
    stage = S.StreamingEnvelope(FS)
    block = np.zeros((2, 10))
    block[1, 4] = np.nan
    with pytest.raises(ValueError, match=r"block contains NaN at sample 4 of channel 1"):
        stage.process(block)


def test_bad_sos() -> None:
    with pytest.raises(ValueError, match=r"sos must have shape \(n_sections, 6\)"):
        S.StreamingSos(np.zeros((2, 5)))


def test_long_moving_rms_stays_accurate() -> None:
    """Carried cumulative state does not drift over many blocks."""
    stage = S.StreamingMovingRms(FS, 0.1)
    block = np.full((2, 50), 10.0)
    for _ in range(2000):
        y = stage.process(block)
    np.testing.assert_allclose(y, 10.0, rtol=1e-12)


@pytest.mark.parametrize("use_kernel", [True, False])
def test_fast_kernel_and_public_fallback_agree_with_sosfilt(
    use_kernel: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from emgfeedback.dsp import _sos_kernel

    if not use_kernel:
        monkeypatch.setattr(_sos_kernel, "_KERNEL", None)
    elif not _sos_kernel.KERNEL_AVAILABLE:
        pytest.fail("scipy's SOS kernel failed its self-test: the live path pays sosfilt overhead")
    stage = S.StreamingConditioning(FS, mains=50.0)
    got = _feed(stage, SIGNAL, [13, 1, 0, 200, 77])
    np.testing.assert_array_equal(got, F.condition(SIGNAL, FS, mains=50.0))
