"""Translations between bumble's types and the ones bleak hands to callers."""

from __future__ import annotations

import struct
from collections.abc import Iterable

from bleak.assigned_numbers import CharacteristicPropertyName
from bleak.backends.characteristic import GattCharacteristicsFlags
from bleak.backends.scanner import AdvertisementData
from bleak.uuids import normalize_uuid_str
from bumble import core, hci
from bumble.device import Advertisement

_AD = core.AdvertisingData.Type
_UUID_SIZE = {
    _AD.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS: 2,
    _AD.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS: 2,
    _AD.INCOMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS: 4,
    _AD.COMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS: 4,
    _AD.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS: 16,
    _AD.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS: 16,
}
_SERVICE_DATA_SIZE = {
    _AD.SERVICE_DATA_16_BIT_UUID: 2,
    _AD.SERVICE_DATA_32_BIT_UUID: 4,
    _AD.SERVICE_DATA_128_BIT_UUID: 16,
}
_SIG_SUFFIX = "-0000-1000-8000-00805f9b34fb"


def bleak_uuid(uuid: core.UUID) -> str:
    """bumble UUID -> bleak's lower-case 128-bit string (bumble prints names and 16-bit forms)."""
    return normalize_uuid_str(uuid.to_hex_str("-"))


def address_text(address: hci.Address) -> str:
    """The address as bleak shows it: no ``/P`` suffix (the type lives in ``details``)."""
    return address.to_string(with_type_qualifier=False)


def properties(flags: int) -> list[CharacteristicPropertyName]:
    """ATT property bits -> bleak's property names."""
    return [
        flag.name.replace("_", "-")  # type: ignore[misc]
        for flag in GattCharacteristicsFlags
        if flag.value <= 0xFF and flags & flag.value
    ]


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def advertisement_data(adv: Advertisement) -> AdvertisementData:
    """bumble advertisement -> bleak AdvertisementData (duplicate UUIDs removed)."""
    manufacturer: dict[int, bytes] = {}
    service_data: dict[str, bytes] = {}
    uuids: list[str] = []
    name: str | None = None
    tx_power: int | None = None
    for ad_type, value in adv.data.ad_structures:
        if ad_type in _UUID_SIZE:
            found = core.AdvertisingData.uuid_list_to_objects(value, _UUID_SIZE[ad_type])
            uuids += [bleak_uuid(u) for u in found]
        elif ad_type in _SERVICE_DATA_SIZE:
            size = _SERVICE_DATA_SIZE[ad_type]
            service_data[bleak_uuid(core.UUID.from_bytes(value[:size]))] = bytes(value[size:])
        elif ad_type == _AD.MANUFACTURER_SPECIFIC_DATA and len(value) >= 2:
            (company,) = struct.unpack_from("<H", value)
            manufacturer[company] = bytes(value[2:])
        elif ad_type in (_AD.COMPLETE_LOCAL_NAME, _AD.SHORTENED_LOCAL_NAME):
            name = value.decode("utf-8", errors="replace")
        elif ad_type == _AD.TX_POWER_LEVEL and value:
            tx_power = struct.unpack("b", value[:1])[0]
    return AdvertisementData(
        local_name=name,
        manufacturer_data=manufacturer,
        service_data=service_data,
        service_uuids=_unique(uuids),
        tx_power=tx_power,
        rssi=adv.rssi,
        platform_data=(adv,),
    )


def advertising_bytes(
    name: str,
    service_uuids: Iterable[str] = (),
    manufacturer_data: dict[int, bytes] | None = None,
) -> bytes:
    """Advertising payload holding the name, service UUIDs and manufacturer data.

    The virtual controller never sends a scan response, so everything a scanner
    needs goes into the advertisement itself (it accepts more than the 31 bytes
    of a legacy advertisement; real devices split this over a scan response).
    """
    structures: list[tuple[int, bytes]] = [(_AD.COMPLETE_LOCAL_NAME, name.encode())]
    by_size: dict[int, list[bytes]] = {}
    for text in _unique(normalize_uuid_str(u) for u in service_uuids):
        short = text.startswith("0000") and text.endswith(_SIG_SUFFIX)
        raw = core.UUID(text[4:8] if short else text).to_bytes()
        by_size.setdefault(len(raw), []).append(raw)
    kinds = {
        2: _AD.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
        16: _AD.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
    }
    structures += [(kinds[size], b"".join(raws)) for size, raws in by_size.items()]
    for company, payload in (manufacturer_data or {}).items():
        structures.append((_AD.MANUFACTURER_SPECIFIC_DATA, struct.pack("<H", company) + payload))
    return bytes(core.AdvertisingData(structures))
