"""Simulated Activ5 (v2 firmware): 10 Hz int16 force and 3-axis IMU frames.

Force and IMU stream while the force characteristic is subscribed. The IMU frames
carry the device's tick clock and what :class:`LimbMotion` says an IMU in the
therapist's hand feels, in the device's own axes, for the grip in the config (or
one drawn from its seed).
"""

from __future__ import annotations

import asyncio
import math

import numpy as np
from bumble import gatt

from firmware_protocol import Command
from firmware_protocol import activ5 as proto
from nkt_dyno.devices.simulator._config import SimConfig
from nkt_dyno.devices.simulator._device import Chunk, SimulatedDevice
from nkt_dyno.devices.simulator._motion import Grip, LimbMotion
from nkt_dyno.devices.simulator._scenario import Scenario
from nkt_dyno.devices.virtual import gatt_characteristic, gatt_service

DEVICE_INFO_SERVICE_UUID = "0000180a-0000-1000-8000-00805f9b34fb"
IMU_RATE_HZ = 50.0
"""IMU frames per second (ours: the SDK does not state the rate)."""
_TICK_WRAP_S = 2**32 * proto.IMU_SECONDS_PER_TICK


class SimulatedActiv5(SimulatedDevice):
    kind = "activ5"
    spec = proto.SPEC
    default_name = "ACTIV5-0777"
    default_rate_hz = 10.0

    def __init__(self, scenario: Scenario, config: SimConfig | None = None) -> None:
        super().__init__(scenario, config)
        seed = self.config.faults.seed
        self.grip = self.config.grip or Grip.drawn(seed)
        self.motion = LimbMotion(scenario, self.grip, seed + 1)
        self._imu_char: gatt.Characteristic[bytes] | None = None
        self._imu_task: asyncio.Task[None] | None = None

    def services(self) -> list[gatt.Service]:
        force = self.data_characteristic(proto.FORCE_UUID)
        force.on(force.EVENT_SUBSCRIPTION, self._on_subscription)
        self._imu_char = gatt_characteristic(proto.IMU_UUID, notify=True)
        rate = gatt_characteristic(proto.SAMPLE_RATE_UUID, on_write=lambda data: None)
        self._legacy = gatt_characteristic(proto.LEGACY_NOTIFY_UUID, notify=True)
        write = self.command_characteristic(
            proto.LEGACY_WRITE_UUID, proto.decode_command, replies=self._legacy
        )
        battery = gatt_characteristic(
            proto.BATTERY_LEVEL_UUID, on_read=lambda: bytes((5 if self.low_battery else 90,))
        )
        serial = gatt_characteristic(
            proto.SERIAL_NUMBER_UUID, on_read=lambda: f"A5{self.config.device_id:06d}".encode()
        )
        return [
            gatt_service(proto.SERVICE_UUID, [force, self._imu_char, rate]),
            gatt_service(proto.LEGACY_SERVICE_UUID, [self._legacy, write]),
            gatt_service("0000180f-0000-1000-8000-00805f9b34fb", [battery]),
            gatt_service(DEVICE_INFO_SERVICE_UUID, [serial]),
        ]

    def _on_subscription(self, bearer: object, notify: bool, indicate: bool) -> None:
        if notify or indicate:
            self.start_stream()
        else:
            self.stop_stream()

    def start_stream(self) -> None:
        super().start_stream()
        if self._imu_task is None or self._imu_task.done():
            self._imu_task = asyncio.get_running_loop().create_task(self._imu_run())

    def stop_stream(self) -> None:
        super().stop_stream()
        if self._imu_task is not None:
            self._imu_task.cancel()
            self._imu_task = None

    async def _imu_run(self) -> None:
        loop = asyncio.get_running_loop()
        epoch = loop.time() - self.elapsed_s()
        k = math.ceil(self.elapsed_s() * IMU_RATE_HZ)
        assert self._imu_char is not None
        while True:
            delay = epoch + k / IMU_RATE_HZ - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            s = k / IMU_RATE_HZ
            self.motion.scenario = self.scenario  # a rig may have placed a new load
            accel, gyro = self.motion.read(s)
            device_s = float(self.device_clock(np.array([s]))[0]) % _TICK_WRAP_S
            frame = proto.encode_imu_notification(
                (accel[0], accel[1], accel[2]), (gyro[0], gyro[1], gyro[2]), device_s
            )
            await self.notify(self._imu_char, frame)
            k += 1

    def reply_to(self, command: object) -> bytes | None:
        if command == Command.VERSION:
            return proto.encode_legacy_version(self.config.firmware)
        return None

    def encode(self, chunk: Chunk) -> bytes:
        return proto.encode_force_notification(float(chunk.force_n[0]))
