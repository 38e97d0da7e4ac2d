"""The nkt-dyno open profile: a documented BLE protocol for DIY force sensors.

The full specification, written for firmware authors, is ``openprofile.md``
beside this module. The rules the code enforces:

* One primary service, two characteristics. ``DATA`` (notify) carries sample
  packets; ``CONTROL`` (write with response + notify) carries commands from the
  host and the device's replies to them.
* Everything is little-endian. Force is a signed 32-bit count of millinewtons,
  the optional gyro channel a signed 16-bit count of 0.1 deg/s.
* A data packet is a 13-byte header (version, flags, sample count, the running
  index of its first sample, the device time of its first sample in µs, the
  spacing of its samples in µs) followed by exactly ``count`` samples. A packet
  whose length disagrees with its header is rejected, never truncated.
* ``version`` is the major protocol version. A host decodes only the majors it
  knows and rejects the others; within a major, devices may set new flag bits
  and add commands, which older hosts ignore or never send.
* A command is ``[opcode][seq][params]``; its reply is
  ``[opcode | 0x80][seq][status][payload]``. ``seq`` is chosen by the host and
  echoed, so a late reply cannot be taken for the answer to a newer command.
  A reply with a non-zero status has no payload.

Host side: :class:`OpenProfileCodec`. Device side (the simulator, or a test
standing in for firmware): :func:`encode_data_packet`, :func:`decode_command`,
:func:`encode_reply`.
"""

from __future__ import annotations

import enum
import math
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
    LowBattery,
    RemoteProtocolError,
    Samples,
    Write,
)

PROTOCOL_MAJOR = 1
PROTOCOL_MINOR = 0

_UUID_TEMPLATE = "c6ca{:04x}-5848-4c22-8152-8b67046f351d"
SERVICE_UUID = _UUID_TEMPLATE.format(0x0001)
DATA_UUID = _UUID_TEMPLATE.format(0x0002)
CONTROL_UUID = _UUID_TEMPLATE.format(0x0003)

SPEC = DeviceSpec(
    model="nkt-dyno open profile",
    service_uuid=SERVICE_UUID,
    notify_uuids=(DATA_UUID, CONTROL_UUID),
    write_uuid=CONTROL_UUID,
    name_patterns=(r"nkt-dyno", r"NKTD"),
    nominal_rate_hz=80.0,
    has_gyro=True,
)

FORCE_COUNTS_PER_N = 1000
"""Force counts per newton (the wire carries millinewtons)."""
GYRO_COUNTS_PER_DPS = 10
"""Gyro counts per deg/s (the wire carries 0.1 deg/s)."""

MIN_PAYLOAD = 20
"""Usable notification payload at the minimum ATT MTU of 23."""
MAX_PAYLOAD = 244
"""Usable notification payload at ATT MTU 247 (the largest one LE packet carries)."""

_HEADER = struct.Struct("<BBBIIH")
HEADER_SIZE = _HEADER.size
_FORCE = struct.Struct("<i")
_FORCE_GYRO = struct.Struct("<ih")
_REPLY_HEADER = struct.Struct("<BBB")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_BATTERY = struct.Struct("<HB")
_INFO = struct.Struct("<BBHHH")

REPLY_BIT = 0x80
MAX_TEXT = MIN_PAYLOAD - _REPLY_HEADER.size
"""Longest text reply that fits a notification at the minimum MTU."""

_U16_MAX = 0xFFFF
_U32_MAX = 0xFFFF_FFFF
_I32_MIN, _I32_MAX = -(2**31), 2**31 - 1
_I16_MIN, _I16_MAX = -(2**15), 2**15 - 1


class Flag(enum.IntFlag):
    """Bits of a data packet's flags byte; bits 3-7 are reserved (sent 0, ignored)."""

    GYRO = 0x01
    OVERLOAD = 0x02
    LOW_BATTERY = 0x04


class Opcode(enum.IntEnum):
    START = 0x01
    STOP = 0x02
    TARE = 0x03
    BATTERY = 0x04
    INFO = 0x05
    VERSION = 0x06
    DEVICE_ID = 0x07


class Status(enum.IntEnum):
    """Reply status codes; a host keeps any other value as a plain failure code."""

    OK = 0x00
    UNKNOWN_COMMAND = 0x01
    BAD_LENGTH = 0x02
    BAD_VALUE = 0x03
    BUSY = 0x04
    HARDWARE_FAULT = 0x05


class Capability(enum.IntFlag):
    GYRO = 0x0001
    BATTERY = 0x0002
    SELECTABLE_RATE = 0x0004
    TARE = 0x0008


