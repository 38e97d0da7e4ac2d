"""What the driver hands to its callers: sample blocks and state changes."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from nkt_dyno.devices._motion import ImuSamples

FloatArray = npt.NDArray[np.float64]
Correction = Callable[[FloatArray], FloatArray]
"""Raw newtons -> calibrated newtons, applied to whole arrays."""


class SampleFlag(enum.IntFlag):
    """Per-sample marks in :attr:`SampleBlock.flags`."""

    GAP_BEFORE = 0x01
    """Samples were lost just before this one (dropped or corrupted packets)."""
    RECONNECTED = 0x02
    """First sample after the link (or an advertiser's broadcast) was lost and back."""
    LOW_BATTERY = 0x04


class State(enum.Enum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    STREAMING = "streaming"
    RECONNECTING = "reconnecting"
    SILENT = "silent"
    """Connected and asked to stream, but no data for ``DriverOptions.silence_s``."""
    LOST = "lost"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class StateChange:
    state: State
    t: float
    """Host monotonic time of the change (s)."""
    detail: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class SampleBlock:
    """Samples from one notification (DESIGN §2): host-monotonic time, newtons."""

    t: FloatArray
    force: FloatArray
    gyro: FloatArray | None
    device_id: str
    flags: npt.NDArray[np.uint8]
    arrival: float
    """Host monotonic time the packet was received (s)."""
    gyro_signed: bool = True
    """False while ``gyro`` is an unsigned speed (a 3-axis IMU whose turning direction
    is not learnt yet): the engine then reads it as unsigned."""
    imu: ImuSamples | None = None
    """Raw IMU frames received since the previous block, kept to re-derive ``gyro``."""

    def __len__(self) -> int:
        return len(self.t)


@dataclass(frozen=True, slots=True)
class FoundDevice:
    """A supported device seen while scanning."""

    kind: str
    address: str
    name: str
    rssi: int
    details: object = field(default=None, compare=False, repr=False)
    """The backend's handle (bleak ``BLEDevice``), used to connect without scanning again."""


@dataclass(slots=True)
class DriverStats:
    notifications: int = 0
    samples: int = 0
    corrupted: int = 0
    gaps: int = 0
    lost_samples: int = 0
    reconnects: int = 0


@dataclass(frozen=True, slots=True)
class DriverOptions:
    connect_timeout_s: float = 10.0
    reply_timeout_s: float = 2.0
    reconnect_delays_s: tuple[float, ...] = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
    """Back-off between attempts; the last value repeats until ``give_up_after_s``."""
    give_up_after_s: float = 30.0
    rate_hz: int = 0
    """Requested rate for devices that take one (0 = the device's default)."""
    silence_s: float = 2.0
    """A connected device streaming nothing for this long is SILENT (0: never checked)."""
    advert_silence_periods: float = 5.0
    """An advertising-only device is LOST after this many advert periods unheard."""
