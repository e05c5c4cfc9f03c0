"""One self-contained, printable HTML report for one or more analysed trials.

Everything is inline (CSS and SVG figures drawn by :mod:`emgfeedback.analysis.svg`): the file
opens offline, can be e-mailed as one attachment and prints one trial per page.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from pathlib import Path
from typing import Mapping, Sequence

from emgfeedback import __version__
from emgfeedback.analysis import _plots
from emgfeedback.analysis.result import TrialResult
from emgfeedback.measures import latency_text
from emgfeedback.model import Channel, Side
from emgfeedback.storage.private_files import write_output

__all__ = ["render_report", "trial_section", "assemble_report", "write_report", "MAX_TABLE_REPS"]

#: Reps listed in each trial's table (all reps are in the CSV export).
MAX_TABLE_REPS = 60

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;max-width:800px;margin:1em auto;padding:0 1em}
h1{font-size:1.4em;margin-bottom:.2em} h2{font-size:1.2em;border-bottom:2px solid #1b4f72;padding-bottom:.2em}
h3{font-size:1em;margin:1em 0 .3em} .meta{color:#555;font-size:.9em}
table{border-collapse:collapse;font-size:.85em;margin:.4em 0} th,td{border:1px solid #bbb;padding:2px 6px;text-align:right}
th{background:#eef2f5} td.l,th.l{text-align:left}
.notes{background:#fff8e1;border-left:4px solid #b9770e;padding:.3em .8em;font-size:.9em}
.figs{display:flex;flex-wrap:wrap;gap:12px} figure{margin:0} svg{max-width:100%;height:auto}
.trial{margin-bottom:2em}
@media print{body{max-width:none;margin:0} .trial{page-break-before:always} .trial:first-of-type{page-break-before:auto}
 figure,table{page-break-inside:avoid} a{color:inherit;text-decoration:none}}
"""


def _e(s: object) -> str:
    return html.escape(str(s))


def _f(v: "float | None", fmt: str, unit: str = "") -> str:
    if v is None or not math.isfinite(v):
        return "—"
    return f"{v:{fmt}}{unit}"


def _channel_label(name: str) -> str:
    try:
        return Channel.parse(name).label
    except (KeyError, ValueError):
        return name


def _mvc_section(used: bool, channels: "Sequence[str]", mvc_uv: "Mapping[str, float] | None", mvc_note: str) -> str:
    """Which MVC the %MVC values and the gluteal-to-TFL index are relative to (``used``: some
    rep has %MVC values; ``channels``: every trial's channel names)."""
    if not mvc_uv:
        if used:
            return ('<div class="notes">%MVC values and the gluteal-to-TFL index in this report use MVC '
                    "values the report was not given: check which MVC was used before comparing.</div>")
        return "<p class=meta>No MVC: amplitudes are in µV and the gluteal-to-TFL index (it needs %MVC) is not computed.</p>"
    values = {_channel_label(k): v for k, v in mvc_uv.items()}
    cells = "".join(f"<tr><td class=l>{_e(k)}</td><td>{_f(v, '.0f')}</td></tr>" for k, v in values.items())
    names = dict.fromkeys(_channel_label(c) for c in channels)
    missing = [n for n in names if n not in values]
    tail = (f"<p class=meta>No MVC (no %MVC) for {_e(', '.join(missing))}.</p>" if missing else "")
    return ("<h2>MVC used</h2><p>%MVC values and the gluteal-to-TFL index in this report are relative to: "
            f"<b>{_e(mvc_note or 'an MVC whose source was not recorded')}</b>.</p>"
            "<table><tr><th class=l>channel</th><th>MVC (µV)</th></tr>" + cells + "</table>" + tail)


def _side_rows(res: TrialResult, index_head: str = "gluteal-to-TFL index") -> str:
    rows = []
    for s in Side:
        ss = res.sides.get(s)
        if ss is None:
            continue
        first = "—" if ss.first_to_fire is None else (
            f"{ss.first_to_fire.full_name} ({ss.first_counts.get(ss.first_to_fire, 0)} of {ss.n_ordered} reps)")
        lat_txt = latency_text(ss.gmax_minus_es_ms)
        rows.append(f"<tr><td class=l>{s.value}</td><td class=l>{_e(first)}</td><td>{_e(lat_txt)}</td>"
                    f"<td>{_f(ss.tfl_to_glute_ratio, '.2f')}</td><td>{_f(ss.gluteal_to_tfl_index, '.1f')}</td></tr>")
    if not rows:
        return ""
    return ("<table><tr><th class=l>side</th><th class=l>fires first (GMax, GMed, TFL, ES)</th>"
            f"<th>GMax − ES onset (median)</th><th>TFL / GMed ratio (median)</th><th>{_e(index_head)}</th></tr>"
            + "".join(rows) + "</table>")


