"""bleak client backend that connects over the virtual radio."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from bleak.args import SizedBuffer
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError, BleakGATTProtocolError
from bumble import att, core
from bumble.device import Connection, Peer
from bumble.hci import Address

from nkt_dyno.devices.virtual._convert import bleak_uuid, properties

if TYPE_CHECKING:
    from nkt_dyno.devices.virtual._radio import VirtualRadio

logger = logging.getLogger(__name__)

REQUESTED_MTU = 247
"""What BlueZ, CoreBluetooth and WinRT ask for; bumble asks for nothing (23)."""


class VirtualClient(BaseBleakClient):
    """A GATT client on the virtual central. Bind to a radio with :meth:`VirtualRadio.backends`."""

    radio: ClassVar[VirtualRadio]

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None,
        timeout: float,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout
        )
        device = address_or_ble_device if isinstance(address_or_ble_device, BLEDevice) else None
        details = device.details if device is not None else None
        self._target = details if isinstance(details, Address) else None
        self._name = (device.name if device is not None else None) or self.address
        self._connection: Connection | None = None
        self._peer: Peer | None = None
        self._subscribers: dict[int, Callable[[bytes], None]] = {}
        self._leaving = False

    @property
    def name(self) -> str:
        return self._name

    @property
    def mtu_size(self) -> int:
        return self._connection.att_mtu if self._connection is not None else att.ATT_DEFAULT_MTU

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    # --- connection -----------------------------------------------------------

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        if pair:
            logger.info("pairing is not needed on the virtual radio; ignored")
        target = self._target
        if target is None:
            try:
                target = await self.radio.find(self.address, self._timeout)
            except TimeoutError as exc:
                raise BleakDeviceNotFoundError(self.address) from exc
        try:
            connection = await self.radio.connect(target, self._timeout)
        except core.TimeoutError as exc:
            raise TimeoutError(f"connecting to {self.address} timed out") from exc
        self._connection, self._leaving = connection, False
        connection.on(connection.EVENT_DISCONNECTION, self._on_disconnection)
        peer = self._peer = Peer(connection)
        try:
            await peer.request_mtu(REQUESTED_MTU)
            self.services = await self._discover(peer)
        except BaseException:
            await self.disconnect()
            raise

    async def _discover(self, peer: Peer) -> BleakGATTServiceCollection:
        collection = BleakGATTServiceCollection()
        await peer.discover_services()
        for proxy in peer.services:
            await proxy.discover_characteristics()
            service = BleakGATTService(proxy, proxy.handle, bleak_uuid(proxy.uuid))
            collection.add_service(service)
            for char_proxy in proxy.characteristics:
                await peer.discover_descriptors(char_proxy)
                char = BleakGATTCharacteristic(
                    char_proxy,
                    char_proxy.handle,
                    bleak_uuid(char_proxy.uuid),
                    properties(char_proxy.properties),
                    lambda: self.mtu_size - 3,
                    service,
                )
                collection.add_characteristic(char)
                for desc in char_proxy.descriptors:
                    uuid = bleak_uuid(desc.type)
                    collection.add_descriptor(BleakGATTDescriptor(desc, desc.handle, uuid, char))
        return collection

    def _on_disconnection(self, reason: int) -> None:
        leaving = self._leaving
        self._connection, self._peer, self.services = None, None, None
        self._subscribers.clear()
        if not leaving and self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        connection = self._connection
        if connection is None:
            return
        self._leaving = True
        await connection.disconnect()

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        raise BleakError("the virtual radio has no pairing (simulated devices need none)")

    async def unpair(self) -> None:
        raise BleakError("the virtual radio has no pairing (simulated devices need none)")

    # --- GATT I/O -------------------------------------------------------------

    def _require_peer(self) -> Peer:
        if self._peer is None:
            raise BleakError("Not connected")
        return self._peer

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        return await self._read(characteristic.obj)

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        return await self._read(descriptor.obj)

    async def _read(self, proxy: Any) -> bytearray:
        peer = self._require_peer()
        try:
            return bytearray(await peer.read_value(proxy))
        except att.ATT_Error as exc:
            raise BleakGATTProtocolError(int(exc.error_code)) from exc

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool
    ) -> None:
        await self._write(characteristic.obj, bytes(data), response)

    async def write_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, data: SizedBuffer
    ) -> None:
        await self._write(descriptor.obj, bytes(data), True)

    async def _write(self, proxy: Any, data: bytes, response: bool) -> None:
        peer = self._require_peer()
        try:
            await peer.write_value(proxy, data, with_response=response)
        except att.ATT_Error as exc:
            raise BleakGATTProtocolError(int(exc.error_code)) from exc

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        peer = self._require_peer()

        def deliver(value: bytes) -> None:
            callback(bytearray(value))

        self._subscribers[characteristic.handle] = deliver
        await peer.subscribe(characteristic.obj, deliver, prefer_notify=True)

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        peer = self._require_peer()
        deliver = self._subscribers.pop(characteristic.handle, None)
        await peer.unsubscribe(characteristic.obj, deliver)
