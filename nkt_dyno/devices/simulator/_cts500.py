"""Simulated CTS500: a UART bridge, so weight frames arrive cut across notifications.

Two variants, as units in the field differ: :class:`SimulatedCts500` acknowledges a
command by echoing its 6 bytes; :class:`SimulatedCts500Typed` answers with a typed
``05 80 <opcode> 00 00 00`` frame instead and a tare with one weight frame, as the
unit described in Grip Connect's CTS500 notes does.
"""

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
STEADY_KG = 0.05
"""A reading this close to the one before it is flagged steady (our rule; the scale's is
not published)."""


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
        self._last_kg: float | None = None

    def services(self) -> list[gatt.Service]:
        data = self.data_characteristic(proto.NOTIFY_UUID)
        write = gatt_characteristic(proto.WRITE_UUID, on_write=self._on_write)
        return [gatt_service(proto.SERVICE_UUID, [data, write])]

    def _on_write(self, data: bytes) -> None:
        reply = self.obey(proto.decode_command(data))
        if reply is None:
            reply = self.acknowledge(data)
        if reply:
            self._reply(reply)

    def acknowledge(self, command: bytes) -> bytes:
        """What confirms a command without an answer of its own: here its echo."""
        return command

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

    def weight_frame(self, kg: float) -> bytes:
        steady = self._last_kg is not None and abs(kg - self._last_kg) < STEADY_KG
        self._last_kg = kg
        return proto.encode_weight_frame(kg, steady)

    def encode(self, chunk: Chunk) -> bytes:
        kg = chunk.force_n / STANDARD_GRAVITY
        frames = b"".join(self.weight_frame(v) for v in kg.tolist())
        stream = self._carry + self._outbox + frames
        self._carry, self._outbox = stream[-HELD_BACK:], b""
        return stream[:-HELD_BACK]


class SimulatedCts500Typed(SimulatedCts500):
    """A CTS500 that acknowledges with typed frames, a tare with its weight, a start not at all."""

    variant = "typed"
    default_name = "CTS500-02"

    def acknowledge(self, command: bytes) -> bytes:
        match command[1]:
            case proto.Opcode.START:
                return b""  # the weight frames that follow are the answer
            case proto.Opcode.TARE:
                return self.weight_frame(0.0)
        return proto.encode_typed_reply(command[1])
