"""Map a recording's channel labels to glute channels (``GMax L`` …) or keep them as they are.

Recordings made here carry this project's labels; recordings of other tools (the UCI
lower-limb files, OpenBCI GUI exports) carry their own. Three cases:

- every label names a glute channel (``GMax L`` or ``glute_max_left``): full analysis;
- no label looks like a glute muscle (``Recto Femoral``, ``EXG Channel 0``): onsets and reps
  per channel only, with a note that firing order, ratios and symmetry need glute channels;
- a label looks like a glute muscle but is not in a form we read (``GMax``, ``Glute Left``), or
  a glute channel is listed twice: a ``ValueError`` listing the labels found and expected, since
  guessing which electrode is which would give a clinician wrong numbers.
"""

from __future__ import annotations

import re
from typing import Sequence

from emgfeedback.measures.layout import ChannelMap
from emgfeedback.model import Channel, Montage

__all__ = ["ChannelMap", "map_channels", "expected_labels"]

#: Words that say a label is meant to be a glute-montage channel.
_GLUTE_WORDS = {"gmax", "gmed", "glute", "gluteus", "gluteal", "tfl", "tensor", "es", "erector",
                "lumbar", "maximus", "medius"}
_PREFIX = re.compile(r"^(emg|semg)[\s_:-]+", re.I)


def expected_labels() -> str:
    """The channel labels emgfeedback reads, e.g. ``GMax L, GMed L, …`` (for messages)."""
    return ", ".join(Montage.default().labels)


def _parse(label: str) -> "Channel | None":
    text = _PREFIX.sub("", label.strip())
    try:
        return Channel.parse(text)
    except ValueError:
        return None


def _looks_glute(label: str) -> bool:
    words = {w for w in re.split(r"[^a-z]+", label.lower()) if w}
    return bool(words & _GLUTE_WORDS) or any(w.startswith("glute") for w in words)


def map_channels(channels: "Montage | Sequence[str]", n_rows: "int | None" = None) -> ChannelMap:
    """Map channel labels (or a Montage) to rows of glute channels.

    Parameters
    ----------
    channels : Montage or sequence of str
        A montage, or one label per data row (``GMax L``, ``glute_max_left``, ``EMG GMax L``,
        or any other text for a non-glute channel).
    n_rows : int, optional
        Number of data rows, to check the count.

    Returns
    -------
    ChannelMap

    Raises
    ------
    ValueError
        If the count does not match ``n_rows``, a label is empty, a glute channel appears
        twice, or a label names a glute muscle in a form not read (the message lists the labels
        found and the labels expected).
    """
    if isinstance(channels, Montage):
        mapped: list[Channel | None] = list(channels.channels)
        labels = channels.labels
    else:
        labels = tuple(str(c) for c in channels)
        mapped = [_parse(lab) for lab in labels]
    if not labels:
        raise ValueError("channels must name at least one channel (one label per data row)")
    if n_rows is not None and len(labels) != n_rows:
        raise ValueError(f"channels names {len(labels)} channel(s) but the data has {n_rows} row(s); "
                         "pass one label per row")
    if any(not lab.strip() for lab in labels):
        raise ValueError(f"channel labels must not be empty; found {list(labels)}")
    bad = [lab for lab, ch in zip(labels, mapped) if ch is None and _looks_glute(lab)]
    if bad:
        raise ValueError(
            f"channel label(s) {', '.join(repr(b) for b in bad)} name a glute muscle but not in a form "
            f"emgfeedback reads; labels found: {', '.join(repr(lab) for lab in labels)}; expected labels "
            f"like: {expected_labels()} (or ids like glute_max_left)"
        )
    ids = [c.id for c in mapped if c is not None]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"channel(s) {', '.join(dupes)} appear twice in the labels "
                         f"{', '.join(repr(lab) for lab in labels)}; each electrode needs its own label")
    names = [c.id if c is not None else lab.strip() for c, lab in zip(mapped, labels)]
    if len(set(names)) != len(names):
        raise ValueError(f"channel labels must be unique, found {', '.join(repr(lab) for lab in labels)}")
    return ChannelMap(tuple(names), tuple(mapped), tuple(labels))
