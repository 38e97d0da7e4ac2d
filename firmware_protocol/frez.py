"""Frez Dyno: raw load-cell counts at 250 Hz with the device's own clock (protocol v1).

Rules (details and sources in ``frez.md``):

* Service ``da8a6c41-…``: notify ``…6c42``, write ``…6c43`` (with response).
* Host to device, two bytes: ``01 00`` start, ``02 00`` stop, ``ff 00`` sleep. There
  is no tare command: the maker's clients tare in software.
* Device to host, exactly 74 bytes: ``01`` (response code), ``00`` (reserved), then
  nine samples of (int32 LE raw ADC count, uint32 LE milliseconds since Start).
  Times must rise strictly within a notification.
* The count is not force: the maker converts it with a per-device coefficient
  fetched from its web service by serial number. nkt-dyno does no network I/O, so
  :class:`Samples` carries the count times :data:`NOMINAL_N_PER_COUNT`, and the
  user's known-mass calibration (``nkt-dyno calibrate``) maps it to newtons.
* Battery (0x2A19, percent), serial number (0x2A25) and software revision (0x2A28)
  are standard reads, decoded by ``receive``.

Decoders raise only :class:`ProtocolError` subclasses.
"""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass

from firmware_protocol._common import (
    STANDARD_GRAVITY,
    Battery,
    Codec,
    Command,
    DeviceId,
    DeviceSpec,
    Event,
    FirmwareVersion,
    LocalProtocolError,
    RemoteProtocolError,
    Samples,
    Write,
    uuid16,
)

SERVICE_UUID = "da8a6c41-154b-4b9a-9b00-2f84dfcebfe9"
NOTIFY_UUID = "da8a6c42-154b-4b9a-9b00-2f84dfcebfe9"
WRITE_UUID = "da8a6c43-154b-4b9a-9b00-2f84dfcebfe9"
BATTERY_LEVEL_UUID = uuid16(0x2A19)
SERIAL_NUMBER_UUID = uuid16(0x2A25)
SOFTWARE_REVISION_UUID = uuid16(0x2A28)

SPEC = DeviceSpec(
    model="Frez Dyno",
    service_uuid=SERVICE_UUID,
    notify_uuids=(NOTIFY_UUID,),
    write_uuid=WRITE_UUID,
    name_patterns=(r"FrezDyno-",),
    nominal_rate_hz=250.0,
)

RESPONSE_CODE = 0x01
PACKET_LEN = 74
SAMPLES_PER_PACKET = 9
NOMINAL_KG_PER_COUNT = 1e-5
"""Ours: the order of the maker's per-device coefficients, so that uncalibrated
readings are of a plausible size. Not a calibration."""
NOMINAL_N_PER_COUNT = NOMINAL_KG_PER_COUNT * STANDARD_GRAVITY

_SAMPLE = struct.Struct("<iI")
_COMMANDS = {
    Command.START: bytes((0x01, 0x00)),
    Command.STOP: bytes((0x02, 0x00)),
}
SLEEP = bytes((0xFF, 0x00))
_DECODED = {data: cmd for cmd, data in _COMMANDS.items()}


@dataclass(frozen=True, slots=True)
class Packet:
    """One notification: nine raw counts and their device times (ms since Start)."""

    counts: tuple[int, ...]
    elapsed_ms: tuple[int, ...]

    def __post_init__(self) -> None:
        n = len(self.counts)
        if n != SAMPLES_PER_PACKET or len(self.elapsed_ms) != n:
            raise LocalProtocolError(f"a packet holds {SAMPLES_PER_PACKET} samples, got {n}")
        if not all(-(2**31) <= c < 2**31 for c in self.counts):
            raise LocalProtocolError("counts must fit int32")
        if not all(0 <= ms < 2**32 for ms in self.elapsed_ms):
            raise LocalProtocolError("times must fit uint32")
        if any(b <= a for a, b in itertools.pairwise(self.elapsed_ms)):
            raise LocalProtocolError("times must rise strictly")


