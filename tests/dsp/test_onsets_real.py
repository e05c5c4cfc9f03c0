"""Onset detectors on real leg EMG: UCI "EMG dataset in Lower Limb" (Sanchez & Sotelo, CC BY 4.0),
1000 Hz, four thigh muscles during standing leg extension/flexion (``*pie.txt``)."""

import numpy as np
import pytest

from emgfeedback.dsp.filters import condition, envelope
from emgfeedback.dsp.onsets import METHODS, detect_onsets
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
        # and no onset falls in the flattest second of the record unless the EMG rises right
        # after it (an onset at the end of the flattest second marks the rise that ends it:
        # 5Npie VM's flattest second is 0–1 s, its 6 Hz envelope 1.5–2.1 µV to 0.7 s, then
        # 3.0–3.4 to 1.0 s and 5–14 µV to 1.5 s, and its onset at ~0.88 s is that burst's;
        # 5Npie RF's is 9.90–10.90 s, the envelope ~2 µV jumping to 6 µV at 10.9 s, its onset
        # at ~10.89 s)
        w, h = int(fs), int(0.2 * fs)
        cs = np.r_[0.0, np.cumsum(env[i])]
        quiet = int(np.argmin(cs[w:] - cs[:-w]))
        level = env[i, quiet : quiet + w].mean()
        for o in mine:
            a = int(o.onset_s * fs)
            if quiet < a < quiet + w:
                assert env[i, a : a + h].mean() > 1.5 * level, (rec.labels[i], o.onset_s)


# ---------------------------------------------------------------------------------------------
# Sustained contractions come out whole: the "pie" (standing knee flexion) and "sen" (sitting
# knee extension) files hold repeated sustained contractions of the prime movers whose level
# wanders during the hold. Each contraction must be one burst (no splitting), for every detector,
# offline (zero-phase) and on the causal live path, and no onset may land in the channel's
# quietest second (more than 0.1 s inside it).
#
# Expected counts were determined by eye from plots of the rectified 20–450 Hz band-passed
# signal with a 2 Hz envelope (and envelope means per 0.5 s), only for the channels whose
# contractions are unmistakable; channels with no clear contraction (5N RF/VM in "pie", 3A RF
# in "pie": isolated spikes only, BF/ST in "sen": weak co-contraction) are not counted:
#   5Npie (15.3 s): BF 5 and ST 5 flexions (~0.5–2.5, 3.5–5.3, 6.2–8, 9–10.8, 12–13.8 s)
#   3Apie (22.1 s): BF 3 and ST 3 (~2.5–6, 8–10.5, 13.3–19 s; the third a 6 s hold);
#                   BF also shows single-sample −50 µV artefact spikes at 0.2–2.4 s (not contractions)
#   5Nsen (13.5 s): RF 4 and VM 4 extensions (~0.6–2.6, 4–5.7, 6.9–8.7, 9.6–11.6 s)
#   3Asen (39.0 s): RF 4 and VM 4 long holds (~2.5–8, 10.4–18.5, 21–29, 31.4–38.4 s), the
#                   level wandering by ~2× inside each hold and a low tail as the leg is lowered
#                   (e.g. ~7.5–8.5 s), which belongs to the same contraction
SUSTAINED = {
    "5Npie.txt": {1: 5, 3: 5},
    "3Apie.txt": {1: 3, 3: 3},
    "5Nsen.txt": {0: 4, 2: 4},
    "3Asen.txt": {0: 4, 2: 4},
}

_REC_CACHE: dict = {}


def _uci(real_data_dir, name):
    if name not in _REC_CACHE:
        _REC_CACHE[name] = read_uci_lower_limb(real_data_dir / "uci_lower_limb" / name)
    return _REC_CACHE[name]


def _quietest_second(x: np.ndarray, fs: float) -> tuple[float, float]:
    """Start and end (s) of the quietest 1 s window of the rectified 20–450 Hz band-passed signal."""
    from scipy.signal import butter, sosfiltfilt

    r = np.abs(sosfiltfilt(butter(4, [20.0, 450.0], "bandpass", fs=fs, output="sos"), x))
    w = int(fs)
    cs = np.r_[0.0, np.cumsum(r)]
    i = int(np.argmin(cs[w:] - cs[:-w]))
    return i / fs, (i + w) / fs


#: Known limitation, documented in docs/onsets.md and the README: Bonato's double threshold (its
#: r0-of-m rule at the false-alarm rate its simulator targets need) sits below the postural
#: activity between these repetitions, so 5Npie's contractions merge (BF 2/5, ST 3/5), 3Apie BF
#: splits (6/3 offline, 5/3 causal, an onset at 20.3 s in the quietest second) and 5Nsen VM causal
#: merges (3/4). Only r0 ≈ 0.7·m passes these, and that breaks Bonato's live-delay and accuracy
#: targets on the independent generator (live delay 379 ms vs 250 ms at 10 dB). Strict: the test
#: fails the day Bonato passes, so this list cannot go stale. hodges (the default) and tkeo pass all.
BONATO_LIMITS = {("5Npie.txt", True), ("5Npie.txt", False), ("3Apie.txt", True), ("3Apie.txt", False),
                 ("5Nsen.txt", False)}


@pytest.mark.parametrize("zero_phase", [True, False], ids=["offline", "causal"])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", sorted(SUSTAINED))
def test_sustained_contractions_are_single_bursts(request, real_data_dir, name, method, zero_phase):
    if method == "bonato" and (name, zero_phase) in BONATO_LIMITS:
        request.applymarker(pytest.mark.xfail(strict=True, reason="known Bonato limitation (BONATO_LIMITS)"))
    rec = _uci(real_data_dir, name)
    x, fs = rec.data[:4], rec.fs
    on = detect_onsets(x, fs, method, mains=60.0, zero_phase=zero_phase)
    problems = []
    for i, expected in SUSTAINED[name].items():
        mine = [o.onset_s for o in on if o.channel == f"ch{i}"]
        if len(mine) != expected:
            problems.append(f"{rec.labels[i]}: {len(mine)} bursts, expected {expected} "
                            f"(onsets {', '.join(f'{t:.2f}' for t in mine)} s)")
        q0, q1 = _quietest_second(x[i], fs)
        # an onset within the matching tolerance (0.1 s) of the window's edges may belong to the
        # activity next to it (the quietest second often ends where a contraction starts)
        inside = [t for t in mine if q0 + 0.1 <= t < q1 - 0.1]
        if inside:
            problems.append(f"{rec.labels[i]}: onset(s) {inside} in the quietest second {q0:.2f}–{q1:.2f} s")
    assert not problems, f"{name} {method}: " + "; ".join(problems)
