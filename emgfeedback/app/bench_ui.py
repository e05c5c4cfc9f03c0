"""``emgfeedback bench --ui``: how the dashboard keeps up, measured offscreen.

Two parts, one report:

1. **Real time** (``duration_s`` of wall time): the main window on ``sim://`` (8 channels ×
   2 kHz, 10 s trace window), its redraw timer set to 60 Hz so the frame rate shows headroom
   above the dashboard's own 30 Hz. Per frame the UI-thread time is the update of every widget
   plus painting, at once, everything that frame marked dirty; latency is from the moment the session worker
   received the newest block to the end of the frame that shows it.
   With ``audio`` the real-time part runs a second time with audio feedback on (every mode for
   the exercise; the default output device, else the paced null output), and both are reported.
2. **A simulated hour, fast** (``hour_s`` of stream, ``sim://?realtime=0``): the same window,
   session and pipeline with a protocol running, one frame per 2 s of stream, resident memory
   sampled along the way; growth is reported from the end of the first tenth (warm-up) to the
   end.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np

__all__ = ["run_ui_benchmark", "format_ui_report"]


def _rss_mb() -> float:
    """Resident set size of this process, MB (Linux /proc; falls back to peak RSS)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def _app() -> Any:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from emgfeedback.app.theme import STYLE_SHEET

    app = QApplication.instance() or QApplication(["emgfeedback-bench"])
    app.setStyleSheet(STYLE_SHEET)
    return app


def _window(url: str, fps: float) -> Any:
    import tempfile
    from pathlib import Path

    from emgfeedback.app.bridge import SessionBridge
    from emgfeedback.app.main_window import MainWindow
    from emgfeedback.app.panels import RecentDevices

    recent = RecentDevices(Path(tempfile.gettempdir()) / "emgfeedback-bench-recent.json")
    win = MainWindow(url, bridge=SessionBridge(fps=fps), recent=recent, scenarios=[])
    win.resize(1600, 1000)
    win.show()
    return win


def _connect(app: Any, win: Any, scenario: str, timeout_s: float = 30.0) -> None:
    """Connect and wait (processing events) until the device streams: it opens on the worker."""
    if not win.connect_device():
        raise RuntimeError(f"benchmark could not open sim://?scenario={scenario}")
    deadline = time.perf_counter() + timeout_s
    while win.info is None:
        if time.perf_counter() > deadline or not win.bridge.live:
            raise RuntimeError(f"benchmark could not open sim://?scenario={scenario}: "
                               f"{win.connect_panel.status.text()}")
        app.processEvents()
        time.sleep(0.005)


def _audio_on(win: Any) -> dict:
    """Audio feedback on, every mode for the exercise: the default device, else the null output."""
    from emgfeedback.audio import AUDIO_MODES

    ctl = win.audio_controls
    ctl.sound.setChecked(True)
    fallback = ""
    if not ctl.output.active:
        fallback = ctl.output.status
        ctl.output.device = "null"
        ctl.set_sound(True)
    win.protocol_panel.select("prone_hip_extension")
    ctl.set_modes(AUDIO_MODES)
    return {"audio_output": ctl.output.status, "audio_fallback": fallback}


