"""Trial results as JSON-ready data and as one CSV table (one row per rep, many files).

Numbers that could not be computed (a muscle that never fired, a ratio without a working
gluteus medius) are ``null`` in JSON and empty cells in CSV, never NaN. A CSV text cell (a file
name, a channel label) that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, tab or carriage return) is written with a leading ``'``; numbers are written as
they are. Reps are numbered from
1 for users (``rep``); times are seconds from the start of the recording.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import IO, Iterable, Sequence

import numpy as np

from emgfeedback.analysis.result import TrialResult
from emgfeedback.measures import RepMetrics
from emgfeedback.model import Muscle, Side

__all__ = ["trial_to_dict", "trial_to_json", "rep_rows", "csv_columns", "columns_for", "csv_cell", "write_csv",
           "write_rows"]

_SIDE_FIELDS = ("first_to_fire", "firing_order", "gmax_minus_es_ms", "tfl_to_glute_ratio",
                "gluteal_to_tfl_index")


def _num(v: object, nd: int = 3) -> "float | None":
    if v is None:
        return None
    f = float(v)  # type: ignore[arg-type]
    return round(f, nd) if math.isfinite(f) else None


def _side_summary(result: TrialResult, side: Side) -> dict:
    ss = result.sides.get(side)
    if ss is None:
        return {"first_to_fire": None, "first_to_fire_counts": {}, "reps_ordered": 0,
                "gmax_minus_es_onset_ms": None, "glute_first_pct": None, "tfl_to_glute_ratio": None, "gluteal_to_tfl_index": None}
    return {
        "first_to_fire": None if ss.first_to_fire is None else ss.first_to_fire.value,
        "first_to_fire_counts": {m.value: n for m, n in ss.first_counts.items()},
        "reps_ordered": ss.n_ordered,
        "gmax_minus_es_onset_ms": _num(ss.gmax_minus_es_ms, 1),
        "glute_first_pct": _num(ss.glute_first_pct, 1),
        "tfl_to_glute_ratio": _num(ss.tfl_to_glute_ratio, 3),
        "gluteal_to_tfl_index": _num(ss.gluteal_to_tfl_index, 1),
    }


def _rep_dict(r: RepMetrics) -> dict:
    return {
        "rep": r.index + 1,
        "protocol": r.protocol or None, "set": r.set_number or None, "rep_in_set": r.rep_number or None,
        "artefact": r.artefact or None,
        "start_s": _num(r.start_s, 4), "end_s": _num(r.end_s, 4),
        "side": "both" if r.side is None else r.side.value,
        "active": list(r.active),
        "onset_s": {c: _num(t, 4) for c, t in r.onset_s.items()},
        "amplitude_uv": {c: _num(a, 2) for c, a in r.mean_uv.items()},
        "pct_mvc": {c: _num(a, 1) for c, a in r.pct_mvc.items()},
        "firing_order": {s.value: [m.value for m in fo.order] for s, fo in r.firing_order.items()},
        "gmax_minus_es_ms": {s.value: _num(v, 1) for s, v in r.gmax_minus_es_ms.items()},
        "tfl_to_glute_ratio": {s.value: _num(v, 3) for s, v in r.tfl_to_glute_ratio.items()},
        "gluteal_to_tfl_index": {s.value: _num(v, 1) for s, v in r.gluteal_to_tfl_index.items()},
        "symmetry_index": {m.value: _num(v, 1) for m, v in r.symmetry_pct.items()},
        "mdf_hz": {c: _num(v, 1) for c, v in r.mdf_hz.items()},
    }


def trial_to_dict(result: TrialResult, *, details: bool = True) -> dict:
    """A trial result as plain JSON-ready data.

    ``summary`` holds, per side (``left``, ``right``), ``first_to_fire`` (muscle id),
    ``gmax_minus_es_onset_ms`` (median of GMax − ES onset, ms: negative when glute max fires
    first), ``glute_first_pct``,
    ``tfl_to_glute_ratio`` and ``gluteal_to_tfl_index`` (medians over reps), and per muscle
    (``glute_max`` …) ``symmetry_index`` (%). ``channels_summary`` gives bursts and the
    median-frequency slope per channel.

    Parameters
    ----------
    result : TrialResult
        From :func:`~emgfeedback.analysis.trial.analyze_trial`.
    details : bool
        Include the per-rep list and every onset (False: summaries only).
    """
    summary: dict = {s.value: _side_summary(result, s) for s in Side}
    for m in Muscle:
        summary[m.value] = {"symmetry_index": _num(result.symmetry_index.get(m), 1)}
    per_channel = {}
    for name in result.channels:
        fat = result.fatigue.get(name)
        mdf = None if fat is None else fat.mdf_hz[np.isfinite(fat.mdf_hz)]
        per_channel[name] = {
            "bursts": len(result.onsets_for(name)),
            "median_mdf_hz": None if mdf is None or not mdf.size else _num(np.median(mdf), 1),
            "mdf_windows": 0 if mdf is None else int(mdf.size),
            "mdf_slope_pct_per_min": None if fat is None else _num(fat.slope_pct_per_min, 2),
        }
    out = {
        "file": result.source, "fs_hz": result.fs, "duration_s": _num(result.duration_s, 3),
        "channels": list(result.channels), "labels": list(result.labels), "glute_channels": result.glute,
        "n_reps": result.summary.n_reps, "n_artefacts": result.summary.n_artefacts, "summary": summary, "channels_summary": per_channel,
        "notes": list(result.notes), "settings": result.settings.to_dict(),
    }
    if details:
        out["reps"] = [_rep_dict(r) for r in result.reps]
        out["onsets"] = [{"channel": o.channel, "onset_s": _num(o.onset_s, 4), "offset_s": _num(o.offset_s, 4)}
                         for o in result.onsets]
    return out


def trial_to_json(result: TrialResult, *, details: bool = True) -> str:
    """:func:`trial_to_dict` as one line of JSON."""
    return json.dumps(trial_to_dict(result, details=details), ensure_ascii=False)


def rep_rows(result: TrialResult) -> list[dict[str, object]]:
    """One flat row per rep (column names as in :func:`csv_columns`), None where unknown."""
    rows = []
    for r in result.reps:
        row: dict[str, object] = {
            "file": result.source, "rep": r.index + 1, "start_s": _num(r.start_s, 4),
            "end_s": _num(r.end_s, 4), "duration_s": _num(r.duration_s, 4),
            "side": "both" if r.side is None else r.side.value,
            "protocol": r.protocol or None, "set": r.set_number or None, "rep_in_set": r.rep_number or None,
            "artefact": r.artefact or None,
        }
        for s in Side:
            fo = r.firing_order.get(s)
            row[f"{s.value}_first_to_fire"] = None if fo is None else fo.first.value
            row[f"{s.value}_firing_order"] = None if fo is None else ">".join(m.value for m in fo.order)
            row[f"{s.value}_gmax_minus_es_ms"] = _num(r.gmax_minus_es_ms.get(s), 1)
            row[f"{s.value}_tfl_to_glute_ratio"] = _num(r.tfl_to_glute_ratio.get(s), 4)
            row[f"{s.value}_gluteal_to_tfl_index"] = _num(r.gluteal_to_tfl_index.get(s), 2)
        for m in Muscle:
            row[f"symmetry_{m.value}"] = _num(r.symmetry_pct.get(m), 2)
        for c in result.channels:
            row[f"{c}_onset_s"] = _num(r.onset_s.get(c), 4)
            row[f"{c}_amplitude_uv"] = _num(r.mean_uv.get(c), 3)
            row[f"{c}_mdf_hz"] = _num(r.mdf_hz.get(c), 2)
        rows.append(row)
    return rows


def csv_columns(results: Sequence[TrialResult]) -> list[str]:
    """Columns of the CSV table: fixed columns, then per-channel ones in first-seen order."""
    return columns_for(res.channels for res in results)


def columns_for(channel_lists: Iterable[Sequence[str]]) -> list[str]:
    """:func:`csv_columns` from each file's channel names (batch analysis keeps only these)."""
    cols = ["file", "rep", "start_s", "end_s", "duration_s", "side", "protocol", "set", "rep_in_set", "artefact"]
    cols += [f"{s.value}_{f}" for s in Side for f in _SIDE_FIELDS]
    cols += [f"symmetry_{m.value}" for m in Muscle]
    seen: list[str] = []
    for channels in channel_lists:
        seen += [c for c in channels if c not in seen]
    cols += [f"{c}_{k}" for c in seen for k in ("onset_s", "amplitude_uv", "mdf_hz")]
    return cols


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A value as a CSV cell: ``""`` for None; text a spreadsheet would run as a formula gets a
    leading ``'`` (formula injection); numbers (negative ones too) unchanged."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(results: Iterable[TrialResult], out: "str | Path | IO[str]") -> int:
    """Write one CSV table of every rep of every result; returns the number of rows.

    Parameters
    ----------
    results : iterable of TrialResult
        One per file.
    out : path or text file
        Where to write (a path is overwritten; UTF-8).
    """
    res = list(results)
    return write_rows(csv_columns(res), (row for r in res for row in rep_rows(r)), out)


def write_rows(columns: Sequence[str], rows: Iterable[dict], out: "str | Path | IO[str]") -> int:
    """Write rows of :func:`rep_rows` under ``columns`` (:func:`columns_for`) as the CSV table of
    :func:`write_csv`; returns the number of rows."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([csv_cell(c) for c in columns])
    n = 0
    for row in rows:
        w.writerow([csv_cell(row.get(c)) for c in columns])
        n += 1
    if isinstance(out, (str, Path)):
        Path(out).write_text(buf.getvalue(), encoding="utf-8")
    else:
        out.write(buf.getvalue())
    return n
