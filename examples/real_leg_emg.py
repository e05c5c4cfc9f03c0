"""Onset detection on real leg EMG (UCI "EMG dataset in Lower Limb", Sanchez & Sotelo, CC BY 4.0).

Reads one of the dataset's files shipped in data/real/uci_lower_limb/, runs each onset
detector on the four thigh muscles and prints the bursts found per channel.

Run:  .venv/bin/python examples/real_leg_emg.py [data/real/uci_lower_limb/5Npie.txt]
"""

from __future__ import annotations

import sys
from pathlib import Path

from emgfeedback.dsp import METHODS, detect_onsets
from emgfeedback.storage import read_uci_lower_limb

DEFAULT = Path(__file__).resolve().parents[1] / "data" / "real" / "uci_lower_limb" / "5Npie.txt"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    rec = read_uci_lower_limb(path)
    print(f"{path.name}: {rec.duration_s:.1f} s at {rec.fs:g} Hz, channels {', '.join(rec.labels)}")
    for method in METHODS:
        onsets = detect_onsets(rec.data, rec.fs, method=method, channels=rec.labels)
        print(f"\n{method}:")
        for label in rec.labels:
            bursts = [o for o in onsets if o.channel == label]
            shown = ", ".join(f"{o.onset_s:.2f}–{o.offset_s:.2f} s" for o in bursts[:4] if o.offset_s is not None)
            more = f" (+{len(bursts) - 4} more)" if len(bursts) > 4 else ""
            print(f"  {label:20s} {len(bursts):2d} bursts  {shown}{more}")


if __name__ == "__main__":
    main()
