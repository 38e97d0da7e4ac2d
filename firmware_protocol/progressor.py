"""Tindeq Progressor protocol (and the clones that copy it: Crimpdeq, Hangman, Mito).

Rules (details and sources in ``progressor.md``):

* Host to device: one write to the control point ``...1703``, ``[opcode][len][value]``.
  Plain commands are sent as ``[opcode, 0x00]`` (PyTindeq's form; Tindeq's own
  example sends ``[opcode]``). When decoding what a host wrote,
  the length byte is not checked (devices ignore it and hosts disagree on it), so
  ``[opcode]`` alone is accepted too, and ``0x69`` (add calibration point) may be
  1 or 2 bytes (snapshot the live reading), 5 bytes (opcode + f32 LE kg: what
  Crimpdeq and Hangman read, and what :func:`encode_add_calibration_point` sends)
  or 6 bytes (opcode + length + f32 LE kg: Hangman reads it too, Crimpdeq does not).
* Device to host: notifications on ``...1702``, ``[tag][len][value]``; bytes beyond
  ``2 + len`` are padding and ignored, fewer is a :class:`RemoteProtocolError`.
* Tag 0x01 carries ``len / 8`` records of (f32 LE kgf, u32 LE microseconds); ``len``
  must be a multiple of 8. The microsecond counter wraps every 2**32 us (~71.6 min):
  :class:`Samples` carries the raw, wrapped time and :func:`unwrap_u32_us` unwraps it.
* Tag 0x00 is the reply to a command and has no type of its own: the codec reads it
  according to the last command written through it, then forgets that command.
* A weight record that is NaN or infinite makes the notification an error.
* Tag 0x02 / 0x03 (peak rate of force development) have no published layout and are
  passed on raw; tag 0x04 is the low-power warning. Crimpdeq answers 0x72 with tag
  0x05 (one f32 LE factor) and then one tag 0x06 per stored point (f32 LE raw value,
  f32 LE kg). Any other tag is an error.

Decoders raise only :class:`ProtocolError` subclasses. ``decode_command`` parses bytes
a host wrote (used by the simulated device); bad bytes there are the peer's fault
and raise :class:`RemoteProtocolError` as well.
"""

from __future__ import annotations

import enum
import math
import struct
from collections.abc import Sequence
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
    LowBattery,
    RemoteProtocolError,
    Samples,
    Write,
)

SERVICE_UUID = "7e4e1701-1ea6-40c9-9dcc-13d34ffead57"
DATA_POINT_UUID = "7e4e1702-1ea6-40c9-9dcc-13d34ffead57"
CONTROL_POINT_UUID = "7e4e1703-1ea6-40c9-9dcc-13d34ffead57"

SPEC = DeviceSpec(
    model="Tindeq Progressor",
    service_uuid=SERVICE_UUID,
    notify_uuids=(DATA_POINT_UUID,),
    write_uuid=CONTROL_POINT_UUID,
    name_patterns=(r"Progressor", r"Crimpdeq"),
    nominal_rate_hz=80.0,
)

U32_WRAP = 1 << 32
"""The device's microsecond counter counts modulo this."""


class Opcode(enum.IntEnum):
    """Control-point opcodes that the public sources agree on."""

    TARE = 0x64
    START_WEIGHT = 0x65
    STOP_WEIGHT = 0x66
    START_PEAK_RFD = 0x67
    START_PEAK_RFD_SERIES = 0x68
    ADD_CALIBRATION_POINT = 0x69
    SAVE_CALIBRATION = 0x6A
    GET_APP_VERSION = 0x6B
    GET_ERROR_INFO = 0x6C
    CLEAR_ERROR_INFO = 0x6D
    SLEEP = 0x6E
    GET_BATTERY_VOLTAGE = 0x6F
    GET_PROGRESSOR_ID = 0x70
    SET_CALIBRATION = 0x71
    GET_CALIBRATION = 0x72
    RESET_CALIBRATION = 0x74
    """Crimpdeq: back to the default calibration. The genuine device reads out its
    calibration table with this opcode instead (harmless, but not a reset)."""


class Tag(enum.IntEnum):
    """Data-point tags (first byte of a notification)."""

    COMMAND_REPLY = 0x00
    WEIGHT = 0x01
    PEAK_RFD = 0x02
    PEAK_RFD_SERIES = 0x03
    LOW_POWER = 0x04
    CALIBRATION_FACTOR = 0x05
    CALIBRATION_POINT = 0x06


