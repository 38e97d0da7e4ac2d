"""CTS500 climbing/force scale behind a transparent BLE-to-UART module (ffe0/ffe1/ffe2).

Rules (details and sources in ``cts500.md``):

* Every frame starts with 0x05 and ends with an additive checksum: the low byte of
  the sum of all earlier bytes of the frame.
* Host to device, and the device's echo of a command: 6 bytes
  ``05 opcode p0 p1 p2 checksum``.
* Device to host, 7 bytes: ``05 80 opcode d0 d1 d2 checksum`` answers a query
  (some units answer every command this way instead of echoing it);
  ``05 status m3 m2 m1 m0 checksum`` with ``status != 0x80`` is a weight reading:
  an unsigned big-endian magnitude in 10 g steps, negative when status bit 0x10 is
  set; status bit 0x40 marks a steady reading.
* UART bytes reach the host in notifications cut anywhere, with noise between
  frames. :class:`Cts500Reassembler` buffers them and, at a 0x05, prefers a 6-byte
  echo when byte 1 is a known opcode and its checksum holds, else takes a 7-byte
  frame whose checksum holds, else drops that 0x05 and scans on to the next one.
  Dropped bytes are counted (:attr:`Cts500Reassembler.discarded`) and reported as
  :class:`Garbage` events, so a torn stream never raises.

``decode_command`` parses what a host wrote (the simulated device's side); bad
bytes there are the peer's fault and raise :class:`RemoteProtocolError`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from firmware_protocol._common import (
    NEED_DATA,
    STANDARD_GRAVITY,
    Battery,
    Codec,
    Command,
    DeviceSpec,
    Event,
    FirmwareVersion,
    LocalProtocolError,
    NeedData,
    RemoteProtocolError,
    Samples,
    Write,
    uuid16,
)

SERVICE_UUID = uuid16(0xFFE0)
NOTIFY_UUID = uuid16(0xFFE1)
WRITE_UUID = uuid16(0xFFE2)

SPEC = DeviceSpec(
    model="CTS500",
    service_uuid=SERVICE_UUID,
    notify_uuids=(NOTIFY_UUID,),
    write_uuid=WRITE_UUID,
    name_patterns=(r"CTS-?\d{3}",),
    nominal_rate_hz=80.0,
)

HEADER = 0x05
REPLY_FLAG = 0x80
COMMAND_LEN = 6
DATA_LEN = 7
KG_PER_COUNT = 0.01
NEGATIVE_FLAG = 0x10
"""Status bit: the weight is below zero (the magnitude is never two's complement)."""
STEADY_FLAG = 0x40
"""Status bit: the scale judges the reading steady."""


class Opcode(enum.IntEnum):
    """Opcodes listed by the public source; several rewrite calibration (see spec)."""

    SET_RANGE = 0x81
    SET_DIVISION = 0x82
    SET_FIRST_CALIBRATION_WEIGHT = 0x83
    SET_SECOND_CALIBRATION_WEIGHT = 0x84
    POWER_ON_RESET = 0x85
    ZERO = 0x86
    RUN_FIRST_CALIBRATION = 0xA1
    RUN_SECOND_CALIBRATION = 0xA2
    GET_FIRMWARE_VERSION = 0xA4
    TARE = 0xA6
    NO_LOAD_CALIBRATION = 0xA7
    GET_WEIGHT = 0xA9
    START = 0xAA
    STOP = 0xAB
    SET_BAUD_RATE = 0xC0
    SET_SAMPLING_RATE = 0xC1
    SET_SHUTDOWN_TIME = 0xC3
    GET_BATTERY_VOLTAGE = 0xC4
    GET_TEMPERATURE = 0xC5
    SET_UPPER_TEMPERATURE_LIMIT = 0xC6
    SET_LOWER_TEMPERATURE_LIMIT = 0xC7
    PEAK_MODE = 0xCA
    SET_MAX_WEIGHT_LIMIT = 0xD1
    SET_MIN_WEIGHT_LIMIT = 0xD2
    SET_WEIGHT_ALARM_MODE = 0xD3
    SET_ALARM_OUTPUT = 0xD4


_OPCODES = frozenset(int(op) for op in Opcode)

SAMPLING_RATE_CODES: dict[int, int] = {10: 0, 20: 1, 40: 2, 80: 3, 160: 4, 320: 5}
"""A/D rate in Hz -> parameter byte of SET_SAMPLING_RATE."""

_COMMAND_OPCODES: dict[Command, Opcode] = {
    Command.START: Opcode.START,
    Command.STOP: Opcode.STOP,
    Command.TARE: Opcode.TARE,
    Command.BATTERY: Opcode.GET_BATTERY_VOLTAGE,
    Command.VERSION: Opcode.GET_FIRMWARE_VERSION,
}
_OPCODE_COMMANDS: dict[int, Command] = {int(op): cmd for cmd, op in _COMMAND_OPCODES.items()}


def checksum(data: bytes) -> int:
    """Low byte of the sum of ``data``."""
    return sum(data) & 0xFF


def _valid(frame: bytes) -> bool:
    return frame[0] == HEADER and checksum(frame[:-1]) == frame[-1]


def _three(value: bytes, what: str) -> bytes:
    if len(value) != 3:
        raise LocalProtocolError(f"{what} must be 3 bytes, got {len(value)}")
    return bytes(value)


# --- events and commands ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeightFrame:
    """One weight reading: the magnitude in ``counts`` of 10 g and the status byte.

    The sign lives in the status byte, so a frame keeps both as sent.
    """

    counts: int
    status: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.counts < (1 << 32):
            raise LocalProtocolError(f"counts must fit an unsigned 32-bit field: {self.counts}")
        if not 0 <= self.status <= 0xFF or self.status == REPLY_FLAG or self.status in _OPCODES:
            raise LocalProtocolError(f"status byte {self.status!r} would not read as weight")

    @property
    def negative(self) -> bool:
        return bool(self.status & NEGATIVE_FLAG)

    @property
    def steady(self) -> bool:
        return bool(self.status & STEADY_FLAG)

    @property
    def kg(self) -> float:
        """Signed weight; a zero magnitude stays +0 whatever the sign bit says."""
        magnitude = self.counts * KG_PER_COUNT
        return -magnitude if self.negative and self.counts else magnitude


@dataclass(frozen=True, slots=True)
class CommandEcho:
    """6-byte frame: the device repeating a command back as its acknowledgement."""

    opcode: int
    params: bytes = b"\x00\x00\x00"

    def __post_init__(self) -> None:
        if self.opcode not in _OPCODES:
            raise LocalProtocolError(f"unknown opcode {self.opcode!r}")
        _three(self.params, "params")


@dataclass(frozen=True, slots=True)
class TypedReply:
    """7-byte ``05 80`` frame: the device's answer to ``opcode``, 3 data bytes."""

    opcode: int
    data: bytes = b"\x00\x00\x00"

    def __post_init__(self) -> None:
        if not 0 <= self.opcode <= 0xFF:
            raise LocalProtocolError(f"opcode out of range: {self.opcode!r}")
        _three(self.data, "data")


@dataclass(frozen=True, slots=True)
class Garbage:
    """``nbytes`` bytes were dropped while looking for a frame."""

    nbytes: int


@dataclass(frozen=True, slots=True)
class Temperature:
    celsius: int


@dataclass(frozen=True, slots=True)
class CtsCommand:
    """A host command that has no device-independent :class:`Command`."""

    opcode: int
    params: bytes = b"\x00\x00\x00"

    def __post_init__(self) -> None:
        if not 0 <= self.opcode <= 0xFF:
            raise LocalProtocolError(f"opcode out of range: {self.opcode!r}")
        _three(self.params, "params")


Frame = WeightFrame | CommandEcho | TypedReply


# --- host -> device -----------------------------------------------------------


def encode_command(opcode: int, params: bytes = b"\x00\x00\x00") -> bytes:
    """6-byte command frame for any opcode (also the device's echo of it)."""
    if not 0 <= opcode <= 0xFF:
        raise LocalProtocolError(f"opcode out of range: {opcode!r}")
    body = bytes((HEADER, opcode)) + _three(params, "params")
    return body + bytes((checksum(body),))


def encode_start() -> bytes:
    """Start automatic weight upload (the scale keeps it across power cycles)."""
    return encode_command(Opcode.START)


def encode_stop() -> bytes:
    return encode_command(Opcode.STOP)


def encode_tare() -> bytes:
    return encode_command(Opcode.TARE)


def encode_zero() -> bytes:
    """Move the hardware zero point (unlike tare, it persists)."""
    return encode_command(Opcode.ZERO)


def encode_read_weight() -> bytes:
    return encode_command(Opcode.GET_WEIGHT)


def encode_battery() -> bytes:
    return encode_command(Opcode.GET_BATTERY_VOLTAGE)


def encode_temperature() -> bytes:
    return encode_command(Opcode.GET_TEMPERATURE)


def encode_version() -> bytes:
    return encode_command(Opcode.GET_FIRMWARE_VERSION)


def encode_sampling_rate(hz: int) -> bytes:
    if hz not in SAMPLING_RATE_CODES:
        raise LocalProtocolError(f"sampling rate must be one of {sorted(SAMPLING_RATE_CODES)}")
    return encode_command(Opcode.SET_SAMPLING_RATE, bytes((0, 0, SAMPLING_RATE_CODES[hz])))


def encode_peak_mode(enabled: bool) -> bytes:
    return encode_command(Opcode.PEAK_MODE, bytes((0, 0, int(enabled))))


def encode_power_on_reset(enabled: bool) -> bytes:
    return encode_command(Opcode.POWER_ON_RESET, bytes((0, 0, int(enabled))))


def decode_command(data: bytes) -> Command | CtsCommand:
    """Parse a 6-byte frame a host wrote (the device's side)."""
    if len(data) != COMMAND_LEN:
        raise RemoteProtocolError(f"command frame of {len(data)} bytes, expected 6")
    if not _valid(bytes(data)):
        raise RemoteProtocolError(f"bad header or checksum in command {bytes(data).hex()}")
    opcode, params = data[1], bytes(data[2:5])
    shared = _OPCODE_COMMANDS.get(opcode)
    if shared is not None and params == b"\x00\x00\x00":
        return shared
    return CtsCommand(opcode, params)


# --- device -> host (device side encoders) ------------------------------------


def encode_frame(frame: Frame) -> bytes:
    """Bytes the device sends for one frame event."""
    if isinstance(frame, CommandEcho):
        return encode_command(frame.opcode, frame.params)
    if isinstance(frame, TypedReply):
        body = bytes((HEADER, REPLY_FLAG, frame.opcode)) + frame.data
    else:
        body = bytes((HEADER, frame.status)) + frame.counts.to_bytes(4, "big")
    return body + bytes((checksum(body),))


def encode_typed_reply(opcode: int, data: bytes = b"\x00\x00\x00") -> bytes:
    """``05 80`` answer to ``opcode`` (how some units acknowledge every command)."""
    return encode_frame(TypedReply(opcode, data))


def encode_weight_frame(kg: float, steady: bool = False) -> bytes:
    """Weight reading rounded to the 10 g step, its sign and steadiness in the status byte."""
    counts = round(kg / KG_PER_COUNT)
    status = (NEGATIVE_FLAG if counts < 0 else 0) | (STEADY_FLAG if steady else 0)
    return encode_frame(WeightFrame(abs(counts), status))


def encode_battery_reply(millivolts: int) -> bytes:
    """Battery voltage in 10 mV steps in data bytes 1-2 (byte 0 is left 0)."""
    if millivolts % 10 or not 0 <= millivolts // 10 <= 0xFFFF:
        raise LocalProtocolError(f"millivolts must be a multiple of 10 below 655360: {millivolts}")
    return encode_frame(
        TypedReply(Opcode.GET_BATTERY_VOLTAGE, (millivolts // 10).to_bytes(3, "big"))
    )


def encode_temperature_reply(celsius: int) -> bytes:
    """Temperature as sign and magnitude in data byte 2 (0x80 marks below zero)."""
    if not -127 <= celsius <= 127:
        raise LocalProtocolError(f"temperature must be within +-127 C, got {celsius}")
    raw = -celsius | REPLY_FLAG if celsius < 0 else celsius
    return encode_frame(TypedReply(Opcode.GET_TEMPERATURE, bytes((0, 0, raw))))


# --- host side decoding ---------------------------------------------------------


class Cts500Reassembler:
    """Turns a torn UART byte stream into frames (h11-style ``next_event`` loop)."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pending_garbage = 0
        self.discarded = 0
        """Total bytes dropped since creation."""

    @property
    def buffered(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buf)

    def receive_data(self, data: bytes) -> None:
        self._buf += data

    def next_event(self) -> Frame | Garbage | NeedData:
        """The next frame, a :class:`Garbage` report, or ``NEED_DATA``."""
        frame: Frame | None = None
        while True:
            start = self._buf.find(HEADER)
            self._drop(len(self._buf) if start < 0 else start)
            if not self._buf:
                break
            frame = self._frame_at_start()
            if frame is not None or len(self._buf) < DATA_LEN:
                break
            self._drop(1)
        if self._pending_garbage:
            count, self._pending_garbage = self._pending_garbage, 0
            return Garbage(count)
        if frame is None:
            return NEED_DATA
        del self._buf[: COMMAND_LEN if isinstance(frame, CommandEcho) else DATA_LEN]
        return frame

    def _drop(self, n: int) -> None:
        if n:
            del self._buf[:n]
            self._pending_garbage += n
            self.discarded += n

    def _frame_at_start(self) -> Frame | None:
        buf = self._buf
        if len(buf) < COMMAND_LEN or buf[0] != HEADER:
            return None
        if buf[1] in _OPCODES and _valid(bytes(buf[:COMMAND_LEN])):
            return CommandEcho(buf[1], bytes(buf[2:5]))
        if len(buf) < DATA_LEN or not _valid(bytes(buf[:DATA_LEN])):
            return None
        if buf[1] == REPLY_FLAG:
            return TypedReply(buf[2], bytes(buf[3:6]))
        if buf[1] in _OPCODES:
            return None
        return WeightFrame(int.from_bytes(buf[2:6], "big"), buf[1])


def decode_reply(reply: TypedReply) -> Event:
    """Typed meaning of a ``05 80`` reply where one is known, else the reply itself."""
    if reply.opcode == Opcode.GET_BATTERY_VOLTAGE:
        return Battery(millivolts=int.from_bytes(reply.data[1:], "big") * 10)
    if reply.opcode == Opcode.GET_TEMPERATURE:
        raw = reply.data[2]
        return Temperature(-(raw & 0x7F) if raw & REPLY_FLAG else raw)
    if reply.opcode == Opcode.GET_FIRMWARE_VERSION:
        return FirmwareVersion(reply.data.hex())
    return reply


class Cts500Codec(Codec):
    """Host side: feeds notifications through one reassembler and maps frames to events.

    Consecutive weight frames from one notification become one :class:`Samples`.
    """

    spec = SPEC

    def __init__(self) -> None:
        self.reassembler = Cts500Reassembler()

    def command(self, cmd: Command) -> Write:
        opcode = _COMMAND_OPCODES.get(cmd)
        if opcode is None:
            raise LocalProtocolError(f"CTS500 has no command for {cmd!r}")
        return Write(WRITE_UUID, encode_command(opcode), with_response=True)

    def receive(self, characteristic: str, data: bytes) -> list[Event]:
        if characteristic.lower() != NOTIFY_UUID:
            raise LocalProtocolError(f"not the CTS500 notify characteristic: {characteristic}")
        self.reassembler.receive_data(data)
        events: list[Event] = []
        run: list[float] = []
        while True:
            event = self.reassembler.next_event()
            if isinstance(event, WeightFrame):
                run.append(event.kg * STANDARD_GRAVITY)
                continue
            if run:
                events.append(Samples(force_n=tuple(run)))
                run = []
            if event is NEED_DATA:
                return events
            events.append(decode_reply(event) if isinstance(event, TypedReply) else event)
