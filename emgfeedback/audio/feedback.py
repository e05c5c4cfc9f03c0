"""AudioFeedback: the live session's outputs in, the sound to play out. No device, no Qt.

:meth:`AudioFeedback.on_update` is called with every ``SessionUpdate`` on the session worker,
the moment the block is processed (:meth:`LiveSession.add_listener`); :meth:`AudioFeedback.render`
is called by the audio output's callback for the next block of samples. A lock keeps the two
threads apart for microseconds. Sounds decided in one update start at the next rendered sample.

Modes (per exercise, see :mod:`emgfeedback.audio.exercise`):

- ``target_tone``: a steady 523 Hz tone while the target muscle (the higher working side) is at
  or above its target %MVC; it stops 2 %MVC below the target (hysteresis, no chatter);
- ``pitch``: a tone whose pitch follows the target muscle's activation on a log scale,
  0–100 %MVC → 220–880 Hz (without MVC values 0–``uv_full_scale`` µV), silent below 5 %MVC
  (or 5 % of the µV scale);
- ``warning``: a buzz when a counted rep had TFL:GMed above the ratio target or lumbar ES
  before glute max (GMax − ES latency above its limit) on a working side;
- ``cues``: rising two-tone when a hold begins, falling when a rest or set break begins, a
  falling three-tone when the protocol is done, a short click for each counted rep.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

import numpy as np

from emgfeedback.audio.exercise import audio_targets, check_modes, default_modes
from emgfeedback.audio.speech import spoken_key
from emgfeedback.audio.synth import PITCH_RANGE_HZ, SAMPLE_RATE_HZ, TONE_HZ, Voice, cue_sound, pitch_hz
from emgfeedback.model import Channel, Side
from emgfeedback.session.runner import Phase
from emgfeedback.validation import check_positive

if TYPE_CHECKING:  # pragma: no cover
    from emgfeedback.calibration import Protocol
    from emgfeedback.measures import RepMetrics
    from emgfeedback.session.engine import SessionEngine, SessionUpdate

__all__ = ["AudioFeedback", "HYSTERESIS_PCT", "PITCH_FLOOR"]

#: The target tone stops this far below its target, %MVC.
HYSTERESIS_PCT = 2.0
#: The pitch tone is silent below this fraction of its full scale.
PITCH_FLOOR = 0.05
_PHASE_SOUND = {Phase.HOLD: "hold", Phase.REST: "rest", Phase.SET_REST: "rest", Phase.DONE: "done"}
#: Most one-shot sounds queued: more only gather while no output renders.
_MAX_QUEUED = 16
_LEVELS = {"target_tone": 0.5, "pitch": 0.45, "cues": 0.6, "warning": 0.8}


class AudioFeedback:
    """The audio feedback state machine.

    Parameters
    ----------
    free_modes : iterable of str
        Modes while no protocol runs (default none: silent until an exercise starts).
    sample_rate : float
        Output sample rate, Hz.
    volume : float
        Master volume, 0–1.
    uv_full_scale : float
        Activation at the top of the pitch range when there are no MVC values, µV.
    """

    def __init__(self, free_modes: Iterable[str] = (), *, sample_rate: float = SAMPLE_RATE_HZ,
                 volume: float = 0.7, uv_full_scale: float = 500.0) -> None:
        self.sample_rate = check_positive(sample_rate, "sample_rate", "Hz")
        self.uv_full_scale = check_positive(uv_full_scale, "uv_full_scale", "µV")
        self.free_modes = check_modes(free_modes)
        self._lock = threading.Lock()
        self._exercises: dict[str, tuple[tuple[str, ...] | None, tuple[Any, ...]]] = {}
        self._protocol: "Protocol | None" = None
        self._protocol_id: "str | None" = ""  # "" = not seen yet
        self.targets = audio_targets(None)
        self.modes = self.free_modes
        self.muted = False
        self.volume = 0.0
        self.set_volume(volume)
        self._gain = self.volume  # master gain now (moves to volume / 0 without clicks)
        self._tone = Voice(self.sample_rate, TONE_HZ)
        self._pitch = Voice(self.sample_rate, PITCH_RANGE_HZ[0], harmonics=(1.0, 0.25))
        self._shots: list[list[Any]] = []  # [samples, position (negative: delay)]
        self._sounds: dict[str, np.ndarray] = {}
        self.spoken = False  # cues spoken (set_speech), else tonal
        self.set_speech(None)
        self._pending: list[tuple[str, float, int]] = []  # (kind, arrival_s, delay in samples)
        #: Samples rendered so far.
        self.samples = 0
        #: Sounds started: ``(kind, arrival_s, sample)``: the block's arrival on the monotonic
        #: clock (NaN when unknown, and for a sound queued behind another of the same update:
        #: its wait is deliberate, not latency) and the first sample of the sound.
        self.starts: deque[tuple[str, float, int]] = deque(maxlen=4096)
        #: The sounds that started in the last :meth:`render` (same form).
        self.block_starts: list[tuple[str, float, int]] = []
        #: Sounds decided: ``(kind, stream_t_s)`` (the stream time of the update that decided it).
        self.log: deque[tuple[str, float]] = deque(maxlen=4096)
        #: Why a chosen mode cannot sound ("" when every mode can), one line.
        self.notice = ""

    # ------------------------------------------------------------------ the clinician's choices
    def configure(self, protocol_id: str, modes: "Iterable[str] | None" = None, targets: Sequence[Any] = ()) -> None:
        """The modes (None: the exercise's defaults) and plan targets of exercise ``protocol_id``."""
        entry = (None if modes is None else check_modes(modes), tuple(targets))
        with self._lock:
            self._exercises[protocol_id] = entry
            if protocol_id == self._protocol_id:
                self._apply_protocol(self._protocol)

    def modes_for(self, protocol: "Protocol") -> tuple[str, ...]:
        """The modes exercise ``protocol`` plays (chosen, or its defaults)."""
        modes, targets = self._exercises.get(protocol.id, (None, ()))
        return default_modes(audio_targets(protocol, targets)) if modes is None else modes

    def set_speech(self, words: "Mapping[str, np.ndarray] | None") -> None:
        """Speak the phase cues and rep counts (:func:`~emgfeedback.audio.speech.load_speech`'s
        words at this sample rate); None: tonal cues again."""
        sounds = {n: cue_sound(n, self.sample_rate) * _LEVELS["warning" if n == "warning" else "cues"]
                  for n in ("hold", "rest", "done", "rep", "warning")}
        if words:
            sounds.update({k: np.asarray(v, dtype=np.float32) * _LEVELS["cues"] for k, v in words.items()})
        with self._lock:
            self._sounds = sounds
        self.spoken = bool(words)

    def set_volume(self, volume: float) -> None:
        """Master volume, 0–1."""
        v = check_positive(volume, "volume", allow_zero=True)
        if v > 1.0:
            raise ValueError(f"volume must be between 0 and 1, got {volume!r}")
        self.volume = v

    def set_muted(self, muted: bool) -> None:
        """Mute (the state goes on; unmuting resumes any tone under way)."""
        self.muted = bool(muted)

    def silence(self) -> None:
        """Stop every sound now (faded): the stream ended, nothing will update the tones."""
        with self._lock:
            self._tone.target_gain = self._pitch.target_gain = 0.0
            self._shots.clear()
            self._pending.clear()

    # ------------------------------------------------------------------ the session's side
    def listen(self, update: "SessionUpdate", engine: "SessionEngine") -> None:
        """A :meth:`LiveSession.add_listener` callback: :meth:`on_update` with the engine's protocol."""
        self.on_update(update, engine.protocol)

    def on_update(self, update: "SessionUpdate", protocol: "Protocol | None" = None) -> None:
        """Decide what to play after one block (call it on the thread that produced it)."""
        with self._lock:
            if len(self._shots) > _MAX_QUEUED or len(self._pending) > _MAX_QUEUED:  # nothing renders
                del self._shots[:-_MAX_QUEUED], self._pending[:-_MAX_QUEUED]  # (no output): stale
            if (protocol.id if protocol is not None else None) != self._protocol_id:
                self._apply_protocol(protocol)
            t_s, arrival = update.frame.t_s, update.arrival_s
            self._levels(update, arrival, t_s)
            shots: list[tuple[str, str]] = []  # (kind, the sound that says it)
            if "cues" in self.modes:
                shots += [(_PHASE_SOUND[e.phase],) * 2 for e in update.events if e.phase in _PHASE_SOUND]
                if protocol is not None:  # the count spoken when speech is loaded, else a click
                    shots += [("rep", spoken_key(r.rep_number) if spoken_key(r.rep_number) in self._sounds else "rep")
                              for r in update.reps if not r.artefact and r.rep_number > 0]
            if "warning" in self.modes:
                shots += [("warning", "warning") for r in update.reps if not r.artefact and self._bad(r)]
            delay = 0
            for kind, sound in shots:  # one after another, never on top of each other
                self._shots.append([self._sounds[sound], -delay])
                self._pending.append((kind, arrival if delay == 0 else math.nan, delay))  # queued: no latency
                self.log.append((kind, t_s))
                delay += len(self._sounds[sound]) + int(0.02 * self.sample_rate)

    def _apply_protocol(self, protocol: "Protocol | None") -> None:
        self._protocol = protocol
        self._protocol_id = None if protocol is None else protocol.id
        if protocol is None:
            self.targets, self.modes = audio_targets(None), self.free_modes
        else:
            self.targets = audio_targets(protocol, self._exercises.get(protocol.id, (None, ()))[1])
            self.modes = self.modes_for(protocol)
        if "target_tone" not in self.modes:
            self._tone.target_gain = 0.0
        if "pitch" not in self.modes:
            self._pitch.target_gain = 0.0

    def _level(self, update: "SessionUpdate") -> tuple[float, bool]:
        """The target muscle's level on the working side(s) (the higher one) and whether it is
        %MVC (else µV)."""
        frame = update.frame
        side = update.runner.side if update.runner is not None else None
        ids = [Channel(self.targets.muscle, s).id for s in ((side,) if side else tuple(Side))]
        rows = [frame.channels.index(c) for c in ids if c in frame.channels]
        pct = update.percent_mvc if update.percent_mvc is not None else frame.percent_mvc
        if pct is not None:
            vals = [float(pct[i]) for i in rows if math.isfinite(pct[i])]
            if vals:
                return max(vals), True
        vals = [float(frame.level_uv[i]) for i in rows if math.isfinite(frame.level_uv[i])]
        return (max(vals) if vals else math.nan), False

    def _levels(self, update: "SessionUpdate", arrival: float, t_s: float) -> None:
        level, is_pct = self._level(update)
        notes = []
        if "target_tone" in self.modes:
            target = self.targets.target_pct_mvc
            if target is None:
                notes.append("target tone: this exercise has no %MVC target (add one to the plan, "
                             "e.g. GMax ≥ 40 %MVC)")
                on = False
            elif not is_pct:
                notes.append("target tone needs MVC values: run the MVC wizard")
                on = False
            else:
                was = self._tone.target_gain > 0
                on = level >= target or (was and level >= target - HYSTERESIS_PCT)
            self._switch(self._tone, "target_tone", on, arrival, t_s)
        if "pitch" in self.modes:
            full = 100.0 if is_pct else self.uv_full_scale
            was = self._pitch.target_gain > 0
            on = level >= PITCH_FLOOR * full or (was and level >= 0.5 * PITCH_FLOOR * full)
            self._pitch.freq_hz = pitch_hz(level, full)
            self._switch(self._pitch, "pitch", on, arrival, t_s)
        self.notice = "; ".join(notes)

    def _switch(self, voice: Voice, kind: str, on: bool, arrival: float, t_s: float) -> None:
        if on and voice.target_gain == 0.0:
            self._pending.append((kind, arrival, 0))
            self.log.append((kind, t_s))
        elif not on and voice.target_gain > 0.0:
            self.log.append((kind + " off", t_s))
        voice.target_gain = _LEVELS[kind] if on else 0.0

    def _bad(self, rep: "RepMetrics") -> bool:
        """The rep missed a warning target on a working side."""
        sides = (rep.side,) if rep.side is not None else tuple(Side)
        t = self.targets
        for s in sides:
            lat = rep.gmax_minus_es_ms.get(s, math.nan)
            if t.max_latency_ms is not None and math.isfinite(lat) and lat > t.max_latency_ms:
                return True
            ratio = rep.tfl_to_glute_ratio.get(s, math.nan)
            if t.max_ratio is not None and math.isfinite(ratio) and ratio > t.max_ratio:
                return True
        return False

    # ------------------------------------------------------------------ the output's side
    def render(self, n: int) -> np.ndarray:
        """The next ``n`` samples, float32 mono in [-1, 1]."""
        with self._lock:
            start = self.samples
            now = [(kind, arrival, start + delay) for kind, arrival, delay in self._pending if delay < n]
            self._pending = [(k, a, d - n) for k, a, d in self._pending if d >= n]
            self.starts.extend(now)
            self.block_starts = now
            out = self._tone.render(n)
            out += self._pitch.render(n)
            keep = []
            for shot in self._shots:
                data, pos = shot
                if pos < 0:  # still waiting its turn
                    lead = min(-pos, n)
                    take = data[:n - lead]
                    out[lead:lead + len(take)] += take
                    shot[1] = len(take) if lead < n else pos + n
                else:
                    take = data[pos:pos + n]
                    out[:len(take)] += take
                    shot[1] = pos + len(take)
                if shot[1] < len(data):
                    keep.append(shot)
            self._shots = keep
            want = 0.0 if self.muted else self.volume
            gain = np.linspace(self._gain, want, n, dtype=np.float32) if want != self._gain else want
            self._gain = want
            self.samples += n
        return np.clip(out * gain, -1.0, 1.0).astype(np.float32, copy=False)
