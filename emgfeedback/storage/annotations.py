"""EDF+ annotations: the time-stamped annotation lists (TALs) and this project's vocabulary.

An EDF+ annotation is ``(onset_s, duration_s, text)``. In the file each data record's
``EDF Annotations`` signal holds TALs: ``+onset[\\x15duration]\\x14text\\x14\\x00``; the first
TAL of every record has no text and gives the record's start time (EDF+ spec, section 2.2).

Texts written by emgfeedback follow a small vocabulary so that recordings can be analysed
later without guessing (each text starts with its kind):

- ``onset GMax L`` — a muscle burst on one channel (duration = burst length);
- ``rep 3`` or ``rep 3 left`` — a repetition, 1-based in the text (duration = rep length);
- ``cue squeeze`` — a cue shown to the patient; ``marker TEXT`` — a user/LSL marker;
- ``gap 120 samples lost`` — samples lost in transport and filled in (duration = gap length);
- ``recording end`` — the real end when the last record was padded to full length;
- ``settings {...}`` — at 0 s: the :class:`~emgfeedback.settings.ProcessingSettings` (compact
  JSON) that made the recording's onset and rep annotations;
- ``baseline {...}`` — the live onset detector's rest statistics per channel id (mean, SD of its
  detection signal), written once it has learnt them: ``analyze`` uses them so that a file that
  starts mid-contraction gets the live thresholds.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from emgfeedback.model import Channel, Montage, Onset, Side

__all__ = [
    "Annotation",
    "encode_tal",
    "record_tals",
    "parse_tals",
    "truth_annotations",
    "onset_text",
    "onsets_from_annotations",
    "reps_from_annotations",
    "SETTINGS_PREFIX",
    "BASELINE_PREFIX",
    "baseline_text",
    "baseline_from_annotations",
    "PROTOCOL_PREFIX",
    "protocol_text",
    "protocol_runs_from_annotations",
    "settings_text",
    "settings_from_annotations",
]

#: Start of the annotation text naming the processing settings of a recording.
SETTINGS_PREFIX = "settings "
#: Start of the annotation text with the live onset detector's rest statistics.
BASELINE_PREFIX = "baseline "

_FORBIDDEN = re.compile("[\x00\x14\x15]")


def onset_text(channel: str) -> str:
    """The annotation (and LSL marker) text of a burst on ``channel`` (id or label): ``onset GMax L``;
    a channel outside the glute montage keeps its own name."""
    try:
        return f"onset {Channel.parse(channel).label}"
    except ValueError:
        return f"onset {channel}"


@dataclass(frozen=True)
class Annotation:
    """One EDF+ annotation.

    Parameters
    ----------
    onset_s : float
        Time since the start of the recording, s (may be negative only in foreign files).
    duration_s : float or None
        Length, s; None for an instant event.
    text : str
        What happened, e.g. ``onset GMax L`` (see the module docstring).
    """

    onset_s: float
    duration_s: "float | None"
    text: str

    @property
    def kind(self) -> str:
        """First word of the text: ``onset``, ``rep``, ``cue``, ``marker``, ``gap``, …"""
        return self.text.split(" ", 1)[0] if self.text else ""


def _num(x: float) -> str:
    """A TAL number: sign, up to 7 decimals (100 ns, the EDF+ resolution), no trailing zeros."""
    s = f"{x:+.7f}".rstrip("0").rstrip(".")
    return s


def encode_tal(annotation: Annotation) -> bytes:
    """The TAL bytes of one annotation (UTF-8; control bytes in the text become spaces)."""
    if not math.isfinite(annotation.onset_s):
        raise ValueError(f"annotation onset must be a finite number of s, got {annotation.onset_s!r}")
    head = _num(annotation.onset_s)
    if annotation.duration_s is not None:
        if not (math.isfinite(annotation.duration_s) and annotation.duration_s >= 0):
            raise ValueError(f"annotation duration must be >= 0 s, got {annotation.duration_s!r}")
        head += "\x15" + _num(annotation.duration_s).lstrip("+")
    text = _FORBIDDEN.sub(" ", annotation.text)
    return (head + "\x14" + text + "\x14\x00").encode("utf-8")


def record_tals(record_start_s: float, annotations: "list[Annotation]", n_bytes: int
                ) -> tuple[bytes, int]:
    """Fill one record's annotation signal: the time-keeping TAL, then as many annotations as fit.

    Returns
    -------
    payload : bytes
        Exactly ``n_bytes`` long, zero padded.
    n_used : int
        How many of ``annotations`` (from the front) fit; the rest wait for the next record.
    """
    out = (_num(record_start_s) + "\x14\x14\x00").encode("ascii")
    used = 0
    for ann in annotations:
        tal = encode_tal(ann)
        if len(out) + len(tal) > n_bytes:
            if used == 0 and len(out) + len(tal) > n_bytes and len(tal) > n_bytes // 2:
                # a single annotation longer than a record can hold: shorten its text
                keep = max(0, n_bytes - len(out) - (len(tal) - len(ann.text.encode("utf-8"))) - 4)
                short = ann.text.encode("utf-8")[:keep].decode("utf-8", "ignore")
                tal = encode_tal(Annotation(ann.onset_s, ann.duration_s, short))
                if len(out) + len(tal) <= n_bytes:
                    out += tal
                    used += 1
            break
        out += tal
        used += 1
    if len(out) > n_bytes:
        raise ValueError(f"annotation signal of {n_bytes} bytes cannot hold even the time-keeping TAL")
    return out + b"\x00" * (n_bytes - len(out)), used


def parse_tals(payload: bytes) -> tuple["float | None", list[Annotation]]:
    """Read one record's annotation signal.

    Returns
    -------
    record_start_s : float or None
        Start of the record from its time-keeping TAL (None if it has none).
    annotations : list of Annotation
        The other annotations in it.
    """
    start = None
    found: list[Annotation] = []
    for i, raw in enumerate(payload.split(b"\x00")):
        if not raw:
            continue
        parts = raw.split(b"\x14")
        head = parts[0].decode("ascii", "replace")
        onset_txt, _, dur_txt = head.partition("\x15")
        try:
            onset = float(onset_txt)
            dur = float(dur_txt) if dur_txt else None
        except ValueError:
            continue  # not a TAL (foreign padding); skip it as EDFbrowser does
        if not (math.isfinite(onset) and (dur is None or (math.isfinite(dur) and dur >= 0))):
            continue  # 'nan', 'inf' or a negative duration: not a time; skipped likewise
        texts = [p.decode("utf-8", "replace") for p in parts[1:] if p]
        if start is None and not texts:
            start = onset
            continue
        found.extend(Annotation(onset, dur, t) for t in texts)
    return start, found


def truth_annotations(truth, montage: Montage) -> list[Annotation]:
    """Annotations for a simulation's ground truth: one ``onset`` per true burst, one ``rep`` per rep.

    Parameters
    ----------
    truth : GroundTruth
        From :func:`emgfeedback.simulation.simulate`.
    montage : Montage
        Channel order (labels come from it).
    """
    out: list[Annotation] = []
    labels = {c.id: c.label for c in montage}
    for o in truth.onsets:
        dur = None if o.offset_s is None else max(0.0, o.offset_s - o.onset_s)
        out.append(Annotation(o.onset_s, dur, f"onset {labels.get(o.channel, o.channel)}"))
    for r in truth.reps:
        side = f" {r.side.value}" if r.side is not None else ""
        out.append(Annotation(r.start_s, max(0.0, r.end_s - r.start_s), f"rep {r.index + 1}{side}"))
    return sorted(out, key=lambda a: a.onset_s)


def onsets_from_annotations(annotations: Iterable[Annotation]) -> tuple[Onset, ...]:
    """The ``onset LABEL`` annotations as :class:`~emgfeedback.model.Onset` (channel ids), in time order.

    Annotations naming an unknown channel label are skipped.
    """
    out = []
    for a in annotations:
        if a.kind != "onset":
            continue
        try:
            ch = Channel.parse(a.text[len("onset "):])
        except ValueError:
            continue
        off = None if a.duration_s is None else a.onset_s + a.duration_s
        out.append(Onset(a.onset_s, off, ch.id))
    return tuple(sorted(out, key=lambda o: (o.onset_s, o.channel)))


_REP = re.compile(r"^rep (\d+)(?: (left|right))?$")


def reps_from_annotations(annotations: Iterable[Annotation]) -> tuple:
    """The ``rep N [side]`` annotations as :class:`~emgfeedback.simulation.truth.Rep` (0-based index)."""
    from emgfeedback.simulation.truth import Rep

    out = []
    for a in annotations:
        m = _REP.match(a.text)
        if m is None:
            continue
        side = Side(m.group(2)) if m.group(2) else None
        out.append(Rep(int(m.group(1)) - 1, a.onset_s, a.onset_s + (a.duration_s or 0.0), side))
    return tuple(sorted(out, key=lambda r: r.start_s))


def settings_text(settings) -> str:
    """The annotation text naming ``settings`` (a ``ProcessingSettings``): ``settings {json}``."""
    return SETTINGS_PREFIX + settings.to_json()


def settings_from_annotations(annotations: Iterable[Annotation]):
    """The ``ProcessingSettings`` named by the first ``settings {json}`` annotation, or None.

    Raises
    ------
    ValueError
        The annotation is there but its JSON is not valid settings (the message says which part).
    """
    from emgfeedback.settings import ProcessingSettings

    for a in annotations:
        if a.text.startswith(SETTINGS_PREFIX):
            try:
                return ProcessingSettings.from_json(a.text[len(SETTINGS_PREFIX):])
            except (ValueError, TypeError) as err:
                raise ValueError(f"the recording's settings annotation is damaged: {err}") from None
    return None


def baseline_text(channels: "Sequence[str]", mean: "Sequence[float]", sd: "Sequence[float]") -> str:
    """``baseline {json}``: the live onset detector's rest statistics per channel (the mean and SD
    of its detection signal), so that an analysis of the file uses the thresholds the live view
    used even when the file starts in the middle of a contraction."""
    rows = {c: [float(m), float(s)] for c, m, s in zip(channels, mean, sd)}
    return BASELINE_PREFIX + json.dumps(rows, separators=(",", ":"))


def baseline_from_annotations(annotations: Iterable[Annotation]) -> "dict[str, tuple[float, float]] | None":
    """Per channel (mean, SD) from the last ``baseline {json}`` annotation (the live detector's
    latest rest statistics), or None.

    Raises
    ------
    ValueError
        The annotation is there but damaged.
    """
    for a in sorted(annotations, key=lambda a: -a.onset_s):
        if a.text.startswith(BASELINE_PREFIX):
            try:
                rows = json.loads(a.text[len(BASELINE_PREFIX):])
                out = {str(c): (float(v[0]), float(v[1])) for c, v in rows.items()}
            except (ValueError, TypeError, KeyError, IndexError, AttributeError) as err:
                raise ValueError(f"the recording's baseline annotation is damaged: {err}") from None
            if not all(math.isfinite(m) and math.isfinite(s) and s >= 0 for m, s in out.values()):
                raise ValueError("the recording's baseline annotation holds a non-finite or negative value")
            return out
    return None


#: A protocol run starts: ``protocol {json}`` (its :class:`~emgfeedback.measures.RepPlan`).
PROTOCOL_PREFIX = "protocol "


def protocol_text(plan) -> str:
    """The annotation text starting a protocol run (``plan`` a ``RepPlan``)."""
    return PROTOCOL_PREFIX + plan.to_json()


def protocol_runs_from_annotations(annotations: Iterable[Annotation]) -> list:
    """The protocol runs of a recording (:class:`~emgfeedback.measures.ProtocolRun`): each
    ``protocol {json}`` annotation starts one, its ``cue hold`` annotations are its holds and
    ``cue done`` ends it; the rep counter of ``analyze`` is rebuilt from them.

    Raises
    ------
    ValueError
        A protocol annotation is damaged.
    """
    from emgfeedback.measures.counting import ProtocolRun, RepPlan

    runs: list = []
    plan, start, holds, end = None, 0.0, [], math.inf

    def close() -> None:
        if plan is not None:
            runs.append(ProtocolRun(plan, start, tuple(holds), end))

    for a in sorted(annotations, key=lambda a: a.onset_s):
        if a.text.startswith(PROTOCOL_PREFIX) and a.text[len(PROTOCOL_PREFIX):].lstrip().startswith("{"):
            close()
            try:
                plan = RepPlan.from_json(a.text[len(PROTOCOL_PREFIX):])
            except ValueError as err:
                raise ValueError(f"the recording's protocol annotation at {a.onset_s:.1f} s is damaged: {err}") from None
            start, holds, end = a.onset_s, [], math.inf
        elif plan is not None and a.text.startswith("cue hold"):
            holds.append(a.onset_s)
        elif plan is not None and a.text.startswith("cue done"):
            end = min(end, a.onset_s)
    close()
    return runs
