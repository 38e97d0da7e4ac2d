"""Simulated PitchSix Force Board: whole pound-force samples, battery by read."""

from __future__ import annotations

from functools import partial

import numpy as np
from bumble import gatt

from firmware_protocol import POUND_FORCE_N
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
        tare = self._command_characteristic(proto.TARE_UUID)
        threshold = self._command_characteristic(proto.THRESHOLD_UUID)
        mode = self._command_characteristic(proto.DEVICE_MODE_UUID)
        battery = gatt_characteristic(
            proto.BATTERY_LEVEL_UUID,
            on_read=lambda: proto.encode_battery_level(5 if self.low_battery else 80),
        )
        return [
            gatt_service(proto.SERVICE_UUID, [data, tare, threshold]),
            gatt_service(proto.WEIGHT_SERVICE_UUID, [mode]),
            gatt_service(proto.BATTERY_SERVICE_UUID, [battery]),
        ]

    def _command_characteristic(self, uuid: str) -> gatt.Characteristic[bytes]:
        """Each writable characteristic decodes its writes by its own UUID."""
        return self.command_characteristic(uuid, partial(proto.decode_command, characteristic=uuid))

    def encode(self, chunk: Chunk) -> bytes:
        lbs = np.clip(np.round(chunk.force_n / POUND_FORCE_N), 0, None).astype(int)
        return proto.encode_samples(lbs.tolist())
