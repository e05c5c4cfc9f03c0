"""The scripts in examples/ run and say what they should."""

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(*args: str) -> str:
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True, timeout=120,
                          check=True).stdout


def test_firing_order_example_recovers_the_low_back_pain_pattern():
    out = _run(EXAMPLES / "firing_order.py", "lbp-lumbar-first")
    assert out.count("firing order correct in 10/10 reps") == 2
    assert "lumbar erector spinae  first" in out


def test_firing_order_example_recovers_the_healthy_pattern():
    out = _run(EXAMPLES / "firing_order.py", "healthy")
    assert out.count("firing order correct in 10/10 reps") == 2


def test_real_leg_emg_example_finds_bursts_on_every_channel():
    out = _run(EXAMPLES / "real_leg_emg.py")
    for label in ("RF", "BF", "VM", "ST"):
        counts = [int(line.split()[1]) for line in out.splitlines() if line.strip().startswith(label + " ")]
        assert len(counts) == 3 and all(1 <= c <= 20 for c in counts), (label, counts)
