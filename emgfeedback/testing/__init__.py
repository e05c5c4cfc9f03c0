"""Fakes of real boards for tests without hardware (yours and ours).

- :mod:`emgfeedback.testing.blocks` — ``read_samples`` (read a device until n samples came)
  and ``stack_blocks``;
- :mod:`emgfeedback.testing.cyton_emulator` — an OpenBCI Cyton on a pseudo-terminal;
- :mod:`emgfeedback.testing.fake_ble` — ``FakeBleakClient`` / ``FakeBleakScanner`` with the bleak
  API shape the BLE drivers use, and fake peripherals;
- :mod:`emgfeedback.testing.ganglion_emulator` — an OpenBCI Ganglion behind the fake BLE client;
- :mod:`emgfeedback.testing.lsl_sandbox` — run LSL code confined to loopback in a private network
  namespace (LSL multicasts on the LAN otherwise);
- :mod:`emgfeedback.testing.replay` — ``replay_reps``: a recording through the live session to its
  end, and the reps it found.

Import the submodule you need; nothing here is imported by the library itself.
"""

__all__ = ["blocks", "cyton_emulator", "fake_ble", "ganglion_emulator", "lsl_sandbox", "replay"]
