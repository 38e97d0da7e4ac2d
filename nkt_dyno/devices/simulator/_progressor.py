"""Simulated Tindeq Progressor: TLV control point, 80 Hz weight records in batches."""

from __future__ import annotations

from bumble import gatt

from firmware_protocol import STANDARD_GRAVITY, Command
from firmware_protocol import progressor as proto
from nkt_dyno.devices.simulator._device import Chunk, SimulatedDevice
from nkt_dyno.devices.virtual import gatt_characteristic, gatt_service


class SimulatedProgressor(SimulatedDevice):
    kind = "progressor"
    spec = proto.SPEC
    default_name = "Progressor_1234"
    default_rate_hz = 80.0
    samples_per_notification = 4

    def services(self) -> list[gatt.Service]:
        data = self.data_characteristic(proto.DATA_POINT_UUID)
        control = gatt_characteristic(proto.CONTROL_POINT_UUID, on_write=self._on_control)
        return [gatt_service(proto.SERVICE_UUID, [data, control])]

    def _on_control(self, data: bytes) -> None:
        command = proto.decode_command(data)
        self.commands.append(command)
        match command:
            case Command.START:
                self.start_stream()
            case Command.STOP:
                self.stop_stream()
            case Command.TARE:
                self.tare()
            case Command.BATTERY:
                self._reply(proto.encode_battery_reply(self.config.battery_mv))
            case Command.VERSION:
                self._reply(proto.encode_version_reply(self.config.firmware))
            case Command.DEVICE_ID:
                self._reply(proto.encode_id_reply(self.config.device_id))

    def _reply(self, data: bytes) -> None:
        assert self._data_char is not None
        self.reply(self._data_char, data)

    def encode(self, chunk: Chunk) -> bytes:
        kg = chunk.force_n / STANDARD_GRAVITY
        us = (chunk.device_s * 1e6).round().astype("int64") % proto.U32_WRAP
        return proto.encode_weight_notification(list(zip(kg.tolist(), us.tolist(), strict=True)))

    def low_battery_notification(self) -> bytes:
        return proto.encode_low_power_warning()
