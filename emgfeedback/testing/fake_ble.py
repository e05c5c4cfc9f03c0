"""Fake bleak: ``BleakClient`` / ``BleakScanner`` look-alikes over simulated peripherals.

The fakes have the shape of the bleak API the BLE drivers use — ``connect``, ``disconnect``,
``is_connected``, ``start_notify(char, callback(sender, bytearray))``, ``stop_notify``,
``write_gatt_char``, the ``disconnected_callback(client)``, and ``BleakScanner.discover`` /
``find_device_by_address`` / ``find_device_by_name`` — and, like bleak, they run callbacks on the
event loop that connected. Failures raise bleak's own exception types.

Example::

    world = FakeBleWorld()
    board = world.add(FakePeripheral("AA:BB:CC:DD:EE:FF", "EMG-1", notify_uuids={UUID}))
    dev = open_device("ble://name=EMG-1", ble_backend=world)   # world.BleakClient is used
    board.notify(UUID, b"...")
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from bleak.exc import BleakCharacteristicNotFoundError, BleakDeviceNotFoundError, BleakError

__all__ = [
    "FakeBLEDevice",
    "FakeAdvertisementData",
    "FakeCharacteristic",
    "FakePeripheral",
    "FakeBleWorld",
]


@dataclass(frozen=True)
class FakeBLEDevice:
    """What a scan returns (bleak's ``BLEDevice`` shape)."""

    address: str
    name: Optional[str]
    details: Any = None


@dataclass(frozen=True)
class FakeAdvertisementData:
    """bleak's ``AdvertisementData`` shape (the fields drivers read)."""

    local_name: Optional[str]
    rssi: int = -60
    service_uuids: tuple[str, ...] = ()


@dataclass(frozen=True)
class FakeCharacteristic:
    """The ``sender`` passed to notification callbacks."""

    uuid: str


@dataclass(eq=False)
class FakePeripheral:
    """A simulated BLE board.

    Parameters
    ----------
    address, name : str
        Advertised address and local name.
    notify_uuids, write_uuids : set of str
        Characteristics that notify / accept writes.
    service_uuids : tuple of str
        Advertised services.
    advertising : bool
        Visible to scans and connectable.
    connect_failures : int
        This many next connection attempts fail (then they succeed).
    """

    address: str
    name: Optional[str]
    notify_uuids: set[str] = field(default_factory=set)
    write_uuids: set[str] = field(default_factory=set)
    service_uuids: tuple[str, ...] = ()
    advertising: bool = True
    connect_failures: int = 0
    writes: list[tuple[str, bytes]] = field(default_factory=list)
    client: Any = field(default=None, repr=False)

    def on_write(self, uuid: str, data: bytes) -> None:
        """Called for every write; override in emulators (default: record only)."""

    def on_connect(self) -> None:
        """Called when a client connects (override in emulators)."""

    def on_disconnect(self) -> None:
        """Called when the link ends for any reason (override in emulators)."""

    def notify(self, uuid: str, data: bytes) -> bool:
        """Send a notification to the subscribed client; False if nobody listens."""
        client = self.client
        return client is not None and client._deliver(uuid.lower(), bytes(data))

    def drop_link(self) -> None:
        """Go out of range: the client sees a disconnection (its callback runs)."""
        client = self.client
        if client is not None:
            client._lost()


class _FakeBleakScanner:
    _world: "FakeBleWorld"

    @classmethod
    async def discover(cls, timeout: float = 5.0, *, return_adv: bool = False, **kwargs: Any):
        cls._world._check_adapter()
        await asyncio.sleep(min(timeout, cls._world.scan_s))
        seen = [p for p in cls._world.peripherals.values() if p.advertising]
        if return_adv:
            return {p.address: (FakeBLEDevice(p.address, p.name),
                                FakeAdvertisementData(p.name, service_uuids=p.service_uuids))
                    for p in seen}
        return [FakeBLEDevice(p.address, p.name) for p in seen]

    @classmethod
    async def find_device_by_filter(cls, filterfunc: Callable[..., bool], timeout: float = 10.0,
                                    **kwargs: Any) -> Optional[FakeBLEDevice]:
        found = await cls.discover(timeout, return_adv=True)
        for dev, adv in found.values():
            if filterfunc(dev, adv):
                return dev
        return None

    @classmethod
    async def find_device_by_address(cls, device_identifier: str, timeout: float = 10.0,
                                     **kwargs: Any) -> Optional[FakeBLEDevice]:
        key = device_identifier.lower()
        return await cls.find_device_by_filter(lambda d, ad: d.address.lower() == key, timeout)

    @classmethod
    async def find_device_by_name(cls, name: str, timeout: float = 10.0,
                                  **kwargs: Any) -> Optional[FakeBLEDevice]:
        return await cls.find_device_by_filter(lambda d, ad: ad.local_name == name, timeout)


class _FakeBleakClient:
    _world: "FakeBleWorld"

    def __init__(self, address_or_ble_device: Any, disconnected_callback: Any = None,
                 services: Any = None, *, timeout: float = 10.0, **kwargs: Any) -> None:
        addr = getattr(address_or_ble_device, "address", address_or_ble_device)
        self.address = str(addr)
        self._disconnected_callback = disconnected_callback
        self._connected = False
        self._callbacks: dict[str, Callable[[Any, bytearray], Any]] = {}
        self._loop: "asyncio.AbstractEventLoop | None" = None
        self._peripheral: "FakePeripheral | None" = None
        self._lock = threading.Lock()

    @property
    def is_connected(self) -> bool:
        return self._connected

    async def connect(self, **kwargs: Any) -> None:
        self._world._check_adapter()
        await asyncio.sleep(0)
        p = self._world.peripherals.get(self.address.upper())
        if p is None or not p.advertising:
            raise BleakDeviceNotFoundError(self.address, f"Device with address {self.address} was not found.")
        if p.connect_failures > 0:
            p.connect_failures -= 1
            raise BleakError(f"failed to connect to {self.address} (simulated)")
        self._loop = asyncio.get_running_loop()
        self._peripheral, p.client, self._connected = p, self, True
        p.on_connect()

    async def disconnect(self) -> None:
        await asyncio.sleep(0)
        self._teardown()

    async def start_notify(self, char_specifier: Any, callback: Callable[[Any, bytearray], Any],
                           **kwargs: Any) -> None:
        uuid = self._resolve(char_specifier, "notify_uuids")
        with self._lock:
            self._callbacks[uuid] = callback

    async def stop_notify(self, char_specifier: Any) -> None:
        uuid = self._resolve(char_specifier, "notify_uuids")
        with self._lock:
            self._callbacks.pop(uuid, None)

    async def write_gatt_char(self, char_specifier: Any, data: Any, response: "bool | None" = None) -> None:
        uuid = self._resolve(char_specifier, "write_uuids")
        p = self._peripheral
        assert p is not None
        p.writes.append((uuid, bytes(data)))
        p.on_write(uuid, bytes(data))

    # ---------------------------------------------------------------- internals
    def _resolve(self, char_specifier: Any, kind: str) -> str:
        if not self._connected or self._peripheral is None:
            raise BleakError("Not connected")
        uuid = str(getattr(char_specifier, "uuid", char_specifier)).lower()
        if uuid not in {u.lower() for u in getattr(self._peripheral, kind)}:
            raise BleakCharacteristicNotFoundError(uuid)
        return uuid

    def _deliver(self, uuid: str, data: bytes) -> bool:
        with self._lock:
            cb = self._callbacks.get(uuid)
        loop = self._loop
        if cb is None or loop is None or loop.is_closed() or not self._connected:
            return False
        loop.call_soon_threadsafe(cb, FakeCharacteristic(uuid), bytearray(data))
        return True

    def _lost(self) -> None:
        loop, was = self._loop, self._connected
        self._teardown()
        if was and self._disconnected_callback is not None and loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._disconnected_callback, self)

    def _teardown(self) -> None:
        p, self._peripheral = self._peripheral, None
        self._connected = False
        with self._lock:
            self._callbacks.clear()
        if p is not None and p.client is self:
            p.client = None
            p.on_disconnect()


class FakeBleWorld:
    """The radio neighbourhood the fakes see; pass it where a driver takes ``ble_backend``.

    Attributes
    ----------
    BleakClient, BleakScanner : type
        Fake classes bound to this world (the same names as in the ``bleak`` module).
    adapter_present : bool
        False makes every scan and connect fail the way bleak does without an adapter.
    scan_s : float
        How long a fake scan really waits, s (scans report what is advertising then).
    """

    def __init__(self, scan_s: float = 0.02) -> None:
        self.peripherals: dict[str, FakePeripheral] = {}
        self.adapter_present = True
        self.scan_s = scan_s
        self.BleakClient = type("FakeBleakClient", (_FakeBleakClient,), {"_world": self})
        self.BleakScanner = type("FakeBleakScanner", (_FakeBleakScanner,), {"_world": self})

    def add(self, peripheral: FakePeripheral) -> FakePeripheral:
        """Put a board in range; returns it."""
        self.peripherals[peripheral.address.upper()] = peripheral
        return peripheral

    def _check_adapter(self) -> None:
        if not self.adapter_present:
            raise BleakError("No Bluetooth adapters found.")
