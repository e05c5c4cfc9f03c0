"""Async stays at the BLE edge: one event-loop thread owns the bleak client; notifications
reach the (threaded) driver through a bounded, thread-safe queue.

The bleak classes come from an injectable backend — any object with ``BleakClient`` and
``BleakScanner`` attributes: the ``bleak`` module itself by default, or
:class:`emgfeedback.testing.fake_ble.FakeBleWorld` in tests. Library errors are re-raised at
this boundary as emgfeedback errors (``raise ... from err``).
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from typing import Any, Awaitable, Callable, Optional, TypeVar

from emgfeedback.errors import DeviceConnectionError, DeviceTimeoutError, DeviceUnavailableError

__all__ = ["BleBridge", "load_backend", "is_no_adapter_error", "ble_error"]

T = TypeVar("T")

_NO_ADAPTER_HINTS = ("no bluetooth adapter", "bluetooth adapters", "org.bluez", "dbus",
                     "bluetooth is turned off", "bluetooth device is turned off")


def load_backend(backend: Any = None) -> Any:
    """The bleak backend to use: ``backend`` if given, else the ``bleak`` module.

    Raises
    ------
    DeviceUnavailableError
        If bleak cannot be imported (the ImportError is kept as the cause).
    """
    if backend is not None:
        return backend
    try:
        import bleak
    except ImportError as err:
        raise DeviceUnavailableError(
            f"BLE needs the 'bleak' package, which failed to import: {err}") from err
    return bleak


def is_no_adapter_error(err: BaseException) -> bool:
    """True when ``err`` means this machine has no usable Bluetooth adapter (or no BlueZ)."""
    if isinstance(err, (FileNotFoundError, ConnectionRefusedError)):
        return True  # no D-Bus system socket: no BlueZ
    name = type(err).__name__
    if name in ("BleakBluetoothNotAvailableError", "DBusError"):
        return True
    text = str(err).lower()
    return any(h in text for h in _NO_ADAPTER_HINTS)


def ble_error(what: str, err: BaseException) -> Exception:
    """The emgfeedback error to raise for a bleak/OS error ``err`` while doing ``what``."""
    if is_no_adapter_error(err):
        exc: Exception = DeviceUnavailableError(f"no Bluetooth adapter found ({type(err).__name__}: {err})")
    else:
        exc = DeviceConnectionError(f"{what}: {type(err).__name__}: {err}")
    exc.__cause__ = err
    return exc


class BleBridge:
    """One background event loop owning one BLE client.

    Parameters
    ----------
    what : str
        Prefix of error messages, usually the device URL.
    backend : object, optional
        Has ``BleakClient`` and ``BleakScanner`` (default: the ``bleak`` module).
    queue_packets : int
        Notifications buffered; when full the newest is dropped and counted.
    """

    def __init__(self, what: str, backend: Any = None, queue_packets: int = 4096) -> None:
        self.what = what
        self.backend = load_backend(backend)
        self.packets: "queue.Queue[bytes]" = queue.Queue(maxsize=queue_packets)
        self.dropped = 0
        self.disconnected = threading.Event()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._client: Any = None
        self._last_rx = 0.0

    # ------------------------------------------------------------------ loop thread
    def start(self) -> None:
        """Start the event-loop thread (idempotent)."""
        if self._thread is not None:
            return
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="emgfeedback-ble-loop", daemon=True)
        self._thread.start()
        ready.wait(5.0)

    def run(self, make: Callable[[], Awaitable[T]], timeout: float, doing: str) -> T:
        """Run the coroutine ``make()`` on the loop and wait for it, mapping errors."""
        self.start()
        assert self._loop is not None

        async def call() -> T:
            return await make()

        fut = asyncio.run_coroutine_threadsafe(call(), self._loop)
        try:
            return fut.result(timeout)
        except TimeoutError as err:  # concurrent.futures.TimeoutError is TimeoutError (3.11)
            fut.cancel()
            raise DeviceTimeoutError(f"{self.what}: {doing} took more than {timeout:g} s") from err
        except (DeviceConnectionError, DeviceUnavailableError, DeviceTimeoutError):
            raise
        except Exception as err:  # bleak, dbus and OS errors
            raise ble_error(f"{self.what}: {doing} failed", err) from err

    # ------------------------------------------------------------------ BLE operations
    def find(self, *, address: str = "", name: str = "", scan_s: float = 5.0) -> Any:
        """Scan for a board by address or advertised name; its BLEDevice.

        Raises
        ------
        DeviceConnectionError
            If nothing matching was seen within ``scan_s``.
        """
        scanner = self.backend.BleakScanner
        if address:
            dev = self.run(lambda: scanner.find_device_by_address(address, timeout=scan_s),
                           scan_s + 5.0, "scanning")
            if dev is None:
                raise DeviceConnectionError(
                    f"no BLE board with address {address} found in {scan_s:g} s scan — "
                    "is it powered and advertising (and not connected to another app)?")
            return dev
        if name:
            dev = self.run(lambda: scanner.find_device_by_name(name, timeout=scan_s),
                           scan_s + 5.0, "scanning")
            if dev is None:
                raise DeviceConnectionError(
                    f"no BLE board named {name} found in {scan_s:g} s scan — "
                    "is it powered and advertising?")
            return dev
        raise ValueError("give a BLE address (AA:BB:CC:DD:EE:FF) or name=NAME")

    def discover(self, scan_s: float) -> list[tuple[str, str]]:
        """(address, name) of every advertising board seen in ``scan_s`` seconds."""
        scanner = self.backend.BleakScanner
        devices = self.run(lambda: scanner.discover(timeout=scan_s), scan_s + 5.0, "scanning")
        return [(d.address, d.name or "") for d in devices]

    def connect(self, device: Any, notify_uuid: str, timeout: float = 10.0) -> None:
        """Connect and subscribe to ``notify_uuid``; notifications go to :attr:`packets`."""
        self.disconnected.clear()

        def on_disconnect(_client: Any) -> None:
            self.disconnected.set()

        def on_notify(_sender: Any, data: bytearray) -> None:
            try:
                self.packets.put_nowait(bytes(data))
            except queue.Full:
                self.dropped += 1

        async def go() -> None:
            client = self.backend.BleakClient(device, disconnected_callback=on_disconnect,
                                              timeout=timeout)
            await client.connect()
            self._client = client
            await client.start_notify(notify_uuid, on_notify)

        try:
            self.run(go, timeout + 5.0, "connecting")
        except DeviceConnectionError as err:
            cause = err.__cause__
            if type(cause).__name__ == "BleakCharacteristicNotFoundError":
                self.disconnect()
                raise DeviceConnectionError(
                    f"{self.what}: the board has no characteristic {notify_uuid} — "
                    "not the kind of board this URL expects") from cause
            raise

    def write(self, uuid: str, data: bytes, response: bool = False) -> None:
        """Write to a characteristic of the connected board."""
        client = self._client
        if client is None or not client.is_connected:
            raise DeviceConnectionError(f"{self.what}: not connected")
        self.run(lambda: client.write_gatt_char(uuid, data, response=response), 5.0,
                 f"writing {data!r}")

    @property
    def connected(self) -> bool:
        """True while the link is up."""
        client = self._client
        return client is not None and bool(client.is_connected) and not self.disconnected.is_set()

    def get(self, timeout: float) -> "bytes | None":
        """Next notification, or None after ``timeout`` s."""
        try:
            return self.packets.get(timeout=timeout)
        except queue.Empty:
            return None

    def mark_alive(self) -> None:
        """Start the silence clock of :meth:`receive` now (call when streaming starts)."""
        self._last_rx = time.monotonic()

    def receive(self, silence_s: float, limit: int) -> "list[bytes] | None":
        """The next notifications (waits up to 0.1 s for the first, then takes up to ``limit``
        more already queued), or None when none came.

        Raises
        ------
        DeviceConnectionError
            The board disconnected, or sent nothing for ``silence_s`` s: the link counts as
            lost (the device base class reconnects).
        """
        first = self.get(0.1)
        now = time.monotonic()
        if first is None:
            if not self.connected:
                raise DeviceConnectionError(f"{self.what}: the board disconnected")
            if now - self._last_rx > silence_s:
                raise DeviceConnectionError(f"{self.what}: no data from the board for {silence_s:g} s")
            return None
        self._last_rx = now
        return [first, *self.drain(limit)]

    def drain(self, limit: int) -> list[bytes]:
        """Up to ``limit`` notifications already queued, without waiting."""
        out: list[bytes] = []
        while len(out) < limit:
            try:
                out.append(self.packets.get_nowait())
            except queue.Empty:
                break
        return out

    def disconnect(self) -> None:
        """Drop the link (errors ignored: the board may be gone already)."""
        client, self._client = self._client, None
        if client is not None and self._loop is not None:
            try:
                self.run(client.disconnect, 5.0, "disconnecting")
            except Exception:  # already gone; nothing more to release
                pass
        while not self.packets.empty():
            self.packets.get_nowait()

    def close(self) -> None:
        """Disconnect and stop the loop thread (idempotent)."""
        self.disconnect()
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(5.0)
