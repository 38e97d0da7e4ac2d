"""The connected dynamometer as the GUI sees it: state, battery, a stream to subscribe to.

:class:`DeviceLink` owns the driver (and, for simulated devices, the virtual
radio they live on). One pump task reads the driver's items on the qasync
loop: state changes become Qt signals, sample blocks go to every
:class:`DeviceSource` subscribed -- the live test opens one per test. The
simulated devices are the real driver talking to real GATT servers over the
virtual radio, so "simulated" changes nothing downstream. The driver comes
from :func:`~nkt_dyno.devices._session.prepare`, as for every command: the
device's saved calibration record applies here too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import numpy as np
from PySide6.QtCore import QObject, Signal

from calibration import CalibrationRecord
from gui._sources import SampleBlock
from nkt_dyno.commands._errors import sentence
from nkt_dyno.cut import device_stopped
from nkt_dyno.devices import (
    PLATFORM,
    BleakBackends,
    Dynamometer,
    FoundDevice,
    SampleFlag,
    State,
    StateChange,
    find,
    scan,
)
from nkt_dyno.devices import SampleBlock as DeviceBlock
from nkt_dyno.devices._session import SIM_PREFIX, prepare
from nkt_dyno.devices.simulator import (
    SIMULATORS,
    Scenario,
    SimConfig,
    SimulatedDevice,
    synthetic,
)
from nkt_dyno.devices.virtual import VirtualRadio

SIMULATED_REST_S = 2.0
"""Rest between the repeated efforts of a simulated device."""


class DeviceSource:
    """The device's blocks from now until the test (or the link) ends.

    It ends early when the device falls silent while connected or is lost;
    :attr:`ended_because` then says so, in test time.
    """

    def __init__(self, link: DeviceLink) -> None:
        self._link = link
        self.queue: asyncio.Queue[SampleBlock | None] = asyncio.Queue()
        self._how: str | None = None
        self._span: tuple[float, float] | None = None

    def put(self, block: SampleBlock) -> None:
        self.queue.put_nowait(block)

    def end(self, how: str | None = None) -> None:
        """No more blocks: ``how`` is ``"silent"`` or ``"lost"`` when the device ended it."""
        self._how = how
        self.queue.put_nowait(None)

    @property
    def ended_because(self) -> str | None:
        """Why the device ended the stream early, once it has; None if it did not."""
        if self._how is None or self._span is None:
            return None
        at = self._span[1] - self._span[0]
        return device_stopped(
            silent_s=at if self._how == "silent" else None,
            lost_at_s=at if self._how == "lost" else None,
        )

    async def __aiter__(self) -> AsyncIterator[SampleBlock]:
        self._link.subscribers.add(self)
        try:
            while (block := await self.queue.get()) is not None:
                first = float(block.t[0]) if self._span is None else self._span[0]
                self._span = (first, float(block.t[-1]))
                yield block
        finally:
            self._link.subscribers.discard(self)


def _block(item: DeviceBlock) -> SampleBlock:
    gap = bool(np.any(item.flags & SampleFlag.GAP_BEFORE))
    return SampleBlock(item.t, item.force, item.gyro, gap, item.gyro_signed)


class DeviceLink(QObject):
    """Scan, connect, tare and stream; every signal fires on change only."""

    stateChanged = Signal(str)
    batteryChanged = Signal(str)
    devicesFound = Signal(list)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = "disconnected"
        self.battery = ""
        self.device: FoundDevice | None = None
        self.calibration: CalibrationRecord | None = None
        """The record the connected driver corrects with; None when uncalibrated."""
        self.subscribers: set[DeviceSource] = set()
        self._radio: VirtualRadio | None = None
        self._sims: list[SimulatedDevice] = []
        self._dyno: Dynamometer | None = None
        self._pump: asyncio.Task[None] | None = None

    # -- finding -----------------------------------------------------------
    async def scan(
        self, *, real: bool = True, simulated: str | None = None, seconds: float = 2.0
    ) -> list[FoundDevice]:
        """Devices heard; ``simulated`` is a scenario case for one simulator of each kind."""
        found: list[FoundDevice] = []
        try:
            if simulated is not None:
                found += await scan(await self._simulators(simulated), seconds)
            if real:
                found += await scan(PLATFORM, seconds)
        except Exception as exc:  # no adapter, no permission: report, keep the simulated ones
            self.failed.emit(sentence(exc, radio=True) or f"the scan failed: {exc}")
        self.devicesFound.emit(found)
        return found

    async def _simulators(self, case: str) -> BleakBackends:
        if not self._sims:
            for kind in SIMULATORS:
                await self._attach(kind, synthetic(case, rest_s=SIMULATED_REST_S))
        assert self._radio is not None
        return self._radio.backends()

    async def simulate(
        self, kind: str, scenario: Scenario, config: SimConfig | None = None
    ) -> FoundDevice:
        """Put one simulated ``kind`` device playing ``scenario`` on the radio; return it.

        ``config`` sets the simulator's knobs, its faults (a mute or vanishing device) too.
        """
        address = await self._attach(kind, scenario, config)
        assert self._radio is not None
        return await find(self._radio.backends(), address, timeout=5.0)

    async def _attach(self, kind: str, scenario: Scenario, config: SimConfig | None = None) -> str:
        if self._radio is None:
            self._radio = VirtualRadio()
            await self._radio.__aenter__()
        sim = SIMULATORS[kind](scenario, config)
        address = await sim.attach(self._radio)
        self._sims.append(sim)
        return address

    @property
    def simulated(self) -> bool:
        """Whether the connected device is a simulator on the virtual radio."""
        return self.device is not None and self._route(self.device)[2] is not None

    def _route(self, device: FoundDevice) -> tuple[str, BleakBackends, SimulatedDevice | None]:
        """The name its record is kept under, the radio it is on, its simulator if any."""
        sim = next((s for s in self._sims if s.address == device.address), None)
        if self._radio is not None and sim is not None:
            return SIM_PREFIX + sim.sim_name(), self._radio.backends(), sim
        return device.address, PLATFORM, None

    # -- connection --------------------------------------------------------
    async def connect_device(self, device: FoundDevice) -> None:
        """Connect, start streaming and read the battery; errors arrive as ``failed``."""
        await self.disconnect_device()
        self.device = device
        name, backends, sim = self._route(device)
        try:
            session = prepare(name, device, backends, simulator=sim)
        except Exception as exc:  # an unreadable record: refuse rather than measure raw
            self.failed.emit(f"calibration of {name}: {exc}")
            return
        dyno = session.dyno
        self._dyno = dyno
        self.calibration = session.calibration
        self._pump = asyncio.ensure_future(self._read(dyno))
        try:
            await dyno.open()
            await dyno.start()
        except Exception as exc:
            self.failed.emit(f"connect {device.name}: {exc}")
            await self.disconnect_device()
            return
        await self.read_battery()

    async def read_battery(self) -> None:
        if self._dyno is None:
            return
        try:
            battery = await self._dyno.battery()
        except Exception:  # not every device reports it; the label stays empty
            return
        parts = [f"{battery.percent} %" if battery.percent is not None else ""]
        parts.append(f"{battery.millivolts / 1000:.2f} V" if battery.millivolts else "")
        self._set_battery(" · ".join(p for p in parts if p))

    async def tare(self) -> None:
        if self._dyno is not None:
            try:
                await self._dyno.tare()
            except Exception as exc:
                self.failed.emit(f"tare: {exc}")

    async def disconnect_device(self) -> None:
        dyno, self._dyno = self._dyno, None
        self.calibration = None
        if dyno is not None:
            with contextlib.suppress(Exception):
                await dyno.close()
        if self._pump is not None:
            self._pump.cancel()
            self._pump = None
        self._end_subscribers()
        self._set_battery("")
        self._set_state("disconnected")

    async def close(self) -> None:
        """Disconnect and power down the simulated devices and their radio."""
        await self.disconnect_device()
        for sim in self._sims:
            with contextlib.suppress(Exception):
                await sim.close()
        self._sims = []
        if self._radio is not None:
            with contextlib.suppress(Exception):
                await self._radio.close()
            self._radio = None

    # -- stream ------------------------------------------------------------
    async def _read(self, dyno: Dynamometer) -> None:
        async for item in dyno:
            if isinstance(item, StateChange):
                self._set_state(item.state.value)
                if item.state is State.SILENT:  # connected but mute: the test ends there
                    self._end_subscribers("silent")
            elif self.subscribers:
                block = _block(item)
                for source in self.subscribers:
                    source.put(block)
        self._end_subscribers("lost" if dyno.state is State.LOST else None)

    def _end_subscribers(self, how: str | None = None) -> None:
        for source in list(self.subscribers):
            source.end(how)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.stateChanged.emit(state)

    def _set_battery(self, text: str) -> None:
        if text != self.battery:
            self.battery = text
            self.batteryChanged.emit(text)