_COMMAND_OPCODES: dict[Command, Opcode] = {
    Command.TARE: Opcode.TARE,
    Command.START: Opcode.START_WEIGHT,
    Command.STOP: Opcode.STOP_WEIGHT,
    Command.BATTERY: Opcode.GET_BATTERY_VOLTAGE,
    Command.VERSION: Opcode.GET_APP_VERSION,
    Command.DEVICE_ID: Opcode.GET_PROGRESSOR_ID,
}
_OPCODE_COMMANDS: dict[int, Command] = {int(op): cmd for cmd, op in _COMMAND_OPCODES.items()}

_F32 = struct.Struct("<f")
_U32 = struct.Struct("<I")
_RECORD = struct.Struct("<fI")
_CURVE = struct.Struct("<3f")
_PAIR = struct.Struct("<2f")
_MAX_ID_BYTES = 8


# --- protocol-specific events and commands ---------------------------------


@dataclass(frozen=True, slots=True)
class CalibrationPoint:
    """Host asks for a calibration point; ``kg`` is None when the device snapshots
    its live reading (genuine firmware) instead of taking a value (clones)."""

    kg: float | None = None

    def __post_init__(self) -> None:
        if self.kg is not None and not math.isfinite(self.kg):
            raise LocalProtocolError(f"calibration kg must be finite, got {self.kg!r}")


@dataclass(frozen=True, slots=True)
class SaveCalibration:
    """Host asks the device to compute and store its calibration."""


@dataclass(frozen=True, slots=True)
class OtherCommand:
    """A host command with no typed form here (sleep, error info, RFD modes...);
    ``payload`` is whatever followed the length byte."""

    opcode: int
    payload: bytes = b""

    def __post_init__(self) -> None:
        if not 0 <= self.opcode <= 0xFF:
            raise LocalProtocolError(f"opcode out of range: {self.opcode!r}")


@dataclass(frozen=True, slots=True)
class CalibrationCurve:
    """Reply to GET_CALIBRATION: kg = raw * slope + intercept + trim."""

    slope: float
    intercept: float
    trim: float


@dataclass(frozen=True, slots=True)
class CalibrationFactor:
    """Crimpdeq's tag-0x05 answer to GET_CALIBRATION: kg per raw unit."""

    factor: float


@dataclass(frozen=True, slots=True)
class StoredCalibrationPoint:
    """Crimpdeq's tag-0x06 report of one stored point: the raw reading and its kg."""

    raw: float
    kg: float


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """Reply to GET_ERROR_INFO: the device's crash log as text."""

    text: str


@dataclass(frozen=True, slots=True)
class CommandReply:
    """A tag-0x00 reply that no typed decoder claims (raw payload)."""

    opcode: int | None
    payload: bytes


@dataclass(frozen=True, slots=True)
class RfdReport:
    """Tag 0x02/0x03 notification; its layout is unpublished, so it stays raw."""

    tag: int
    payload: bytes


DecodedCommand = Command | CalibrationPoint | SaveCalibration | OtherCommand


# --- host -> device ----------------------------------------------------------


def encode_command(opcode: int, payload: bytes = b"") -> bytes:
    """TLV bytes for any opcode (``[opcode][len(payload)][payload]``)."""
    if not 0 <= opcode <= 0xFF:
        raise LocalProtocolError(f"opcode out of range: {opcode!r}")
    if len(payload) > 0xFF:
        raise LocalProtocolError(f"payload too long for one TLV: {len(payload)} bytes")
    return bytes((opcode, len(payload))) + payload


def encode_tare() -> bytes:
    return encode_command(Opcode.TARE)


def encode_start() -> bytes:
    """Start streaming weight (80 Hz on the genuine device)."""
    return encode_command(Opcode.START_WEIGHT)


def encode_stop() -> bytes:
    return encode_command(Opcode.STOP_WEIGHT)


def encode_start_peak_rfd() -> bytes:
    return encode_command(Opcode.START_PEAK_RFD)


def encode_start_peak_rfd_series() -> bytes:
    return encode_command(Opcode.START_PEAK_RFD_SERIES)


