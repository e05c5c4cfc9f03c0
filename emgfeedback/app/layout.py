"""Layout helpers that keep the window inside the screen: a one-line label that elides instead
of widening its parents, the window's size from the screen's available area, and fonts fitted
to boxes for the painted widgets (``TextBox``, ``fit_font``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

__all__ = ["ElidedLabel", "fit_to_screen", "window_size", "TextBox", "fit_font", "pixel_font",
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
    elide : Qt.TextElideMode
        Where to cut: ``ElideRight`` (default) or ``ElideMiddle`` (keeps the start and the end,
        where an error message says what to do).
    """

    def __init__(self, text: str = "", parent: "QWidget | None" = None, *, min_width: int = 60,
                 hint_width: int = 240, elide: Qt.TextElideMode = Qt.TextElideMode.ElideRight) -> None:
        super().__init__(parent)
        self._full = ""
        self._elide = elide
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
        return self.fontMetrics().elidedText(line, self._elide, max(self.width(), 0))

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


def window_size(available: QSize, frame: "QSize | None" = None) -> QSize:
    """The window's size: the screen's available area less the window frame (title bar and
    borders; none when not given), px — the dashboard fills the screen and never outgrows it."""
    fw, fh = (frame.width(), frame.height()) if frame is not None else (0, 0)
    return QSize(max(available.width() - fw, 1), max(available.height() - fh, 1))


def fit_to_screen(window: QWidget) -> QRect:
    """Resize and move ``window`` to fill its screen's available area (frame included, when the
    window manager has reported it); returns the new frame geometry."""
    avail = window.screen().availableGeometry()
    frame = window.frameGeometry().size() - window.geometry().size() if window.isVisible() else None
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


def fit_font(text: "str | Sequence[str]", width: float, height: float, max_px: float, bold: bool = False,
             wrap: bool = False, min_px: int = MIN_FONT_PX) -> QFont:
    """The largest font, at most ``max_px`` and at least ``min_px`` pixels, in which ``text``
    (every one of them, for a sequence: labels that should share one size) fits a
    ``width`` × ``height`` px box (word-wrapped when ``wrap``)."""
    texts = (text,) if isinstance(text, str) else tuple(text)
    args = (int(width), int(height), int(max(max_px, min_px)), bold, wrap, int(min_px))
    return pixel_font(min(_fit_px(t, *args) for t in texts), bold)


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
