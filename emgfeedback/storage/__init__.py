"""Reading and writing recordings and results."""

from emgfeedback.storage.textfiles import (
    TextRecording,
    read_openbci_gui_txt,
    read_text_recording,
    read_uci_lower_limb,
)

__all__ = ["TextRecording", "read_openbci_gui_txt", "read_text_recording", "read_uci_lower_limb"]
