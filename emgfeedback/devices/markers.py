"""External markers: an LSL marker-stream inlet and typed lines, as ``marker TEXT`` events.

Both sources call ``on_marker(text, t_monotonic)`` from their own thread, with the time the
marker happened on this machine's monotonic clock (s): the LSL stamp mapped through the sender's
clock offset and drift (:class:`~emgfeedback.devices.lsl_clock.ClockSync`), or the moment Enter
was pressed. A live session turns that into stream time and annotates ``marker TEXT`` there
(:meth:`emgfeedback.session.LiveSession.add_marker`).

URL of a marker stream: ``lsl://NAME`` (the stream's name), ``lsl://name=NAME``,
``lsl://type=Markers``, ``lsl://source_id=ID`` or an LSL predicate such as
``lsl://name='Trig' and hostname='lab1'``; options ``resolve`` (s to look for it) and ``sync``
(s between clock-offset readings).
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any, Callable, TextIO

from emgfeedback.devices._options import split_url
from emgfeedback.devices.lsl_clock import ClockSync, monotonic_offset
from emgfeedback.errors import DeviceConnectionError, DeviceUnavailableError
from emgfeedback.validation import check_number

__all__ = ["LslMarkerInlet", "LineMarkers", "marker_text", "MAX_MARKER_CHARS"]

#: Longest marker text kept, characters.
MAX_MARKER_CHARS = 200
_PROPS = ("name", "type", "source_id")
_URL_FORM = "lsl://NAME | lsl://type=Markers | lsl://name='N' and hostname='H' ?resolve=5&sync=5"

OnMarker = Callable[[str, float], None]


def marker_text(text: str = "") -> str:
    """The annotation text of a marker: ``marker`` or ``marker TEXT`` (one line, at most
    :data:`MAX_MARKER_CHARS` characters of ``text``)."""
    words = re.sub(r"\s+", " ", str(text)).strip()[:MAX_MARKER_CHARS]
    return f"marker {words}" if words else "marker"


def _seconds(query: "dict[str, str]", key: str, default: float, hi: float) -> float:
    try:
        value = float(query.get(key, default))
    except ValueError:
        raise ValueError(f"marker-stream option {key} must be a number of s, got {query[key]!r}") from None
    return check_number(value, key, "s", lo=0.0, lo_open=True, hi=hi)


class LslMarkerInlet:
    """Read an LSL marker stream (any channel format; the first channel is the text).

    Parameters
    ----------
    url : str
        ``lsl://NAME_OR_PREDICATE?resolve=S&sync=S`` (see the module docstring).

    Raises
    ------
    ValueError
        A URL that is not ``lsl://`` or has unknown options (before any network use).
    """

    def __init__(self, url: str) -> None:
        scheme, target, query = split_url(url)
        target = target.strip("/")
        if scheme != "lsl" or not target:
            raise ValueError(f"--markers needs {_URL_FORM}, got {url!r}")
        unknown = set(query) - {"resolve", "sync"}
        if unknown:
            raise ValueError(f"unknown marker-stream option {sorted(unknown)[0]!r}; expected {_URL_FORM}")
        self.url = url
        self.resolve_s = _seconds(query, "resolve", 5.0, 60.0)
        self.sync_s = _seconds(query, "sync", 5.0, 600.0)
        prop, eq, value = target.partition("=")
        if "'" in target or '"' in target:
            self._query: tuple[str, ...] = ("pred", target)
        elif eq and prop in _PROPS and value:
            self._query = ("prop", prop, value)
        elif eq:
            raise ValueError(f"--markers: cannot look for {target!r}; expected {_URL_FORM}")
        else:
            self._query = ("prop", "name", target)
        self._inlet: Any = None
        self._pylsl: Any = None
        self._sync = ClockSync()
        self._next_sync = 0.0
        self._mono = 0.0
        self._thread: "threading.Thread | None" = None
        self._halt = threading.Event()
        #: ``() -> offset`` (s) replacing ``inlet.time_correction()`` (tests: a remote clock).
        self.time_correction: "Callable[[], float] | None" = None
        self.received = 0

    def open(self) -> "LslMarkerInlet":
        """Find the stream and connect; returns self.

        Raises
        ------
        DeviceUnavailableError
            pylsl or liblsl cannot be loaded.
        DeviceConnectionError
            No such stream within ``resolve`` s.
        """
        try:
            import pylsl
        except (ImportError, RuntimeError) as err:
            raise DeviceUnavailableError(f"--markers needs pylsl and liblsl: {err}") from err
        if self._query[0] == "pred":
            found = pylsl.resolve_bypred(self._query[1], 1, self.resolve_s)
        else:
            found = pylsl.resolve_byprop(self._query[1], self._query[2], 1, self.resolve_s)
        if not found:
            raise DeviceConnectionError(
                f"no LSL marker stream {self.url} found in {self.resolve_s:g} s — is the sending "
                "program running (and on this network)?")
        self._pylsl = pylsl
        self._inlet = pylsl.StreamInlet(found[0], max_buflen=360, recover=True)
        self._inlet.open_stream(timeout=self.resolve_s)
        self._mono = monotonic_offset(pylsl.local_clock)
        return self

    @property
    def clock_sync(self) -> ClockSync:
        """The fitted offset and drift from the sender's clock to this machine's."""
        return self._sync

    def pull(self, timeout: float = 0.0) -> list[tuple[str, float]]:
        """Markers received since the last call: ``(text, t_monotonic)`` (s), oldest first.

        Raises
        ------
        DeviceConnectionError
            The stream was lost for good.
        """
        if self._inlet is None:
            raise DeviceConnectionError(f"{self.url}: open the marker stream before reading it")
        try:
            samples, stamps = self._inlet.pull_chunk(timeout=timeout)
        except Exception as err:  # pylsl.LostError
            raise DeviceConnectionError(f"{self.url}: the marker stream was lost: {err}") from err
        now = self._pylsl.local_clock()
        if stamps and now >= self._next_sync:
            try:
                offset = (self.time_correction() if self.time_correction is not None
                          else self._inlet.time_correction(timeout=self.resolve_s))
                self._sync.add(now - offset, offset)
            except Exception:  # pylsl.TimeoutError: keep the last fit
                pass
            self._next_sync = now + self.sync_s
        self.received += len(stamps)
        return [(str(s[0]) if s else "", float(self._sync.to_local(t)) + self._mono)
                for s, t in zip(samples, stamps)]

    def start(self, on_marker: OnMarker, on_error: "Callable[[BaseException], None] | None" = None) -> None:
        """Open if needed, then call ``on_marker(text, t_monotonic)`` from a reader thread."""
        if self._inlet is None:
            self.open()
        self._halt.clear()

        def run() -> None:
            while not self._halt.is_set():
                try:
                    for text, t in self.pull(timeout=0.05):
                        on_marker(text, t)
                except DeviceConnectionError as err:
                    if on_error is not None:
                        on_error(err)
                    return

        self._thread = threading.Thread(target=run, name="emgfeedback-lsl-markers", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the reader and disconnect; idempotent."""
        self._halt.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
        inlet, self._inlet = self._inlet, None
        if inlet is not None:
            try:
                inlet.close_stream()
            except Exception:  # already gone
                pass


class LineMarkers:
    """Typed lines as markers: each line (Enter) is ``on_marker(line, t_monotonic)``.

    Parameters
    ----------
    stream : text file
        Where lines come from (``sys.stdin`` when it is a terminal).
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._thread: "threading.Thread | None" = None

    def start(self, on_marker: OnMarker) -> None:
        """Read lines on a daemon thread until the stream ends."""
        def run() -> None:
            for line in iter(self.stream.readline, ""):
                on_marker(line.strip(), time.monotonic())

        self._thread = threading.Thread(target=run, name="emgfeedback-line-markers", daemon=True)
        self._thread.start()
