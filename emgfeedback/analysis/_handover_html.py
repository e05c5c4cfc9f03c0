"""The handover report as one self-contained printable HTML document (see :mod:`.handover`)."""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
from typing import Sequence

from emgfeedback import __version__
from emgfeedback.analysis.handover import SIGN_CONVENTION, HandoverData, channel_name, number
from emgfeedback.analysis.svg import PALETTE, Plot

__all__ = ["render_html", "trend_svg"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;max-width:800px;margin:1em auto;padding:0 1em}
header{display:flex;align-items:center;gap:16px;border-bottom:2px solid #1b4f72;padding-bottom:.4em}
header img{max-height:64px;max-width:200px} .clinic{font-size:1.2em;font-weight:600} .addr{color:#555;font-size:.9em}
h1{font-size:1.4em;margin:.6em 0 .2em} h2{font-size:1.15em;border-bottom:1px solid #1b4f72;padding-bottom:.1em;margin-top:1.2em}
.meta{color:#555;font-size:.9em} table{border-collapse:collapse;font-size:.88em;margin:.4em 0}
th,td{border:1px solid #bbb;padding:3px 7px;text-align:left;vertical-align:top} th{background:#eef2f5} td.n{text-align:right}
ul.v{list-style:none;padding-left:0} ul.v li{margin:.35em 0;padding-left:.5em;border-left:4px solid #bbb}
li.met{border-color:#1e8449!important} li.notyet{border-color:#c0392b!important}
.tag{font-weight:600} .figs{display:flex;flex-wrap:wrap;gap:10px} svg{max-width:100%;height:auto}
figure{margin:0;width:340px} figcaption{font-size:.8em;font-weight:600}
.remark{background:#fff8e1;border-left:4px solid #b9770e;padding:.3em .8em;font-size:.9em}
@media print{body{max-width:none;margin:0} h2,table,figure{page-break-inside:avoid} section{page-break-inside:avoid}}
"""


def _e(s: object) -> str:
    return html.escape(str(s))


def trend_svg(unit: str, values: Sequence[float], goal: "float | None") -> "str | None":
    """A small plot of one measure per visit (visit 1 = first) with the goal as a dashed line
    (its label is the figure's caption, outside the SVG, so it wraps)."""
    vals = [float(v) for v in values]
    ok = [v for v in vals if math.isfinite(v)]
    if not ok:
        return None
    span = ok + ([goal] if goal is not None else [])
    lo, hi = min(span), max(span)
    pad = (hi - lo) * 0.15 or max(abs(hi) * 0.15, 1.0)
    n = len(vals)
    p = Plot(340, 150, (0.5, n + 0.5), (lo - pad, hi + pad), xlabel="visit", ylabel=unit.strip())
    p.axes(xticks=list(range(1, n + 1)))
    if goal is not None:
        p.hline(goal, PALETTE[2], dash="5 3").text(n + 0.45, goal, "goal", anchor="end", color=PALETTE[2])
    xs = list(range(1, n + 1))
    p.line(xs, vals, PALETTE[0], width=1.5).points(xs, vals, PALETTE[0])
    return p.render()


def _header(d: HandoverData) -> str:
    c = d.clinic
    if c is None:
        return ""
    logo = ""
    if c.logo_png:
        logo = f'<img alt="clinic logo" src="data:image/png;base64,{base64.b64encode(c.logo_png).decode("ascii")}">'
    addr = f'<div class="addr">{_e(c.address)}</div>' if c.address else ""
    return f'<header>{logo}<div><div class="clinic">{_e(c.name)}</div>{addr}</div></header>'


def _plan(d: HandoverData) -> str:
    if not d.exercises:
        return "<h2>Plan</h2><p class=meta>No exercise plan is stored for this patient.</p>"
    rows = "".join(f"<tr><td>{_e(x.name)}</td><td>{_e(x.dose)}</td><td>{_e('; '.join(x.targets) or '—')}</td>"
                   f"<td>{'yes' if x.run else 'no'}</td></tr>" for x in d.exercises)
    return ("<h2>Plan and exercises</h2><table><tr><th>exercise</th><th>dose</th><th>goals</th>"
            "<th>done this visit</th></tr>" + rows + "</table>")


def _mvc(d: HandoverData) -> str:
    if not d.mvc_uv:
        return "<h2>MVC used</h2><p class=meta>No MVC: amplitudes are not expressed as % of maximum.</p>"
    when = f"measured {_e(d.mvc_date)}" if d.mvc_date else "measurement date not recorded"
    rows = "".join(f"<tr><td>{_e(channel_name(ch))}</td><td class=n>{v:.0f}</td></tr>" for ch, v in d.mvc_uv.items())
    return (f"<h2>MVC used</h2><p>Maximum voluntary contraction ({when}); % of maximum values are relative "
            "to these.</p><table><tr><th>muscle</th><th>MVC (µV)</th></tr>" + rows + "</table>")


def _verdicts(d: HandoverData) -> str:
    if not d.verdicts:
        return "<h2>This visit</h2><p class=meta>No exercise with goals was measured in this visit.</p>"
    cls = {True: "met", False: "notyet", None: ""}
    items = "".join(f'<li class="{cls[v.met]}">{_e(v.text)} — <span class=tag>{_e(v.outcome)}</span></li>'
                    for v in d.verdicts)
    return f'<h2>This visit</h2><ul class="v">{items}</ul>'


def _comparison(d: HandoverData) -> str:
    comps = d.comparisons
    if not comps:
        return ""
    n = len(d.visit_dates)
    dates = (f"first visit {d.visit_dates[0]}, previous {d.visit_dates[-2]}" if n > 1 else "")
    rows = "".join(f"<tr><td>{_e(c.label)}</td><td class=n>{_e(number(c.first, c.unit))}</td>"
                   f"<td class=n>{_e(number(c.previous, c.unit))}</td><td class=n>{_e(number(c.this, c.unit))}</td>"
                   f"<td>{_e(c.words)}</td></tr>" for c in comps)
    return (f"<h2>Compared with earlier visits</h2><p class=meta>{_e(dates)}</p><table><tr><th>measure</th>"
            "<th>first</th><th>previous</th><th>this visit</th><th>change</th></tr>" + rows + "</table>")


def _measured(d: HandoverData) -> str:
    if not d.measured:
        return ""
    rows = "".join(f"<tr><td>{_e(a)}</td><td>{_e(b)}</td></tr>" for a, b in d.measured)
    return "<h2>Measured</h2><table><tr><th>measure</th><th>value</th></tr>" + rows + "</table>"


def _trends(d: HandoverData) -> str:
    figs = []
    for t in d.trends:
        svg = trend_svg(t.unit, t.values, t.goal)
        if svg is not None:
            figs.append(f'<figure role="img" aria-label="{_e(t.label)}"><figcaption>{_e(t.label)}</figcaption>'
                        f'{svg}</figure>')
    if not figs or len(d.visit_dates) < 2:
        return ""
    return '<section><h2>Trends</h2><div class="figs">' + "".join(figs) + "</div></section>"


def _notes(d: HandoverData) -> str:
    n = d.notes or {}
    parts = []
    if n.get("pain") is not None:
        parts.append(f"<li>Pain: {_e(n['pain'])} / 10</li>")
    if n.get("rpe") is not None:
        parts.append(f"<li>Effort (RPE, 0–10): {_e(format(float(n['rpe']), 'g'))}</li>")
    if n.get("text"):
        parts.append(f"<li>{_e(n['text'])}</li>")
    body = "<ul>" + "".join(parts) + "</ul>" if parts else "<p class=meta>No notes for this visit.</p>"
    return "<h2>Session notes</h2>" + body


def render_html(d: HandoverData) -> str:
    """See :func:`emgfeedback.analysis.handover.render_handover_html`."""
    n = len(d.visit_dates)
    visit = f" · visit {n} of {n}" if n else ""
    remarks = "".join(f'<p class="remark">{_e(r)}</p>' for r in d.remarks)
    made = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{_e(d.title)} {_e(d.patient_code)}"
            f"</title><style>{_CSS}</style></head><body>{_header(d)}"
            f"<h1>{_e(d.title)}</h1><p><b>Patient {_e(d.patient_code)}</b> · visit date {_e(d.visit_date)}{visit}</p>"
            f"<p class=meta>{_e(SIGN_CONVENTION)}</p>{remarks}"
            + _plan(d) + _verdicts(d) + _measured(d) + _comparison(d) + _trends(d) + _mvc(d) + _notes(d)
            + f"<p class=meta>Made {made} by emgfeedback {__version__}. Onsets are detected automatically.</p>"
            "</body></html>\n")
