"""EDF+/BDF+ header fields: build the 256·(ns+1) header bytes and parse them back.

Layout (EDF spec, Kemp et al. 1992; EDF+ 2003; BDF+ by Teunis van Beelen): a 256-byte fixed part
(version, patient, recording, start date and time, header size, reserved ``EDF+C``/``BDF+C``,
number of data records, record duration, number of signals), then per signal, field by field for
all signals: label 16, transducer 80, physical dimension 8, physical min/max 8+8, digital min/max
8+8, prefiltering 80, samples per record 8, reserved 32. All ASCII, left-aligned, space padded.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from emgfeedback.errors import RecordingError

__all__ = ["SignalHeader", "EdfHeader", "build_header", "parse_header", "format_number",
           "N_RECORDS_OFFSET", "ANNOTATION_LABELS"]

#: Byte offset of the 8-character "number of data records" field.
N_RECORDS_OFFSET = 236
ANNOTATION_LABELS = ("EDF Annotations", "BDF Annotations")
_SIGNAL_FIELDS = (("label", 16), ("transducer", 80), ("unit", 8), ("physical_min", 8),
                  ("physical_max", 8), ("digital_min", 8), ("digital_max", 8),
                  ("prefilter", 80), ("samples_per_record", 8), ("reserved", 32))
_MAX_SIGNALS = 9999  # the 4-character field's largest value
_MAX_FIELD = 99_999_999  # an 8-character field's largest plain number (records, samples, seconds)
_MAX_PHYSICAL = 1e15  # beyond this, samples would overflow when scaled
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


@dataclass(frozen=True)
class SignalHeader:
    """One signal's header fields (physical values in ``unit``, usually uV)."""

    label: str
    samples_per_record: int
    physical_min: float
    physical_max: float
    digital_min: int
    digital_max: int
    unit: str = "uV"
    transducer: str = ""
    prefilter: str = ""

    @property
    def is_annotation(self) -> bool:
        """True for the ``EDF Annotations`` / ``BDF Annotations`` signal."""
        return self.label.strip() in ANNOTATION_LABELS

    @property
    def gain(self) -> float:
        """Physical units per digital step."""
        return (self.physical_max - self.physical_min) / (self.digital_max - self.digital_min)


@dataclass(frozen=True)
class EdfHeader:
    """The whole header of an EDF(+)/BDF(+) file."""

    bdf: bool
    patient: str
    recording: str
    start: dt.datetime
    n_records: int
    record_duration_s: float
    signals: tuple[SignalHeader, ...]
    reserved: str = ""

    @property
    def header_bytes(self) -> int:
        """Size of the header, bytes."""
        return 256 * (len(self.signals) + 1)

    @property
    def bytes_per_sample(self) -> int:
        """2 for EDF, 3 for BDF."""
        return 3 if self.bdf else 2

    @property
    def record_bytes(self) -> int:
        """Size of one data record, bytes."""
        return self.bytes_per_sample * sum(s.samples_per_record for s in self.signals)

    @property
    def is_plus(self) -> bool:
        """True for EDF+/BDF+ (reserved field starts with ``EDF+``/``BDF+``)."""
        return self.reserved.startswith(("EDF+", "BDF+"))


def format_number(x: float, width: int = 8) -> str:
    """Shortest text of ``x`` that fits ``width`` characters (EDF number fields)."""
    if float(x).is_integer() and len(str(int(x))) <= width:
        return str(int(x))
    for digits in range(width, -1, -1):
        s = f"{x:.{digits}f}".rstrip("0").rstrip(".")
        if len(s) <= width:
            return s
    raise ValueError(f"{x!r} does not fit an EDF field of {width} characters")


def _field(text: str, width: int, what: str) -> bytes:
    raw = text.encode("ascii", "replace")
    if len(raw) > width:
        raise ValueError(f"EDF header field {what} is limited to {width} characters, got {text!r}")
    return raw.ljust(width, b" ")