_PARAMS_SIZE = {op: 0 for op in Opcode} | {Opcode.START: _U16.size}

_BY_COMMAND = {
    Command.START: Opcode.START,
    Command.STOP: Opcode.STOP,
    Command.TARE: Opcode.TARE,
    Command.BATTERY: Opcode.BATTERY,
    Command.VERSION: Opcode.VERSION,
    Command.DEVICE_ID: Opcode.DEVICE_ID,
}


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise LocalProtocolError(f"{name} must be in [{low}, {high}], got {value}")


@dataclass(frozen=True, slots=True)
class DataPacket:
    """One decoded ``DATA`` notification, in wire units converted to SI."""

    first_index: int
    t0_us: int
    period_us: int
    force_n: tuple[float, ...]
    gyro_dps: tuple[float, ...] | None = None
    overload: bool = False
    low_battery: bool = False

    def __post_init__(self) -> None:
        _check_range("first_index", self.first_index, 0, _U32_MAX)
        _check_range("t0_us", self.t0_us, 0, _U32_MAX)
        _check_range("period_us", self.period_us, 0, _U16_MAX)
        if not self.force_n:
            raise LocalProtocolError("a data packet holds at least one sample")
        if self.gyro_dps is not None and len(self.gyro_dps) != len(self.force_n):
            raise LocalProtocolError(
                f"gyro_dps has {len(self.gyro_dps)} values, force_n has {len(self.force_n)}"
            )
        if len(self.force_n) > 1 and self.period_us == 0:
            raise LocalProtocolError("period_us must be > 0 when a packet holds several samples")

    @property
    def device_time_s(self) -> tuple[float, ...]:
        """Device time of each sample, seconds (unwrapped only within this packet)."""
        return tuple((self.t0_us + i * self.period_us) * 1e-6 for i in range(len(self.force_n)))


@dataclass(frozen=True, slots=True)
class Overload:
    """A sample in the packet starting at ``first_index`` hit the sensor's limit."""

    first_index: int


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """Payload of the INFO reply."""

    protocol_major: int
    protocol_minor: int
    capabilities: Capability
    default_rate_hz: int
    max_rate_hz: int

    def __post_init__(self) -> None:
        _check_range("protocol_major", self.protocol_major, 0, 0xFF)
        _check_range("protocol_minor", self.protocol_minor, 0, 0xFF)
        _check_range("capabilities", int(self.capabilities), 0, _U16_MAX)
        _check_range("default_rate_hz", self.default_rate_hz, 0, _U16_MAX)
        _check_range("max_rate_hz", self.max_rate_hz, 0, _U16_MAX)


@dataclass(frozen=True, slots=True)
class Started:
    """Payload of a successful START reply: the sample period the device will use."""

    period_us: int

    def __post_init__(self) -> None:
        _check_range("period_us", self.period_us, 1, _U32_MAX)

    @property
    def rate_hz(self) -> float:
        return 1e6 / self.period_us


@dataclass(frozen=True, slots=True)
class Reply:
    """The acknowledgement part of every reply; the typed payload follows as its own event."""

    opcode: Opcode
    seq: int
    status: int

    @property
    def ok(self) -> bool:
        return self.status == Status.OK


@dataclass(frozen=True, slots=True)
class CommandFrame:
    """A command as the device decodes it."""

    opcode: Opcode
    seq: int
    rate_hz: int | None = None

    def __post_init__(self) -> None:
        _check_range("seq", self.seq, 0, 0xFF)
        if (self.rate_hz is not None) != (self.opcode is Opcode.START):
            raise LocalProtocolError("rate_hz is given with START and only with START")
        if self.rate_hz is not None:
            _check_range("rate_hz", self.rate_hz, 0, _U16_MAX)


class CommandRejected(RemoteProtocolError):
    """The device cannot accept a command; ``status`` is what it should reply.

    ``opcode`` is the raw first byte (possibly not an :class:`Opcode`) and
    ``seq`` the second, so the device can still address its error reply.
    """

    def __init__(self, message: str, opcode: int, seq: int, status: Status) -> None:
        super().__init__(message)
        self.opcode = opcode
        self.seq = seq
        self.status = status


ReplyValue = Started | Battery | DeviceInfo | FirmwareVersion | DeviceId | None


# ---------------------------------------------------------------- data packets


def _to_count(name: str, value: float, scale: int, low: int, high: int) -> int:
    if not math.isfinite(value):
        raise LocalProtocolError(f"{name} must be finite, got {value}")
    count = round(value * scale)
    if not low <= count <= high:
        raise LocalProtocolError(f"{name}={value} does not fit the wire range")
    return count


