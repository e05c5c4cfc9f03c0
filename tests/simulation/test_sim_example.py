"""examples/simulate_scenario.py runs and prints the scenario's truth."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "simulate_scenario.py"


def test_example_prints_firing_order_for_lbp() -> None:
    out = subprocess.run(
        [sys.executable, str(EXAMPLE), "lbp-lumbar-first"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "left : lumbar erector spinae fires first" in out
    assert "right: lumbar erector spinae fires first" in out


def test_example_prints_clamshell_ratio() -> None:
    out = subprocess.run(
        [sys.executable, str(EXAMPLE), "tfl-dominant-clamshell"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "TFL/GMed ratio true 1.50" in out
