"""While the dashboard is open, Python's cyclic garbage is collected in the GUI thread only: a
worker thread that allocates a lot no longer runs the collector (where freeing a Qt object in a
cycle can deadlock the window), and the GUI thread's timer collects it instead."""

from __future__ import annotations

import gc
import threading

from emgfeedback.app.bridge import SessionBridge
from emgfeedback.app.main_window import MainWindow
from emgfeedback.app.panels import RecentDevices


class _Probe:
    """A reference cycle that says in which thread it was collected."""

    def __init__(self, seen: list) -> None:
        self.seen = seen
        self.cycle = self

    def __del__(self) -> None:
        self.seen.append(threading.current_thread().name)


def test_cycles_are_collected_in_the_gui_thread_not_in_a_busy_worker(qtbot, tmp_path) -> None:
    win = MainWindow("sim://", bridge=SessionBridge(fps=60.0), recent=RecentDevices(tmp_path / "r.json"),
                     scenarios=[], db_path=tmp_path / "db.sqlite3")
    qtbot.addWidget(win)
    assert not gc.isenabled()
    seen: list[str] = []
    _Probe(seen)  # garbage at once, but only a collection frees it

    def allocate() -> None:  # far past gen-0's threshold: Python would collect here, in the worker
        keep = [[] for _ in range(200_000)]
        del keep

    worker = threading.Thread(target=allocate, name="busy-worker")
    worker.start()
    worker.join()
    assert seen == []
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)  # the GUI thread's timer
    assert seen == [threading.main_thread().name]
