"""Calibration data from ``calibration/`` (TOML): electrode placements, MVC procedures and
exercise protocols, validated at load. Every problem is a one-line ``ConfigError`` naming the
file and key; a broken file never ends in a traceback."""

from emgfeedback.calibration._reader import CALIBRATION_ENV, default_calibration_dir
from emgfeedback.calibration.boards import BoardGain, load_board, load_boards
from emgfeedback.calibration.mvc import MvcProcedure, load_mvc_procedures
from emgfeedback.calibration.placements import Placement, Placements, load_placements
from emgfeedback.calibration.protocols import (
    FEEDBACK_METRICS,
    SIDES,
    Cues,
    Feedback,
    Protocol,
    load_protocol,
    load_protocols,
)

__all__ = [
    "BoardGain", "load_board", "load_boards",
    "CALIBRATION_ENV",
    "FEEDBACK_METRICS",
    "SIDES",
    "Cues",
    "Feedback",
    "MvcProcedure",
    "Placement",
    "Placements",
    "Protocol",
    "default_calibration_dir",
    "load_mvc_procedures",
    "load_placements",
    "load_protocol",
    "load_protocols",
]
