"""The handover report as PDF, drawn with fpdf2 (pure Python: no display, no network).

Fonts: DejaVu Sans when it is installed (found at the usual places or by ``fc-match``), so every
character is printed as written; otherwise the PDF core font Helvetica, which holds Latin-1 only,
with the few other characters the report uses written in Latin-1 (− → -, ≤ → <=, ≥ → >=,
× → x, → → ->). A PDF is therefore made on any machine. Trend plots are drawn with fpdf2's
lines and rectangles (no image library needed).
"""

from __future__ import annotations

import io
import math
import shutil
import subprocess
from pathlib import Path
from typing import Sequence

from fpdf import FPDF

from emgfeedback import __version__
from emgfeedback.analysis.handover import SIGN_CONVENTION, HandoverData, channel_name, number
from emgfeedback.analysis.svg import nice_ticks

__all__ = ["render_pdf", "find_unicode_font", "latin1"]

_FONT_PLACES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans.ttf",
                "/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/local/share/fonts/DejaVuSans.ttf",
                "/Library/Fonts/DejaVuSans.ttf", "C:/Windows/Fonts/DejaVuSans.ttf")
_LATIN1 = {"−": "-", "–": "-", "—": "-", "≤": "<=", "≥": ">=", "×": "x", "→": "->", "…": "...",
           "‘": "'", "’": "'", "“": '"', "”": '"', "·": "·"}
_BLUE, _GREEN, _RED, _GREY = (27, 79, 114), (30, 132, 73), (192, 57, 43), (110, 110, 110)


def latin1(text: str) -> str:
    """``text`` in Latin-1 for the core fonts (see the module docstring; anything else → ``?``)."""
    for a, b in _LATIN1.items():
        text = text.replace(a, b)
    return text.encode("latin-1", "replace").decode("latin-1")


def find_unicode_font() -> "Path | None":
    """DejaVu Sans on this machine, or None."""
    for p in _FONT_PLACES:
        if Path(p).is_file():
            return Path(p)
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "-f", "%{file}", "DejaVu Sans"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    p = Path(out.stdout.strip())
    return p if p.name == "DejaVuSans.ttf" and p.is_file() else None


class _Pdf(FPDF):
    def __init__(self, footer_text: str, unicode_font: "Path | None") -> None:
        super().__init__(format="A4", unit="mm")
        self.footer_text = footer_text
        self.unicode = unicode_font is not None
        if unicode_font is not None:
            bold = unicode_font.with_name("DejaVuSans-Bold.ttf")
            self.add_font("body", "", str(unicode_font))
            self.add_font("body", "B", str(bold if bold.is_file() else unicode_font))
            self.family = "body"
        else:
            self.family = "helvetica"
        self.set_margins(15, 14, 15)
        self.set_auto_page_break(True, margin=16)

    def t(self, text: object) -> str:
        return str(text) if self.unicode else latin1(str(text))

    def use(self, size: float, bold: bool = False, color: "tuple[int, int, int]" = (34, 34, 34)) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.set_text_color(*color)

    def para(self, text: str, size: float = 10, bold: bool = False, color=(34, 34, 34), h: float = 5) -> None:
        self.use(size, bold, color)
        self.multi_cell(0, h, self.t(text), align="L", new_x="LMARGIN", new_y="NEXT")

    def heading(self, text: str) -> None:
        if self.get_y() > self.h - 45:
            self.add_page()
        self.ln(3)
        self.para(text, 12.5, True, _BLUE, 7)
        self.set_draw_color(*_BLUE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)

    def grid(self, head: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float],
             numeric: Sequence[int] = ()) -> None:
        self.use(9)
        self.set_fill_color(255, 255, 255)
        self.set_draw_color(0, 0, 0)
        with self.table(col_widths=tuple(widths), text_align=tuple(
                "RIGHT" if i in numeric else "LEFT" for i in range(len(head))), line_height=4.8,
                        headings_style=_heading_style(self), width=sum(widths)) as table:
            for line in (head, *rows):
                row = table.row()
                for cell in line:
                    row.cell(self.t(cell))
        self.ln(1)

    def footer(self) -> None:
        self.set_y(-11)
        self.use(8, color=_GREY)
        self.cell(0, 5, self.t(f"{self.footer_text} · page {self.page_no()}/{{nb}}"), align="C")


def _heading_style(pdf: _Pdf):
    from fpdf.fonts import FontFace

    return FontFace(family=pdf.family, emphasis="BOLD", fill_color=(238, 242, 245))


