"""PitchSix Force Board protocol.

Rules (details and sources in ``forceboard.md``):

* Commands are one byte written to the Device Mode characteristic ``467a8517-...``
  (in its own service ``467a8516-...``): 0x04 stream, 0x05 tare, 0x06 quick start
  (stream only while above the threshold), 0x07 idle. A tare can also be asked by
  writing 0x01 to the Tare characteristic ``...d683``; the quick-start threshold is
  three big-endian bytes (lbf) written to ``...d686``.
* Force arrives as notifications on ``...d682``: a big-endian u16 sample count, then
  that many 3-byte samples. A sample ``b0 b1 b2`` is ``b0 * 32768 + b1 * 256 + b2``
  pound-force (the x32768 is what the sources use, not x65536; the two agree
  while ``b0`` is 0). The length must be exactly ``2 + 3 * count``.
* The device sends no timestamps and no sample counter.
* Battery is the standard Battery Level characteristic (0x2A19, one byte, percent),
  read rather than commanded.

``decode_command`` parses what a host wrote (the simulated device's side); bad
bytes there are the peer's fault and raise :class:`RemoteProtocolError`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from firmware_protocol._common import (
    POUND_FORCE_N,
    Battery,
    Codec,
    Command,
    DeviceSpec,
    Event,
    LocalProtocolError,
    RemoteProtocolError,
    Samples,
    Write,
    uuid16,
)

SERVICE_UUID = "9a88d67f-8df2-4afe-9e0d-c2bbbe773dd0"
FORCE_UUID = "9a88d682-8df2-4afe-9e0d-c2bbbe773dd0"
TARE_UUID = "9a88d683-8df2-4afe-9e0d-c2bbbe773dd0"
THRESHOLD_UUID = "9a88d686-8df2-4afe-9e0d-c2bbbe773dd0"
WEIGHT_SERVICE_UUID = "467a8516-6e39-11eb-9439-0242ac130002"
DEVICE_MODE_UUID = "467a8517-6e39-11eb-9439-0242ac130002"
BATTERY_SERVICE_UUID = uuid16(0x180F)
BATTERY_LEVEL_UUID = uuid16(0x2A19)

SPEC = DeviceSpec(
    model="PitchSix Force Board",
    service_uuid=SERVICE_UUID,
    notify_uuids=(FORCE_UUID,),
    write_uuid=DEVICE_MODE_UUID,
    name_patterns=(r"Force Board",),
    nominal_rate_hz=0.0,
    extra_service_uuids=(WEIGHT_SERVICE_UUID, BATTERY_SERVICE_UUID),
)
"""``nominal_rate_hz`` is 0 because no source states the streaming rate."""

SAMPLE_SIZE = 3
_MAX_CANONICAL = 0xFF * 32768 + 0x7FFF


class Mode(enum.IntEnum):
    """Bytes written to the Device Mode characteristic."""

    STREAM = 0x04
    TARE = 0x05
    QUICK_START = 0x06
    IDLE = 0x07


TARE_BYTE = 0x01
"""Value written to the Tare characteristic."""

_COMMAND_MODES: dict[Command, Mode] = {
    Command.START: Mode.STREAM,
    Command.TARE: Mode.TARE,
    Command.STOP: Mode.IDLE,
}
_MODE_COMMANDS: dict[int, Command] = {int(mode): cmd for cmd, mode in _COMMAND_MODES.items()}


@dataclass(frozen=True, slots=True)
class QuickStart:
    """Host put the board in quick-start mode."""


@dataclass(frozen=True, slots=True)
class SetThreshold:
    """Host set the quick-start threshold (pound-force)."""

    lbs: int

    def __post_init__(self) -> None:
        if not 0 <= self.lbs <= 0xFFFFFF:
            raise LocalProtocolError(f"threshold must fit 3 bytes, got {self.lbs!r}")


# --- host -> device -----------------------------------------------------------


def encode_mode(mode: Mode) -> bytes:
    """One byte for the Device Mode characteristic."""
    return bytes((Mode(mode),))


def encode_start() -> bytes:
    return encode_mode(Mode.STREAM)


def encode_tare() -> bytes:
    return encode_mode(Mode.TARE)


def encode_quick_start() -> bytes:
    return encode_mode(Mode.QUICK_START)


def encode_stop() -> bytes:
    return encode_mode(Mode.IDLE)


def encode_tare_characteristic() -> bytes:
    """Alternative tare: this byte goes to :data:`TARE_UUID`, not Device Mode."""
    return bytes((TARE_BYTE,))


def encode_threshold(lbs: int) -> bytes:
    """Quick-start threshold for :data:`THRESHOLD_UUID`, 3 bytes big-endian."""
    return SetThreshold(lbs).lbs.to_bytes(3, "big")


def decode_command(
    data: bytes, characteristic: str = DEVICE_MODE_UUID
) -> Command | QuickStart | SetThreshold:
    """Parse what a host wrote to one of the writable characteristics."""
    characteristic = characteristic.lower()
    if characteristic == THRESHOLD_UUID:
        if len(data) != 3:
            raise RemoteProtocolError(f"threshold write of {len(data)} bytes, expected 3")
        return SetThreshold(int.from_bytes(data, "big"))
    if characteristic not in (DEVICE_MODE_UUID, TARE_UUID):
        raise LocalProtocolError(f"not a Force Board command characteristic: {characteristic}")
    if len(data) != 1:
        raise RemoteProtocolError(f"command write of {len(data)} bytes, expected 1")
    if characteristic == TARE_UUID:
        if data[0] != TARE_BYTE:
            raise RemoteProtocolError(f"tare characteristic expects 0x01, got {data[0]:#04x}")
        return Command.TARE
    if data[0] == Mode.QUICK_START:
        return QuickStart()
    shared = _MODE_COMMANDS.get(data[0])
    if shared is None:
        raise RemoteProtocolError(f"unknown device mode {data[0]:#04x}")
    return shared


# --- device -> host (device side encoders) ------------------------------------


def encode_samples(raw: Sequence[int]) -> bytes:
    """Force notification from raw pound-force values, each split canonically
    (``b1 < 128``) so that the ``x32768`` reading gives it back."""
    if len(raw) > 0xFFFF:
        raise LocalProtocolError(f"{len(raw)} samples do not fit a u16 count")
    out = bytearray(len(raw).to_bytes(2, "big"))
    for value in raw:
        if not 0 <= value <= _MAX_CANONICAL:
            raise LocalProtocolError(f"sample must be 0..{_MAX_CANONICAL}, got {value!r}")
        out += bytes((value >> 15, (value >> 8) & 0x7F, value & 0xFF))
    return bytes(out)


def encode_battery_level(percent: int) -> bytes:
    if not 0 <= percent <= 100:
        raise LocalProtocolError(f"battery percent must be 0..100, got {percent!r}")
    return bytes((percent,))


# --- host side decoding ---------------------------------------------------------


def decode_raw(data: bytes) -> list[int]:
    """Raw pound-force values of one force notification."""
    if len(data) < 2:
        raise RemoteProtocolError(f"force notification of {len(data)} bytes has no count")
    count = int.from_bytes(data[:2], "big")
    if len(data) != 2 + SAMPLE_SIZE * count:
        raise RemoteProtocolError(
            f"count {count} needs {2 + SAMPLE_SIZE * count} bytes, notification has {len(data)}"
        )
    return [
        data[i] * 32768 + data[i + 1] * 256 + data[i + 2] for i in range(2, len(data), SAMPLE_SIZE)
    ]


def decode_samples(data: bytes) -> Samples | None:
    """Force notification in newtons; None when it holds no samples."""
    raw = decode_raw(data)
    if not raw:
        return None
    return Samples(force_n=tuple(v * POUND_FORCE_N for v in raw))


def decode_battery_level(data: bytes) -> Battery:
    if len(data) != 1 or data[0] > 100:
        raise RemoteProtocolError(f"battery level must be one byte 0..100, got {bytes(data).hex()}")
    return Battery(percent=data[0])


class ForceBoardCodec(Codec):
    """Host side; stateless, as every notification stands alone."""

    spec = SPEC

    def command(self, cmd: Command) -> Write:
        mode = _COMMAND_MODES.get(cmd)
        if mode is None:
            raise LocalProtocolError(
                f"Force Board has no command for {cmd!r} (battery is read from 0x2A19)"
            )
        return Write(DEVICE_MODE_UUID, encode_mode(mode), with_response=True)

    def receive(self, characteristic: str, data: bytes) -> list[Event]:
        characteristic = characteristic.lower()
        if characteristic == FORCE_UUID:
            samples = decode_samples(data)
            return [] if samples is None else [samples]
        if characteristic == BATTERY_LEVEL_UUID:
            return [decode_battery_level(data)]
        raise LocalProtocolError(f"not a Force Board notify characteristic: {characteristic}")