def _symmetry_rows(res: TrialResult) -> str:
    if not res.symmetry_index:
        return ("<p class=meta>symmetry: no rep had a muscle working on both sides (a one-sided rep "
                "has no symmetry value)</p>")
    cells = "".join(f"<tr><td class=l>{_e(m.full_name)}</td><td>{_f(v, '+.1f', ' %')}</td></tr>"
                    for m, v in res.symmetry_index.items())
    return ("<table><tr><th class=l>muscle</th><th>symmetry index (L − R) / mean</th></tr>" + cells + "</table>")


def _channel_rows(res: TrialResult) -> str:
    rows = []
    for name in res.channels:
        f = res.fatigue.get(name)
        n_win = 0 if f is None else int(sum(1 for v in f.mdf_hz if math.isfinite(v)))
        slope = None if f is None else f.slope_pct_per_min
        amps = [r.mean_uv[name] for r in res.reps if name in r.active]
        mean_amp = sum(amps) / len(amps) if amps else None
        rows.append(f"<tr><td class=l>{_e(name)}</td><td>{len(res.onsets_for(name))}</td>"
                    f"<td>{_f(mean_amp, '.1f')}</td><td>{_f(slope, '+.1f')}</td><td>{n_win}</td></tr>")
    return ("<table><tr><th class=l>channel</th><th>bursts</th><th>mean amplitude when active (µV)</th>"
            "<th>median-frequency slope (%/min)</th><th>spectral windows</th></tr>" + "".join(rows) + "</table>")


def _rep_table(res: TrialResult) -> str:
    head = ("<tr><th>rep</th><th>start (s)</th><th>length (s)</th><th class=l>side</th>"
            "<th class=l>order left</th><th class=l>order right</th><th>GMax − ES L (ms, − = GMax first)</th>"
            "<th>GMax − ES R (ms)</th><th>TFL/GMed L</th><th>TFL/GMed R</th></tr>")
    rows = []
    for r in res.reps[:MAX_TABLE_REPS]:
        order = {s: " → ".join(m.label for m in r.firing_order[s].order) if s in r.firing_order else "—"
                 for s in Side}
        rows.append(
            f"<tr><td>{r.index + 1}</td><td>{r.start_s:.2f}</td><td>{r.duration_s:.2f}</td>"
            f"<td class=l>{'both' if r.side is None else r.side.value}</td>"
            f"<td class=l>{_e(order[Side.LEFT])}</td><td class=l>{_e(order[Side.RIGHT])}</td>"
            f"<td>{_f(r.gmax_minus_es_ms.get(Side.LEFT), '+.0f')}</td><td>{_f(r.gmax_minus_es_ms.get(Side.RIGHT), '+.0f')}</td>"
            f"<td>{_f(r.tfl_to_glute_ratio.get(Side.LEFT), '.2f')}</td>"
            f"<td>{_f(r.tfl_to_glute_ratio.get(Side.RIGHT), '.2f')}</td></tr>")
    more = len(res.reps) - MAX_TABLE_REPS
    tail = f"<p class=meta>{more} more reps are in the CSV export (--csv).</p>" if more > 0 else ""
    return "<table>" + head + "".join(rows) + "</table>" + tail


def _fig(svg: "str | None", caption: str) -> str:
    if svg is None:
        return ""
    return f'<figure role="img" aria-label="{_e(caption)}">{svg}</figure>'


