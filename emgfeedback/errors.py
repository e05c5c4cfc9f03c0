"""The few exceptions emgfeedback raises on purpose.

Bad arguments are plain ``ValueError``/``TypeError`` raised before any I/O. Everything that
goes wrong while talking to hardware, files or the pipeline is an ``EmgFeedbackError``; library
errors are re-raised at the boundary with ``raise ... from err`` so the cause is kept.
"""

from __future__ import annotations

__all__ = [
    "EmgFeedbackError",
    "DeviceUnavailableError",
    "DeviceConnectionError",
    "DeviceIOError",
    "DeviceTimeoutError",
    "ProtocolError",
    "PipelineError",
    "ConfigError",
    "RecordingError",
]


class EmgFeedbackError(Exception):
    """Base class: something the user can act on went wrong (the message says what)."""


class DeviceUnavailableError(EmgFeedbackError):
    """A driver cannot be used here (its library failed to import, no Bluetooth adapter)."""


class DeviceConnectionError(EmgFeedbackError):
    """Cannot open or lost the link to a board (missing port, busy port, permission)."""


class DeviceIOError(EmgFeedbackError):
    """Reading from or writing to an open board failed."""


class DeviceTimeoutError(EmgFeedbackError):
    """A board did not answer in time (e.g. no device-info reply to the handshake)."""


class ProtocolError(EmgFeedbackError):
    """Bytes from a board do not follow its protocol (bad CRC, bad frame)."""


class PipelineError(EmgFeedbackError):
    """The processing pipeline cannot go on (e.g. a block that does not fit the stream)."""


class ConfigError(EmgFeedbackError):
    """A calibration or settings file is missing, unreadable or invalid."""


class RecordingError(EmgFeedbackError):
    """A recording cannot be written or read (disk full, truncated or foreign file)."""
