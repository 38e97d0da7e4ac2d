"""Simulated Tindeq Progressor: TLV control point, 80 Hz weight records in batches."""

from __future__ import annotations

from bumble import gatt

from firmware_protocol import STANDARD_GRAVITY, Command
from firmware_protocol import progressor as proto
from nkt_dyno.devices.simulator._device import Chunk, SimulatedDevice
from nkt_dyno.devices.virtual import gatt_service


class SimulatedProgressor(SimulatedDevice):
    kind = "progressor"
    spec = proto.SPEC
    default_name = "Progressor_1234"
    default_rate_hz = 80.0
    samples_per_notification = 4

    def services(self) -> list[gatt.Service]:
        data = self.data_characteristic(proto.DATA_POINT_UUID)
        control = self.command_characteristic(proto.CONTROL_POINT_UUID, proto.decode_command)
        return [gatt_service(proto.SERVICE_UUID, [data, control])]

    def reply_to(self, command: object) -> bytes | None:
        match command:
            case Command.BATTERY:
                return proto.encode_battery_reply(self.config.battery_mv)
            case Command.VERSION:
                return proto.encode_version_reply(self.config.firmware)
            case Command.DEVICE_ID:
                return proto.encode_id_reply(self.config.device_id)
        return None

    def encode(self, chunk: Chunk) -> bytes:
        kg = chunk.force_n / STANDARD_GRAVITY
        us = (chunk.device_s * 1e6).round().astype("int64") % proto.U32_WRAP
        return proto.encode_weight_notification(list(zip(kg.tolist(), us.tolist(), strict=True)))

    def low_battery_notification(self) -> bytes:
        return proto.encode_low_power_warning()