def encode_data_packet(
    first_index: int,
    t0_us: int,
    forces_n: tuple[float, ...] | list[float],
    gyro_dps: tuple[float, ...] | list[float] | None = None,
    *,
    period_us: int = 0,
    overload: bool = False,
    low_battery: bool = False,
    max_payload: int = MAX_PAYLOAD,
) -> bytes:
    """Device side: bytes of one ``DATA`` notification.

    Forces are rounded to whole millinewtons and gyro values to 0.1 deg/s.
    Raises :class:`LocalProtocolError` when the samples do not fit
    ``max_payload`` bytes (use :func:`samples_per_packet` to split a block).
    """
    packet = DataPacket(
        first_index=first_index,
        t0_us=t0_us,
        period_us=period_us,
        force_n=tuple(forces_n),
        gyro_dps=None if gyro_dps is None else tuple(gyro_dps),
        overload=overload,
        low_battery=low_battery,
    )
    n = len(packet.force_n)
    if n > samples_per_packet(max_payload, gyro=gyro_dps is not None):
        raise LocalProtocolError(f"{n} samples do not fit a {max_payload}-byte notification")
    flags = Flag(0)
    if packet.gyro_dps is not None:
        flags |= Flag.GYRO
    if overload:
        flags |= Flag.OVERLOAD
    if low_battery:
        flags |= Flag.LOW_BATTERY
    out = bytearray(_HEADER.pack(PROTOCOL_MAJOR, flags, n, first_index, t0_us, period_us))
    for i, force in enumerate(packet.force_n):
        f = _to_count("force", force, FORCE_COUNTS_PER_N, _I32_MIN, _I32_MAX)
        if packet.gyro_dps is None:
            out += _FORCE.pack(f)
        else:
            g = _to_count("gyro", packet.gyro_dps[i], GYRO_COUNTS_PER_DPS, _I16_MIN, _I16_MAX)
            out += _FORCE_GYRO.pack(f, g)
    return bytes(out)


