"""The common body of every simulated dynamometer: clock, stream loop, faults, radio."""

from __future__ import annotations

import asyncio
import contextlib
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt
from bumble import gatt
from bumble.device import Connection, Device

from firmware_protocol import Command, DeviceSpec
from nkt_dyno.devices.simulator._config import SimConfig
from nkt_dyno.devices.simulator._scenario import Scenario, constant
from nkt_dyno.devices.virtual import VirtualRadio, advertising_bytes, gatt_characteristic

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Chunk:
    """Samples due in one data notification (what the sensor measured)."""

    first_index: int
    scenario_s: FloatArray
    """Seconds since streaming first started (the scenario's time)."""
    device_s: FloatArray
    """The device clock at each sample (origin and drift applied)."""
    force_n: FloatArray
    """Force after the sensor error, before the protocol's quantisation."""
    gyro_dps: FloatArray | None


class SentLog:
    """Every sample the device put on air (dropped notifications excluded), for tests."""

    def __init__(self) -> None:
        self._chunks: list[Chunk] = []
        self._host_epoch = 0.0

    def add(self, chunk: Chunk) -> None:
        self._chunks.append(chunk)

    def _column(self, name: str) -> FloatArray:
        parts = [getattr(c, name) for c in self._chunks]
        return np.concatenate(parts) if parts else np.empty(0)

    @property
    def index(self) -> npt.NDArray[np.int64]:
        parts = [c.first_index + np.arange(len(c.force_n)) for c in self._chunks]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)

    @property
    def scenario_s(self) -> FloatArray:
        return self._column("scenario_s")

    @property
    def host_s(self) -> FloatArray:
        """When each sample was taken, on the host's monotonic clock."""
        return self._host_epoch + self.scenario_s

    @property
    def force_n(self) -> FloatArray:
        return self._column("force_n")


