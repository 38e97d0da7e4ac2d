"""Activbody Activ5: isometric force over BLE, two firmware generations.

What the vendor's public SDKs show (details and conflicts in ``activ5.md``):

* Newer firmware ("v2") has service 0xF0F0. Force arrives as notifications of
  0xF0FE: one signed 16-bit little-endian count, 0.27156315909 N per count,
  about 10 per second. Streaming starts and stops by subscribing to 0xF0FE;
  there is no start command. 0xF0F5 notifies IMU frames (6 x int16
  accelerometer/gyro, int32 timestamp); 0xF0FA takes a sample rate (int16).
* Older firmware speaks ASCII through service 0x5000: commands written to
  0x5A02 as ``'A' + word + 0x13``, messages notified on 0x5A01. Force arrives
  there as ``IS<count>/...`` at 1.08625263633 N per count.
* The ASCII commands (start ``ISOM!``, stop ``STOP!``, tare ``TARE!``,
  handshake ``TVGTIME``) are the only command channel either SDK has, so
  :class:`Activ5Codec` sends them for every generation; on v2 firmware the
  driver's subscription to 0xF0FE is what starts the stream.
* Battery (0x2A19, percent) and serial number (0x2A25) are standard reads:
  ``command`` refuses BATTERY and DEVICE_ID, ``receive`` decodes the values read.
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass

from firmware_protocol._common import (
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

SERVICE_UUID = uuid16(0xF0F0)
FORCE_UUID = uuid16(0xF0FE)
IMU_UUID = uuid16(0xF0F5)
SAMPLE_RATE_UUID = uuid16(0xF0FA)
LEGACY_SERVICE_UUID = uuid16(0x5000)
LEGACY_NOTIFY_UUID = uuid16(0x5A01)
LEGACY_WRITE_UUID = uuid16(0x5A02)
BATTERY_LEVEL_UUID = uuid16(0x2A19)
SERIAL_NUMBER_UUID = uuid16(0x2A25)

NEWTONS_PER_COUNT = 0.27156315909
"""v2 force scale (0xF0FE)."""
LEGACY_NEWTONS_PER_COUNT = 1.08625263633
"""Older ASCII force scale (``IS`` messages); four times the v2 step."""
ACCEL_COUNTS_PER_G = 0x0FFF
GYRO_DPS_PER_COUNT = 250.0 / 0x0FFF
IMU_SECONDS_PER_TICK = 30.5e-6 / 2
"""What the vendor SDK computes; its comment says 30.5 µs (see activ5.md, Uncertain)."""

FORCE_AXIS = (0.0, 0.0, 1.0)
"""The push direction in the IMU's axes: its z, normal to the pressure pads (ours:
no source gives the IMU's mounting; see activ5.md, Uncertain)."""

COMMAND_PREFIX = b"A"
COMMAND_END = b"\x13"
_FRAMING = str.maketrans("", "", "\x12\x13")

SPEC = DeviceSpec(
    model="Activbody Activ5",
    service_uuid=SERVICE_UUID,
    notify_uuids=(FORCE_UUID, IMU_UUID, LEGACY_NOTIFY_UUID),
    write_uuid=LEGACY_WRITE_UUID,
    name_patterns=(r"ACTIV5", r"ActivBody"),
    nominal_rate_hz=10.0,
    has_gyro=True,
    extra_service_uuids=(LEGACY_SERVICE_UUID,),
)

_I16 = struct.Struct("<h")
_IMU = struct.Struct("<hhhhhhI")
_WORDS = {
    Command.START: "ISOM!",
    Command.STOP: "STOP!",
    Command.TARE: "TARE!",
    Command.VERSION: "TVGTIME",
}
_COMMAND_OF_WORD = {word: cmd for cmd, word in _WORDS.items()}
_ISOMETRIC = re.compile(r"IS(-?\d+(?:\.\d+)?)/")


