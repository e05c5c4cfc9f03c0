"""The one processing-settings object: every setting that changes a number.

The live pipeline, ``analyze``, ``record``, ``monitor`` and the dashboard all take a
:class:`ProcessingSettings`; a recording names the settings that made its annotations (JSON in
an annotation, and the ``analyze`` JSON summary reports the settings it used), so whoever reads
a number can find how it was made (the way MNE's ``Info`` travels with the data).

Settings are frozen and validated when made: a bad value raises ``ValueError`` naming the field,
what is allowed and what came (with "did you mean" for near-miss names).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from emgfeedback.validation import check_number, check_option, check_positive, did_you_mean

__all__ = ["ProcessingSettings", "BASELINE_RULES", "load_settings"]

#: How the resting level of the onset detectors is learnt:
#: ``"start"`` — the quietest ``baseline_window_s`` window inside the first ``baseline_s`` of the
#: stream (live and offline alike: the default, so the dashboard and ``analyze`` agree);
#: ``"quietest"`` — the quietest window of the whole recording (offline only: a live stream
#: cannot look ahead, so the live pipeline refuses it).
BASELINE_RULES = ("start", "quietest")

#: Mains frequencies that can be notched (None: no notch).
MAINS_HZ = (50.0, 60.0, None)


def _detector_names() -> tuple[str, ...]:
    from emgfeedback.dsp.onsets import METHODS

    return tuple(METHODS)


@dataclass(frozen=True)
class ProcessingSettings:
    """Band, mains, onset detector with its parameters, baseline rule and rep rule.

    Parameters
    ----------
    low_hz, high_hz : float
        Band-pass edges of the display/amplitude filter and of the onset detectors, Hz
        (``high_hz`` is clamped to 0.45·fs).
    mains_hz : {50.0, 60.0} or None
        Powerline frequency to notch with its harmonics; None for no notch.
    envelope_hz : float
        Linear-envelope low-pass cut-off, Hz (amplitudes, %MVC, ratios, symmetry).
    onset_method : str
        Registered onset detector (``emgfeedback.dsp.onsets.METHODS``).
    onset_k : float or None
        Detector threshold multiplier; None = the detector's default.
    onset_k_off : float or None
        End threshold multiplier (hysteresis: a burst ends below ``k_off``, at most ``k``);
        None = the detector's default.
    min_on_s : float
        Time above threshold to detect a burst, s.
    min_off_s : float or None
        Time below the end threshold to end a burst, s; None = the detector's default.
    merge_gap_s : float
        Dips below threshold shorter than this do not split a burst, s (docs/onsets.md gives the
        real-data sweep behind the default).
    min_burst_s : float
        Bursts shorter than this are not onsets (spikes, electrode bumps), s.
    localise_s : float
        How far before a detection the change-point localiser looks for the onset, s (0: no
        localisation, the threshold crossing is the onset).
    baseline : {"start", "quietest"}
        Rest rule, see :data:`BASELINE_RULES`.
    baseline_s : float
        With ``baseline="start"``: the stretch at the start searched for rest, s.
    baseline_window_s : float
        Length of the rest window, s.
    rep_join_s : float
        Rep rule: bursts of any channels that overlap, or follow each other within this gap,
        make one rep, s.
    detector_params : mapping of str to float
        Method-specific parameters passed to the detector (e.g. Bonato's ``m`` and ``r0``).
    """

    low_hz: float = 20.0
    high_hz: float = 450.0
    mains_hz: "float | None" = 50.0
    envelope_hz: float = 6.0
    onset_method: str = "hodges"
    onset_k: "float | None" = None
    onset_k_off: "float | None" = None
    min_on_s: float = 0.03
    min_off_s: "float | None" = None
    merge_gap_s: float = 0.5
    min_burst_s: float = 0.15
    localise_s: float = 0.5
    baseline: str = "start"
    baseline_s: float = 2.0
    baseline_window_s: float = 0.5
    rep_join_s: float = 0.3
    detector_params: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        low = check_positive(self.low_hz, "low_hz", "Hz")
        high = check_positive(self.high_hz, "high_hz", "Hz")
        if low >= high:
            raise ValueError(f"low_hz must be below high_hz, got low_hz={self.low_hz!r}, high_hz={self.high_hz!r}")
        mains = None if self.mains_hz is None else check_number(self.mains_hz, "mains_hz", "Hz")
        check_option(mains, "mains_hz", MAINS_HZ)
        check_positive(self.envelope_hz, "envelope_hz", "Hz")
        check_option(self.onset_method, "onset_method", _detector_names())
        if self.onset_k is not None:
            check_positive(self.onset_k, "onset_k")
        check_positive(self.min_on_s, "min_on_s", "s")
        if self.onset_k_off is not None:
            check_positive(self.onset_k_off, "onset_k_off")
        if self.min_off_s is not None:
            check_positive(self.min_off_s, "min_off_s", "s")
        check_positive(self.merge_gap_s, "merge_gap_s", "s", allow_zero=True)
        check_positive(self.min_burst_s, "min_burst_s", "s", allow_zero=True)
        check_number(self.localise_s, "localise_s", "s", lo=0.0, hi=2.0)
        check_option(self.baseline, "baseline", BASELINE_RULES)
        check_number(self.baseline_s, "baseline_s", "s", lo=0.5)
        check_positive(self.baseline_window_s, "baseline_window_s", "s")
        if self.baseline == "start" and self.baseline_window_s > self.baseline_s:
            raise ValueError(f"baseline_window_s ({self.baseline_window_s!r} s) must fit inside "
                             f"baseline_s ({self.baseline_s!r} s)")
        check_positive(self.rep_join_s, "rep_join_s", "s", allow_zero=True)
        if not isinstance(self.detector_params, Mapping):
            raise TypeError(f"detector_params must be a mapping of name to number, got "
                            f"{type(self.detector_params).__name__}")
        params = {}
        for key, value in self.detector_params.items():
            params[str(key)] = check_number(value, f"detector_params[{key!r}]")
        object.__setattr__(self, "low_hz", low)
        object.__setattr__(self, "high_hz", high)
        object.__setattr__(self, "mains_hz", mains)
        object.__setattr__(self, "detector_params", dict(sorted(params.items())))

    def __hash__(self) -> int:
        return hash(self.to_json())

    # ------------------------------------------------------------------ derived
    def with_(self, **changes: Any) -> "ProcessingSettings":
        """A copy with some fields changed (validated again); unknown names are refused."""
        _check_names(changes)
        return replace(self, **changes)

    def onset_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`~emgfeedback.dsp.onsets.detect_onsets` and
        :class:`~emgfeedback.dsp.onsets.StreamingOnsetDetector` for these settings."""
        kw: dict[str, Any] = dict(
            method=self.onset_method, k=self.onset_k, min_on_s=self.min_on_s,
            merge_gap_s=self.merge_gap_s, min_burst_s=self.min_burst_s, localise_s=self.localise_s,
            mains=self.mains_hz,
            low=self.low_hz, high=self.high_hz, baseline_window_s=self.baseline_window_s,
        )
        if self.onset_k_off is not None:
            kw["k_off"] = self.onset_k_off
        if self.min_off_s is not None:
            kw["min_off_s"] = self.min_off_s
        if self.onset_k_off is not None:
            kw["k_off"] = self.onset_k_off
        if self.min_off_s is not None:
            kw["min_off_s"] = self.min_off_s
        for key, value in self.detector_params.items():
            kw[key] = int(value) if float(value).is_integer() and key in ("m", "r0") else value
        return kw

    # ------------------------------------------------------------------ serialising
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (every field, defaults included)."""
        d = asdict(self)
        d["detector_params"] = dict(self.detector_params)
        return d

    def to_json(self) -> str:
        """Compact, key-sorted JSON (what recordings store)."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ProcessingSettings":
        """Settings from a mapping (missing fields take their defaults; unknown names are refused)."""
        if not isinstance(data, Mapping):
            raise ValueError(f"processing settings must be a table of name = value, got {type(data).__name__}")
        _check_names(data)
        return cls(**dict(data))

    @classmethod
    def from_json(cls, text: str) -> "ProcessingSettings":
        """Settings from :meth:`to_json` output."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"processing settings are not valid JSON: {err}") from None
        return cls.from_dict(data)

    def describe(self) -> str:
        """One line for reports and logs."""
        mains = "no notch" if self.mains_hz is None else f"{self.mains_hz:g} Hz notch"
        k = "" if self.onset_k is None else f", k={self.onset_k:g}"
        return (f"band {self.low_hz:g}–{self.high_hz:g} Hz, {mains}, envelope {self.envelope_hz:g} Hz, "
                f"onsets {self.onset_method}{k} (min burst {self.min_burst_s * 1000:.0f} ms, "
                f"merge gaps < {self.merge_gap_s * 1000:.0f} ms), baseline {self.baseline}"
                + (f" ({self.baseline_s:g} s)" if self.baseline == "start" else "")
                + f", reps join within {self.rep_join_s:g} s")


_FIELDS = tuple(f.name for f in fields(ProcessingSettings))


def _check_names(data: Mapping[str, Any]) -> None:
    for key in data:
        if key not in _FIELDS:
            raise ValueError(f"unknown processing setting {key!r}{did_you_mean(key, _FIELDS)}; "
                             f"known: {', '.join(_FIELDS)}")


def load_settings(path: "str | Path") -> ProcessingSettings:
    """Settings from a TOML (``[processing]`` table or top level) or JSON file.

    Raises
    ------
    ValueError
        One line naming the file and what is wrong (missing, unreadable, bad syntax, bad value).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"cannot read settings file {p}: {getattr(err, 'strerror', None) or err}") from None
    try:
        if p.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            import tomllib

            data = tomllib.loads(text)
            data = data.get("processing", data)
    except (ValueError, TypeError) as err:
        raise ValueError(f"settings file {p} is not valid {p.suffix.lstrip('.').upper() or 'TOML'}: "
                         f"{str(err).splitlines()[0]}") from None
    try:
        return ProcessingSettings.from_dict(data)
    except (ValueError, TypeError) as err:
        raise ValueError(f"settings file {p}: {err}") from None


