"""Types shared by every device codec.

The codecs are sans-I/O: bytes in, typed events out; commands in, bytes out.
Nothing here touches a radio, a clock or an event loop, so the BLE driver, the
simulated devices and the golden-vector tests all share one source of truth.

Errors are split by who is at fault, as in h11:

* :class:`LocalProtocolError` -- the caller misused the codec (a command the
  device does not have, an argument out of range).
* :class:`RemoteProtocolError` -- the device sent bytes that do not parse
  (too short, too long, unknown tag, bad checksum).

Both derive from :class:`ProtocolError`; a decoder never raises anything else.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

STANDARD_GRAVITY = 9.80665
"""m/s^2; converts kilogram-force to newtons (kgf * g = N)."""

POUND_FORCE_N = 4.4482216152605
"""Newtons in one pound-force (lbf), exact by definition (0.45359237 kg * g)."""


class ProtocolError(Exception):
    """Base class of every error a codec raises."""


class LocalProtocolError(ProtocolError):
    """The caller asked for something the protocol cannot express."""


class RemoteProtocolError(ProtocolError):
    """The device sent bytes that do not decode."""


class NeedData:
    """Sentinel type: a partial frame was buffered, feed more bytes."""

    _instance: NeedData | None = None

    def __new__(cls) -> NeedData:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA = NeedData()


class Command(enum.Enum):
    """Device-independent commands; each codec maps those it supports to bytes."""

    START = "start"
    STOP = "stop"
    TARE = "tare"
    BATTERY = "battery"
    VERSION = "version"
    DEVICE_ID = "device_id"


@dataclass(frozen=True, slots=True)
class Write:
    """Bytes to write to one characteristic (the codec's answer to a command)."""

    characteristic: str
    data: bytes
    with_response: bool = True


@dataclass(frozen=True, slots=True)
class Samples:
    """Force samples decoded from one notification, column-wise.

    ``device_time_s`` holds the device's own clock (seconds, monotonic on the
    device, any origin) or is ``None`` when the protocol sends no timestamps.
    ``first_index`` is the device's running sample counter for the first sample
    when the protocol has one, so the driver can detect lost notifications.
    """

    force_n: tuple[float, ...]
    device_time_s: tuple[float, ...] | None = None
    gyro_dps: tuple[float, ...] | None = None
    first_index: int | None = None

    def __post_init__(self) -> None:
        n = len(self.force_n)
        for name in ("device_time_s", "gyro_dps"):
            col = getattr(self, name)
            if col is not None and len(col) != n:
                raise ValueError(f"{name} has {len(col)} values, force_n has {n}")


@dataclass(frozen=True, slots=True)
class Battery:
    """Battery level as the device reports it (either field may be unknown)."""

    millivolts: int | None = None
    percent: int | None = None


@dataclass(frozen=True, slots=True)
class FirmwareVersion:
    text: str


@dataclass(frozen=True, slots=True)
class DeviceId:
    text: str


@dataclass(frozen=True, slots=True)
class LowBattery:
    """The device warns that its supply is low (it may stop soon)."""


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """What the driver needs to find and talk to one kind of device.

    UUIDs are lower-case 128-bit strings. ``name_patterns`` are regular
    expressions matched (case-insensitively, from the start) against the
    advertised local name.
    """

    model: str
    service_uuid: str | None
    notify_uuids: tuple[str, ...]
    write_uuid: str | None
    name_patterns: tuple[str, ...] = ()
    manufacturer_id: int | None = None
    nominal_rate_hz: float = 0.0
    has_gyro: bool = False
    extra_service_uuids: tuple[str, ...] = field(default=())

    def matches_name(self, name: str | None) -> bool:
        if not name:
            return False
        return any(re.match(p, name, re.IGNORECASE) for p in self.name_patterns)


def uuid16(short: int) -> str:
    """Expand a 16-bit Bluetooth SIG UUID to its 128-bit string form."""
    if not 0 <= short <= 0xFFFF:
        raise LocalProtocolError(f"16-bit UUID out of range: {short:#x}")
    return f"0000{short:04x}-0000-1000-8000-00805f9b34fb"


Event = Samples | Battery | FirmwareVersion | DeviceId | LowBattery | object
"""What a codec's ``receive`` yields; protocol modules add their own event types."""


class Codec:
    """Host side of one device connection: commands to bytes, notifications to events.

    Subclasses set :attr:`spec` and implement :meth:`command` and
    :meth:`receive`. A codec holds only the state the protocol needs (the last
    command sent, a reassembly buffer); after a :class:`RemoteProtocolError`
    it stays usable for the next notification.
    """

    spec: DeviceSpec

    def command(self, cmd: Command) -> Write:
        """Bytes for ``cmd``; raise :class:`LocalProtocolError` if unsupported."""
        raise NotImplementedError

    def receive(self, characteristic: str, data: bytes) -> list[Event]:
        """Decode one notification (or read value) from ``characteristic``."""
        raise NotImplementedError