@dataclass(frozen=True, slots=True)
class Imu:
    """One IMU frame from 0xF0F5: acceleration (g), angular rate (deg/s), device time (s)."""

    accel_g: tuple[float, float, float]
    gyro_dps: tuple[float, float, float]
    device_time_s: float


@dataclass(frozen=True, slots=True)
class LegacyMessage:
    """An ASCII message from 0x5A01 this codec does not interpret (serial or id halves)."""

    text: str


def _force_count(force_n: float, step: float) -> int:
    if not math.isfinite(force_n):
        raise LocalProtocolError(f"force_n must be finite, got {force_n}")
    return round(force_n / step)


# ----------------------------------------------------------------- device side


def encode_force_notification(force_n: float) -> bytes:
    """0xF0FE value for ``force_n`` (rounded to the nearest count)."""
    count = _force_count(force_n, NEWTONS_PER_COUNT)
    if not -(2**15) <= count < 2**15:
        raise LocalProtocolError(f"force_n={force_n} is outside the int16 range")
    return _I16.pack(count)


def encode_imu_notification(
    accel_g: tuple[float, float, float],
    gyro_dps: tuple[float, float, float],
    device_time_s: float,
) -> bytes:
    """0xF0F5 value: six int16 counts and the uint32 tick count."""
    if len(accel_g) != 3 or len(gyro_dps) != 3:
        raise LocalProtocolError("accel_g and gyro_dps take three axes each")
    values = [
        *(a * ACCEL_COUNTS_PER_G for a in accel_g),
        *(g / GYRO_DPS_PER_COUNT for g in gyro_dps),
    ]
    if not all(math.isfinite(v) for v in [*values, device_time_s]):
        raise LocalProtocolError("IMU values must be finite")
    counts = [round(v) for v in values]
    ticks = round(device_time_s / IMU_SECONDS_PER_TICK)
    if not all(-(2**15) <= c < 2**15 for c in counts) or not 0 <= ticks < 2**32:
        raise LocalProtocolError("IMU values are outside the wire range")
    return _IMU.pack(*counts, ticks)


def encode_legacy_isometric(force_n: float) -> bytes:
    """0x5A01 message for older firmware, in a form both vendor parsers accept."""
    count = _force_count(force_n, LEGACY_NEWTONS_PER_COUNT)
    return f"\x12IS{count}/IS\x13".encode("ascii")


def encode_legacy_version(version: str) -> bytes:
    """0x5A01 greeting that answers the ``TVGTIME`` handshake."""
    if not version.isascii() or ";" in version:
        raise LocalProtocolError(f"version must be ASCII without ';', got {version!r}")
    return f"\x12TC5k;{version}\x13".encode("ascii")


def decode_command(data: bytes) -> Command:
    """Device side: the command in one 0x5A02 write.

    The iOS SDK ends commands with 0x13, a web port with 0x19; both are accepted.
    """
    if len(data) < 3 or data[:1] != COMMAND_PREFIX or data[-1] not in (0x13, 0x19):
        raise RemoteProtocolError(f"not an Activ5 command frame: {data!r}")
    try:
        word = data[1:-1].decode("ascii")
    except UnicodeDecodeError:
        raise RemoteProtocolError(f"command is not ASCII: {data!r}") from None
    try:
        return _COMMAND_OF_WORD[word]
    except KeyError:
        raise RemoteProtocolError(f"unknown Activ5 command {word!r}") from None


# ------------------------------------------------------------------- host side


def encode_command(cmd: Command) -> bytes:
    """Bytes for 0x5A02; :class:`LocalProtocolError` for commands without an ASCII word."""
    word = _WORDS.get(cmd)
    if word is None:
        raise LocalProtocolError(
            f"Activ5 has no {cmd.value} command; read its characteristic instead"
        )
    return COMMAND_PREFIX + word.encode("ascii") + COMMAND_END


