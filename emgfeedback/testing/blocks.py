"""Reading a device in tests: gather blocks until enough samples came, stack them."""

from __future__ import annotations

import time
from typing import Any, Sequence

import numpy as np

from emgfeedback.model import SampleBlock

__all__ = ["read_samples", "stack_blocks"]


def read_samples(device: Any, n_samples: int, timeout_s: float = 10.0) -> list[SampleBlock]:
    """Blocks from ``device.read`` until at least ``n_samples`` samples arrived.

    Raises
    ------
    AssertionError
        Fewer than ``n_samples`` samples within ``timeout_s`` s (the message says how many).
    """
    blocks: list[SampleBlock] = []
    total = 0
    deadline = time.monotonic() + timeout_s
    while total < n_samples and time.monotonic() < deadline:
        block = device.read(timeout=0.5)
        if block is not None:
            blocks.append(block)
            total += block.n_samples
    assert total >= n_samples, f"only {total} of {n_samples} samples arrived in {timeout_s:g} s"
    return blocks


def stack_blocks(blocks: Sequence[SampleBlock]) -> tuple[np.ndarray, np.ndarray]:
    """The blocks' samples side by side, (n_channels, n), and their lost-sample mask, (n,)."""
    data = np.concatenate([b.data for b in blocks], axis=1)
    lost = np.concatenate([b.lost if b.lost is not None else np.zeros(b.n_samples, bool)
                           for b in blocks])
    return data, lost
