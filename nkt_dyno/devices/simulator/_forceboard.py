"""Simulated PitchSix Force Board: whole pound-force samples, battery by read."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from bumble import gatt

from firmware_protocol import POUND_FORCE_N, Command
from firmware_protocol import forceboard as proto
from nkt_dyno.devices.simulator._device import Chunk, SimulatedDevice
from nkt_dyno.devices.virtual import gatt_characteristic, gatt_service


class SimulatedForceBoard(SimulatedDevice):
    kind = "forceboard"
    spec = proto.SPEC
    default_name = "Force Board 0042"
    default_rate_hz = 80.0
    """No source states the real rate; 80 Hz like its peers."""
    samples_per_notification = 4

    def services(self) -> list[gatt.Service]:
        data = self.data_characteristic(proto.FORCE_UUID)
        tare = gatt_characteristic(proto.TARE_UUID, on_write=self._writer(proto.TARE_UUID))
        threshold = gatt_characteristic(
            proto.THRESHOLD_UUID, on_write=self._writer(proto.THRESHOLD_UUID)
        )
        mode = gatt_characteristic(
            proto.DEVICE_MODE_UUID, on_write=self._writer(proto.DEVICE_MODE_UUID)
        )
        battery = gatt_characteristic(
            proto.BATTERY_LEVEL_UUID,
            on_read=lambda: proto.encode_battery_level(5 if self.low_battery else 80),
        )
        return [
            gatt_service(proto.SERVICE_UUID, [data, tare, threshold]),
            gatt_service(proto.WEIGHT_SERVICE_UUID, [mode]),
            gatt_service(proto.BATTERY_SERVICE_UUID, [battery]),
        ]

    def _writer(self, uuid: str) -> Callable[[bytes], None]:
        def on_write(data: bytes) -> None:
            command = proto.decode_command(data, uuid)
            self.commands.append(command)
            if command == Command.START:
                self.start_stream()
            elif command == Command.STOP:
                self.stop_stream()
            elif command == Command.TARE:
                self.tare()

        return on_write

    def encode(self, chunk: Chunk) -> bytes:
        lbs = np.clip(np.round(chunk.force_n / POUND_FORCE_N), 0, None).astype(int)
        return proto.encode_samples(lbs.tolist())