def _trial_section(res: TrialResult, number: int, index_head: str = "gluteal-to-TFL index") -> str:
    title = res.source or f"trial {number}"
    art = res.summary.n_artefacts
    meta = (f"{res.duration_s:.1f} s at {res.fs:g} Hz · {len(res.channels)} channels · {res.summary.n_reps} reps"
            + (f" (+{art} not counted: artefacts)" if art else "") + f" · settings: {res.settings.describe()}")
    notes = "".join(f"<li>{_e(n)}</li>" for n in res.notes)
    parts = [f'<section class="trial"><h2>{_e(title)}</h2><p class=meta>{_e(meta)}</p>']
    if notes:
        parts.append(f'<div class="notes"><ul>{notes}</ul></div>')
    parts.append("<h3>Summary</h3>" + _side_rows(res, index_head) + _symmetry_rows(res) + _channel_rows(res))
    parts.append("<h3>Signals</h3>" + _fig(_plots.overview_svg(res), "envelopes over the whole trial")
                 + _fig(_plots.detail_svg(res), "first rep in detail with onsets"))
    figs = [_fig(_plots.firing_order_svg(res, s), f"firing order {s.value}") for s in Side]
    figs += [_fig(_plots.ratio_svg(res), "TFL to glute med ratio"), _fig(_plots.symmetry_svg(res), "symmetry"),
             _fig(_plots.fatigue_svg(res), "median frequency")]
    parts.append('<h3>Timing, ratios, symmetry, fatigue</h3><div class="figs">' + "".join(figs) + "</div>")
    parts.append("<h3>Reps</h3>" + _rep_table(res) + "</section>")
    return "".join(parts)


def render_report(results: Sequence[TrialResult], *, title: str = "emgfeedback trial report",
                  mvc_uv: "Mapping[str, float] | None" = None, mvc_note: str = "") -> str:
    """The HTML document for ``results`` (one section per trial).

    ``mvc_uv`` (per channel id or label, µV) and ``mvc_note`` (where it came from) name the MVC
    the %MVC values and the gluteal-to-TFL index are relative to.

    Raises
    ------
    ValueError
        If ``results`` is empty.
    """
    res = list(results)
    return assemble_report([trial_section(r, i + 1, mvc_given=bool(mvc_uv)) for i, r in enumerate(res)],
                           used_pct_mvc=any(r.pct_mvc for t in res for r in t.reps),
                           channels=[c for t in res for c in t.channels], title=title, mvc_uv=mvc_uv,
                           mvc_note=mvc_note)


def trial_section(result: TrialResult, number: int = 1, *, mvc_given: bool = False) -> str:
    """One trial's ``<section>`` of the report (``number``: its place, titles a trial without a
    source; ``mvc_given``: the report names an MVC)."""
    index_head = "gluteal-to-TFL index" + (" (%MVC of the MVC used, above)" if mvc_given else "")
    return _trial_section(result, number, index_head)


def assemble_report(sections: Sequence[str], *, used_pct_mvc: bool, channels: Sequence[str],
                    title: str = "emgfeedback trial report", mvc_uv: "Mapping[str, float] | None" = None,
                    mvc_note: str = "") -> str:
    """The HTML document around trial sections made by :func:`trial_section` (batch analysis
    renders them where the trials are analysed).

    Parameters
    ----------
    sections : sequence of str
        One ``<section>`` per trial, in order.
    used_pct_mvc : bool
        Some rep of some trial has %MVC values.
    channels : sequence of str
        The channel names of every trial.

    Raises
    ------
    ValueError
        If ``sections`` is empty.
    """
    if not sections:
        raise ValueError("results must hold at least one analysed trial")
    when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    legend = " · ".join(f'<span style="color:{c}">■ {m.full_name} ({m.label})</span>'
                        for m, c in _plots.MUSCLE_COLORS.items())
    head = (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{_e(title)}</title>"
            f"<style>{_CSS}</style></head><body><h1>{_e(title)}</h1>"
            f"<p class=meta>Made {when} by emgfeedback {__version__} · {len(sections)} trial(s) · "
            "onsets are detected automatically: check the marked onsets against the traces.</p>"
            f"<p class=meta>{legend}</p>" + _mvc_section(used_pct_mvc, channels, mvc_uv, mvc_note))
    return head + "".join(sections) + "</body></html>\n"


def write_report(results: Sequence[TrialResult], path: "str | Path", *, title: str = "emgfeedback trial report",
                 mvc_uv: "Mapping[str, float] | None" = None, mvc_note: str = "") -> Path:
    """Write :func:`render_report` to ``path`` (UTF-8, owner-only 0600 like the recordings,
    replacing a file of that name in one step); returns the path."""
    text = render_report(results, title=title, mvc_uv=mvc_uv, mvc_note=mvc_note)
    return write_output(path, text, force=True)
