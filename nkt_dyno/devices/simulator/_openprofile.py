"""Simulated open-profile device: counter, µs timestamps, optional gyro, up to 1 kHz."""

from __future__ import annotations

import numpy as np
from bumble import gatt

from firmware_protocol import Battery, DeviceId, FirmwareVersion, RemoteProtocolError
from firmware_protocol import openprofile as proto
from nkt_dyno.devices.simulator._config import SimConfig
from nkt_dyno.devices.simulator._device import Chunk, SimulatedDevice
from nkt_dyno.devices.simulator._scenario import Scenario
from nkt_dyno.devices.virtual import gatt_characteristic, gatt_service

MAX_RATE_HZ = 1000
NOTIFY_INTERVAL_S = 0.01
"""One notification per 10 ms whatever the rate (a typical connection interval)."""


class SimulatedOpenProfile(SimulatedDevice):
    kind = "openprofile"
    spec = proto.SPEC
    default_name = "nkt-dyno open 0001"
    default_rate_hz = 80.0

    def __init__(
        self, scenario: Scenario, config: SimConfig | None = None, *, gyro: bool = True
    ) -> None:
        super().__init__(scenario, config)
        self.gyro = gyro
        self._set_rate(self.rate_hz)
        self._control: gatt.Characteristic[bytes] | None = None

    def _set_rate(self, rate_hz: float) -> None:
        self.rate_hz = rate_hz
        fit = proto.samples_per_packet(proto.MAX_PAYLOAD, gyro=self.gyro)
        self.samples_per_notification = max(1, min(fit, round(rate_hz * NOTIFY_INTERVAL_S)))

    def services(self) -> list[gatt.Service]:
        data = self.data_characteristic(proto.DATA_UUID)
        self._control = gatt_characteristic(
            proto.CONTROL_UUID, notify=True, on_write=self._on_control
        )
        return [gatt_service(proto.SERVICE_UUID, [data, self._control])]

    def _on_control(self, data: bytes) -> None:
        assert self._control is not None
        try:
            frame = proto.decode_command(data)
        except proto.CommandRejected as exc:
            self.reply(self._control, proto.encode_reply(exc.opcode, exc.seq, exc.status))
            return
        except RemoteProtocolError:
            return
        self.commands.append(frame)
        self.reply(self._control, self._answer(frame))

    def _answer(self, frame: proto.CommandFrame) -> bytes:
        op, seq = frame.opcode, frame.seq
        match op:
            case proto.Opcode.START:
                rate = frame.rate_hz or int(self.default_rate_hz)
                if rate > MAX_RATE_HZ:
                    return proto.encode_reply(op, seq, proto.Status.BAD_VALUE)
                if not self.streaming:
                    self._set_rate(float(rate))
                self.start_stream()
                period = round(1e6 / self.rate_hz)
                return proto.encode_reply(op, seq, value=proto.Started(period))
            case proto.Opcode.STOP:
                self.stop_stream()
            case proto.Opcode.TARE:
                self.tare()
            case proto.Opcode.BATTERY:
                pct = 5 if self.low_battery else self.config.battery_pct
                return proto.encode_reply(op, seq, value=Battery(self.config.battery_mv, pct))
            case proto.Opcode.INFO:
                return proto.encode_reply(op, seq, value=self._info())
            case proto.Opcode.VERSION:
                return proto.encode_reply(op, seq, value=FirmwareVersion(self.config.firmware))
            case proto.Opcode.DEVICE_ID:
                text = f"{self.config.device_id:08X}"
                return proto.encode_reply(op, seq, value=DeviceId(text))
        return proto.encode_reply(op, seq)

    def _info(self) -> proto.DeviceInfo:
        caps = proto.Capability.BATTERY | proto.Capability.SELECTABLE_RATE | proto.Capability.TARE
        if self.gyro:
            caps |= proto.Capability.GYRO
        return proto.DeviceInfo(
            proto.PROTOCOL_MAJOR, proto.PROTOCOL_MINOR, caps, int(self.default_rate_hz), MAX_RATE_HZ
        )

    def encode(self, chunk: Chunk) -> bytes:
        gyro: list[float] | None = None
        if self.gyro:
            dps = chunk.gyro_dps if chunk.gyro_dps is not None else np.zeros(len(chunk.force_n))
            gyro = dps.tolist()
        return proto.encode_data_packet(
            chunk.first_index % 2**32,
            round(chunk.device_s[0] * 1e6) % 2**32,
            chunk.force_n.tolist(),
            gyro,
            period_us=round(1e6 / self.rate_hz),
            low_battery=self.low_battery,
        )
