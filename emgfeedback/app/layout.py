"""Layout helpers that keep the window inside the screen: a one-line label that elides instead
of widening its parents, a row that stacks its widgets when they do not fit side by side, and
the window's size from the screen's available area; and fonts fitted to boxes for the painted
widgets (``TextBox``, ``fit_font``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QBoxLayout, QLabel, QSizePolicy, QWidget

__all__ = ["ElidedLabel", "WrapRow", "fit_to_screen", "window_size", "TextBox", "fit_font", "pixel_font",
           "clamp", "MIN_FONT_PX"]


class ElidedLabel(QLabel):
    """One line of text, cut with "…" when it does not fit; the full text is its tooltip.

    Its size hint does not depend on the text, so a long message (a connect error, a status
    line) never widens the window and a changing text never relayouts it (``setText`` only
    repaints). ``text()`` returns the full text.

    Parameters
    ----------
    text : str
        Initial text.
    min_width : int
        Minimum width, px.
    hint_width : int
        Preferred width, px (the layout may give it more or less).
    """

    def __init__(self, text: str = "", parent: "QWidget | None" = None, *, min_width: int = 60,
                 hint_width: int = 240) -> None:
        super().__init__(parent)
        self._full = ""
        self._min_width, self._hint_width = int(min_width), int(hint_width)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setText(text)

    def text(self) -> str:  # noqa: D102 - QLabel API
        return self._full

    def setText(self, text: str) -> None:  # noqa: N802 - QLabel API
        """Show ``text`` (one line; newlines become spaces); the tooltip becomes the full text
        (set another tooltip after this call to override it)."""
        text = str(text)
        if text != self._full:
            self._full = text
            self.setToolTip(text)
            self.update()

    def elided_text(self) -> str:
        """The text as painted at the current width."""
        line = " ".join(self._full.split("\n"))
        return self.fontMetrics().elidedText(line, Qt.TextElideMode.ElideRight, max(self.width(), 0))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt name
        return QSize(self._hint_width, self.fontMetrics().height() + 4)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt name
        return QSize(self._min_width, self.fontMetrics().height() + 4)

    def paintEvent(self, event: object) -> None:  # noqa: N802 - Qt name
        p = QPainter(self)
        p.setPen(self.palette().color(self.foregroundRole()))
        p.drawText(self.rect(), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                   self.elided_text())
        p.end()


class WrapRow(QWidget):
    """Widgets side by side when the row is wide enough for all their minimum widths, else
    stacked top to bottom (the connect bar and the patient bar on a 1366 px screen).

    Parameters
    ----------
    widgets : sequence of (QWidget, int)
        Widgets and their stretch factors, left to right.
    spacing : int
        Gap between widgets, px.
    """

    def __init__(self, widgets: Sequence[tuple[QWidget, int]], spacing: int = 8,
                 parent: "QWidget | None" = None) -> None:
        super().__init__(parent)
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(spacing)
        self.widgets = [w for w, _ in widgets]
        for w, stretch in widgets:
            self.box.addWidget(w, stretch)

    def row_width(self) -> int:
        """Width needed to put every widget side by side at its minimum width, px."""
        mins = [max(w.minimumSizeHint().width(), w.minimumWidth()) for w in self.widgets]
        return sum(mins) + self.box.spacing() * (len(mins) - 1)

    def stacked(self) -> bool:
        """True when the widgets are stacked top to bottom."""
        return self.box.direction() == QBoxLayout.Direction.TopToBottom

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt name
        # as narrow as the widest widget (stacked), as high as the current arrangement
        width = max((max(w.minimumSizeHint().width(), w.minimumWidth()) for w in self.widgets), default=0)
        return QSize(width, self.box.totalMinimumSize().height())

    def resizeEvent(self, event: object) -> None:  # noqa: N802 - Qt name
        want = (QBoxLayout.Direction.TopToBottom if self.width() < self.row_width()
                else QBoxLayout.Direction.LeftToRight)
        if want != self.box.direction():
            self.box.setDirection(want)
            self.updateGeometry()
        super().resizeEvent(event)


def window_size(available: QSize, frame: QSize = QSize(0, 0)) -> QSize:
    """The window's size: the screen's available area less the window frame (title bar and
    borders), px — the dashboard fills the screen and never outgrows it."""
    return QSize(max(available.width() - frame.width(), 1), max(available.height() - frame.height(), 1))


def fit_to_screen(window: QWidget) -> QRect:
    """Resize and move ``window`` to fill its screen's available area (frame included, when the
    window manager has reported it); returns the new frame geometry."""
    avail = window.screen().availableGeometry()
    frame = window.frameGeometry().size() - window.geometry().size() if window.isVisible() else QSize(0, 0)
    size = window_size(avail.size(), frame)
    window.resize(size)
    window.move(avail.topLeft())
    return window.frameGeometry()


#: Smallest font a painted label may shrink to, px.
MIN_FONT_PX = 10


def pixel_font(px: float, bold: bool = False) -> QFont:
    """The default family at ``px`` pixels."""
    f = QFont()
    f.setPixelSize(max(int(px), 1))
    f.setBold(bold)
    return f


def clamp(x: float, low: float, high: float) -> float:
    """``x`` limited to [``low``, ``high``]."""
    return max(low, min(x, high))


def fit_font(text: str, width: float, height: float, max_px: float, bold: bool = False,
             wrap: bool = False, min_px: int = MIN_FONT_PX) -> QFont:
    """The largest font, at most ``max_px`` and at least ``min_px`` pixels, in which ``text``
    fits a ``width`` × ``height`` px box (word-wrapped when ``wrap``)."""
    return pixel_font(_fit_px(text, int(width), int(height), int(max(max_px, min_px)), bold, wrap, int(min_px)),
                      bold)


@lru_cache(maxsize=1024)
def _fit_px(text: str, width: int, height: int, max_px: int, bold: bool, wrap: bool, min_px: int) -> int:
    flags = int(Qt.TextFlag.TextWordWrap) if wrap else 0
    px = max_px
    while px > min_px:
        r = QFontMetricsF(pixel_font(px, bold)).boundingRect(QRectF(0, 0, max(width, 1), 1e6), flags, text)
        if r.width() <= width and r.height() <= height:
            return px
        px = min(px - 1, int(px * 0.92))
    return min_px


@dataclass(frozen=True)
class TextBox:
    """A text, the box it is drawn in (widget px), its font, alignment flags and colour (hex)."""

    text: str
    rect: QRectF
    font: QFont
    flags: int
    color: str

    def fits(self) -> bool:
        """True when the text, in its font, fits its box."""
        r = QFontMetricsF(self.font).boundingRect(self.rect, self.flags, self.text)
        return r.width() <= self.rect.width() + 0.5 and r.height() <= self.rect.height() + 0.5
