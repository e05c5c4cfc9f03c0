"""ProcessingSettings: validation with one wording, serialisation, and the detector keywords."""

import json

import pytest

from emgfeedback.dsp import onsets
from emgfeedback.dsp._onset_setup import DEFAULT_LOCALISE_S
from emgfeedback.settings import ProcessingSettings, load_settings
from emgfeedback.validation import check_option


def test_defaults_are_the_detectors_defaults() -> None:
    # one set of numbers: the settings' defaults are what detect_onsets does when not told
    st = ProcessingSettings()
    assert st.onset_method == onsets.DEFAULT_METHOD
    assert st.merge_gap_s == onsets.DEFAULT_MERGE_GAP_S
    assert st.min_burst_s == onsets.DEFAULT_MIN_BURST_S
    assert st.localise_s == DEFAULT_LOCALISE_S
    assert st.onset_k is None and st.onset_k_off is None and st.min_off_s is None  # detector's own


def test_round_trips_through_json_and_toml(tmp_path) -> None:
    st = ProcessingSettings(mains_hz=60.0, onset_method="tkeo", onset_k_off=3.0, detector_params={"m": 40})
    assert ProcessingSettings.from_json(st.to_json()) == st
    assert hash(ProcessingSettings.from_json(st.to_json())) == hash(st)
    toml = tmp_path / "s.toml"
    toml.write_text("[processing]\nmains_hz = 60.0\nonset_method = 'tkeo'\nonset_k_off = 3.0\n"
                    "detector_params = { m = 40 }\n", encoding="utf-8")
    assert load_settings(toml) == st
    js = tmp_path / "s.json"
    js.write_text(json.dumps(st.to_dict()), encoding="utf-8")
    assert load_settings(js) == st


def test_onset_kwargs_pass_only_what_is_set() -> None:
    kw = ProcessingSettings().onset_kwargs()
    assert "k_off" not in kw and "min_off_s" not in kw
    kw = ProcessingSettings(onset_k_off=3.0, min_off_s=0.1, mains_hz=None).onset_kwargs()
    assert kw["k_off"] == 3.0 and kw["min_off_s"] == 0.1 and kw["mains"] is None


@pytest.mark.parametrize("changes, message", [
    ({"onset_method": "hodge"}, r"onset_method must be one of .*got 'hodge' \(did you mean 'hodges'\?\)"),
    ({"mains_hz": 55.0}, r"mains_hz must be one of 50.0, 60.0, None; got 55.0"),
    ({"low_hz": 500.0}, r"low_hz must be below high_hz"),
    ({"baseline": "quiet"}, r"baseline must be one of 'start', 'quietest'; got 'quiet' \(did you mean 'quietest'\?\)"),
    ({"min_burst_s": -1.0}, r"min_burst_s must be a non-negative, finite number s, got -1.0"),
    ({"baseline_s": float("nan")}, r"baseline_s must be a finite number s ≥ 0.5, got nan"),
    ({"detector_params": {"m": float("inf")}}, r"detector_params\['m'\] must be a finite number"),
])
def test_bad_values_name_the_field_what_is_allowed_and_what_came(changes, message) -> None:
    with pytest.raises(ValueError, match=message):
        ProcessingSettings(**changes)


def test_unknown_names_and_bad_files_are_one_line(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"unknown processing setting 'mains' \(did you mean 'mains_hz'\?\)"):
        ProcessingSettings().with_(mains=60.0)
    bad = tmp_path / "bad.toml"
    bad.write_text("[processing\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.toml is not valid TOML"):
        load_settings(bad)
    with pytest.raises(ValueError, match=r"cannot read settings file"):
        load_settings(tmp_path / "missing.toml")


def test_check_option_suggests_only_near_misses() -> None:
    assert check_option("tkeo", "method", ("hodges", "tkeo")) == "tkeo"
    with pytest.raises(ValueError, match=r"got 'xyz'$"):
        check_option("xyz", "method", ("hodges", "tkeo"))