@dataclass(frozen=True, slots=True)
class Sleep:
    """Host asked the device to power off."""


# ----------------------------------------------------------------- device side


def encode_packet(packet: Packet) -> bytes:
    """The 74-byte notification for ``packet``."""
    pairs = zip(packet.counts, packet.elapsed_ms, strict=True)
    body = b"".join(_SAMPLE.pack(c, ms) for c, ms in pairs)
    return bytes((RESPONSE_CODE, 0x00)) + body


def decode_command(data: bytes) -> Command | Sleep:
    """Device side: the command in one write."""
    data = bytes(data)
    if data == SLEEP:
        return Sleep()
    try:
        return _DECODED[data]
    except KeyError:
        raise RemoteProtocolError(f"not a Frez Dyno command: {data.hex()}") from None


# ------------------------------------------------------------------- host side


def encode_command(cmd: Command) -> bytes:
    """Bytes for the write characteristic; :class:`LocalProtocolError` if there are none."""
    try:
        return _COMMANDS[cmd]
    except KeyError:
        raise LocalProtocolError(
            f"Frez Dyno has no {cmd.value} command"
            + ("" if cmd is Command.TARE else "; read its characteristic instead")
        ) from None


def decode_packet(data: bytes) -> Packet:
    """A 74-byte notification; :class:`RemoteProtocolError` for anything else."""
    if len(data) != PACKET_LEN:
        raise RemoteProtocolError(f"packet of {len(data)} bytes, expected {PACKET_LEN}")
    if data[0] != RESPONSE_CODE:
        raise RemoteProtocolError(f"response code {data[0]:#04x}, expected 0x01")
    if data[1] != 0x00:
        raise RemoteProtocolError(f"reserved byte is {data[1]:#04x}, expected 0")
    samples = list(_SAMPLE.iter_unpack(bytes(data[2:])))
    counts = tuple(c for c, _ in samples)
    elapsed = tuple(ms for _, ms in samples)
    if any(b <= a for a, b in itertools.pairwise(elapsed)):
        raise RemoteProtocolError(f"device times do not rise: {elapsed}")
    return Packet(counts, elapsed)


def decode_battery(data: bytes) -> Battery:
    if len(data) != 1 or data[0] > 100:
        raise RemoteProtocolError(f"battery level must be one byte 0-100, got {data!r}")
    return Battery(percent=data[0])


def _text(data: bytes, what: str) -> str:
    try:
        text = bytes(data).decode("utf-8").replace("\x00", "").strip()
    except UnicodeDecodeError:
        raise RemoteProtocolError(f"{what} is not UTF-8: {data!r}") from None
    if not text:
        raise RemoteProtocolError(f"empty {what}")
    return text


class FrezCodec(Codec):
    """Host side of one Frez Dyno connection; stateless."""

    spec = SPEC

    def command(self, cmd: Command) -> Write:
        return Write(WRITE_UUID, encode_command(cmd), with_response=True)

    def receive(self, characteristic: str, data: bytes) -> list[Event]:
        uuid = characteristic.lower()
        if uuid == NOTIFY_UUID:
            packet = decode_packet(data)
            return [
                Samples(
                    force_n=tuple(c * NOMINAL_N_PER_COUNT for c in packet.counts),
                    device_time_s=tuple(ms / 1000.0 for ms in packet.elapsed_ms),
                )
            ]
        if uuid == BATTERY_LEVEL_UUID:
            return [decode_battery(data)]
        if uuid == SERIAL_NUMBER_UUID:
            return [DeviceId(_text(data, "serial number"))]
        if uuid == SOFTWARE_REVISION_UUID:
            return [FirmwareVersion(_text(data, "software revision"))]
        raise LocalProtocolError(f"no Frez Dyno characteristic {characteristic}")
