"""Weiheng WH-C06 hanging scale: weight broadcast in advertisements only.

The scale never needs a connection; it repeats its reading in the
manufacturer-specific data of its advertisements (company id 0x0100). The
rules (see ``whc06.md`` for sources and what they leave open):

* Offsets are counted in the *payload after the two company-id bytes*, the form
  bleak, bumble, Android's ``getManufacturerSpecificData`` and Web Bluetooth
  hand over. That payload is 17 bytes. The raw AD form with the company id in
  front (``00 01`` + 17 bytes, what CoreBluetooth reports) is accepted too.
* Bytes 10-11: weight, big-endian, 0.01 kg per count, in kilograms whatever
  unit the display shows. Read as signed: both readings agree up to 327.67 kg,
  beyond the scale's 300 kg range, and a reading below zero stays small.
* Byte 14: high nibble non-zero = stable; low nibble = displayed unit
  (1 kg, 2 lb, 3 st, 4 jin). Any other unit code means the payload is not laid
  out as expected (0x0100 is also another company's id), so it is rejected.

A missing company id is the caller's fault (:class:`LocalProtocolError`): the
scanner should pass only advertisements carrying ``SPEC.manufacturer_id``.
Bad payloads are the device's (:class:`RemoteProtocolError`).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Literal, get_args

from firmware_protocol._common import (
    STANDARD_GRAVITY,
    Codec,
    Command,
    DeviceSpec,
    Event,
    LocalProtocolError,
    RemoteProtocolError,
    Samples,
    Write,
)

COMPANY_ID = 0x0100
PAYLOAD_SIZE = 17
WEIGHT_OFFSET = 10
STATUS_OFFSET = 14
COUNTS_PER_KG = 100

SPEC = DeviceSpec(
    model="Weiheng WH-C06",
    service_uuid=None,
    notify_uuids=(),
    write_uuid=None,
    name_patterns=(r"IF_B7",),
    manufacturer_id=COMPANY_ID,
    nominal_rate_hz=10.0,
)

Unit = Literal["kg", "lb", "st", "jin"]
_UNIT_CODES: dict[int, Unit] = {1: "kg", 2: "lb", 3: "st", 4: "jin"}
_CODE_OF_UNIT: dict[Unit, int] = {u: c for c, u in _UNIT_CODES.items()}

_RAW_PREFIX = struct.pack("<H", COMPANY_ID)
_WEIGHT = struct.Struct(">h")
_FILLER_HEAD = bytes((0x02, 0x03, 0x11))
_WEIGHT_TYPE = 0x01
_STABLE_NIBBLE = 0x1


@dataclass(frozen=True, slots=True)
class Weight:
    """One advertised reading: force, whether the scale calls it stable, the display unit."""

    force_n: float
    stable: bool
    unit: Unit

    def __post_init__(self) -> None:
        if self.unit not in get_args(Unit):
            raise LocalProtocolError(f"unit must be one of {get_args(Unit)}, got {self.unit!r}")

    @property
    def mass_kg(self) -> float:
        return self.force_n / STANDARD_GRAVITY


def decode_payload(payload: bytes) -> Weight:
    """Decode the manufacturer payload (company id stripped, or in front as ``00 01``)."""
    if len(payload) == PAYLOAD_SIZE + 2 and payload[:2] == _RAW_PREFIX:
        payload = payload[2:]
    if len(payload) != PAYLOAD_SIZE:
        raise RemoteProtocolError(
            f"WH-C06 payload has {len(payload)} bytes, expected {PAYLOAD_SIZE}"
        )
    counts = _WEIGHT.unpack_from(payload, WEIGHT_OFFSET)[0]
    status = payload[STATUS_OFFSET]
    unit = _UNIT_CODES.get(status & 0x0F)
    if unit is None:
        raise RemoteProtocolError(f"unknown WH-C06 unit code {status & 0x0F}")
    return Weight(
        force_n=counts / COUNTS_PER_KG * STANDARD_GRAVITY,
        stable=bool(status >> 4),
        unit=unit,
    )


def decode_advertisement(manufacturer_data: dict[int, bytes]) -> Weight:
    """Decode the ``{company_id: payload}`` mapping of one advertisement."""
    payload = manufacturer_data.get(COMPANY_ID)
    if payload is None:
        raise LocalProtocolError(
            f"advertisement has no manufacturer data for company {COMPANY_ID:#06x}"
        )
    return decode_payload(bytes(payload))


def encode_advertisement(
    weight_kg: float,
    stable: bool = True,
    unit: Unit = "kg",
    *,
    address: bytes = bytes(6),
) -> dict[int, bytes]:
    """Device side: the manufacturer data a WH-C06 showing ``weight_kg`` would send.

    Bytes the sources do not explain are filled as the captured frames show
    them (``02 03 11``, the 6-byte ``address``, type ``01``) or with zeros.
    """
    if not math.isfinite(weight_kg):
        raise LocalProtocolError(f"weight_kg must be finite, got {weight_kg}")
    counts = round(weight_kg * COUNTS_PER_KG)
    if not -(2**15) <= counts < 2**15:
        raise LocalProtocolError(f"weight_kg={weight_kg} is outside ±327.67 kg")
    if unit not in _CODE_OF_UNIT:
        raise LocalProtocolError(f"unit must be one of {tuple(_CODE_OF_UNIT)}, got {unit!r}")
    if len(address) != 6:
        raise LocalProtocolError(f"address must be 6 bytes, got {len(address)}")
    status = (_STABLE_NIBBLE << 4 if stable else 0) | _CODE_OF_UNIT[unit]
    payload = (
        _FILLER_HEAD
        + address
        + bytes((_WEIGHT_TYPE,))
        + _WEIGHT.pack(counts)
        + bytes(2)
        + bytes((status,))
        + bytes(2)
    )
    return {COMPANY_ID: payload}


class WHC06Codec(Codec):
    """Host side for the registry: no commands, no characteristics, advertisements only.

    It exists so every device kind has a codec; ``command`` and ``receive``
    always raise :class:`LocalProtocolError`, and the scanner feeds
    :meth:`receive_advertisement` instead.
    """

    spec = SPEC

    def command(self, cmd: Command) -> Write:
        raise LocalProtocolError(f"the WH-C06 takes no commands ({cmd.value})")

    def receive(self, characteristic: str, data: bytes) -> list[Event]:
        raise LocalProtocolError("the WH-C06 has no characteristics; use receive_advertisement")

    def receive_advertisement(self, manufacturer_data: dict[int, bytes]) -> list[Event]:
        """``Samples`` with the one reading, then the :class:`Weight` with its flags."""
        weight = decode_advertisement(manufacturer_data)
        return [Samples(force_n=(weight.force_n,)), weight]
