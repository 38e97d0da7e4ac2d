"""Typed knobs of a simulated dynamometer: faults and sensor error."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from nkt_dyno.devices.simulator._motion import Grip


@dataclass(frozen=True, slots=True)
class Faults:
    """What goes wrong, on purpose. Times are seconds since streaming first started.

    LocalLink never loses or delays a packet, so every radio fault is made here.
    """

    drop_pct: float = 0.0
    """Data notifications silently not sent, percent (drawn per notification)."""
    disconnect_at_s: tuple[float, ...] = ()
    """The device drops the link at each of these times (it advertises again)."""
    corrupt_at_s: tuple[float, ...] = ()
    """The first data notification due at or after each time is cut by one byte."""
    vanish_at_s: float | None = None
    """The device drops the link and stops advertising for good (battery out, carried away)."""
    silent_at_s: float | None = None
    """The device stops sending data but keeps the link (a firmware hang)."""
    low_battery_at_s: float | None = None
    """From this time on the device reports a low battery."""
    clock_drift_ppm: float = 0.0
    """How fast the device clock runs against the host's, parts per million."""
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.drop_pct < 100.0:
            raise ValueError(f"drop_pct must be in [0, 100), got {self.drop_pct}")


@dataclass(frozen=True, slots=True)
class SensorError:
    """The load cell's own error: ``reading = offset + gain * f + quadratic * f**2`` (N)."""

    gain: float = 1.0
    offset_n: float = 0.0
    quadratic_per_n: float = 0.0

    def apply(self, force_n: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return self.offset_n + self.gain * force_n + self.quadratic_per_n * force_n**2


@dataclass(frozen=True, slots=True)
class SimConfig:
    """Identity, rate and fault settings of one simulated device."""

    name: str | None = None
    """Advertised name; each device kind has a default."""
    rate_hz: float | None = None
    """Sample rate; each device kind has its real default."""
    faults: Faults = field(default_factory=Faults)
    sensor: SensorError = field(default_factory=SensorError)
    battery_mv: int = 3950
    battery_pct: int = 85
    firmware: str = "1.4.2"
    device_id: int = 0x1234
    clock_origin_s: float = 1234.5
    """Device clock reading when streaming first starts (its clock is not the host's)."""
    grip: Grip | None = None
    """How a device with an IMU is held; None draws one from ``faults.seed``."""
