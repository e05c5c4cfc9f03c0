"""Audio biofeedback the patient can hear (sounddevice / PortAudio; see docs/audio.md).

- :class:`AudioFeedback` — the state machine: ``SessionUpdate``s in (on the session worker),
  float32 blocks out; modes ``target_tone``, ``pitch``, ``warning``, ``cues`` per exercise;
- :class:`AudioOutput` — plays it through a real output device (one line when there is none);
- :func:`render_updates` / :func:`render_to_wav` — the same sound in stream time, no sound card;
- :mod:`emgfeedback.audio.synth` — phase-continuous tones and the one-shot sounds.
"""

from emgfeedback.audio.exercise import (AUDIO_MODES, MODE_LABELS, AudioTargets, audio_targets, check_modes,
                                        default_modes)
from emgfeedback.audio.feedback import AudioFeedback
from emgfeedback.audio.output import NULL_DEVICE, AudioOutput, no_output_message
from emgfeedback.audio.speech import load_speech
from emgfeedback.audio.wav import read_wav, render_to_wav, render_updates, write_wav

__all__ = ["AUDIO_MODES", "MODE_LABELS", "AudioTargets", "audio_targets", "check_modes", "default_modes",
           "AudioFeedback", "AudioOutput", "NULL_DEVICE", "no_output_message", "render_updates", "render_to_wav",
           "read_wav", "write_wav", "load_speech"]
