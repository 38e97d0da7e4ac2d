"""Finding supported devices: one scan, recognised by service UUID, name or maker data."""

from __future__ import annotations

import asyncio

from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from nkt_dyno.devices._backends import BleakBackends
from nkt_dyno.devices._profiles import recognise
from nkt_dyno.devices._types import FoundDevice


def _found(device: BLEDevice, adv: AdvertisementData) -> FoundDevice | None:
    profile = recognise(adv.local_name, adv.service_uuids, adv.manufacturer_data)
    if profile is None:
        return None
    name = adv.local_name or device.name or device.address
    return FoundDevice(profile.kind, device.address, name, adv.rssi, device)


async def scan(backends: BleakBackends, seconds: float = 3.0) -> list[FoundDevice]:
    """Supported devices heard within ``seconds``, strongest first."""
    # What BleakScanner.discover does, but through the constructor, which (unlike
    # discover's typed keywords) accepts backend=None for the platform default.
    async with BleakScanner(backend=backends.scanner) as scanner:
        await asyncio.sleep(seconds)
    seen = scanner.discovered_devices_and_advertisement_data
    found = [f for device, adv in seen.values() if (f := _found(device, adv)) is not None]
    return sorted(found, key=lambda f: -f.rssi)


async def find(backends: BleakBackends, address: str, timeout: float = 10.0) -> FoundDevice:
    """The supported device advertising as ``address`` (raises ``LookupError`` if none)."""
    result: asyncio.Future[FoundDevice] = asyncio.get_running_loop().create_future()

    def on_adv(device: BLEDevice, adv: AdvertisementData) -> None:
        if device.address.upper() == address.upper() and not result.done():
            found = _found(device, adv)
            if found is not None:
                result.set_result(found)

    async with BleakScanner(on_adv, backend=backends.scanner):
        try:
            return await asyncio.wait_for(result, timeout)
        except TimeoutError:
            raise LookupError(f"no supported device at {address} within {timeout:g} s") from None