def encode_add_calibration_point(kg: float | None = None) -> bytes:
    """Calibration point; without ``kg`` the device snapshots its live reading.

    With ``kg`` the 5-byte form (opcode, f32 LE) is sent, with no length byte:
    Crimpdeq reads the value from bytes 1-4, so the 6-byte TLV form would hand it
    the length byte as part of the float; Hangman reads both forms.
    """
    if kg is None:
        return encode_command(Opcode.ADD_CALIBRATION_POINT)
    if not math.isfinite(kg):
        raise LocalProtocolError(f"calibration kg must be finite, got {kg!r}")
    try:
        value = _F32.pack(kg)
    except OverflowError as exc:
        raise LocalProtocolError(f"calibration kg does not fit a float32: {kg!r}") from exc
    return bytes((Opcode.ADD_CALIBRATION_POINT,)) + value


def encode_save_calibration() -> bytes:
    return encode_command(Opcode.SAVE_CALIBRATION)


def encode_reset_calibration() -> bytes:
    """Crimpdeq: restore the default calibration (see :attr:`Opcode.RESET_CALIBRATION`)."""
    return encode_command(Opcode.RESET_CALIBRATION)


def encode_version() -> bytes:
    return encode_command(Opcode.GET_APP_VERSION)


def encode_error_info() -> bytes:
    return encode_command(Opcode.GET_ERROR_INFO)


def encode_clear_error_info() -> bytes:
    return encode_command(Opcode.CLEAR_ERROR_INFO)


def encode_sleep() -> bytes:
    """Power the device off (it must be switched on by hand afterwards)."""
    return encode_command(Opcode.SLEEP)


def encode_battery() -> bytes:
    """Ask for the battery voltage (stop streaming first, per the clones' notes)."""
    return encode_command(Opcode.GET_BATTERY_VOLTAGE)


def encode_device_id() -> bytes:
    return encode_command(Opcode.GET_PROGRESSOR_ID)


def encode_get_calibration() -> bytes:
    return encode_command(Opcode.GET_CALIBRATION)


def encode_set_calibration(slope: float, intercept: float, trim: float) -> bytes:
    """Overwrite the stored calibration curve (three f32 LE)."""
    values = (slope, intercept, trim)
    if not all(math.isfinite(v) for v in values):
        raise LocalProtocolError(f"calibration curve must be finite, got {values!r}")
    try:
        payload = _CURVE.pack(*values)
    except OverflowError as exc:
        raise LocalProtocolError(f"calibration curve does not fit float32: {values!r}") from exc
    return encode_command(Opcode.SET_CALIBRATION, payload)


def decode_command(data: bytes) -> DecodedCommand:
    """Parse bytes a host wrote to the control point (the device's side)."""
    if not data:
        raise RemoteProtocolError("empty control-point write")
    opcode = data[0]
    if opcode == Opcode.ADD_CALIBRATION_POINT:
        return _decode_calibration_point(data)
    value = bytes(data[2:])
    if opcode == Opcode.SAVE_CALIBRATION:
        return SaveCalibration()
    shared = _OPCODE_COMMANDS.get(opcode)
    if shared is not None:
        return shared
    return OtherCommand(opcode, value)


def _decode_calibration_point(data: bytes) -> CalibrationPoint:
    if len(data) in (1, 2):
        return CalibrationPoint(None)
    if len(data) == 5:
        raw = data[1:5]
    elif len(data) == 6:
        raw = data[2:6]
    else:
        raise RemoteProtocolError(f"add-calibration-point write of {len(data)} bytes")
    (kg,) = _F32.unpack(raw)
    if not math.isfinite(kg):
        raise RemoteProtocolError(f"calibration value is not finite: {raw.hex()}")
    return CalibrationPoint(kg)


# --- device -> host (device side encoders) -----------------------------------


def _tlv(tag: int, payload: bytes, pad_to: int | None) -> bytes:
    if len(payload) > 0xFF:
        raise LocalProtocolError(f"payload too long for one TLV: {len(payload)} bytes")
    out = bytes((tag, len(payload))) + payload
    if pad_to is not None:
        if pad_to < len(out):
            raise LocalProtocolError(f"pad_to={pad_to} is shorter than the {len(out)}-byte TLV")
        out += bytes(pad_to - len(out))
    return out


def encode_weight_notification(
    records: Sequence[tuple[float, int]], pad_to: int | None = None
) -> bytes:
    """Tag-0x01 notification from (kgf, device microseconds) records.

    ``pad_to`` zero-fills the notification to a fixed size, as early Crimpdeq firmware did.
    """
    if len(records) * _RECORD.size > 0xFF:
        raise LocalProtocolError(f"{len(records)} records do not fit one notification")
    parts = []
    for kg, us in records:
        if not 0 <= us < U32_WRAP:
            raise LocalProtocolError(f"timestamp must be a u32, got {us!r}")
        try:
            parts.append(_RECORD.pack(kg, us))
        except OverflowError as exc:
            raise LocalProtocolError(f"weight does not fit a float32: {kg!r}") from exc
    return _tlv(Tag.WEIGHT, b"".join(parts), pad_to)


