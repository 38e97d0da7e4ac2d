"""Simulated dynamometers: real GATT servers (or an advertiser) on the virtual radio.

Each speaks its protocol's real bytes, made by the device-side helpers of
``firmware_protocol``, at the device's real rate and packing; force comes from
a :class:`Scenario`, errors from :class:`Faults` and :class:`SensorError`.
"""

from __future__ import annotations

from nkt_dyno.devices.simulator._activ5 import SimulatedActiv5
from nkt_dyno.devices.simulator._config import Faults, SensorError, SimConfig
from nkt_dyno.devices.simulator._cts500 import SimulatedCts500, SimulatedCts500Typed
from nkt_dyno.devices.simulator._device import Chunk, SentLog, SimulatedDevice
from nkt_dyno.devices.simulator._forceboard import SimulatedForceBoard
from nkt_dyno.devices.simulator._frez import SimulatedFrez
from nkt_dyno.devices.simulator._motion import Grip, LimbMotion
from nkt_dyno.devices.simulator._openprofile import SimulatedOpenProfile
from nkt_dyno.devices.simulator._progressor import (
    SimulatedCrimpdeq,
    SimulatedHangman,
    SimulatedProgressor,
)
from nkt_dyno.devices.simulator._scenario import Scenario, constant, from_trace, load, synthetic
from nkt_dyno.devices.simulator._whc06 import SimulatedWhc06

SIMULATORS: dict[str, type[SimulatedDevice]] = {
    cls.sim_name(): cls
    for cls in (
        SimulatedProgressor,
        SimulatedCrimpdeq,
        SimulatedHangman,
        SimulatedCts500,
        SimulatedCts500Typed,
        SimulatedForceBoard,
        SimulatedWhc06,
        SimulatedActiv5,
        SimulatedOpenProfile,
        SimulatedFrez,
    )
}
"""Simulator class by its name after ``sim:`` on the command line."""

__all__ = [
    "SIMULATORS",
    "Chunk",
    "Faults",
    "Grip",
    "LimbMotion",
    "Scenario",
    "SensorError",
    "SentLog",
    "SimConfig",
    "SimulatedActiv5",
    "SimulatedCrimpdeq",
    "SimulatedCts500",
    "SimulatedCts500Typed",
    "SimulatedDevice",
    "SimulatedForceBoard",
    "SimulatedFrez",
    "SimulatedHangman",
    "SimulatedOpenProfile",
    "SimulatedProgressor",
    "SimulatedWhc06",
    "constant",
    "from_trace",
    "load",
    "synthetic",
]
