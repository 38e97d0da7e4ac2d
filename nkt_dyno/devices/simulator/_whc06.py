"""Simulated WH-C06 hanging scale: no connection, the weight rides in its advertisements."""

from __future__ import annotations

from bumble import gatt
from bumble.device import AdvertisingType

from firmware_protocol import STANDARD_GRAVITY
from firmware_protocol import whc06 as proto
from nkt_dyno.devices.simulator._device import Chunk, SimulatedDevice
from nkt_dyno.devices.virtual import VirtualRadio, advertising_bytes


class SimulatedWhc06(SimulatedDevice):
    kind = "whc06"
    spec = proto.SPEC
    default_name = "IF_B7"
    default_rate_hz = 10.0
    connectable = False

    def services(self) -> list[gatt.Service]:
        return []

    async def attach(self, radio: VirtualRadio) -> str:
        address = await super().attach(radio)
        self.start_stream()  # a scale broadcasts from power-on
        return address

    def _payload(self, kg: float) -> bytes:
        return advertising_bytes(self.name, (), proto.encode_advertisement(kg))

    async def advertise(self) -> None:
        assert self.device is not None
        await self.device.start_advertising(
            advertising_type=AdvertisingType.UNDIRECTED,
            advertising_data=self._payload(0.0),
            advertising_interval_min=1000.0 / self.rate_hz,
            advertising_interval_max=1000.0 / self.rate_hz,
        )

    def encode(self, chunk: Chunk) -> bytes:
        return self._payload(float(chunk.force_n[0]) / STANDARD_GRAVITY)

    async def transmit(self, data: bytes) -> None:
        assert self.device is not None
        adv_set = self.device.legacy_advertising_set
        if adv_set is not None:
            await adv_set.set_advertising_data(data)