class SimulatedDevice(ABC):
    """A dynamometer on the virtual radio speaking its real protocol.

    Subclasses give the GATT layout, answer commands and encode data; this
    class runs the clock, the stream at the device's rate, and the faults.
    """

    kind: ClassVar[str]
    """The driver profile it speaks (what a scan recognises it as)."""
    variant: ClassVar[str] = ""
    """Which of several real behaviours of that kind it has; empty for the first."""
    spec: ClassVar[DeviceSpec]
    default_name: ClassVar[str]
    default_rate_hz: ClassVar[float]
    samples_per_notification: int = 1
    """Samples per data notification; a device whose rate decides it sets it per instance."""
    connectable: ClassVar[bool] = True

    def __init__(self, scenario: Scenario, config: SimConfig | None = None) -> None:
        self.scenario = scenario
        self.config = config or SimConfig()
        self.name = self.config.name or self.default_name
        self.rate_hz = float(self.config.rate_hz or self.default_rate_hz)
        self.sent = SentLog()
        self.notifications_sent = 0
        self.notifications_dropped = 0
        self.commands: list[object] = []
        self.device: Device | None = None
        self._rng = np.random.default_rng(self.config.faults.seed)
        self._epoch: float | None = None
        self._next_index = 0
        self._stream: asyncio.Task[None] | None = None
        self._faults_done: set[tuple[str, float]] = set()
        self._data_char: gatt.Characteristic[bytes] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.tare_n = 0.0

    @classmethod
    def sim_name(cls) -> str:
        """Its name after ``sim:``: the kind, and the variant if it has one."""
        return f"{cls.kind}-{cls.variant}" if cls.variant else cls.kind

    # --- radio ----------------------------------------------------------------

    @property
    def address(self) -> str:
        if self.device is None:
            raise RuntimeError("the simulated device is not on a radio yet")
        return self.device.random_address.to_string(with_type_qualifier=False)

    async def attach(self, radio: VirtualRadio) -> str:
        """Power up on ``radio``, publish the GATT services and advertise; returns the address."""
        self.device = await radio.add_peripheral(self.name)
        for service in self.services():
            self.device.add_service(service)
        self.device.on(self.device.EVENT_CONNECTION, self._on_connection)
        await self.advertise()
        return self.address

    async def advertise(self) -> None:
        assert self.device is not None
        uuids = [u for u in (self.spec.service_uuid,) if u is not None]
        await self.device.start_advertising(
            advertising_data=advertising_bytes(self.name, uuids, self.manufacturer_data()),
            auto_restart=True,
            advertising_interval_min=20.0,
            advertising_interval_max=20.0,
        )

    def manufacturer_data(self) -> dict[int, bytes]:
        return {}

    def _on_connection(self, connection: Connection) -> None:
        connection.on(connection.EVENT_DISCONNECTION, lambda reason: self.stop_stream())

    async def drop_link(self) -> None:
        """Cut every connection from the device side (the fault 'disconnect at T')."""
        assert self.device is not None
        self.stop_stream()
        for connection in list(self.device.connections.values()):
            with contextlib.suppress(Exception):
                await connection.disconnect()

    async def vanish(self) -> None:
        """Leave the radio for good: stop advertising, then drop the link (the fault 'vanish')."""
        assert self.device is not None
        await self.device.stop_advertising()
        await self.drop_link()

    async def close(self) -> None:
        self.stop_stream()
        if self.device is not None:
            await self.device.stop_advertising()

    # --- protocol hooks -------------------------------------------------------

    @abstractmethod
    def services(self) -> list[gatt.Service]:
        """The GATT services, with write handlers bound to this device."""

    @abstractmethod
    def encode(self, chunk: Chunk) -> bytes:
        """One data notification for ``chunk``."""

    def low_battery_notification(self) -> bytes | None:
        """A separate low-battery warning, for protocols that send one."""
        return None

    def data_characteristic(self, uuid: str) -> gatt.Characteristic[bytes]:
        """The notify characteristic that carries the stream."""
        self._data_char = gatt_characteristic(uuid, notify=True)
        return self._data_char

    def command_characteristic(
        self,
        uuid: str,
        decode: Callable[[bytes], object],
        replies: gatt.Characteristic[bytes] | None = None,
    ) -> gatt.Characteristic[bytes]:
        """A writable characteristic whose commands go to :meth:`obey`.

        Replies go out on ``replies``, by default the data characteristic,
        which most protocols share between the stream and their answers.
        """

        def on_write(data: bytes) -> None:
            reply = self.obey(decode(data))
            if reply is not None:
                channel = replies if replies is not None else self._data_char
                assert channel is not None
                self.reply(channel, reply)

        return gatt_characteristic(uuid, on_write=on_write)

    def obey(self, command: object) -> bytes | None:
        """Log ``command`` and carry it out; returns the reply to send, if any.

        Start, stop and tare act alike on every device; other commands are
        left to the protocol's :meth:`reply_to`.
        """
        self.commands.append(command)
        match command:
            case Command.START:
                self.start_stream()
            case Command.STOP:
                self.stop_stream()
            case Command.TARE:
                self.tare()
            case _:
                return self.reply_to(command)
        return None

    def reply_to(self, command: object) -> bytes | None:
        """The answer to a query (battery, version, id); None where the protocol has none."""
        return None

    async def notify(self, characteristic: gatt.Characteristic[bytes], data: bytes) -> None:
        if self.device is not None and self.device.connections:
            await self.device.notify_subscribers(characteristic, data)

    def reply(self, characteristic: gatt.Characteristic[bytes], data: bytes) -> None:
        """Send a reply notification from inside a write handler."""
        self._background(self.notify(characteristic, data))

    def _background(self, work: Coroutine[object, object, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- clock and stream -----------------------------------------------------

    @property
    def low_battery(self) -> bool:
        at = self.config.faults.low_battery_at_s
        return at is not None and self.elapsed_s() >= at

    def elapsed_s(self) -> float:
        """Seconds since streaming first started (0 before)."""
        if self._epoch is None:
            return 0.0
        return asyncio.get_running_loop().time() - self._epoch

    def device_clock(self, scenario_s: FloatArray) -> FloatArray:
        scale = 1.0 + self.config.faults.clock_drift_ppm * 1e-6
        return self.config.clock_origin_s + scenario_s * scale

    def start_stream(self) -> None:
        loop = asyncio.get_running_loop()
        if self._epoch is None:
            self._epoch = loop.time()
            self.sent._host_epoch = self._epoch
        else:
            self._next_index = max(self._next_index, math.ceil(self.elapsed_s() * self.rate_hz))
        if self._stream is None or self._stream.done():
            self._stream = loop.create_task(self._run())

    def stop_stream(self) -> None:
        if self._stream is not None:
            self._stream.cancel()
            self._stream = None

    @property
    def streaming(self) -> bool:
        return self._stream is not None and not self._stream.done()

    def _chunk(self, first: int, n: int) -> Chunk:
        scenario_s = (first + np.arange(n)) / self.rate_hz
        force, gyro = self.scenario.at(scenario_s)
        reading = self.config.sensor.apply(force) - self.tare_n
        return Chunk(first, scenario_s, self.device_clock(scenario_s), reading, gyro)

    def place_load(self, force_n: float) -> None:
        """Hold a steady force from now on, as a hung mass or a test rig does."""
        self.scenario = constant(force_n)

    def tare(self) -> None:
        """Zero the reading at the current force, as the device's tare does."""
        force, _ = self.scenario.at(np.array([self.elapsed_s()]))
        self.tare_n = float(self.config.sensor.apply(force)[0])

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._epoch is not None
        k = self.samples_per_notification
        while True:
            due = self._epoch + (self._next_index + k - 1) / self.rate_hz
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            chunk = self._chunk(self._next_index, k)
            self._next_index += k
            await self._send(chunk)
            await self._timed_faults()

    def _fault_due(self, kind: str, times: tuple[float, ...], now: float) -> bool:
        for at in times:
            if at <= now and (kind, at) not in self._faults_done:
                self._faults_done.add((kind, at))
                return True
        return False

    async def _send(self, chunk: Chunk) -> None:
        faults = self.config.faults
        if faults.drop_pct and self._rng.random() * 100.0 < faults.drop_pct:
            self.notifications_dropped += 1
            return
        data = self.encode(chunk)
        if self._fault_due("corrupt", faults.corrupt_at_s, float(chunk.scenario_s[-1])):
            data = data[:-1]
        else:
            self.sent.add(chunk)
        await self.transmit(data)
        self.notifications_sent += 1

    async def transmit(self, data: bytes) -> None:
        """Put one data packet on air (a notification; advertisers override)."""
        assert self._data_char is not None
        await self.notify(self._data_char, data)

    async def _timed_faults(self) -> None:
        faults, now = self.config.faults, self.elapsed_s()
        if self._fault_due("disconnect", faults.disconnect_at_s, now):
            # Not awaited here: dropping the link cancels this very stream task.
            self._background(self.drop_link())
        if faults.vanish_at_s is not None and self._fault_due("vanish", (faults.vanish_at_s,), now):
            self._background(self.vanish())
        if faults.silent_at_s is not None and self._fault_due("silent", (faults.silent_at_s,), now):
            self.stop_stream()
        at = faults.low_battery_at_s
        if at is not None and self._fault_due("battery", (at,), now):
            warning = self.low_battery_notification()
            if warning is not None:
                await self.transmit(warning)