def encode_reply(payload: bytes, pad_to: int | None = None) -> bytes:
    """Tag-0x00 reply carrying ``payload`` (its meaning is set by the last command)."""
    return _tlv(Tag.COMMAND_REPLY, payload, pad_to)


def encode_battery_reply(millivolts: int) -> bytes:
    if not 0 <= millivolts < U32_WRAP:
        raise LocalProtocolError(f"millivolts must be a u32, got {millivolts!r}")
    return encode_reply(_U32.pack(millivolts))


def encode_version_reply(text: str) -> bytes:
    try:
        return encode_reply(text.encode("ascii"))
    except UnicodeEncodeError as exc:
        raise LocalProtocolError(f"version must be ASCII, got {text!r}") from exc


def encode_id_reply(device_id: int, nbytes: int = 8) -> bytes:
    """Progressor id as ``nbytes`` little-endian bytes (Crimpdeq 6, Hangman 4, genuine 8)."""
    if not 1 <= nbytes <= _MAX_ID_BYTES:
        raise LocalProtocolError(f"id width must be 1..8 bytes, got {nbytes}")
    try:
        return encode_reply(device_id.to_bytes(nbytes, "little"))
    except OverflowError as exc:
        raise LocalProtocolError(f"id {device_id!r} does not fit {nbytes} bytes") from exc


def encode_calibration_reply(slope: float, intercept: float, trim: float) -> bytes:
    try:
        return encode_reply(_CURVE.pack(slope, intercept, trim))
    except OverflowError as exc:
        raise LocalProtocolError("calibration curve does not fit float32") from exc


def encode_low_power_warning() -> bytes:
    return _tlv(Tag.LOW_POWER, b"", None)


def encode_calibration_factor(factor: float) -> bytes:
    """Crimpdeq's tag-0x05 notification."""
    try:
        return _tlv(Tag.CALIBRATION_FACTOR, _F32.pack(factor), None)
    except OverflowError as exc:
        raise LocalProtocolError(f"factor does not fit a float32: {factor!r}") from exc


def encode_calibration_point(raw: float, kg: float) -> bytes:
    """Crimpdeq's tag-0x06 notification for one stored point."""
    try:
        return _tlv(Tag.CALIBRATION_POINT, _PAIR.pack(raw, kg), None)
    except OverflowError as exc:
        raise LocalProtocolError(f"point does not fit float32: {(raw, kg)!r}") from exc


# --- host side decoding ------------------------------------------------------


def unwrap_u32_us(
    raw_us: Sequence[int], previous: int | None = None
) -> tuple[list[int], int | None]:
    """Unwrap the device's u32 microsecond counter into a monotonic-ish integer.

    Each step is taken as the shortest signed distance modulo 2**32, so the
    counter may step back a little (it never does on a healthy device) but a
    wrap adds 2**32. Feed the returned last value back as ``previous`` for the
    next block; streaming and whole-array use give the same answer. A raw value
    in seconds from :class:`Samples` is recovered exactly by ``round(t * 1e6)``.
    """
    out: list[int] = []
    last = previous
    for raw in raw_us:
        if not 0 <= raw < U32_WRAP:
            raise LocalProtocolError(f"raw timestamp must be a u32, got {raw!r}")
        if last is None:
            last = raw
        else:
            step = (raw - last) % U32_WRAP
            if step >= U32_WRAP // 2:
                step -= U32_WRAP
            last += step
        out.append(last)
    return out, last


def _split_tlv(data: bytes) -> tuple[int, bytes]:
    if len(data) < 2:
        raise RemoteProtocolError(f"notification of {len(data)} bytes has no TLV header")
    tag, length = data[0], data[1]
    if len(data) < 2 + length:
        raise RemoteProtocolError(
            f"tag {tag:#04x} claims {length} value bytes, notification has {len(data) - 2}"
        )
    return tag, bytes(data[2 : 2 + length])