def _header(pdf: _Pdf, d: HandoverData) -> None:
    c = d.clinic
    if c is None:
        return
    x = pdf.l_margin
    if c.logo_png:
        from PIL import Image

        with Image.open(io.BytesIO(c.logo_png)) as img:
            iw, ih = img.size
        h = 16.0
        w = min(h * iw / ih, 50.0)
        h = w * ih / iw
        pdf.image(io.BytesIO(c.logo_png), x=x, y=pdf.get_y(), w=w, h=h)
        x += w + 5
        top = pdf.get_y()
    else:
        top, h = pdf.get_y(), 10.0
    pdf.set_xy(x, top + 1)
    pdf.use(14, True)
    pdf.cell(0, 7, pdf.t(c.name), new_x="LEFT", new_y="NEXT")
    if c.address:
        pdf.use(9, color=_GREY)
        pdf.cell(0, 5, pdf.t(c.address))
    pdf.set_y(top + h + 2)
    pdf.set_draw_color(*_BLUE)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(2)


def _plot(pdf: _Pdf, x: float, y: float, w: float, h: float, label: str, unit: str,
          values: Sequence[float], goal: "float | None") -> None:
    vals = [float(v) for v in values]
    ok = [v for v in vals if math.isfinite(v)] + ([goal] if goal is not None else [])
    lo, hi = min(ok), max(ok)
    pad = (hi - lo) * 0.15 or max(abs(hi) * 0.15, 1.0)
    lo, hi = lo - pad, hi + pad
    pdf.use(7.5, True)
    pdf.set_xy(x, y)
    unit = unit.strip()
    pdf.cell(w, 4, pdf.t(label[:70] + (f" ({unit})" if unit and unit not in label else "")))
    x0, x1, y0, y1 = x + 11, x + w, y + 5, y + h - 5
    n = len(vals)

    def px(i: int) -> float:
        return x0 + (i + 0.5) / n * (x1 - x0)

    def py(v: float) -> float:
        return y1 - (v - lo) / (hi - lo) * (y1 - y0)

    pdf.set_draw_color(150, 150, 150)
    pdf.set_line_width(0.2)
    pdf.rect(x0, y0, x1 - x0, y1 - y0)
    pdf.use(6.5, color=_GREY)
    for tv in nice_ticks(lo, hi, 4):
        pdf.set_xy(x0 - 11, py(tv) - 1.5)
        pdf.cell(10, 3, pdf.t(f"{tv:g}"), align="R")
    for i in range(n):
        pdf.set_xy(px(i) - 3, y1 + 0.5)
        pdf.cell(6, 3, str(i + 1), align="C")
    if goal is not None:
        pdf.set_draw_color(*_GREEN)
        with pdf.local_context(dash_pattern={"dash": 1.2, "gap": 0.8}):
            pdf.line(x0, py(goal), x1, py(goal))
        pdf.set_xy(x1 - 10, py(goal) - 3.2)
        pdf.set_text_color(*_GREEN)
        pdf.cell(9, 3, "goal", align="R")
    pdf.set_draw_color(*_BLUE)
    pdf.set_fill_color(*_BLUE)
    pdf.set_line_width(0.45)
    pts = [(px(i), py(v)) for i, v in enumerate(vals) if math.isfinite(v)]
    for (a, b), (c, e) in zip(pts, pts[1:]):
        pdf.line(a, b, c, e)
    for a, b in pts:
        pdf.rect(a - 0.8, b - 0.8, 1.6, 1.6, style="F")
    pdf.set_line_width(0.2)


def _trends(pdf: _Pdf, d: HandoverData) -> None:
    shown = [t for t in d.trends if any(math.isfinite(float(v)) for v in t.values)]
    if len(d.visit_dates) < 2 or not shown:
        return
    if pdf.get_y() + 70 > pdf.h - 18:  # the heading stays with the first row of plots
        pdf.add_page()
    pdf.heading("Trends")
    pdf.para("One point per visit (1 = first visit); dashed line: the goal.", 8.5, color=_GREY)
    w, h, gap = 88.0, 44.0, 4.0
    for i, t in enumerate(shown):
        if i % 2 == 0:
            if pdf.get_y() + h > pdf.h - 18:
                pdf.add_page()
            top = pdf.get_y()
        _plot(pdf, pdf.l_margin + (i % 2) * (w + gap), top, w, h, t.label, t.unit, t.values, t.goal)
        if i % 2 == 1 or i == len(shown) - 1:
            pdf.set_y(top + h + 2)


