"""A recording played through the one acquisition loop in tests: every rep the live session
found, as the dashboard would have shown them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emgfeedback.measures import RepMetrics

__all__ = ["replay_reps"]


def replay_reps(path: "str | Path", *, block: int = 50, timeout_s: float = 60.0, **session: Any
                ) -> "tuple[Any, list[RepMetrics]]":
    """Play ``path`` through :class:`~emgfeedback.session.LiveSession` (``replay://`` at full
    speed, ``block`` samples a block) to its end; returns the stopped session and its reps.

    Raises
    ------
    AssertionError
        The replay did not end by itself within ``timeout_s`` s, or ended with an error.
    """
    from emgfeedback.devices import open_device
    from emgfeedback.session import LiveSession

    live = LiveSession(open_device(f"replay://{path}?speed=0&block={int(block)}"), **session)
    live.start()
    ended = live.wait(timeout_s)
    live.stop()
    assert ended, f"replay of {path} did not end within {timeout_s:g} s"
    assert live.stopped_by == "end of stream" and live.error is None, (live.stopped_by, live.error)
    return live, [r for u in live.drain_results() for r in u.reps]