def edfplus_recording_field(start: dt.datetime, equipment: str) -> str:
    """The EDF+ recording field: ``Startdate 02-MAR-2024 X X EQUIPMENT``."""
    date = f"{start.day:02d}-{_MONTHS[start.month - 1]}-{start.year:04d}"
    return f"Startdate {date} X X {equipment.replace(' ', '_') or 'X'}"


def build_header(h: EdfHeader) -> bytes:
    """The header bytes of ``h`` (``n_records`` -1 allowed while unknown)."""
    version = b"\xffBIOSEMI" if h.bdf else b"0       "
    yy = h.start.year % 100
    fixed = (version + _field(h.patient, 80, "patient") + _field(h.recording, 80, "recording")
             + _field(f"{h.start.day:02d}.{h.start.month:02d}.{yy:02d}", 8, "startdate")
             + _field(f"{h.start.hour:02d}.{h.start.minute:02d}.{h.start.second:02d}", 8, "starttime")
             + _field(str(h.header_bytes), 8, "header bytes") + _field(h.reserved, 44, "reserved")
             + _field(str(h.n_records), 8, "records")
             + _field(format_number(h.record_duration_s), 8, "record duration")
             + _field(str(len(h.signals)), 4, "signals"))
    parts = [fixed]
    for name, width in _SIGNAL_FIELDS:
        for s in h.signals:
            if name == "reserved":
                value = ""
            elif name in ("physical_min", "physical_max"):
                value = format_number(getattr(s, name))
            else:
                value = str(getattr(s, name))
            parts.append(_field(value, width, f"{name} of {s.label!r}"))
    out = b"".join(parts)
    assert len(out) == h.header_bytes
    return out


def _text(raw: bytes) -> str:
    return raw.decode("latin-1").strip()


def _number(raw: bytes, what: str, path: str, *, whole: bool = False,
            lo: float = -math.inf, hi: float = math.inf) -> float:
    """A header number, refused with one line naming the field unless finite, whole when asked,
    and within ``lo``..``hi``."""
    text = _text(raw)
    try:
        x = float(text)
    except ValueError:
        x = math.nan
    bad = ("not a number" if not math.isfinite(x) else "not a whole number" if whole and not x.is_integer()
           else f"outside {_plain(lo)}..{_plain(hi)}" if not lo <= x <= hi else "")
    if bad:
        raise RecordingError(f"{path} is not a valid EDF/BDF file: header field {what} is {text!r}, {bad}")
    return int(x) if whole else x


def _plain(x: float) -> str:
    return str(int(x)) if math.isfinite(x) and float(x).is_integer() else f"{x:g}"


def _start(date: str, time: str, path: str) -> dt.datetime:
    try:
        d, m, y = (int(v) for v in date.split("."))
        hh, mm, ss = (int(v) for v in time.replace(":", ".").split("."))
        year = 1900 + y if y >= 85 else 2000 + y  # EDF's Y2K clipping date
        return dt.datetime(year, m, d, hh, mm, ss)
    except (ValueError, TypeError):
        raise RecordingError(f"{path}: bad start date/time in the header ({date!r} {time!r})") from None


