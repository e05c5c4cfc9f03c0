"""Onset detectors on real leg EMG: UCI "EMG dataset in Lower Limb" (Sanchez & Sotelo, CC BY 4.0),
1000 Hz, four thigh muscles during standing leg extension/flexion (``*pie.txt``)."""

import numpy as np
import pytest

from emgfeedback.dsp.filters import condition, envelope
from emgfeedback.dsp.onsets import detect_onsets
from emgfeedback.storage.textfiles import read_uci_lower_limb


@pytest.fixture(scope="module", params=["5Npie.txt", "3Apie.txt"])
def rec(request, real_data_dir):
    return read_uci_lower_limb(real_data_dir / "uci_lower_limb" / request.param)


@pytest.mark.parametrize("method", ["hodges", "tkeo"])
def test_bursts_where_the_signal_bursts(rec, method):
    x = rec.data[:4]
    fs = rec.fs
    on = detect_onsets(x, fs, method, mains=60.0)
    env = envelope(condition(x, fs, mains=60.0, zero_phase=True), fs, 6.0, zero_phase=True)
    n = x.shape[1]
    for i in range(4):
        mine = [o for o in on if o.channel == f"ch{i}"]
        assert 1 <= len(mine) <= 25, f"{rec.labels[i]}: implausible burst count {len(mine)}"
        inside = np.zeros(n, dtype=bool)
        for o in mine:
            inside[int(o.onset_s * fs) : n if o.offset_s is None else int(o.offset_s * fs)] = True
        # detected bursts hold clearly more EMG than the rest of the record
        # (TKEO on the weak RF of subject 5 reaches only ~1.9×, hence 1.5)
        assert env[i, inside].mean() > 1.5 * env[i, ~inside].mean(), rec.labels[i]
        # and no onset falls in the flattest second of the record
        w = int(fs)
        cs = np.r_[0.0, np.cumsum(env[i])]
        quiet = int(np.argmin(cs[w:] - cs[:-w]))
        assert not any(quiet / fs < o.onset_s < (quiet + w) / fs for o in mine), rec.labels[i]
