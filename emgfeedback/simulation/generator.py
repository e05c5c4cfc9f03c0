"""The sEMG generator: one engine behind both ``simulate`` (a whole recording) and
``LiveSimulator`` (an endless stream for ``sim://`` and the live view).

The stream is built in fixed tiles of 0.5 s, each from the same random streams in the same order,
with filter states carried from tile to tile. So the samples do not depend on how the stream is
read: ``simulate(...)`` equals ``LiveSimulator(...).read(n)`` equals any sequence of smaller reads.

Signal model, per channel ``c`` (µV)::

    x_c(t) = Σ_bursts A·g(t)·e(t)·y_c(t)  +  σ_c·n_c(t)  +  mains_c(t)  +  ecg_c(t)  +  motion_c(t)

``y`` is unit-variance noise with the Shwedyk sEMG spectrum, ``e`` the activation envelope of a
burst (recruitment ramp ``((t − onset)/ramp)^p`` from the true onset, plateau, linear fall to the
true offset; ``ramp="fast"``: the old short linear rise),
``A`` the plateau RMS, ``g`` the fatigue amplitude gain and ``n`` unit-variance noise band-limited
to 10–500 Hz. The noise floor is ``σ_c = A_c / 10^(snr_db/20)``, so
``snr_db = 10·log10(A_c² / σ_c²)`` on every active channel; channels at rest get the median
``σ`` of the scenario's active channels. Powerline, ECG and motion come on top, at their own
levels (:class:`Artefacts`).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from scipy import signal

from emgfeedback.model import Channel, Montage, Muscle, Onset, Side
from emgfeedback.simulation import _spectra
from emgfeedback.simulation._artefacts import Artefacts, EcgTrain, Powerline
from emgfeedback.simulation._schedule import burst_envelope, fatigue_progress, rep_plan, reps_overlapping
from emgfeedback.simulation.scenarios import Scenario, get_scenario, parse_ramp
from emgfeedback.simulation.truth import GroundTruth, Ramp, Rep, SimulatedRecording

__all__ = ["LiveSimulator", "simulate"]

_TILE_S = 0.5
#: A cued patient starts contracting this long after the cue, s.
REACTION_S = 0.3
#: Cued reps are numbered from here in the ground truth (periodic reps from 0).
_CUED_INDEX = 100_000
_FS_RANGE = (500.0, 20000.0)
_SNR_RANGE = (-10.0, 60.0)
_MAINS_RANGE = (40.0, 70.0)
_MAX_BYTES = 2 << 30
_ECG_SIDE_GAIN = {Side.LEFT: 1.0, Side.RIGHT: 0.7}


def _check_number(name: str, value: Any, lo: float, hi: float, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number of {unit} between {lo:g} and {hi:g}, got {value!r}")
    v = float(value)
    if not (math.isfinite(v) and lo <= v <= hi):
        raise ValueError(f"{name} must be between {lo:g} and {hi:g} {unit}, got {value!r}")
    return v


class LiveSimulator:
    """An endless, seamless simulated sEMG stream of a scenario.

    Parameters
    ----------
    scenario : str or Scenario
        Scenario name (see :func:`list_scenarios`), or a Scenario (e.g. ``recovered(...)``).
    fs : float
        Sample rate, Hz (500–20000).
    snr_db : float
        Plateau EMG power over noise-floor power on each active channel, dB (-10 to 60).
    seed : int
        Seed (≥ 0); the same seed gives the same samples.
    mains_hz : float
        Powerline frequency, Hz (50 or 60; 40–70 accepted).
    montage : Montage, optional
        Channels to produce, in order; default the 8-channel glute montage.
    artefacts : Artefacts, optional
        Powerline, ECG and motion levels; default ``Artefacts()``; ``Artefacts.none()`` for clean EMG.
    clip_uv : float, optional
        ADC rails, µV: samples are clipped to ±clip_uv.
    lead_off : str, optional
        Channel id or label whose electrode is off: that channel reads flat 0 µV.
    n_reps : int, optional
        Stop after this many reps (rest afterwards); default: reps repeat forever.
    ramp : str or float
        Recruitment ramps: ``"scenario"`` (default) the scenario's per-muscle ramps;
        ``"fast"`` short linear rises of 30–60 ms (the simulator's behaviour before ramps);
        a number 0.1–4 scales the scenario's ramp durations. Only the envelopes change: onsets,
        offsets and every other sample source stay the same.
    """

    def __init__(
        self,
        scenario: "str | Scenario",
        fs: float = 2000.0,
        snr_db: float = 20.0,
        seed: int = 0,
        *,
        mains_hz: float = 50.0,
        montage: "Montage | None" = None,
        artefacts: "Artefacts | None" = None,
        clip_uv: "float | None" = None,
        lead_off: "str | None" = None,
        n_reps: "int | None" = None,
        ramp: "str | float" = "scenario",
    ) -> None:
        self._sc: Scenario = scenario if isinstance(scenario, Scenario) else get_scenario(scenario)
        self._ramp_scale = parse_ramp(ramp)
        if self._ramp_scale is None:
            self._ramp_name = "fast"
        elif self._ramp_scale == 1.0:
            self._ramp_name = "scenario"
        else:
            self._ramp_name = f"x{self._ramp_scale:g}"
        self._fs = _check_number("fs", fs, *_FS_RANGE, "Hz")
        self._snr_db = _check_number("snr_db", snr_db, *_SNR_RANGE, "dB")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be an integer ≥ 0, got {seed!r}")
        self._seed = int(seed)
        self._mains_hz = _check_number("mains_hz", mains_hz, *_MAINS_RANGE, "Hz")
        if montage is not None and not isinstance(montage, Montage):
            raise ValueError(f"montage must be a Montage or None, got {type(montage).__name__}")
        self._montage = montage if montage is not None else Montage.default()
        if artefacts is not None and not isinstance(artefacts, Artefacts):
            raise ValueError(f"artefacts must be an Artefacts or None, got {type(artefacts).__name__}")
        self._art = artefacts if artefacts is not None else Artefacts()
        self._clip = None if clip_uv is None else _check_number("clip_uv", clip_uv, 1e-3, 1e9, "µV")
        self._lead_off_row: "int | None" = None
        if lead_off is not None:
            ch = Channel.parse(lead_off)
            if ch not in self._montage.channels:
                raise ValueError(f"lead_off must be a channel of the montage ({', '.join(self._montage.ids)}), got {lead_off!r}")
            self._lead_off_row = self._montage.index(ch)
        if n_reps is not None and (isinstance(n_reps, bool) or not isinstance(n_reps, int) or n_reps < 0):
            raise ValueError(f"n_reps must be an integer ≥ 0 or None, got {n_reps!r}")
        self._n_reps = n_reps
        self._cued: list = []  # reps the patient was cued to do (cue_hold)
        self._follow_from: "float | None" = None
        self._setup()

    # -- set-up ---------------------------------------------------------------------------
    def _setup(self) -> None:
        fs, sc, chans = self._fs, self._sc, self._montage.channels
        n_ch = len(chans)
        self._tile = max(1, int(round(fs * _TILE_S)))
        self._row = {ch: i for i, ch in enumerate(chans)}
        self._default_rows = np.array([Montage.default().index(ch) for ch in chans])
        self._noise_floor = self._noise_floors()
        self._sos_emg = _spectra.emg_sos(fs)
        self._g_emg = _spectra.unit_variance_gain(self._sos_emg)
        self._zi_emg = np.zeros((self._sos_emg.shape[0], n_ch, 2))
        # one extra filtered-noise source per fatigued channel, with the compressed spectrum
        self._fat_rows: dict[int, int] = {}
        self._sos_fat: list[tuple[np.ndarray, float]] = []
        for ch in chans:
            act = sc.activation_of(ch.muscle, ch.side)
            if act is not None and act.fatigue_mdf_pct != 0.0:
                sos = _spectra.emg_sos(fs, 1.0 + act.fatigue_mdf_pct / 100.0)
                self._fat_rows[self._row[ch]] = len(self._sos_fat)
                self._sos_fat.append((sos, _spectra.unit_variance_gain(sos)))
        self._zi_fat = [np.zeros((s.shape[0], 2)) for s, _ in self._sos_fat]
        self._sos_floor = _spectra.noise_floor_sos(fs)
        self._g_floor = _spectra.unit_variance_gain(self._sos_floor)
        self._zi_floor = np.zeros((self._sos_floor.shape[0], n_ch, 2))
        self._sos_mot = _spectra.motion_sos(fs)
        self._g_mot = _spectra.unit_variance_gain(self._sos_mot)
        self._zi_mot = np.zeros((self._sos_mot.shape[0], n_ch, 2))
        self._rng = np.random.default_rng([self._seed, 0])
        const = np.random.default_rng([self._seed, 2])
        harm = tuple((h, a) for h, a in self._art.mains_harmonics if h * self._mains_hz < 0.45 * fs)
        self._harmonics = harm
        amp = const.uniform(0.5, 1.5, size=(n_ch, 1)) * self._art.mains_uv * np.array([a for _, a in harm])
        phase = const.uniform(0.0, 2 * np.pi, size=(n_ch, len(harm)))
        self._mains = Powerline(fs, self._mains_hz, harm, np.stack([amp, phase], axis=-1), self._tile)
        self._ecg_rows = [
            (self._row[ch], _ECG_SIDE_GAIN[ch.side] * self._art.ecg_uv)
            for ch in chans
            if ch.muscle is Muscle.LUMBAR_ES and self._art.ecg_uv > 0
        ]
        self._ecg = EcgTrain(np.random.default_rng([self._seed, 3]), self._art.heart_rate_hz)
        self._next_tile = 0
        self._buf = np.zeros((n_ch, 0))
        self._buf_pos = 0
        self._samples_read = 0

    def _noise_floors(self) -> np.ndarray:
        """Noise-floor RMS per channel, µV."""
        sc = self._sc
        active = [sc.amplitude_uv(c.muscle, c.side) for c in Montage.default().channels]
        active = [a for a in active if a > 0]
        rest_ref = float(np.median(active))
        k = 10.0 ** (self._snr_db / 20.0)
        refs = [sc.amplitude_uv(c.muscle, c.side) or rest_ref for c in self._montage.channels]
        return np.asarray(refs) / k

    # -- public ---------------------------------------------------------------------------
    @property
    def fs(self) -> float:
        """Sample rate, Hz."""
        return self._fs

    @property
    def montage(self) -> Montage:
        """Channel order of the rows of :meth:`read`."""
        return self._montage

    @property
    def scenario(self) -> str:
        """Scenario name."""
        return self._sc.name

    @property
    def ramp(self) -> str:
        """The ramp choice: ``"scenario"``, ``"fast"`` or ``"x<scale>"``."""
        return self._ramp_name

    @property
    def samples_read(self) -> int:
        """Samples returned so far (index of the next sample)."""
        return self._samples_read

    @property
    def t_s(self) -> float:
        """Time of the next sample to be read, s."""
        return self._samples_read / self._fs

    @property
    def noise_floor_uv(self) -> dict[str, float]:
        """Noise-floor RMS per channel id, µV."""
        return {c.id: float(s) for c, s in zip(self._montage.channels, self._noise_floor)}

    def read(self, n_samples: int) -> np.ndarray:
        """The next ``n_samples`` samples of every channel.

        Returns
        -------
        ndarray, shape (n_channels, n_samples)
            Raw signal, µV, float64, continuing seamlessly from the previous read.
        """
        if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 0:
            raise ValueError(f"n_samples must be an integer ≥ 0, got {n_samples!r}")
        n = int(n_samples)
        out = np.empty((len(self._montage), n))
        filled = 0
        while filled < n:
            if self._buf_pos >= self._buf.shape[1]:
                self._buf = self._make_tile()
                self._buf_pos = 0
            take = min(n - filled, self._buf.shape[1] - self._buf_pos)
            out[:, filled : filled + take] = self._buf[:, self._buf_pos : self._buf_pos + take]
            self._buf_pos += take
            filled += take
        self._samples_read += n
        return out

    def truth_onsets_between(self, t0_s: float, t1_s: float) -> list[Onset]:
        """True bursts whose onset lies in ``[t0_s, t1_s)`` s, in onset order (flat lead-off
        channel excluded)."""
        plans = self._plans(float(t0_s), float(t1_s))
        return sorted(
            (b.onset() for p in plans for b in p.bursts if self._shows(b.channel) and t0_s <= b.onset_s < t1_s),
            key=lambda o: (o.onset_s, o.channel),
        )

    def ground_truth(self, t0_s: float, t1_s: float) -> GroundTruth:
        """The :class:`GroundTruth` of the stream between ``t0_s`` and ``t1_s`` s (reps that
        start in that span)."""
        sc, mont = self._sc, self._montage
        plans = [
            p
            for p in self._plans(t0_s, t1_s)
            if t0_s <= p.start_s < t1_s
        ]
        bursts = sorted(
            (b for p in plans for b in p.bursts if self._shows(b.channel)),
            key=lambda b: (b.onset_s, b.channel.id),
        )
        onsets = [b.onset() for b in bursts]
        ramps = [Ramp(b.channel.id, b.onset_s, b.rise_s, b.rise_p) for b in bursts]
        lead_off = () if self._lead_off_row is None else (mont.ids[self._lead_off_row],)
        return GroundTruth(
            scenario=sc.name,
            onsets=tuple(onsets),
            reps=tuple(Rep(p.index, p.start_s, p.end_s, p.side) for p in plans),
            amplitude_uv={c.id: sc.amplitude_uv(c.muscle, c.side) for c in mont.channels},
            tfl_to_glute_ratio={s: sc.tfl_to_glute_ratio(s) for s in Side},
            first_to_fire={s: m for s in Side if (m := sc.first_to_fire(s)) is not None},
            median_freq_change_pct={
                c.id: (a.fatigue_mdf_pct if (a := sc.activation_of(c.muscle, c.side)) else 0.0) for c in mont.channels
            },
            description=sc.description,
            noise_floor_uv=self.noise_floor_uv,
            lead_off=lead_off,
            ramps=tuple(ramps),
            ramp=self._ramp_name,
        )

    # -- a patient who follows the cues --------------------------------------------------
    def cue_hold(self, t_s: float, side: "Side | None", hold_s: float) -> None:
        """The patient is told to contract at stream time ``t_s`` for ``hold_s`` s on ``side``
        (None: both sides, or the scenario's own pattern): a rep of the scenario starts after a
        reaction time of :data:`REACTION_S` (never inside samples already made). From the first
        cue on the scenario's own periodic reps stop: the patient follows the protocol.
        """
        t_s = _check_number("t_s", t_s, 0.0, 1e9, "s")
        hold = _check_number("hold_s", hold_s, 0.1, 600.0, "s")
        made_s = self._next_tile * self._tile / self._fs
        ref = max(t_s + REACTION_S, made_s)
        if self._follow_from is None:
            self._follow_from = ref
        k = len(self._cued)
        if side is None:
            side = self._sc.rep_sides[k % len(self._sc.rep_sides)]
        base = self._sc
        try:  # the plateau lasts the hold (less the rise); the scenario's ramps must fit in it
            sc = dataclasses.replace(base, lead_in_s=ref, hold_s=max(hold - 0.3, 0.5), rep_sides=(side,),
                                     start_jitter_s=0.0)
        except ValueError:
            sc = dataclasses.replace(base, lead_in_s=ref, rep_sides=(side,), start_jitter_s=0.0)
        plan = rep_plan(sc, self._seed + 7919 * (k + 1), 0, self._ramp_scale)
        self._cued.append(dataclasses.replace(plan, index=_CUED_INDEX + k))

    def _plans(self, t0: float, t1: float) -> list:
        """Rep plans with any burst in ``[t0, t1)`` s: the scenario's periodic reps (until the
        first cue) and the cued ones."""
        plans = reps_overlapping(self._sc, self._seed, t0, t1, self._n_reps, self._ramp_scale)
        if self._follow_from is None:
            return plans
        plans = [p for p in plans if p.start_s < self._follow_from]
        return plans + [p for p in self._cued if p.start_s < t1 and p.busy_end_s > t0]

    # -- generation -----------------------------------------------------------------------
    def _shows(self, ch: Channel) -> bool:
        row = self._row.get(ch)
        return row is not None and row != self._lead_off_row

    def _make_tile(self) -> np.ndarray:
        T, fs, n_ch = self._tile, self._fs, len(self._montage)
        n0 = self._next_tile * T
        self._next_tile += 1
        t = (n0 + np.arange(T)) / fs
        t0, t1 = n0 / fs, (n0 + T) / fs
        rng = self._rng
        y, self._zi_emg = signal.sosfilt(self._sos_emg, rng.standard_normal((n_ch, T)), zi=self._zi_emg)
        y *= self._g_emg
        y_fat = []
        for i, (sos, g) in enumerate(self._sos_fat):
            yf, self._zi_fat[i] = signal.sosfilt(sos, rng.standard_normal(T), zi=self._zi_fat[i])
            y_fat.append(yf * g)
        floor, self._zi_floor = signal.sosfilt(self._sos_floor, rng.standard_normal((n_ch, T)), zi=self._zi_floor)
        out = floor * (self._g_floor * self._noise_floor)[:, None]
        mot, self._zi_mot = signal.sosfilt(self._sos_mot, rng.standard_normal((n_ch, T)), zi=self._zi_mot)
        out += mot * (self._g_mot * self._art.motion_uv)
        for plan in self._plans(t0, t1):
            if self._art.motion_uv > 0:
                for mv in plan.movements:
                    lo, hi = np.searchsorted(t, (mv.start_s, mv.start_s + mv.duration_s))
                    if hi > lo:
                        gains = np.asarray(mv.gains)[self._default_rows] * self._art.motion_uv
                        out[:, lo:hi] += gains[:, None] * mv.shape(t[lo:hi])
            for b in plan.bursts:
                row = self._row.get(b.channel)
                if row is None:
                    continue
                lo, hi = np.searchsorted(t, (b.onset_s, b.offset_s))
                if hi <= lo:
                    continue
                tt = t[lo:hi]
                env = burst_envelope(b, tt) * b.amplitude_uv
                sig = y[row, lo:hi]
                if b.fatigue_amp_pct or b.fatigue_mdf_pct:
                    p = fatigue_progress(b, tt)
                    env *= 1.0 + b.fatigue_amp_pct / 100.0 * p
                    if row in self._fat_rows:
                        yf = y_fat[self._fat_rows[row]][lo:hi]
                        sig = np.cos(0.5 * np.pi * p) * sig + np.sin(0.5 * np.pi * p) * yf
                out[row, lo:hi] += env * sig
        if self._art.mains_uv > 0 and self._harmonics:
            out += self._mains.tile(n0)
        if self._ecg_rows:
            ecg = self._ecg.waveform(t0, t)
            for row, gain in self._ecg_rows:
                out[row] += gain * ecg
        if self._lead_off_row is not None:
            out[self._lead_off_row] = 0.0
        if self._clip is not None:
            np.clip(out, -self._clip, self._clip, out=out)
        return out


def simulate(
    scenario: str,
    duration_s: "float | None" = None,
    fs: float = 2000.0,
    snr_db: float = 20.0,
    seed: int = 0,
    *,
    mains_hz: float = 50.0,
    montage: "Montage | None" = None,
    clip_uv: "float | None" = None,
    lead_off: "str | None" = None,
    artefacts: "Artefacts | None" = None,
    ramp: "str | float" = "scenario",
) -> SimulatedRecording:
    """Simulate a whole recording of a scenario, with its ground truth.

    Parameters
    ----------
    scenario : str
        Scenario name (see :func:`list_scenarios`).
    duration_s : float, optional
        Length, s. None: the scenario's natural length (e.g. 10 reps). Longer recordings repeat
        reps; only reps that end at least ``rest_s`` before the end are started.
    fs, snr_db, seed, mains_hz, montage, clip_uv, lead_off, artefacts, ramp
        As for :class:`LiveSimulator` (``ramp``: ``"scenario"``, ``"fast"`` or a scale 0.1–4).

    Returns
    -------
    SimulatedRecording
        Samples (n_channels, n_samples) in µV and the truth.
    """
    sc = get_scenario(scenario)
    parse_ramp(ramp)  # reject a bad ramp before any work
    if duration_s is None:
        duration = sc.natural_duration_s
    else:
        duration = _check_number("duration_s", duration_s, 1e-9, math.inf, "s")
    busy = sc.period_s - sc.rest_s
    n_reps = max(0, math.floor((duration - sc.lead_in_s - busy) / sc.period_s + 1e-9) + 1)
    sim = LiveSimulator(
        scenario, fs, snr_db, seed, mains_hz=mains_hz, montage=montage, artefacts=artefacts,
        clip_uv=clip_uv, lead_off=lead_off, n_reps=n_reps, ramp=ramp,
    )
    n = int(round(duration * sim.fs))
    if n < 1:
        raise ValueError(f"duration_s must give at least one sample at fs={sim.fs:g} Hz, got {duration_s!r}")
    if n * len(sim.montage) * 8 > _MAX_BYTES:
        raise ValueError(
            f"duration_s={duration:g} s would need {n * len(sim.montage) * 8 / 2**30:.1f} GiB; "
            "simulate at most ~3 h at 2 kHz in one go, or stream it with LiveSimulator"
        )
    data = sim.read(n)
    return SimulatedRecording(data=data, fs=sim.fs, montage=sim.montage, truth=sim.ground_truth(0.0, n / sim.fs))
