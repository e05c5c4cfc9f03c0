"""Python's cyclic garbage collector, run in the GUI thread only while the dashboard is open.

Worker threads (the session, the device readers) allocate most objects, so Python's automatic
collector usually runs in one of them. When it frees a Qt object that sat in a reference cycle,
the object's C++ destructor runs in that thread, takes Qt's locks and then waits for the
interpreter lock, which the GUI thread holds while it waits, in a destructor of its own, for
those same Qt locks: the window freezes for good (seen in the test suite: every thread idle,
the GUI thread in ``QObject::~QObject``, a reader thread in ``gc_collect_main``). pyqtgraph's
``GarbageCollector`` (made for exactly this) turns automatic collection off and collects on a
QTimer in the GUI thread instead.
"""

from __future__ import annotations

import gc

from pyqtgraph.util.garbage_collector import GarbageCollector

__all__ = ["collect_in_gui_thread", "restore_automatic_collection"]

_active: "GarbageCollector | None" = None


def collect_in_gui_thread(interval_s: float = 1.0) -> None:
    """From now on collect only in this (the GUI) thread, every ``interval_s`` s while the event
    loop runs; idempotent. Needs a QApplication."""
    global _active
    if _active is None:
        _active = GarbageCollector(interval=interval_s)


def restore_automatic_collection() -> None:
    """Collect now, in this thread, and give collection back to Python (after the last window
    closed: tests, benchmarks)."""
    global _active
    if _active is not None:
        _active.timer.stop()
        _active = None
    gc.collect()
    gc.enable()
