"""Onset detectors registered by name, like the device registry (``scheme -> driver``).

A detector is a factory that builds a :class:`~emgfeedback.dsp._detection_signal.DetectionSignal`
(the method's conditioning, threshold rule and per-sample decision) plus its default threshold
multiplier. Everything else — debouncing, the burst rules, onset localisation, baseline rules,
streaming — is shared, so a new detector is one module plus one registration::

    from emgfeedback.dsp.detectors import register_detector
    register_detector("mine", MySignal, default_k=4.0, description="…")

after which ``detect_onsets(x, fs, "mine")``, ``StreamingOnsetDetector(fs, ch, method="mine")``,
:data:`emgfeedback.dsp.onsets.METHODS` and the settings validation know it. The factory is
called as ``factory(fs, low=…, high=…, mains=…, lp_hz=…, m=…, r0=…, k=…)`` (``m``/``r0`` may be
None: the detector's own defaults; ``k`` the threshold multiplier in use) and must accept (and
may ignore) those keywords (``**kwargs``). Unknown names are refused with "did you mean".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from emgfeedback.dsp._detection_signal import BUILTIN_DETECTORS, DetectionSignal
from emgfeedback.validation import check_option, check_positive

__all__ = [
    "DetectorSpec", "register_detector", "unregister_detector", "available_detectors",
    "detector_spec", "MethodNames", "DefaultK",
]

Factory = Callable[..., DetectionSignal]


@dataclass(frozen=True)
class DetectorSpec:
    """One registered detector.

    Parameters
    ----------
    name : str
        Registry key (``method=`` everywhere).
    factory : callable
        ``factory(fs, *, low, high, mains, lp_hz, m, r0, k) -> DetectionSignal``.
    default_k : float
        Threshold multiplier used when ``k`` is not given.
    description : str
        One line for listings (``analyze --method``, the dashboard).
    default_k_off : float or None
        End-threshold multiplier (hysteresis) used when ``k_off`` is not given; None: none.
    default_min_off_s : float
        Time below the end threshold that ends a burst when ``min_off_s`` is not given, s.
    """

    name: str
    factory: Factory
    default_k: float
    description: str = ""
    default_k_off: "float | None" = None
    default_min_off_s: float = 0.05

    def build(self, fs: float, **params: Any) -> DetectionSignal:
        """The detection signal object for sample rate ``fs`` (Hz)."""
        return self.factory(fs, **params)


_REGISTRY: dict[str, DetectorSpec] = {}


def register_detector(name: str, factory: Factory, default_k: float, *, description: str = "",
                      replace: bool = False, default_k_off: "float | None" = None,
                      default_min_off_s: float = 0.05) -> DetectorSpec:
    """Register an onset detector under ``name``.

    Parameters
    ----------
    name : str
        Lower-case name, unique unless ``replace``.
    factory : callable
        Builds the detector's :class:`DetectionSignal` (see the module docstring).
    default_k : float
        Default threshold multiplier (> 0).
    description : str
        One line describing the method and its reference.
    replace : bool
        Allow replacing an existing registration.
    default_k_off, default_min_off_s : float
        Default end-threshold multiplier (None: no hysteresis) and end debounce, s.

    Returns
    -------
    DetectorSpec
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"detector name must be a non-empty string, got {name!r}")
    if not callable(factory):
        raise TypeError(f"factory for detector {name!r} must be callable, got {type(factory).__name__}")
    if name in _REGISTRY and not replace:
        raise ValueError(f"detector {name!r} is already registered; pass replace=True to replace it")
    k = check_positive(default_k, "default_k")
    k_off = None if default_k_off is None else check_positive(default_k_off, "default_k_off")
    if k_off is not None and k_off > k:
        raise ValueError(f"default_k_off ({default_k_off!r}) must not exceed default_k ({default_k!r})")
    spec = DetectorSpec(name, factory, k, description, k_off,
                        check_positive(default_min_off_s, "default_min_off_s", "s"))
    _REGISTRY[name] = spec
    return spec


def unregister_detector(name: str) -> None:
    """Remove a registered detector (e.g. one a test added)."""
    check_option(name, "method", tuple(_REGISTRY))
    del _REGISTRY[name]


def available_detectors() -> tuple[str, ...]:
    """Names of the registered detectors, in registration order."""
    return tuple(_REGISTRY)


def detector_spec(name: object) -> DetectorSpec:
    """The registration of ``name``; unknown names raise ``ValueError`` with "did you mean"."""
    check_option(name, "method", tuple(_REGISTRY))
    return _REGISTRY[str(name)]


class MethodNames(Sequence):
    """A live, read-only sequence of the registered detector names (what ``METHODS`` is)."""

    def __getitem__(self, i: Any) -> Any:
        return available_detectors()[i]

    def __len__(self) -> int:
        return len(_REGISTRY)

    def __iter__(self) -> Iterator[str]:
        return iter(available_detectors())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in _REGISTRY

    def __eq__(self, other: object) -> bool:
        return tuple(self) == tuple(other) if isinstance(other, (tuple, list, MethodNames)) else NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(available_detectors())


class DefaultK(Mapping):
    """A live, read-only mapping ``name -> default k`` of the registered detectors."""

    def __getitem__(self, name: str) -> float:
        return detector_spec(name).default_k

    def __len__(self) -> int:
        return len(_REGISTRY)

    def __iter__(self) -> Iterator[str]:
        return iter(available_detectors())

    def __repr__(self) -> str:
        return repr(dict(self.items()))


_DESCRIPTIONS = {
    "hodges": "Hodges & Bui (1996): rectified EMG low-passed at 50 Hz, mean + k·SD",
    "tkeo": "Solnik et al. (2010): Teager–Kaiser energy, rectified and low-passed, mean + k·SD",
    "bonato": "Bonato et al. (1998): x[n−1]² + x[n]² above ζ·σ² in r0 of m samples",
}
#: Default threshold multipliers of the built-in detectors (measured, see docs/onsets.md; hodges
#: 4.5 with its end threshold 3.75: the UCI sweep of docs/onsets.md "Hysteresis round 3").
_BUILTIN_K = {"hodges": 4.5, "tkeo": 6.0, "bonato": 8.0}
#: Default end thresholds and end debounce (s) of the built-in detectors (UCI real-data sweep,
#: docs/onsets.md "Hysteresis"): TKEO's energy dips below its start threshold inside sustained
#: holds, so its bursts end only 0.1 s below k_off = 4; hodges likewise 0.15 s below 3.75.
_BUILTIN_OFF = {"hodges": (3.75, 0.15), "tkeo": (4.0, 0.1), "bonato": (None, 0.05)}

for _name, _factory in BUILTIN_DETECTORS.items():
    register_detector(_name, _factory, _BUILTIN_K[_name], description=_DESCRIPTIONS[_name],
                      default_k_off=_BUILTIN_OFF[_name][0], default_min_off_s=_BUILTIN_OFF[_name][1])
