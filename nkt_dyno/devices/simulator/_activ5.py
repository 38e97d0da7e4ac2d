"""Simulated Activ5 (v2 firmware): 10 Hz int16 force, streaming while subscribed."""

from __future__ import annotations

from bumble import gatt

from firmware_protocol import Command
from firmware_protocol import activ5 as proto
from nkt_dyno.devices.simulator._device import Chunk, SimulatedDevice
from nkt_dyno.devices.virtual import gatt_characteristic, gatt_service

DEVICE_INFO_SERVICE_UUID = "0000180a-0000-1000-8000-00805f9b34fb"


class SimulatedActiv5(SimulatedDevice):
    kind = "activ5"
    spec = proto.SPEC
    default_name = "ACTIV5-0777"
    default_rate_hz = 10.0

    def services(self) -> list[gatt.Service]:
        force = self.data_characteristic(proto.FORCE_UUID)
        force.on(force.EVENT_SUBSCRIPTION, self._on_subscription)
        imu = gatt_characteristic(proto.IMU_UUID, notify=True)
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
            gatt_service(proto.SERVICE_UUID, [force, imu, rate]),
            gatt_service(proto.LEGACY_SERVICE_UUID, [self._legacy, write]),
            gatt_service("0000180f-0000-1000-8000-00805f9b34fb", [battery]),
            gatt_service(DEVICE_INFO_SERVICE_UUID, [serial]),
        ]

    def _on_subscription(self, bearer: object, notify: bool, indicate: bool) -> None:
        if notify or indicate:
            self.start_stream()
        else:
            self.stop_stream()

    def reply_to(self, command: object) -> bytes | None:
        if command == Command.VERSION:
            return proto.encode_legacy_version(self.config.firmware)
        return None

    def encode(self, chunk: Chunk) -> bytes:
        return proto.encode_force_notification(float(chunk.force_n[0]))