def decode_weight(payload: bytes) -> Samples | None:
    """Records of a tag-0x01 value; None for an empty one."""
    if len(payload) % _RECORD.size:
        raise RemoteProtocolError(f"weight length {len(payload)} is not a multiple of 8")
    if not payload:
        return None
    force: list[float] = []
    times: list[float] = []
    for kg, us in _RECORD.iter_unpack(payload):
        if not math.isfinite(kg):
            raise RemoteProtocolError(f"weight record is not finite: {kg!r} kg at {us} us")
        force.append(kg * STANDARD_GRAVITY)
        times.append(us / 1e6)
    return Samples(force_n=tuple(force), device_time_s=tuple(times))


def decode_reply(opcode: int | None, payload: bytes) -> Event:
    """Read a tag-0x00 payload as the answer to ``opcode``."""
    if opcode == Opcode.GET_BATTERY_VOLTAGE:
        if len(payload) != _U32.size:
            raise RemoteProtocolError(f"battery reply of {len(payload)} bytes, expected 4")
        return Battery(millivolts=_U32.unpack(payload)[0])
    if opcode == Opcode.GET_APP_VERSION:
        try:
            return FirmwareVersion(payload.rstrip(b"\x00").decode("ascii"))
        except UnicodeDecodeError as exc:
            raise RemoteProtocolError(f"version reply is not ASCII: {payload.hex()}") from exc
    if opcode == Opcode.GET_PROGRESSOR_ID:
        if not 1 <= len(payload) <= _MAX_ID_BYTES:
            raise RemoteProtocolError(f"id reply of {len(payload)} bytes, expected 1..8")
        return DeviceId(payload[::-1].hex().upper())
    if opcode == Opcode.GET_ERROR_INFO:
        return ErrorInfo(payload.rstrip(b"\x00").decode("ascii", errors="replace"))
    if opcode == Opcode.GET_CALIBRATION:
        if len(payload) != _CURVE.size:
            raise RemoteProtocolError(f"calibration reply of {len(payload)} bytes, expected 12")
        return CalibrationCurve(*_CURVE.unpack(payload))
    return CommandReply(opcode, payload)


class ProgressorCodec(Codec):
    """Host side: remembers the last opcode written so tag-0x00 replies can be read."""

    spec = SPEC

    def __init__(self) -> None:
        self.last_opcode: int | None = None

    def write(self, data: bytes) -> Write:
        """Wrap any encoded command for the control point and note its opcode."""
        if not data:
            raise LocalProtocolError("cannot write an empty command")
        self.last_opcode = data[0]
        return Write(CONTROL_POINT_UUID, bytes(data), with_response=True)

    def command(self, cmd: Command) -> Write:
        opcode = _COMMAND_OPCODES.get(cmd)
        if opcode is None:
            raise LocalProtocolError(f"Progressor has no command for {cmd!r}")
        return self.write(encode_command(opcode))

    def receive(self, characteristic: str, data: bytes) -> list[Event]:
        if characteristic.lower() != DATA_POINT_UUID:
            raise LocalProtocolError(f"not a Progressor data characteristic: {characteristic}")
        tag, payload = _split_tlv(data)
        if tag == Tag.WEIGHT:
            samples = decode_weight(payload)
            return [] if samples is None else [samples]
        if tag == Tag.COMMAND_REPLY:
            opcode, self.last_opcode = self.last_opcode, None
            return [decode_reply(opcode, payload)]
        if tag == Tag.LOW_POWER:
            return [LowBattery()]
        if tag in (Tag.PEAK_RFD, Tag.PEAK_RFD_SERIES):
            return [RfdReport(int(tag), payload)]
        if tag == Tag.CALIBRATION_FACTOR:
            if self.last_opcode == Opcode.GET_CALIBRATION:
                self.last_opcode = None  # answered, though not with tag 0x00
            return [CalibrationFactor(*_floats(_F32, payload, "calibration factor"))]
        if tag == Tag.CALIBRATION_POINT:
            return [StoredCalibrationPoint(*_floats(_PAIR, payload, "calibration point"))]
        raise RemoteProtocolError(f"unknown tag {tag:#04x}")


def _floats(layout: struct.Struct, payload: bytes, what: str) -> tuple[float, ...]:
    if len(payload) != layout.size:
        raise RemoteProtocolError(f"{what} of {len(payload)} bytes, expected {layout.size}")
    values: tuple[float, ...] = layout.unpack(payload)
    if not all(math.isfinite(v) for v in values):
        raise RemoteProtocolError(f"{what} is not finite: {payload.hex()}")
    return values