def _real_time(app: Any, duration_s: float, scenario: str, audio: bool = False) -> dict:
    win = _window(f"sim://?scenario={scenario}", fps=60.0)
    sound = _audio_on(win) if audio else {}
    frame_ms: list[float] = []
    cpu_ms: list[float] = []
    latency_ms: list[float] = []
    win.bridge.tick.disconnect(win.on_tick)

    def frame(updates: list) -> None:
        t0, c0 = time.perf_counter(), time.thread_time()
        win.on_tick(updates)
        win.repaint_pending()  # the paints this frame asked for, done now and timed
        frame_ms.append((time.perf_counter() - t0) * 1000.0)
        cpu_ms.append((time.thread_time() - c0) * 1000.0)
        arrivals = [u.arrival_s for u in updates if np.isfinite(u.arrival_s)]
        if arrivals:
            latency_ms.append((time.monotonic() - max(arrivals)) * 1000.0)

    win.bridge.tick.connect(frame)
    _connect(app, win, scenario)
    frame_ms.clear()
    cpu_ms.clear()
    latency_ms.clear()
    win.start_protocol("prone_hip_extension")
    t_start = time.perf_counter()
    deadline = t_start + duration_s
    while time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.001)
    elapsed = time.perf_counter() - t_start
    live = win.bridge.live
    dropped = live.dropped_updates if live else 0
    if audio:
        out = win.audio_controls.output
        sound.update(audio_sound_latency=out.latency_text(), audio_underruns=out.underruns,
                     audio_samples=win.audio_controls.feedback.samples)
    win.close()
    ms = np.array(frame_ms) if frame_ms else np.array([np.nan])
    cpu = np.array(cpu_ms) if cpu_ms else np.array([np.nan])
    lat = np.array(latency_ms) if latency_ms else np.array([np.nan])
    return {
        "fps": round(len(frame_ms) / elapsed, 1),
        "ui_ms_p50": round(float(np.percentile(ms, 50)), 2),
        "ui_ms_p95": round(float(np.percentile(ms, 95)), 2),
        "ui_ms_max": round(float(np.max(ms)), 2),
        "ui_cpu_ms_p50": round(float(np.percentile(cpu, 50)), 2),
        "ui_cpu_ms_p95": round(float(np.percentile(cpu, 95)), 2),
        "latency_ms_p50": round(float(np.percentile(lat, 50)), 1),
        "latency_ms_p95": round(float(np.percentile(lat, 95)), 1),
        "frames": len(frame_ms),
        "dropped_updates": dropped,
        "wall_s": round(elapsed, 2),
        **sound,
    }


def _hour(app: Any, hour_s: float, scenario: str) -> dict:
    win = _window(f"sim://?scenario={scenario}&realtime=0&block=4000", fps=50.0)
    _connect(app, win, scenario)
    win.bridge.timer.stop()  # frames are driven by stream time below, not the wall clock
    win.start_protocol("glute_squeeze")
    live = win.bridge.live
    samples: list[tuple[float, float]] = []
    next_frame, next_mem = 0.0, 0.0
    t0 = time.perf_counter()
    while live is not None and live.running and live.stream_t_s < hour_s:
        if live.stream_t_s >= next_frame:
            win.on_tick(live.drain_all())
            win.repaint_pending()
            next_frame = live.stream_t_s + 2.0
        if live.stream_t_s >= next_mem:
            samples.append((live.stream_t_s, _rss_mb()))
            next_mem = live.stream_t_s + hour_s / 50.0
        app.processEvents()
        time.sleep(0.002)
    samples.append((live.stream_t_s if live else 0.0, _rss_mb()))
    wall = time.perf_counter() - t0
    reps = len(win.reps)
    win.close()
    warm = next((mb for t, mb in samples if t >= hour_s / 10.0), samples[0][1])
    return {
        "hour_stream_s": round(samples[-1][0], 1),
        "hour_wall_s": round(wall, 1),
        "rss_start_mb": round(samples[0][1], 1),
        "rss_after_warmup_mb": round(warm, 1),
        "rss_end_mb": round(samples[-1][1], 1),
        "memory_growth_mb": round(samples[-1][1] - warm, 1),
        "hour_reps": reps,
    }


