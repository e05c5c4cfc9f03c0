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


def test_handover_report_example_writes_a_report_of_three_improving_visits(tmp_path):
    import io
    import re

    from pypdf import PdfReader

    out = _run(EXAMPLES / "handover_report.py", tmp_path)
    assert f"wrote {tmp_path / 'handover.pdf'} (handover report)" in out
    text = re.sub(r"\s+", " ", "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        (tmp_path / "handover.pdf").read_bytes())).pages))
    assert "Example Physiotherapy" in text and "visit 3 of 3" in text and "goal met" in text
    for side in ("left", "right"):  # glute max comes earlier at every visit, first before ES at the last
        m = re.search(rf"GMax − ES latency, {side} \(ms; negative = glute max first\) "
                      r"([+-]\d+) ms ([+-]\d+) ms ([+-]\d+) ms better than the previous visit; better than the first", text)
        assert m is not None, text
        first, previous, this = map(int, m.groups())
        assert first > previous > this and this < 0 < first
