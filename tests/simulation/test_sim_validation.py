"""Bad arguments give a ValueError naming the parameter, what is allowed and what came."""

from __future__ import annotations

import math

import pytest

from emgfeedback.model import Montage
from emgfeedback.simulation import Artefacts, LiveSimulator, describe, simulate


def test_unknown_scenario_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"scenario must be one of healthy, lbp-lumbar-first.*got 'sleepy'"):
        simulate("sleepy")
    with pytest.raises(ValueError, match="scenario must be one of"):
        LiveSimulator("sleepy")
    with pytest.raises(ValueError, match="scenario must be one of"):
        describe("sleepy")


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"duration_s": 0.0}, r"duration_s must be between"),
        ({"duration_s": -3.0}, r"duration_s must be between"),
        ({"duration_s": math.nan}, r"duration_s must be between .* got nan"),
        ({"duration_s": "10"}, r"duration_s must be a number of s"),
        ({"duration_s": 1e6}, r"simulate at most"),
        ({"fs": 250.0}, r"fs must be between 500 and 20000 Hz, got 250"),
        ({"fs": math.inf}, r"fs must be between"),
        ({"snr_db": math.nan}, r"snr_db must be between -10 and 60 dB"),
        ({"snr_db": 100.0}, r"snr_db must be between -10 and 60 dB, got 100"),
        ({"seed": -1}, r"seed must be an integer ≥ 0, got -1"),
        ({"seed": 1.5}, r"seed must be an integer"),
        ({"mains_hz": 100.0}, r"mains_hz must be between 40 and 70 Hz"),
        ({"clip_uv": 0.0}, r"clip_uv must be between"),
        ({"lead_off": "knee"}, r"unknown channel 'knee'"),
        ({"lead_off": "GMax L", "montage": Montage.from_names(["ES R"])}, r"lead_off must be a channel of the montage"),
        ({"montage": ["GMax L"]}, r"montage must be a Montage"),
        ({"artefacts": {"mains_uv": 3}}, r"artefacts must be an Artefacts"),
    ],
)
def test_bad_arguments(kwargs: dict, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        simulate("healthy", **kwargs)


def test_bad_read_size() -> None:
    live = LiveSimulator("healthy")
    with pytest.raises(ValueError, match=r"n_samples must be an integer ≥ 0, got -5"):
        live.read(-5)
    with pytest.raises(ValueError, match=r"n_samples must be an integer"):
        live.read(2.5)  # type: ignore[arg-type]


def test_bad_artefact_levels() -> None:
    with pytest.raises(ValueError, match=r"mains_uv must be a finite level ≥ 0 µV, got -1"):
        Artefacts(mains_uv=-1.0)
    with pytest.raises(ValueError, match=r"heart_rate_hz must be between 0.5 and 3 Hz"):
        Artefacts(heart_rate_hz=10.0)


def test_live_n_reps_must_be_a_count() -> None:
    with pytest.raises(ValueError, match=r"n_reps must be an integer ≥ 0 or None"):
        LiveSimulator("healthy", n_reps=-1)


def test_short_recording_is_rest_only() -> None:
    rec = simulate("healthy", duration_s=2.5)
    assert rec.truth.onsets == ()
    assert rec.truth.reps == ()
