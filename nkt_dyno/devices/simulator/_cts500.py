"""Simulated CTS500: a UART bridge, so weight frames arrive cut across notifications."""

from __future__ import annotations

from bumble import gatt

from firmware_protocol import STANDARD_GRAVITY, Command
from firmware_protocol import cts500 as proto
from nkt_dyno.devices.simulator._config import SimConfig
from nkt_dyno.devices.simulator._device import Chunk, SimulatedDevice
from nkt_dyno.devices.simulator._scenario import Scenario
from nkt_dyno.devices.virtual import gatt_characteristic, gatt_service

HELD_BACK = 3
"""Bytes of each notification's last frame left for the next one, as a UART bridge does."""


class SimulatedCts500(SimulatedDevice):
    kind = "cts500"
    spec = proto.SPEC
    default_name = "CTS500-01"
    default_rate_hz = 80.0
    samples_per_notification = 4

    def __init__(self, scenario: Scenario, config: SimConfig | None = None) -> None:
        super().__init__(scenario, config)
        self._carry = b""
        self._outbox = b""

    def services(self) -> list[gatt.Service]:
        data = self.data_characteristic(proto.NOTIFY_UUID)
        write = gatt_characteristic(proto.WRITE_UUID, on_write=self._on_write)
        return [gatt_service(proto.SERVICE_UUID, [data, write])]

    def _on_write(self, data: bytes) -> None:
        reply = self.obey(proto.decode_command(data))
        self._reply(data if reply is None else reply)  # a command without an answer is echoed

    def reply_to(self, command: object) -> bytes | None:
        match command:
            case Command.BATTERY:
                return proto.encode_battery_reply(self.config.battery_mv // 10 * 10)
            case Command.VERSION:
                reply = proto.TypedReply(proto.Opcode.GET_FIRMWARE_VERSION, b"\x01\x04\x02")
                return proto.encode_frame(reply)
        return None

    def _reply(self, frame: bytes) -> None:
        # The bridge forwards UART bytes in order: a reply follows any held-back bytes.
        if self.streaming:
            self._outbox += frame
            return
        assert self._data_char is not None
        self.reply(self._data_char, self._carry + frame)
        self._carry = b""

    def encode(self, chunk: Chunk) -> bytes:
        kg = chunk.force_n / STANDARD_GRAVITY
        stream = (
            self._carry + self._outbox + b"".join(proto.encode_weight_frame(v) for v in kg.tolist())
        )
        self._carry, self._outbox = stream[-HELD_BACK:], b""
        return stream[:-HELD_BACK]
