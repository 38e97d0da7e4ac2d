"""The virtual air: bumble controllers on one LocalLink, one central, many peripherals.

Everything lives on the event loop that first used the radio; bumble objects
built under one loop fail under another, so every entry point checks it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Awaitable, Callable

from bumble.controller import Controller
from bumble.device import Advertisement, Connection, Device
from bumble.hci import Address, OwnAddressType
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

from nkt_dyno.devices._backends import BleakBackends
from nkt_dyno.devices.virtual._convert import address_text
from nkt_dyno.devices.virtual._quiet import quiet_packet_formatting

AdvertisementListener = Callable[[Advertisement], None]

CENTRAL_ADDRESS = "C0:00:00:00:00:01"
_PERIPHERAL_PREFIX = "D0:00:00:00"


class VirtualRadioError(RuntimeError):
    """The virtual radio was used wrongly (another event loop, after close)."""


class VirtualRadio:
    """An in-process BLE radio shared by simulated devices and bleak code.

    Use it as ``async with VirtualRadio() as radio`` inside the event loop that
    the driver runs on, hand ``radio.backends()`` to the driver, and build the
    simulated devices with :meth:`add_peripheral`.
    """

    def __init__(self) -> None:
        self.link = LocalLink()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._central: Device | None = None
        self._peripherals: list[Device] = []
        self._numbers = itertools.count(1)
        self._listeners: dict[object, AdvertisementListener] = {}
        self._connect_lock = asyncio.Lock()
        self._scan_lock = asyncio.Lock()
        self._closed = False
        self._backends: BleakBackends | None = None

    async def __aenter__(self) -> VirtualRadio:
        await self.central()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _check_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if self._closed:
            raise VirtualRadioError("the virtual radio is closed")
        if self._loop is None:
            self._loop = loop
            quiet_packet_formatting()
        elif loop is not self._loop:
            raise VirtualRadioError(
                "the virtual radio was started on another event loop; bumble and the "
                "driver must share one loop"
            )

    def _new_device(self, name: str, address: str) -> Device:
        controller = Controller(name, link=self.link, public_address=address)
        host = Host(controller, AsyncPipeSink(controller))
        return Device(name=name, address=Address(address), host=host)

    async def central(self) -> Device:
        """The host-side adapter (created and powered on at first use)."""
        self._check_loop()
        if self._central is None:
            self._central = self._new_device("nkt-dyno central", CENTRAL_ADDRESS)
            self._central.on(self._central.EVENT_ADVERTISEMENT, self._on_advertisement)
            await self._central.power_on()
        return self._central

    async def add_peripheral(self, name: str) -> Device:
        """A powered-on peripheral with its own static random address."""
        self._check_loop()
        number = next(self._numbers)
        address = f"{_PERIPHERAL_PREFIX}:{number >> 8:02X}:{number & 0xFF:02X}"
        device = self._new_device(name, address)
        await device.power_on()
        self._peripherals.append(device)
        return device

    def backends(self) -> BleakBackends:
        """bleak backend classes bound to this radio (bleak wants classes, not objects)."""
        if self._backends is None:
            from nkt_dyno.devices.virtual._client import VirtualClient
            from nkt_dyno.devices.virtual._scanner import VirtualScanner

            bound = {"radio": self}
            self._backends = BleakBackends(
                scanner=type("VirtualScanner", (VirtualScanner,), bound),
                client=type("VirtualClient", (VirtualClient,), bound),
            )
        return self._backends

    # --- scanning -------------------------------------------------------------

    def _on_advertisement(self, adv: Advertisement) -> None:
        # bumble's controller reports every advert twice, the second time as a scan
        # response with the same data; the central scans passively, and a passive
        # scan never receives scan responses, so a broadcaster would seem twice as fast.
        if adv.is_scan_response:
            return
        for listener in list(self._listeners.values()):
            listener(adv)

    async def listen(self, listener: AdvertisementListener) -> Callable[[], Awaitable[None]]:
        """Deliver every advertisement to ``listener``; returns an async remover."""
        central = await self.central()
        token = object()
        async with self._scan_lock:
            self._listeners[token] = listener
            if not central.scanning:
                await central.start_scanning(active=False, filter_duplicates=False)

        async def remove() -> None:
            async with self._scan_lock:
                self._listeners.pop(token, None)
                if not self._listeners and central.scanning and not self._closed:
                    await central.stop_scanning()

        return remove

    async def find(self, address: str, timeout: float) -> Address:
        """The typed address of the peripheral advertising as ``address``."""
        found: asyncio.Future[Address] = asyncio.get_running_loop().create_future()

        def on_adv(adv: Advertisement) -> None:
            if address_text(adv.address).upper() == address.upper() and not found.done():
                found.set_result(adv.address)

        remove = await self.listen(on_adv)
        try:
            return await asyncio.wait_for(found, timeout)
        finally:
            await remove()

    # --- connections ----------------------------------------------------------

    async def connect(self, address: Address, timeout: float) -> Connection:
        """Connect the central to ``address`` (one connection attempt at a time)."""
        central = await self.central()
        async with self._connect_lock:
            return await central.connect(
                address, own_address_type=OwnAddressType.RANDOM, timeout=timeout
            )

    async def close(self) -> None:
        """Drop every connection and stop every device; the radio cannot be reused."""
        if self._closed or self._loop is None:
            self._closed = True
            return
        devices = [d for d in (self._central, *self._peripherals) if d is not None]
        for device in devices:
            for connection in list(device.connections.values()):
                with contextlib.suppress(Exception):
                    await connection.disconnect()
            with contextlib.suppress(Exception):
                await device.stop_advertising()
        if self._central is not None and self._central.scanning:
            with contextlib.suppress(Exception):
                await self._central.stop_scanning()
        for device in devices:
            await device.power_off()
        self._closed = True
