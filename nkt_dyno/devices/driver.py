"""The dynamometer driver: bleak's public API, one async stream of blocks and states.

bytes -> codec (firmware_protocol) -> samples on host time -> calibration hook
-> :class:`SampleBlock`. The bleak backend pair comes from the caller, chosen
where the program starts (platform radio or the virtual one).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import AsyncIterator, Coroutine
from typing import TypeVar

import numpy as np
from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakError

from calibration import Correction as CalibrationCorrection
from firmware_protocol import (
    Battery,
    Command,
    DeviceId,
    FirmwareVersion,
    LowBattery,
    RemoteProtocolError,
    Samples,
    Write,
    activ5,
    cts500,
    openprofile,
    whc06,
)
from nkt_dyno.devices._backends import BleakBackends
from nkt_dyno.devices._clock import ArrivalStamper, ClockMap
from nkt_dyno.devices._motion import MotionReducer
from nkt_dyno.devices._profiles import PROFILES, Profile
from nkt_dyno.devices._types import (
    Correction,
    DriverOptions,
    DriverStats,
    FoundDevice,
    SampleBlock,
    SampleFlag,
    State,
    StateChange,
)

logger = logging.getLogger(__name__)

E = TypeVar("E")
Item = SampleBlock | StateChange
_ADVERT = "advertisement"
_U32_SECONDS = 2**32 / 1e6
"""The Progressor and open-profile clocks count u32 microseconds (the Frez Dyno counts
milliseconds: see frez.md, Uncertain)."""
_CONNECT_ERRORS = (BleakError, TimeoutError, OSError, asyncio.TimeoutError)
_TARE_SETTLE_S = 0.3
"""After a tare: time for the device to finish it and flush what it had buffered."""
_TARE_QUIET_S = 0.5
"""Then a stream silent this long (over two 16-record notifications at 80 Hz) has stopped."""


class Dynamometer:
    """One connected force device.

    ``async with Dynamometer(found, backends=...) as dyno:`` connects and
    subscribes; ``await dyno.start()`` streams; ``async for item in dyno``
    yields :class:`SampleBlock` and :class:`StateChange` until the device is
    closed or lost. A link lost mid-stream is reconnected with back-off; the
    first block after it carries :attr:`SampleFlag.RECONNECTED`. An
    advertising-only device has no link: it is LOST while its adverts are
    unheard and streams again, flagged the same way, when they resume.
    """

    def __init__(
        self,
        device: FoundDevice,
        *,
        backends: BleakBackends,
        options: DriverOptions | None = None,
        correction: Correction | None = None,
    ) -> None:
        self.device = device
        self.profile: Profile = PROFILES[device.kind]
        self.backends = backends
        self.options = options or DriverOptions()
        self.correction = correction
        self.stats = DriverStats()
        self.state = State.CLOSED
        self.low_battery = False
        self._codec = self.profile.codec()
        self._client: BleakClient | None = None
        self._scanner: BleakScanner | None = None
        self._raw: asyncio.Queue[tuple[str, bytes, float]] = asyncio.Queue()
        self._out: asyncio.Queue[Item | None] = asyncio.Queue()
        self._waiters: list[tuple[type, asyncio.Future[object]]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._clock = ClockMap()
        self._stamper = ArrivalStamper(self.profile.spec.nominal_rate_hz or 80.0)
        self._pending = SampleFlag(0)
        self._next_index: int | None = None
        self._last_raw_s: float | None = None
        self._previous_device_s: float | None = None
        self._wraps = 0
        self._streaming = False
        self._closing = False
        self._ended = False
        self._silence: asyncio.TimerHandle | None = None
        axis = self.profile.force_axis
        self._motion = None if axis is None else MotionReducer(axis)
        self._last_data = 0.0

    # --- lifecycle ------------------------------------------------------------

    async def __aenter__(self) -> Dynamometer:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def open(self) -> None:
        self._spawn(self._pump())
        self._set_state(State.CONNECTING)
        if self.profile.advert_only:
            self._scanner = BleakScanner(self._on_advert, backend=self.backends.scanner)
            await self._scanner.start()
            self._watch_adverts()
        else:
            await self._connect(self.options.connect_timeout_s)
        self._set_state(State.CONNECTED)

    async def _connect(self, timeout_s: float) -> None:
        """Connect and subscribe within ``timeout_s``: a backend may wait forever for a
        device that has gone (the virtual radio does), and the give-up clock must run."""
        target: BLEDevice | str = (
            self.device.details
            if isinstance(self.device.details, BLEDevice)
            else self.device.address
        )
        client = BleakClient(
            target,
            disconnected_callback=self._on_disconnect,
            timeout=timeout_s,
            backend=self.backends.client,
        )
        async with asyncio.timeout(timeout_s):
            await client.connect()
            try:
                for uuid in self.profile.subscribe:
                    await client.start_notify(uuid, self._on_notify)
            except BaseException:
                with contextlib.suppress(*_CONNECT_ERRORS):
                    await client.disconnect()
                raise
        self._client = client

    async def close(self) -> None:
        self._closing = True
        if self._client is not None and self._client.is_connected:
            with contextlib.suppress(*_CONNECT_ERRORS):
                if self._streaming:
                    await self._write(self._stop_write())
                await self._client.disconnect()
        if self._scanner is not None:
            await self._scanner.stop()
        if self._silence is not None:
            self._silence.cancel()
        for task in list(self._tasks):
            task.cancel()
        self._finish(State.CLOSED)

    def _finish(self, state: State) -> None:
        if not self._ended:
            self._ended = True
            self._set_state(state)
            self._out.put_nowait(None)

    # --- commands -------------------------------------------------------------

    async def start(self) -> None:
        self._streaming = True
        if not self.profile.advert_only:
            await self._write(self.profile.start(self._codec, self.options.rate_hz))
            if self.options.silence_s > 0:
                self._last_data = time.monotonic()
                self._spawn(self._watch_data())
        self._set_state(State.STREAMING)

    async def _watch_data(self) -> None:
        """Mark a connected device that stopped sending SILENT: its recording has a hole."""
        limit = self.options.silence_s
        while self._streaming and not self._ended:
            await asyncio.sleep(limit / 4)
            quiet = time.monotonic() - self._last_data
            if quiet > limit and self.state is State.STREAMING:
                self._pending |= SampleFlag.GAP_BEFORE
                self._set_state(State.SILENT, f"no data for {quiet:.1f} s")

    async def stop(self) -> None:
        """Stop streaming; a device lost or reconnecting has stopped already, so no error."""
        self._streaming = False
        if not self.profile.advert_only and self._client is not None:
            with contextlib.suppress(*_CONNECT_ERRORS):
                await self._write(self._stop_write())
        if not self._ended and self.state is not State.RECONNECTING:
            self._set_state(State.CONNECTED)

    def _stop_write(self) -> Write:
        return self._codec.command(Command.STOP)

    @property
    def can_tare(self) -> bool:
        """Whether the device takes a tare command (an advertiser takes no commands)."""
        return not self.profile.advert_only and self.profile.tare_command

    async def tare(self) -> None:
        """Zero the device at its present load (see :attr:`can_tare`).

        The raw reading there becomes 0, so a calibration correction keeps its
        gain and curvature and is shifted to read 0 N at raw 0.
        """
        await self._write(self._codec.command(Command.TARE))
        if isinstance(self.correction, CalibrationCorrection):
            self.correction = self.correction.tared(0.0)
        if self._streaming and self.profile.may_stop_on_tare:
            self._spawn(self._restart_if_stopped())

    async def _restart_if_stopped(self) -> None:
        """Start the stream again if the tare stopped it, as some clones' firmware does."""
        await asyncio.sleep(_TARE_SETTLE_S)
        heard = self.stats.notifications
        await asyncio.sleep(_TARE_QUIET_S)
        if self._streaming and self.stats.notifications == heard and self._client is not None:
            with contextlib.suppress(*_CONNECT_ERRORS):
                await self._write(self.profile.start(self._codec, self.options.rate_hz))

    async def battery(self) -> Battery:
        if self.profile.battery_read is not None:
            return await self._read(self.profile.battery_read, Battery)
        return await self._request(Command.BATTERY, Battery)

    async def firmware(self) -> FirmwareVersion:
        if self.profile.version_read is not None:
            return await self._read(self.profile.version_read, FirmwareVersion)
        return await self._request(Command.VERSION, FirmwareVersion)

    async def device_id(self) -> DeviceId:
        if self.profile.id_read is not None:
            return await self._read(self.profile.id_read, DeviceId)
        return await self._request(Command.DEVICE_ID, DeviceId)

    async def _write(self, write: Write) -> None:
        if self._client is None:
            raise BleakError("not connected")
        await self._client.write_gatt_char(
            write.characteristic, write.data, response=write.with_response
        )

    async def _read(self, uuid: str, kind: type[E]) -> E:
        if self._client is None:
            raise BleakError("not connected")
        data = bytes(await self._client.read_gatt_char(uuid))
        for event in self._codec.receive(uuid, data):
            if isinstance(event, kind):
                return event
        raise RemoteProtocolError(f"{uuid} read gave no {kind.__name__}")

    async def _request(self, command: Command, kind: type[E]) -> E:
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        self._waiters.append((kind, future))
        try:
            await self._write(self._codec.command(command))
            result = await asyncio.wait_for(future, self.options.reply_timeout_s)
        finally:
            self._waiters = [(k, f) for k, f in self._waiters if f is not future]
        assert isinstance(result, kind)
        return result

    # --- the stream -----------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[Item]:
        return self._items()

    async def _items(self) -> AsyncIterator[Item]:
        while (item := await self._out.get()) is not None:
            yield item

    def _on_notify(self, characteristic: BleakGATTCharacteristic, data: bytearray) -> None:
        self._raw.put_nowait((characteristic.uuid, bytes(data), time.monotonic()))

    def _on_advert(self, device: BLEDevice, adv: AdvertisementData) -> None:
        payload = adv.manufacturer_data.get(whc06.COMPANY_ID)
        if device.address.upper() == self.device.address.upper() and payload is not None:
            self._raw.put_nowait((_ADVERT, payload, time.monotonic()))
            self._watch_adverts()

    def _watch_adverts(self) -> None:
        """(Re)arm the silence timer; an advert heard while LOST brings the device back."""
        if self._silence is not None:
            self._silence.cancel()
        if self.state is State.LOST and not self._ended:
            self._pending |= SampleFlag.GAP_BEFORE | SampleFlag.RECONNECTED
            self._set_state(State.STREAMING if self._streaming else State.CONNECTED, "heard again")
        period = 1.0 / (self.profile.spec.nominal_rate_hz or 10.0)
        self._silence = asyncio.get_running_loop().call_later(
            self.options.advert_silence_periods * period, self._on_silence
        )

    def _on_silence(self) -> None:
        if not (self._closing or self._ended):
            self._set_state(State.LOST, "no advertisements")

    async def _pump(self) -> None:
        while True:
            uuid, data, arrival = await self._raw.get()
            self.stats.notifications += 1
            try:
                if uuid == _ADVERT:
                    events = self._codec.receive_advertisement({whc06.COMPANY_ID: data})  # type: ignore[attr-defined]
                else:
                    events = self._codec.receive(uuid, data)
            except RemoteProtocolError as exc:
                logger.debug("corrupted notification skipped: %s", exc)
                self._corrupted()
                continue
            for event in events:
                self._dispatch(event, arrival)

    def _corrupted(self) -> None:
        self.stats.corrupted += 1
        self._pending |= SampleFlag.GAP_BEFORE

    def _dispatch(self, event: object, arrival: float) -> None:
        if isinstance(event, Samples):
            if len(event.force_n) and (self._streaming or self.profile.advert_only):
                self._emit(event, arrival)
        elif isinstance(event, cts500.Garbage):
            self._corrupted()
        elif isinstance(event, activ5.Imu):
            if self._motion is not None:
                self._motion.add_imu(event.device_time_s, event.accel_g, event.gyro_dps, arrival)
        elif isinstance(event, LowBattery):
            self.low_battery = True
        elif isinstance(event, openprofile.Reply) and not event.ok:
            self._fail_waiters(RemoteProtocolError(f"{event.opcode.name} failed: {event.status}"))
        else:
            for kind, future in self._waiters:
                if isinstance(event, kind) and not future.done():
                    future.set_result(event)
                    break

    def _fail_waiters(self, error: Exception) -> None:
        for _, future in self._waiters:
            if not future.done():
                future.set_exception(error)

    def _emit(self, samples: Samples, arrival: float) -> None:
        n = len(samples.force_n)
        flags = np.zeros(n, dtype=np.uint8)
        if samples.device_time_s is not None:
            device_s = self._unwrap(np.asarray(samples.device_time_s, dtype=np.float64))
            gap = self._device_gap(samples, device_s)
            t = self._clock.map(device_s, arrival)
        else:
            t, gap = self._stamper.stamp(n, arrival)
        if gap:
            self._pending |= SampleFlag.GAP_BEFORE
        if self._pending & SampleFlag.GAP_BEFORE:
            self.stats.gaps += 1
        flags[0] |= self._pending
        self._pending = SampleFlag(0)
        if self.low_battery:
            flags |= SampleFlag.LOW_BATTERY
        force = np.asarray(samples.force_n, dtype=np.float64)
        if self.correction is not None:
            force = np.asarray(self.correction(force), dtype=np.float64)
        gyro = None if samples.gyro_dps is None else np.asarray(samples.gyro_dps, dtype=np.float64)
        signed, imu = True, None
        if self._motion is not None:
            gyro = self._motion.at(t, force)
            signed, imu = self._motion.signed, self._motion.take_raw()
        self.stats.samples += n
        self._last_data = arrival
        if self.state is State.SILENT:
            self._set_state(State.STREAMING, "data again")
        block = SampleBlock(t, force, gyro, self.device.address, flags, arrival, signed, imu)
        self._out.put_nowait(block)

    def _unwrap(self, raw: np.ndarray) -> np.ndarray:
        """Undo the u32 microsecond counter's wrap (every ~71.6 min)."""
        seq = raw if self._last_raw_s is None else np.concatenate(([self._last_raw_s], raw))
        wraps = self._wraps + np.cumsum(np.diff(seq, prepend=seq[0]) < -_U32_SECONDS / 2)
        if self._last_raw_s is not None:
            wraps = wraps[1:]
        self._wraps, self._last_raw_s = int(wraps[-1]), float(raw[-1])
        return raw + wraps * _U32_SECONDS

    def _device_gap(self, samples: Samples, device_s: np.ndarray) -> bool:
        n = len(samples.force_n)
        if samples.first_index is not None:
            expected, self._next_index = self._next_index, samples.first_index + n
            if expected is None:
                return False
            lost = (samples.first_index - expected) % 2**32
            self.stats.lost_samples += lost
            return lost > 0
        previous, self._previous_device_s = self._previous_device_s, float(device_s[-1])
        period = 1.0 / (self.profile.spec.nominal_rate_hz or 80.0)
        if previous is None:
            return False
        missing = round((device_s[0] - previous) / period) - 1
        if missing > 0:
            self.stats.lost_samples += missing
        return missing > 0

    # --- states and reconnection ---------------------------------------------

    def _set_state(self, state: State, detail: str = "") -> None:
        self.state = state
        self._out.put_nowait(StateChange(state, time.monotonic(), detail))

    def _on_disconnect(self, client: BleakClient) -> None:
        if self._closing:
            return
        self._client = None
        self._pending |= SampleFlag.GAP_BEFORE | SampleFlag.RECONNECTED
        self._set_state(State.RECONNECTING, "link lost")
        self._spawn(self._reconnect())

    async def _reconnect(self) -> None:
        deadline = time.monotonic() + self.options.give_up_after_s
        delays = itertools.chain(
            self.options.reconnect_delays_s, itertools.repeat(self.options.reconnect_delays_s[-1])
        )
        for attempt, delay in enumerate(delays, 1):
            if time.monotonic() + delay >= deadline:
                break
            await asyncio.sleep(delay)
            try:
                await self._connect(
                    min(self.options.connect_timeout_s, deadline - time.monotonic())
                )
                if self._streaming:
                    await self._write(self.profile.start(self._codec, self.options.rate_hz))
            except Exception as exc:  # any failed attempt is retried: the loop must not die
                logger.info("reconnect attempt %d failed: %s", attempt, exc)
                continue
            self.stats.reconnects += 1
            self._last_data = time.monotonic()
            self._set_state(State.STREAMING if self._streaming else State.CONNECTED, "reconnected")
            return
        self._finish(State.LOST)

    def _spawn(self, work: Coroutine[object, object, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