def _signal(cols: dict[str, list[bytes]], k: int, path: str, dlo: int, dhi: int) -> SignalHeader:
    """Signal ``k``'s fields, each checked (finite, whole where EDF wants it, in range)."""
    label = _text(cols["label"][k])
    name = f"of signal {k + 1} ({label!r})"
    sig = SignalHeader(
        label=label,
        samples_per_record=_number(cols["samples_per_record"][k], f"samples per record {name}", path,
                                   whole=True, lo=1, hi=_MAX_FIELD),
        physical_min=_number(cols["physical_min"][k], f"physical minimum {name}", path,
                             lo=-_MAX_PHYSICAL, hi=_MAX_PHYSICAL),
        physical_max=_number(cols["physical_max"][k], f"physical maximum {name}", path,
                             lo=-_MAX_PHYSICAL, hi=_MAX_PHYSICAL),
        digital_min=_number(cols["digital_min"][k], f"digital minimum {name}", path, whole=True, lo=dlo, hi=dhi),
        digital_max=_number(cols["digital_max"][k], f"digital maximum {name}", path, whole=True, lo=dlo, hi=dhi),
        unit=_text(cols["unit"][k]), transducer=_text(cols["transducer"][k]),
        prefilter=_text(cols["prefilter"][k]))
    if sig.digital_max <= sig.digital_min:
        raise RecordingError(f"{path} is not a valid EDF/BDF file: signal {k + 1} ({label!r}) has digital "
                             f"minimum {sig.digital_min} not below its maximum {sig.digital_max}")
    if sig.physical_max == sig.physical_min and not sig.is_annotation:
        raise RecordingError(f"{path} is not a valid EDF/BDF file: channel {label!r} has physical minimum "
                             f"= maximum ({sig.physical_min:g}), so its samples cannot be scaled")
    return sig


def parse_header(raw_fixed: bytes, read_more, path: str, file_size: "int | None" = None) -> EdfHeader:
    """Parse a header: ``raw_fixed`` is the first 256 bytes, ``read_more(n)`` returns the next n.

    Every number is checked before it is used: finite, whole where EDF wants an integer, in
    range (digital limits within the 16/24-bit sample range), physical minimum ≠ maximum for
    data channels, the header no longer than ``file_size`` (bytes) when given.

    Raises
    ------
    RecordingError
        If the bytes are not an EDF/BDF header (the message says which field is wrong).
    """
    if len(raw_fixed) < 256:
        raise RecordingError(f"{path} is not an EDF/BDF file: only {len(raw_fixed)} bytes long "
                             f"(a header has at least 256)")
    if raw_fixed[:8] == b"\xffBIOSEMI":
        bdf = True
    elif raw_fixed[:8] == b"0       ":
        bdf = False
    else:
        raise RecordingError(f"{path} is not an EDF/BDF file (its first 8 bytes are "
                             f"{raw_fixed[:8]!r}, expected '0       ' or '\\xffBIOSEMI')")
    ns = _number(raw_fixed[252:256], "number of signals", path, whole=True, lo=1, hi=_MAX_SIGNALS)
    header_bytes = _number(raw_fixed[184:192], "header bytes", path, whole=True)
    if header_bytes != 256 * (ns + 1):
        raise RecordingError(f"{path}: header says {ns} signals and {header_bytes} header bytes, "
                             f"which do not match (expected {256 * (ns + 1)})")
    if file_size is not None and file_size < header_bytes:
        raise RecordingError(f"{path} is truncated inside its header ({file_size} of {header_bytes} "
                             f"bytes)")
    n_records = _number(raw_fixed[236:244], "number of data records", path, whole=True, lo=-1, hi=_MAX_FIELD)
    duration = _number(raw_fixed[244:252], "record duration", path, lo=0, hi=_MAX_FIELD)
    rest = read_more(256 * ns)
    if len(rest) < 256 * ns:
        raise RecordingError(f"{path} is truncated inside its header ({256 + len(rest)} of "
                             f"{header_bytes} bytes)")
    cols: dict[str, list[bytes]] = {}
    pos = 0
    for name, width in _SIGNAL_FIELDS:
        cols[name] = [rest[pos + k * width: pos + (k + 1) * width] for k in range(ns)]
        pos += width * ns
    dlo, dhi = (-(1 << 23), (1 << 23) - 1) if bdf else (-(1 << 15), (1 << 15) - 1)
    signals = [_signal(cols, k, path, dlo, dhi) for k in range(ns)]
    return EdfHeader(
        bdf=bdf, patient=_text(raw_fixed[8:88]), recording=_text(raw_fixed[88:168]),
        start=_start(_text(raw_fixed[168:176]), _text(raw_fixed[176:184]), path),
        n_records=n_records,
        record_duration_s=duration, signals=tuple(signals), reserved=_text(raw_fixed[192:236]))
