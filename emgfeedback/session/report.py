"""The session report: the analysis layer's HTML report for a recorded session (``emgfeedback
analyze FILE --report OUT.html`` as a function the dashboard runs off the UI thread)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:  # pragma: no cover
    from emgfeedback.settings import ProcessingSettings

__all__ = ["write_session_report", "report_path"]


def report_path(recording: "str | Path") -> Path:
    """Where the report of ``recording`` goes: beside it, ``.html`` instead of ``.edf``."""
    return Path(recording).with_suffix(".html")


def write_session_report(recording: "str | Path", out: "str | Path | None" = None, *,
                         mvc_uv: "Mapping[str, float] | None" = None, mvc_note: str = "",
                         settings: "ProcessingSettings | None" = None) -> Path:
    """Analyse a recording and write its self-contained HTML report.

    Parameters
    ----------
    recording : str or Path
        The EDF+/BDF+ file.
    out : str or Path, optional
        Report file (default :func:`report_path`).
    mvc_uv : mapping of str to float, optional
        MVC values per channel id, µV (adds %MVC and the gluteal-to-TFL index); the report
        lists them.
    mvc_note : str
        Where the MVC came from, named in the report (e.g. "MVC measured 2026-11-26 14:32 …").
    settings : ProcessingSettings, optional
        Processing settings; default the ones the recording says made its annotations (so the
        report shows what the dashboard showed), else the defaults.

    Returns
    -------
    Path
        The report.

    Raises
    ------
    RecordingError
        The file cannot be read.
    PipelineError
        No rep was found in the recording.
    """
    from emgfeedback.analysis import load_recording, write_report
    from emgfeedback.analysis.chunked import analyze_file

    rec = load_recording(recording, samples=False)  # EDF/BDF samples are read in blocks by analyze_file
    st = settings if settings is not None else rec.settings
    result = analyze_file(rec, rec.labels, settings=st, mvc_uv=dict(mvc_uv) if mvc_uv else None,
                          onset_baseline=rec.baseline if settings is None else None,
                          protocol_runs=rec.protocol_runs, source=str(recording))
    target = Path(out) if out is not None else report_path(recording)
    return write_report([result], target, title=f"emgfeedback session {Path(recording).stem}",
                        mvc_uv=dict(mvc_uv) if mvc_uv else None, mvc_note=mvc_note)