def _body(pdf: _Pdf, d: HandoverData) -> None:
    n = len(d.visit_dates)
    pdf.para(d.title, 17, True, h=8)
    pdf.para(f"Patient {d.patient_code} · visit date {d.visit_date}" + (f" · visit {n} of {n}" if n else ""),
             11, True, h=6)
    pdf.para(SIGN_CONVENTION, 8.5, color=_GREY, h=4.2)
    for r in d.remarks:
        pdf.para(r, 9, color=(150, 90, 10), h=4.5)
    pdf.heading("Plan and exercises")
    if d.exercises:
        pdf.grid(("exercise", "dose", "goals", "done"),
                 [(x.name, x.dose, "; ".join(x.targets) or "—", "yes" if x.run else "no") for x in d.exercises],
                 (34, 48, 86, 12))
    else:
        pdf.para("No exercise plan is stored for this patient.", 9, color=_GREY)
    pdf.heading("This visit")
    if not d.verdicts:
        pdf.para("No exercise with goals was measured in this visit.", 9, color=_GREY)
    for v in d.verdicts:
        color = {True: _GREEN, False: _RED, None: _GREY}[v.met]
        top = pdf.get_y()
        pdf.set_x(pdf.l_margin + 3)
        pdf.use(9.5)
        pdf.multi_cell(0, 4.8, pdf.t(f"{v.text} — **{v.outcome}**"), markdown=True, align="L",
                       new_x="LMARGIN", new_y="NEXT")
        pdf.set_fill_color(*color)
        if pdf.get_y() > top:  # not split across a page
            pdf.rect(pdf.l_margin, top + 0.4, 1.2, pdf.get_y() - top - 0.8, style="F")
        pdf.ln(1.2)
    if d.measured:
        pdf.heading("Measured")
        pdf.grid(("measure", "value"), d.measured, (100, 80))
    comps = d.comparisons
    if comps:
        pdf.heading("Compared with earlier visits")
        if n > 1:
            pdf.para(f"first visit {d.visit_dates[0]}, previous {d.visit_dates[-2]}", 8.5, color=_GREY)
        pdf.grid(("measure", "first", "previous", "this visit", "change"),
                 [(c.label, number(c.first, c.unit), number(c.previous, c.unit), number(c.this, c.unit), c.words)
                  for c in comps], (52, 20, 20, 20, 68), numeric=(1, 2, 3))
    _trends(pdf, d)
    pdf.heading("MVC used")
    if d.mvc_uv:
        when = f"measured {d.mvc_date}" if d.mvc_date else "measurement date not recorded"
        pdf.para(f"Maximum voluntary contraction ({when}); % of maximum values are relative to these.", 9.5)
        pdf.grid(("muscle", "MVC (µV)"), [(channel_name(ch), f"{v:.0f}") for ch, v in d.mvc_uv.items()],
                 (70, 25), numeric=(1,))
    else:
        pdf.para("No MVC: amplitudes are not expressed as % of maximum.", 9, color=_GREY)
    pdf.heading("Session notes")
    notes = d.notes or {}
    lines = ([f"Pain: {notes['pain']} / 10"] if notes.get("pain") is not None else []) + \
            ([f"Effort (RPE, 0–10): {float(notes['rpe']):g}"] if notes.get("rpe") is not None else []) + \
            ([str(notes["text"])] if notes.get("text") else [])
    for line in lines or ["No notes for this visit."]:
        pdf.para(line, 9.5, color=(34, 34, 34) if lines else _GREY)


def render_pdf(d: HandoverData, *, font: "str | None" = "auto") -> bytes:
    """See :func:`emgfeedback.analysis.handover.render_handover_pdf`.

    Raises
    ------
    ValueError
        ``font`` names a file that does not exist.
    """
    if font is None:
        path = None
    elif font == "auto":
        path = find_unicode_font()
    else:
        path = Path(font)
        if not path.is_file():
            raise ValueError(f"font {font} not found; give a .ttf file or leave the default")
    pdf = _Pdf(f"patient {d.patient_code} · visit {d.visit_date} · emgfeedback {__version__}", path)
    pdf.set_title(pdf.t(f"{d.title} {d.patient_code} {d.visit_date}"))
    pdf.set_creator(f"emgfeedback {__version__}")
    pdf.add_page()
    _header(pdf, d)
    _body(pdf, d)
    return bytes(pdf.output())