def samples_per_packet(max_payload: int = MAX_PAYLOAD, *, gyro: bool = False) -> int:
    """How many samples one notification of ``max_payload`` bytes can carry."""
    if max_payload < MIN_PAYLOAD:
        raise LocalProtocolError(f"max_payload must be >= {MIN_PAYLOAD}, got {max_payload}")
    size = _FORCE_GYRO.size if gyro else _FORCE.size
    return min(0xFF, (max_payload - HEADER_SIZE) // size)


def decode_data_packet(data: bytes) -> DataPacket:
    """Decode one ``DATA`` notification; :class:`RemoteProtocolError` if malformed."""
    if len(data) < HEADER_SIZE:
        raise RemoteProtocolError(f"data packet of {len(data)} bytes is shorter than its header")
    version, flags, n, first_index, t0_us, period_us = _HEADER.unpack_from(data)
    if version != PROTOCOL_MAJOR:
        raise RemoteProtocolError(f"unsupported data packet version {version}")
    if n == 0:
        raise RemoteProtocolError("data packet with zero samples")
    if n > 1 and period_us == 0:
        raise RemoteProtocolError("several samples but a zero sample period")
    fmt = _FORCE_GYRO if flags & Flag.GYRO else _FORCE
    expected = HEADER_SIZE + n * fmt.size
    if len(data) != expected:
        raise RemoteProtocolError(
            f"data packet announces {n} samples ({expected} bytes) but has {len(data)}"
        )
    rows = list(fmt.iter_unpack(data[HEADER_SIZE:]))
    gyro = tuple(r[1] / GYRO_COUNTS_PER_DPS for r in rows) if flags & Flag.GYRO else None
    return DataPacket(
        first_index=first_index,
        t0_us=t0_us,
        period_us=period_us,
        force_n=tuple(r[0] / FORCE_COUNTS_PER_N for r in rows),
        gyro_dps=gyro,
        overload=bool(flags & Flag.OVERLOAD),
        low_battery=bool(flags & Flag.LOW_BATTERY),
    )


# -------------------------------------------------------------------- commands


def encode_command(opcode: Opcode, seq: int, rate_hz: int | None = None) -> bytes:
    """Host side: bytes of one ``CONTROL`` write (``rate_hz`` 0 = device default)."""
    if opcode is Opcode.START and rate_hz is None:
        rate_hz = 0
    frame = CommandFrame(opcode=opcode, seq=seq, rate_hz=rate_hz)
    out = bytes((frame.opcode, frame.seq))
    if frame.rate_hz is not None:
        out += _U16.pack(frame.rate_hz)
    return out


def decode_command(data: bytes) -> CommandFrame:
    """Device side: decode a ``CONTROL`` write.

    Raises :class:`CommandRejected` (a :class:`RemoteProtocolError`) carrying the
    status the device should reply with, or a plain
    :class:`RemoteProtocolError` when the write is too short to address a reply.
    """
    if len(data) < 2:
        raise RemoteProtocolError(f"command of {len(data)} bytes has no opcode and seq")
    raw_op, seq = data[0], data[1]
    try:
        opcode = Opcode(raw_op)
    except ValueError:
        raise CommandRejected(
            f"unknown opcode {raw_op:#04x}", raw_op, seq, Status.UNKNOWN_COMMAND
        ) from None
    params = data[2:]
    if len(params) != _PARAMS_SIZE[opcode]:
        raise CommandRejected(
            f"{opcode.name} takes {_PARAMS_SIZE[opcode]} parameter bytes, got {len(params)}",
            raw_op,
            seq,
            Status.BAD_LENGTH,
        )
    rate = _U16.unpack(params)[0] if opcode is Opcode.START else None
    return CommandFrame(opcode=opcode, seq=seq, rate_hz=rate)


# --------------------------------------------------------------------- replies


def _text_payload(text: str) -> bytes:
    raw = text.encode("utf-8")
    if len(raw) > MAX_TEXT:
        raise LocalProtocolError(f"text reply is {len(raw)} bytes; at most {MAX_TEXT}")
    return raw


def _encode_value(opcode: Opcode, value: ReplyValue) -> bytes:
    match opcode, value:
        case Opcode.START, Started(period_us=period):
            return _U32.pack(period)
        case Opcode.STOP | Opcode.TARE, None:
            return b""
        case Opcode.BATTERY, Battery(millivolts=mv, percent=pct):
            mv_raw = _U16_MAX if mv is None else mv
            pct_raw = 0xFF if pct is None else pct
            _check_range("millivolts", mv_raw, 0, _U16_MAX)
            if pct is not None:
                _check_range("percent", pct, 0, 100)
            return _BATTERY.pack(mv_raw, pct_raw)
        case Opcode.INFO, DeviceInfo() as info:
            return _INFO.pack(
                info.protocol_major,
                info.protocol_minor,
                int(info.capabilities),
                info.default_rate_hz,
                info.max_rate_hz,
            )
        case Opcode.VERSION, FirmwareVersion(text=text):
            return _text_payload(text)
        case Opcode.DEVICE_ID, DeviceId(text=text):
            return _text_payload(text)
    raise LocalProtocolError(f"{opcode.name} reply cannot carry {value!r}")


def encode_reply(
    opcode: Opcode | int, seq: int, status: int = Status.OK, value: ReplyValue = None
) -> bytes:
    """Device side: bytes of one reply notification on ``CONTROL``.

    ``value`` must match ``opcode`` on success (``Started`` for START,
    ``Battery`` for BATTERY, ``DeviceInfo`` for INFO, ``FirmwareVersion`` for
    VERSION, ``DeviceId`` for DEVICE_ID, ``None`` for STOP and TARE) and be
    ``None`` on failure. A failed reply may echo a raw opcode this protocol
    does not know (``UNKNOWN_COMMAND``, as :class:`CommandRejected` carries it);
    a successful one needs an :class:`Opcode`.
    """
    _check_range("opcode", opcode, 0, 0xFF & ~REPLY_BIT)
    _check_range("seq", seq, 0, 0xFF)
    _check_range("status", status, 0, 0xFF)
    if status != Status.OK:
        if value is not None:
            raise LocalProtocolError("a failed reply carries no payload")
        return _REPLY_HEADER.pack(opcode | REPLY_BIT, seq, status)
    try:
        known = Opcode(opcode)
    except ValueError:
        raise LocalProtocolError(f"unknown opcode {opcode!r}") from None
    return _REPLY_HEADER.pack(known | REPLY_BIT, seq, status) + _encode_value(known, value)


def _decode_text(payload: bytes) -> str:
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RemoteProtocolError(f"text reply is not UTF-8: {exc}") from None


def _fixed(opcode: Opcode, payload: bytes, size: int) -> None:
    if len(payload) != size:
        raise RemoteProtocolError(
            f"{opcode.name} reply payload has {len(payload)} bytes, expected {size}"
        )


def _decode_value(opcode: Opcode, payload: bytes) -> ReplyValue:
    if opcode is Opcode.START:
        _fixed(opcode, payload, _U32.size)
        period = _U32.unpack(payload)[0]
        if period == 0:
            raise RemoteProtocolError("START reply with a zero sample period")
        return Started(period_us=period)
    if opcode in (Opcode.STOP, Opcode.TARE):
        _fixed(opcode, payload, 0)
        return None
    if opcode is Opcode.BATTERY:
        _fixed(opcode, payload, _BATTERY.size)
        mv, pct = _BATTERY.unpack(payload)
        if pct != 0xFF and pct > 100:
            raise RemoteProtocolError(f"battery percent {pct} is above 100")
        return Battery(
            millivolts=None if mv == _U16_MAX else mv, percent=None if pct == 0xFF else pct
        )
    if opcode is Opcode.INFO:
        # Later minor versions may append fields: read the known prefix only.
        if len(payload) < _INFO.size:
            raise RemoteProtocolError(f"INFO reply payload has {len(payload)} bytes")
        major, minor, caps, default_rate, max_rate = _INFO.unpack_from(payload)
        return DeviceInfo(major, minor, Capability(caps), default_rate, max_rate)
    if opcode is Opcode.VERSION:
        return FirmwareVersion(_decode_text(payload))
    return DeviceId(_decode_text(payload))


def decode_reply(data: bytes) -> tuple[Reply, ReplyValue]:
    """Host side: decode a ``CONTROL`` notification into its ack and typed payload."""
    if len(data) < _REPLY_HEADER.size:
        raise RemoteProtocolError(f"reply of {len(data)} bytes is shorter than its header")
    tag, seq, status = _REPLY_HEADER.unpack_from(data)
    if not tag & REPLY_BIT:
        raise RemoteProtocolError(f"reply tag {tag:#04x} lacks the reply bit")
    try:
        opcode = Opcode(tag & ~REPLY_BIT)
    except ValueError:
        raise RemoteProtocolError(f"reply to unknown opcode {tag & ~REPLY_BIT:#04x}") from None
    payload = data[_REPLY_HEADER.size :]
    reply = Reply(opcode=opcode, seq=seq, status=status)
    if status != Status.OK:
        if payload:
            raise RemoteProtocolError(f"failed {opcode.name} reply carries a payload")
        return reply, None
    return reply, _decode_value(opcode, payload)


# ------------------------------------------------------------------- host codec


class OpenProfileCodec(Codec):
    """Host side of one open-profile connection.

    The only state is the next command sequence number (it wraps at 256).
    ``receive`` on ``DATA`` yields :class:`~firmware_protocol.Samples` and, when
    flagged, :class:`Overload` and :class:`~firmware_protocol.LowBattery`; on
    ``CONTROL`` it yields a :class:`Reply` followed by the reply's typed value
    (:class:`Started`, ``Battery``, :class:`DeviceInfo`, ``FirmwareVersion``,
    ``DeviceId``) when there is one.
    """

    spec = SPEC

    def __init__(self) -> None:
        self._seq = 0

    def _next_seq(self) -> int:
        seq = self._seq
        self._seq = (seq + 1) & 0xFF
        return seq

    def command(self, cmd: Command) -> Write:
        return Write(CONTROL_UUID, encode_command(_BY_COMMAND[cmd], self._next_seq()))

    def start(self, rate_hz: int = 0) -> Write:
        """START at ``rate_hz`` (0 = the device's default rate)."""
        return Write(CONTROL_UUID, encode_command(Opcode.START, self._next_seq(), rate_hz))

    def info(self) -> Write:
        return Write(CONTROL_UUID, encode_command(Opcode.INFO, self._next_seq()))

    def receive(self, characteristic: str, data: bytes) -> list[Event]:
        uuid = characteristic.lower()
        if uuid == DATA_UUID:
            return self._receive_data(data)
        if uuid == CONTROL_UUID:
            reply, value = decode_reply(data)
            return [reply] if value is None else [reply, value]
        raise LocalProtocolError(f"no open-profile characteristic {characteristic}")

    @staticmethod
    def _receive_data(data: bytes) -> list[Event]:
        packet = decode_data_packet(data)
        events: list[Event] = [
            Samples(
                force_n=packet.force_n,
                device_time_s=packet.device_time_s,
                gyro_dps=packet.gyro_dps,
                first_index=packet.first_index,
            )
        ]
        if packet.overload:
            events.append(Overload(packet.first_index))
        if packet.low_battery:
            events.append(LowBattery())
        return events
