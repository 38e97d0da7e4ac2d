"""Opening a device by name on the command line: a real address or ``sim:<kind>``.

Every command opens devices here, so they all behave alike: the device's saved
calibration is applied unless the caller reads raw (calibrating, verifying),
and a ``sim:`` name puts a simulated device, configured by a typed
:class:`SimConfig`, on a virtual radio first. An application that keeps one
link across many tests (the GUI) finds its devices itself and gets the same
calibrated driver from :func:`prepare`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nkt_dyno.devices._backends import PLATFORM, BleakBackends
from nkt_dyno.devices._calibrations import latest_record
from nkt_dyno.devices._scan import find
from nkt_dyno.devices._types import DriverOptions, FoundDevice
from nkt_dyno.devices.driver import Dynamometer

if TYPE_CHECKING:
    from calibration import CalibrationRecord
    from nkt_dyno.devices.simulator import Scenario, SimConfig, SimulatedDevice

SIM_PREFIX = "sim:"


@dataclass(frozen=True, slots=True, eq=False)
class DeviceSession:
    """A connected device and what was chosen for it."""

    dyno: Dynamometer
    calibration: CalibrationRecord | None
    """The record whose correction the driver applies; None when reading raw."""
    simulator: SimulatedDevice | None
    """The device behind a ``sim:`` name (a rig places loads on it); None for hardware."""


@contextlib.asynccontextmanager
async def open_device(
    name: str,
    *,
    scenario: Scenario | str = "hold",
    seed: int = 1,
    sim: SimConfig | None = None,
    calibrated: bool = True,
    options: DriverOptions | None = None,
) -> AsyncIterator[DeviceSession]:
    """Connect to ``name``, applying its latest calibration record when ``calibrated``.

    ``scenario`` (a case, a trace file or a :class:`Scenario`), ``seed`` and
    ``sim`` apply to ``sim:`` names only.

    Raises
    ------
    ValueError
        An unknown simulated kind, or ``sim`` given for a real device.
    LookupError
        No supported device answers at ``name``.
    calibration.RecordError
        The device's saved record cannot be read.
    """
    simulator: SimulatedDevice | None = None
    async with contextlib.AsyncExitStack() as stack:
        if name.startswith(SIM_PREFIX):
            simulator, found, backends = await stack.enter_async_context(
                _simulated(name.removeprefix(SIM_PREFIX), scenario, seed, sim)
            )
        elif sim is not None:
            raise ValueError(f"simulator settings apply only to sim: devices, not {name!r}")
        else:
            found, backends = await find(PLATFORM, name), PLATFORM
        session = prepare(
            name, found, backends, calibrated=calibrated, options=options, simulator=simulator
        )
        await stack.enter_async_context(session.dyno)
        yield session


def prepare(
    name: str,
    found: FoundDevice,
    backends: BleakBackends,
    *,
    calibrated: bool = True,
    options: DriverOptions | None = None,
    simulator: SimulatedDevice | None = None,
) -> DeviceSession:
    """The driver of ``found``, not connected yet, corrected by the record saved for ``name``.

    ``name`` is what the record is kept under: the address, or ``sim:<kind>``.

    Raises
    ------
    calibration.RecordError
        The device's saved record cannot be read.
    """
    record = latest_record(name) if calibrated else None
    correction = None if record is None else record.correction()
    dyno = Dynamometer(found, backends=backends, options=options, correction=correction)
    return DeviceSession(dyno, record, simulator)


@contextlib.asynccontextmanager
async def _simulated(
    kind: str, scenario: Scenario | str, seed: int, config: SimConfig | None
) -> AsyncIterator[tuple[SimulatedDevice, FoundDevice, BleakBackends]]:
    """A simulated ``kind`` advertising on a fresh virtual radio, found by a scan."""
    from nkt_dyno.devices.simulator import SIMULATORS, load
    from nkt_dyno.devices.virtual import VirtualRadio

    if kind not in SIMULATORS:
        raise ValueError(f"unknown simulated device {kind!r}; choose from {', '.join(SIMULATORS)}")
    if isinstance(scenario, str):
        scenario = load(scenario, seed=seed, gyro=SIMULATORS[kind].spec.has_gyro)
    async with VirtualRadio() as radio:
        simulator = SIMULATORS[kind](scenario, config)
        found = await find(radio.backends(), await simulator.attach(radio), timeout=5.0)
        try:
            yield simulator, found, radio.backends()
        finally:
            await simulator.close()
