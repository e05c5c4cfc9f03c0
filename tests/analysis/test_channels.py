"""Channel labels → glute channels, or kept as they are, or a clear error."""

import pytest

from emgfeedback.analysis import map_channels
from emgfeedback.model import Channel, Montage, Muscle, Side


def test_labels_ids_and_emg_prefix_map_to_channels():
    cm = map_channels(["GMax L", "glute_med_left", "EMG TFL L", "es r"])
    assert cm.names == ("glute_max_left", "glute_med_left", "tfl_left", "lumbar_es_right")
    assert cm.row(Muscle.LUMBAR_ES, Side.RIGHT) == 3 and cm.row(Muscle.GLUTE_MAX, Side.RIGHT) is None
    assert cm.has_glute and cm.labels[2] == "EMG TFL L"


def test_montage_is_taken_as_is():
    cm = map_channels(Montage.default(), 8)
    assert cm.channels == Montage.default().channels


def test_other_labels_are_kept_as_names():
    cm = map_channels(["Recto Femoral", "EXG Channel 0", "GMax R"])
    assert cm.names == ("Recto Femoral", "EXG Channel 0", "glute_max_right")
    assert cm.channels[:2] == (None, None) and cm.channels[2] == Channel(Muscle.GLUTE_MAX, Side.RIGHT)


@pytest.mark.parametrize("labels,bad", [
    (["GMax Left", "GMed L"], "'GMax Left'"),
    (["Glute", "ES L"], "'Glute'"),
    (["TFL", "x"], "'TFL'"),
])
def test_glute_looking_labels_that_do_not_parse_are_refused(labels, bad):
    with pytest.raises(ValueError, match=rf"channel label\(s\) {bad} name a glute muscle.*labels found: .*"
                                         r"expected labels like: GMax L, GMed L, TFL L, ES L, GMax R"):
        map_channels(labels)


def test_duplicates_and_counts_are_refused():
    with pytest.raises(ValueError, match=r"channel\(s\) glute_max_left appear twice"):
        map_channels(["GMax L", "glute_max_left"])
    with pytest.raises(ValueError, match=r"channel labels must be unique"):
        map_channels(["EMG1", "EMG1"])
    with pytest.raises(ValueError, match=r"channels names 2 channel\(s\) but the data has 3 row\(s\)"):
        map_channels(["a", "b"], 3)
    with pytest.raises(ValueError, match=r"channel labels must not be empty"):
        map_channels(["a", " "])
