"""Colours, fonts and the style sheet: calm dark background, one clear colour per muscle,
big type that reads from 2 m at a plinth."""

from __future__ import annotations

from emgfeedback.model import Muscle

__all__ = ["MUSCLE_COLORS", "BG", "PANEL", "TEXT", "MUTED", "GOOD", "WARN", "BAD", "INFO",
           "PHASE_COLORS", "STYLE_SHEET"]

BG = "#14181f"
PANEL = "#1d232c"
TEXT = "#eef2f6"
MUTED = "#8b97a8"
GOOD = "#4cc38a"
WARN = "#f2b84b"
BAD = "#ef6461"
INFO = "#5fa8f5"

#: One colour per muscle, the same in every view.
MUSCLE_COLORS = {
    Muscle.GLUTE_MAX: "#4cc38a",
    Muscle.GLUTE_MED: "#5fa8f5",
    Muscle.TFL: "#f2a14b",
    Muscle.LUMBAR_ES: "#c58af9",
}

#: Colour of the phase word in the protocol panel.
PHASE_COLORS = {
    "idle": MUTED, "prepare": WARN, "hold": GOOD, "rest": INFO, "set_rest": INFO, "done": TEXT,
}

STYLE_SHEET = f"""
QWidget {{ background: {BG}; color: {TEXT}; font-size: 15px; }}
QLabel {{ background: transparent; }}
QFrame#panel, QGroupBox {{ background: {PANEL}; border-radius: 10px; }}
QGroupBox {{ margin-top: 24px; padding: 4px; font-size: 16px; font-weight: 600; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 12px; padding: 2px 4px; color: {MUTED}; }}
QPushButton {{ background: #2b3441; border: 1px solid #3a4656; border-radius: 8px;
              padding: 8px 16px; font-size: 16px; }}
QPushButton:hover {{ background: #344052; }}
QPushButton:disabled {{ color: #5d6877; background: #222a34; }}
QPushButton#primary {{ background: #2e6b4f; border-color: #3d8a66; font-weight: 600; }}
QLineEdit, QComboBox {{ background: #11151b; border: 1px solid #3a4656; border-radius: 6px;
                        padding: 6px; font-size: 16px; }}
QLineEdit[invalid="true"] {{ border: 2px solid {BAD}; }}
QTabWidget::pane {{ border: none; }}
QTabBar::tab {{ background: {PANEL}; padding: 9px 14px; font-size: 16px; margin-right: 2px;
               border-top-left-radius: 8px; border-top-right-radius: 8px; color: {MUTED}; }}
QTabBar::tab:selected {{ background: #2b3441; color: {TEXT}; }}
QTableWidget {{ background: {PANEL}; gridline-color: #2b3441; font-size: 15px; }}
QHeaderView::section {{ background: #2b3441; color: {TEXT}; padding: 6px; border: none; }}
QToolTip {{ background: #2b3441; color: {TEXT}; border: 1px solid #3a4656; }}
"""