def decode_force(data: bytes) -> float:
    """0xF0FE value to newtons."""
    if len(data) != _I16.size:
        raise RemoteProtocolError(f"force value has {len(data)} bytes, expected 2")
    return _I16.unpack(data)[0] * NEWTONS_PER_COUNT


def decode_imu(data: bytes) -> Imu:
    """0xF0F5 value to an :class:`Imu` frame."""
    if len(data) != _IMU.size:
        raise RemoteProtocolError(f"IMU frame has {len(data)} bytes, expected {_IMU.size}")
    ax, ay, az, gx, gy, gz, ticks = _IMU.unpack(data)
    return Imu(
        accel_g=(ax / ACCEL_COUNTS_PER_G, ay / ACCEL_COUNTS_PER_G, az / ACCEL_COUNTS_PER_G),
        gyro_dps=(gx * GYRO_DPS_PER_COUNT, gy * GYRO_DPS_PER_COUNT, gz * GYRO_DPS_PER_COUNT),
        device_time_s=ticks * IMU_SECONDS_PER_TICK,
    )


def decode_legacy_message(data: bytes) -> Event:
    """0x5A01 message: ``Samples`` (``IS``), ``FirmwareVersion`` (``TC5k``) or a raw message."""
    try:
        text = data.decode("ascii").translate(_FRAMING)
    except UnicodeDecodeError:
        raise RemoteProtocolError(f"legacy message is not ASCII: {data!r}") from None
    if not text:
        raise RemoteProtocolError("empty legacy message")
    head = text.split(";")[0]
    if head.startswith("TC5k"):
        parts = text.split(";")
        if len(parts) < 2 or not parts[1]:
            raise RemoteProtocolError(f"greeting without a version: {text!r}")
        return FirmwareVersion(parts[1])
    if head.startswith("IS"):
        match = _ISOMETRIC.match(head)
        if match is None:
            raise RemoteProtocolError(f"malformed isometric message: {text!r}")
        return Samples(force_n=(float(match.group(1)) * LEGACY_NEWTONS_PER_COUNT,))
    return LegacyMessage(text)


def decode_battery(data: bytes) -> Battery:
    if len(data) != 1 or data[0] > 100:
        raise RemoteProtocolError(f"battery level must be one byte 0-100, got {data!r}")
    return Battery(percent=data[0])


def decode_serial_number(data: bytes) -> DeviceId:
    try:
        text = data.decode("utf-8").rstrip("\x00")
    except UnicodeDecodeError:
        raise RemoteProtocolError(f"serial number is not UTF-8: {data!r}") from None
    if not text:
        raise RemoteProtocolError("empty serial number")
    return DeviceId(text)


class Activ5Codec(Codec):
    """Host side of one Activ5 connection (either firmware generation); stateless."""

    spec = SPEC

    def command(self, cmd: Command) -> Write:
        return Write(LEGACY_WRITE_UUID, encode_command(cmd))

    def set_sample_rate(self, rate_hz: int) -> Write:
        """Write for 0xF0FA (v2 firmware); the accepted range is not documented."""
        if not 1 <= rate_hz < 2**15:
            raise LocalProtocolError(f"rate_hz must be in [1, 32767], got {rate_hz}")
        return Write(SAMPLE_RATE_UUID, _I16.pack(rate_hz))

    def receive(self, characteristic: str, data: bytes) -> list[Event]:
        uuid = characteristic.lower()
        if uuid == FORCE_UUID:
            return [Samples(force_n=(decode_force(data),))]
        if uuid == IMU_UUID:
            return [decode_imu(data)]
        if uuid == LEGACY_NOTIFY_UUID:
            return [decode_legacy_message(data)]
        if uuid == BATTERY_LEVEL_UUID:
            return [decode_battery(data)]
        if uuid == SERIAL_NUMBER_UUID:
            return [decode_serial_number(data)]
        raise LocalProtocolError(f"no Activ5 characteristic {characteristic}")
