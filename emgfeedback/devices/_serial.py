"""Opening a serial port with one-line errors a user can act on (shared by serial:// and cyton://)."""

from __future__ import annotations

import errno
from typing import Any

from emgfeedback.errors import DeviceConnectionError

__all__ = ["open_serial_port", "MAX_BAUD"]

#: Highest line rate a URL may ask for, bit/s (the fastest USB-serial chips, e.g. FTDI FT232H).
MAX_BAUD = 12_000_000


def open_serial_port(port: str, baud: int, *, what: str = "board", user: str = "a serial monitor?") -> Any:
    """Open ``port`` exclusively with pyserial (50 ms read timeout, 1 s write timeout).

    Parameters
    ----------
    port : str
        Device path (``/dev/ttyUSB0``, a pty) or ``COM3``.
    baud : int
        Line rate, baud.
    what : str
        What is plugged in, for the missing-port hint (``board``, ``dongle``).
    user : str
        Who else may hold the port, for the busy-port hint.

    Raises
    ------
    DeviceConnectionError
        Missing port, permission denied, busy port, or any other failure to open it.
    """
    import serial

    try:
        return serial.Serial(port, baudrate=baud, timeout=0.05, write_timeout=1.0, exclusive=True)
    except ValueError as err:  # a port name or rate pyserial cannot use (e.g. a NUL byte in the name)
        raise DeviceConnectionError(f"cannot open serial port {port!r}: {err}") from err
    except (serial.SerialException, OSError) as err:
        text, code = str(err), getattr(err, "errno", None)
        if code == errno.ENOENT or "No such file" in text or "FileNotFound" in text:
            msg = (f"serial port {port} not found — is the {what} plugged in? "
                   "(`emgfeedback devices` lists ports)")
        elif code == errno.EACCES or "Permission denied" in text or "Access is denied" in text:
            msg = (f"permission denied on {port} — on Linux add yourself to the 'dialout' group "
                   "(sudo usermod -aG dialout $USER) and log in again")
        elif code in (errno.EBUSY, errno.EAGAIN) or "lock" in text.lower():
            msg = f"serial port {port} is busy — another program ({user}) has it open"
        else:
            msg = f"cannot open serial port {port}: {text}"
        raise DeviceConnectionError(msg) from err