def run_ui_benchmark(duration_s: float = 10.0, *, hour_s: float = 3600.0,
                     scenario: str = "lbp-lumbar-first", audio: bool = True) -> dict:
    """Measure the dashboard offscreen; returns a JSON-able dict.

    Parameters
    ----------
    duration_s : float
        Wall time of the real-time part, s.
    hour_s : float
        Stream time of the fast memory run, s (0 skips it).
    scenario : str
        Simulator scenario.
    audio : bool
        Also run the real-time part with audio feedback on; its figures get the prefix ``audio_``.

    Returns
    -------
    dict
        ``fps``, ``ui_ms_p50``, ``ui_ms_p95``, ``ui_ms_max``, ``ui_cpu_ms_p50``,
        ``ui_cpu_ms_p95`` (UI-thread CPU time per frame), ``latency_ms_p50``,
        ``latency_ms_p95``, ``frames``, ``dropped_updates`` and, with ``hour_s``,
        ``memory_growth_mb`` and the RSS figures, plus the targets.
    """
    if not duration_s > 0:
        raise ValueError(f"duration_s must be a positive number of seconds, got {duration_s!r}")
    if hour_s < 0:
        raise ValueError(f"hour_s must be >= 0 s, got {hour_s!r}")
    app = _app()
    result: dict = {"channels": 8, "fs_hz": 2000.0, "window_s": 10.0, "timer_hz": 60.0,
                    "platform": os.environ.get("QT_QPA_PLATFORM", "")}
    result.update(_real_time(app, duration_s, scenario))
    if audio:
        with_audio = _real_time(app, duration_s, scenario, audio=True)
        result.update({k if k.startswith("audio_") else f"audio_{k}": v for k, v in with_audio.items()})
    if hour_s > 0:
        result.update(_hour(app, hour_s, scenario))
    result["targets"] = {"fps_min": 30.0, "ui_ms_p95_max": 15.0, "memory": "flat"}
    return result


def format_ui_report(r: dict) -> str:
    """A short human-readable report of :func:`run_ui_benchmark`'s result."""
    lines = [
        f"dashboard, {r['channels']} channels x {r['fs_hz']:g} Hz, {r['window_s']:g} s window, "
        f"platform {r['platform'] or 'default'}, redraw timer {r['timer_hz']:g} Hz",
        f"  frames per second     {r['fps']:7.1f}   (target >= 30)",
        f"  UI thread per frame   p50 {r['ui_ms_p50']:.1f} ms, p95 {r['ui_ms_p95']:.1f} ms, "
        f"max {r['ui_ms_max']:.1f} ms   (target p95 <= 15 ms)",
        f"  UI thread CPU/frame   p50 {r['ui_cpu_ms_p50']:.1f} ms, p95 {r['ui_cpu_ms_p95']:.1f} ms   "
        "(CPU time of the UI thread: less sensitive to other load)",
        f"  block arrival->frame  p50 {r['latency_ms_p50']:.0f} ms, p95 {r['latency_ms_p95']:.0f} ms",
        f"  updates dropped       {r['dropped_updates']}",
    ]
    if "audio_fps" in r:
        lines += [
            f"  with audio ({r['audio_output']}):",
            f"    frames per second   {r['audio_fps']:7.1f}   (without audio {r['fps']:.1f}; "
            f"ratio {r['audio_fps'] / max(r['fps'], 1e-9):.2f})",
            f"    UI thread per frame p50 {r['audio_ui_ms_p50']:.1f} ms, p95 {r['audio_ui_ms_p95']:.1f} ms, "
            f"max {r['audio_ui_ms_max']:.1f} ms   (without audio p95 {r['ui_ms_p95']:.1f} ms)",
            f"    block arrival->frame p50 {r['audio_latency_ms_p50']:.0f} ms, p95 {r['audio_latency_ms_p95']:.0f} ms; "
            f"sounds: {r['audio_sound_latency'] or 'none started'}, underruns {r['audio_underruns']}",
        ]
        if r.get("audio_fallback"):
            lines.append(f"    ({r['audio_fallback']}: used the null output)")
    if "memory_growth_mb" in r:
        lines.append(
            f"  simulated {r['hour_stream_s']:.0f} s in {r['hour_wall_s']:.0f} s: RSS {r['rss_after_warmup_mb']:.0f} MB "
            f"after warm-up -> {r['rss_end_mb']:.0f} MB at the end (growth {r['memory_growth_mb']:+.1f} MB, "
            f"{r['hour_reps']} reps kept)")
    lines.append("  (shared 2-core machine: figures are noisy)")
    return "\n".join(lines)
