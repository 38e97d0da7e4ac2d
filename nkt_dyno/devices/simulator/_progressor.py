"""Simulated Tindeq Progressor and the open clones that speak its protocol.

Each variant behaves as its public firmware or documentation says, so the driver
is tested against every one of them, not one idealised device:

* :class:`SimulatedProgressor`, the genuine device: 4 records per notification
  here, an 8-byte id, the three-float calibration curve in answer to 0x72.
* :class:`SimulatedCrimpdeq` (crimpdeq/crimpdeq-firmware): up to 16 records per
  notification, a 6-byte id; the add-calibration-point value is read from bytes
  1-4 only; 0x72 is answered with tag 0x05 (factor) and one tag 0x06 per stored
  point; 0x74 restores the default calibration; a tare stops the stream, and so
  does any opcode it does not know.
* :class:`SimulatedHangman` (kesyog/hangman): two-point calibration (a point at a
  known zero and one at a known mass) from 0x69 in either the 5- or the 6-byte
  form, applied when 0x6A saves it; a 4-byte id.
"""

from __future__ import annotations

import math
import struct

import numpy as np
from bumble import gatt

from firmware_protocol import STANDARD_GRAVITY, Command
from firmware_protocol import progressor as proto
from nkt_dyno.devices.simulator._config import SimConfig
from nkt_dyno.devices.simulator._device import Chunk, SimulatedDevice
from nkt_dyno.devices.simulator._scenario import Scenario
from nkt_dyno.devices.virtual import gatt_service

_F32 = struct.Struct("<f")
_KNOWN_OPCODES = frozenset(int(op) for op in proto.Opcode)


class SimulatedProgressor(SimulatedDevice):
    kind = "progressor"
    spec = proto.SPEC
    default_name = "Progressor_1234"
    default_rate_hz = 80.0
    samples_per_notification = 4
    id_bytes = 8

    def __init__(self, scenario: Scenario, config: SimConfig | None = None) -> None:
        super().__init__(scenario, config)
        self.kg_per_raw = 1.0
        """The device's own scale: what it sends is this times its raw reading (kg)."""
        self.offset_kg = 0.0

    def services(self) -> list[gatt.Service]:
        data = self.data_characteristic(proto.DATA_POINT_UUID)
        control = self.command_characteristic(proto.CONTROL_POINT_UUID, self.decode_command)
        return [gatt_service(proto.SERVICE_UUID, [data, control])]

    def decode_command(self, data: bytes) -> object:
        return proto.decode_command(data)

    def reply_to(self, command: object) -> bytes | None:
        match command:
            case Command.BATTERY:
                return proto.encode_battery_reply(self.config.battery_mv)
            case Command.VERSION:
                return proto.encode_version_reply(self.config.firmware)
            case Command.DEVICE_ID:
                return proto.encode_id_reply(self.config.device_id, self.id_bytes)
            case proto.OtherCommand(opcode=proto.Opcode.GET_CALIBRATION):
                return proto.encode_calibration_reply(self.kg_per_raw, self.offset_kg, 0.0)
        return None

    def raw_kg(self) -> float:
        """The tared reading now before the device's own scale, in the sensor's kg."""
        force, _ = self.scenario.at(np.array([self.elapsed_s()]))
        return (float(self.config.sensor.apply(force)[0]) - self.tare_n) / STANDARD_GRAVITY

    def encode(self, chunk: Chunk) -> bytes:
        kg = self.kg_per_raw * (chunk.force_n / STANDARD_GRAVITY) + self.offset_kg
        us = (chunk.device_s * 1e6).round().astype("int64") % proto.U32_WRAP
        return proto.encode_weight_notification(list(zip(kg.tolist(), us.tolist(), strict=True)))

    def low_battery_notification(self) -> bytes:
        return proto.encode_low_power_warning()


class SimulatedCrimpdeq(SimulatedProgressor):
    variant = "crimpdeq"
    default_name = "Progressor_7125"  # what the Crimpdeq book shows it advertising
    samples_per_notification = 16
    id_bytes = 6

    def __init__(self, scenario: Scenario, config: SimConfig | None = None) -> None:
        super().__init__(scenario, config)
        self.points: list[tuple[float, float]] = []
        """Stored (raw, kg) calibration points."""

    def decode_command(self, data: bytes) -> object:
        if data[:1] == bytes((proto.Opcode.ADD_CALIBRATION_POINT,)):
            # The firmware takes the float from bytes 1-4 whatever precedes it, and
            # ignores a write shorter than 5 bytes or a value that is not >= 0.
            if len(data) < 5:
                return proto.OtherCommand(proto.Opcode.ADD_CALIBRATION_POINT, bytes(data[1:]))
            (kg,) = _F32.unpack(data[1:5])
            if not math.isfinite(kg) or kg < 0:
                return proto.OtherCommand(proto.Opcode.ADD_CALIBRATION_POINT, bytes(data[1:]))
            return proto.CalibrationPoint(kg)
        return super().decode_command(data)

    def obey(self, command: object) -> bytes | None:
        match command:
            case Command.TARE:
                self.commands.append(command)
                self.tare()
                self.stop_stream()  # the firmware leaves measuring disabled after a tare
                return None
            case proto.CalibrationPoint(kg=float(kg)):
                self.commands.append(command)
                self._add_point(kg)
                return None
            case proto.OtherCommand(opcode=proto.Opcode.GET_CALIBRATION):
                self.commands.append(command)
                self._report_calibration()
                return None
            case proto.OtherCommand(opcode=proto.Opcode.RESET_CALIBRATION):
                self.commands.append(command)
                self.points, self.kg_per_raw = [], 1.0
                return None
            case proto.OtherCommand(opcode=op) if op not in _KNOWN_OPCODES:
                self.commands.append(command)
                self.stop_stream()  # an opcode it does not know acts as stop
                return None
        return super().obey(command)

    def _add_point(self, kg: float) -> None:
        raw = self.raw_kg()
        self.points.append((raw, kg))
        # One factor through the origin, fitted by least squares (ours: the
        # firmware's exact fit over its points is not described).
        den = sum(r * r for r, _ in self.points)
        if den > 0:
            self.kg_per_raw = sum(r * k for r, k in self.points) / den

    def _report_calibration(self) -> None:
        assert self._data_char is not None
        self.reply(self._data_char, proto.encode_calibration_factor(self.kg_per_raw))
        for raw, kg in self.points:
            self.reply(self._data_char, proto.encode_calibration_point(raw, kg))


class SimulatedHangman(SimulatedProgressor):
    variant = "hangman"
    default_name = "Progressor_4210"  # Hangman advertises a name starting "Progressor"
    id_bytes = 4

    def __init__(self, scenario: Scenario, config: SimConfig | None = None) -> None:
        super().__init__(scenario, config)
        self.pending: dict[bool, tuple[float, float]] = {}
        """The zero point (key False) and the reference point (key True), raw and kg."""

    def obey(self, command: object) -> bytes | None:
        match command:
            case proto.CalibrationPoint(kg=float(kg)):
                self.commands.append(command)
                self.pending[kg != 0.0] = (self.raw_kg(), kg)
                return None
            case proto.SaveCalibration():
                self.commands.append(command)
                self._save()
                return None
        return super().obey(command)

    def _save(self) -> None:
        if len(self.pending) < 2:
            return
        (r0, k0), (r1, k1) = self.pending[False], self.pending[True]
        if r1 == r0:
            return
        self.kg_per_raw = (k1 - k0) / (r1 - r0)
        self.offset_kg = k0 - self.kg_per_raw * r0
