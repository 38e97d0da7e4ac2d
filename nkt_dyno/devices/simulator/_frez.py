"""Simulated Frez Dyno: raw counts at 250 Hz, nine to a notification, its own clock.

The counts follow the load cell through a device coefficient and a zero offset
of its own, as a real unit's do, so nothing reads as newtons until the user's
known-mass calibration has been made.
"""

from __future__ import annotations

from bumble import gatt

from firmware_protocol import STANDARD_GRAVITY
from firmware_protocol import frez as proto
from nkt_dyno.devices.simulator._device import Chunk, SimulatedDevice
from nkt_dyno.devices.virtual import gatt_characteristic, gatt_service

KG_PER_COUNT = 1.2345678e-5
"""This simulated unit's coefficient (the value the public client's tests use)."""
ZERO_COUNTS = 81_234
"""Counts with nothing on the hook (ours)."""


class SimulatedFrez(SimulatedDevice):
    kind = "frez"
    spec = proto.SPEC
    default_name = "FrezDyno-000123"
    default_rate_hz = 250.0
    samples_per_notification = proto.SAMPLES_PER_PACKET

    def services(self) -> list[gatt.Service]:
        data = self.data_characteristic(proto.NOTIFY_UUID)
        write = self.command_characteristic(proto.WRITE_UUID, proto.decode_command)
        battery = gatt_characteristic(
            proto.BATTERY_LEVEL_UUID, on_read=lambda: bytes((5 if self.low_battery else 80,))
        )
        serial = gatt_characteristic(proto.SERIAL_NUMBER_UUID, on_read=lambda: self.name.encode())
        software = gatt_characteristic(
            proto.SOFTWARE_REVISION_UUID, on_read=lambda: self.config.firmware.encode()
        )
        return [
            gatt_service(proto.SERVICE_UUID, [data, write]),
            gatt_service("0000180f-0000-1000-8000-00805f9b34fb", [battery]),
            gatt_service("0000180a-0000-1000-8000-00805f9b34fb", [serial, software]),
        ]

    def encode(self, chunk: Chunk) -> bytes:
        counts = ZERO_COUNTS + chunk.force_n / (KG_PER_COUNT * STANDARD_GRAVITY)
        elapsed = (chunk.device_s - self.config.clock_origin_s) * 1000.0
        packet = proto.Packet(
            tuple(round(c) for c in counts.tolist()), tuple(round(ms) for ms in elapsed.tolist())
        )
        return proto.encode_packet(packet)
