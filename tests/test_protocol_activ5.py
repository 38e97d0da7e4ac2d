"""Activ5 codec: golden vectors both ways, round trips, fuzzing."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from _vectors import DEVICE_TO_HOST, ERRORS, HOST_TO_DEVICE, by_direction, load_vectors, vector_ids
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_protocol import (
    Battery,
    Command,
    DeviceId,
    FirmwareVersion,
    LocalProtocolError,
    ProtocolError,
    RemoteProtocolError,
    Samples,
    activ5,
    uuid16,
)

VECTORS = load_vectors("activ5")


def _uuid(vector: dict[str, Any]) -> str:
    return uuid16(int(vector["characteristic"], 16))


NOTIFY_OK = by_direction(VECTORS, DEVICE_TO_HOST, "expected")
NOTIFY_BAD = by_direction(VECTORS, DEVICE_TO_HOST, "error")
COMMANDS = by_direction(VECTORS, HOST_TO_DEVICE, "command", "hex")
COMMANDS_REFUSED = by_direction(VECTORS, HOST_TO_DEVICE, "command", "error")
DEVICE_REJECTS = [v for v in by_direction(VECTORS, HOST_TO_DEVICE, "error") if "command" not in v]


def test_vectors_are_all_used() -> None:
    used = NOTIFY_OK + NOTIFY_BAD + COMMANDS + COMMANDS_REFUSED + DEVICE_REJECTS
    assert sorted(vector_ids(used)) == sorted(vector_ids(VECTORS))


def _check_event(event: object, exp: dict[str, Any]) -> None:
    if "force_n" in exp:
        assert isinstance(event, Samples)
        assert event.force_n == pytest.approx((exp["force_n"],), abs=1e-9)
    elif "accel_g" in exp:
        assert isinstance(event, activ5.Imu)
        assert event.accel_g == pytest.approx(tuple(exp["accel_g"]), abs=1e-12)
        assert event.gyro_dps == pytest.approx(tuple(exp["gyro_dps"]), abs=1e-9)
        assert event.device_time_s == pytest.approx(exp["device_time_s"], abs=1e-12)
    elif "version" in exp:
        assert event == FirmwareVersion(exp["version"])
    elif "message" in exp:
        assert event == activ5.LegacyMessage(exp["message"])
    elif "percent" in exp:
        assert event == Battery(percent=exp["percent"])
    else:
        assert event == DeviceId(exp["device_id"])


@pytest.mark.parametrize("vector", NOTIFY_OK, ids=vector_ids(NOTIFY_OK))
def test_receive_golden(vector: dict[str, Any]) -> None:
    events = activ5.Activ5Codec().receive(_uuid(vector), bytes.fromhex(vector["hex"]))
    assert len(events) == 1
    _check_event(events[0], vector["expected"])


@pytest.mark.parametrize("vector", NOTIFY_BAD, ids=vector_ids(NOTIFY_BAD))
def test_receive_golden_errors(vector: dict[str, Any]) -> None:
    codec = activ5.Activ5Codec()
    with pytest.raises(ERRORS[vector["error"]]):
        codec.receive(_uuid(vector), bytes.fromhex(vector["hex"]))


DEVICE_ENCODERS = {
    "encode": lambda args: (
        activ5.encode_force_notification(args["force_n"])
        if "force_n" in args
        else activ5.encode_imu_notification(
            tuple(args["accel_g"]), tuple(args["gyro_dps"]), args["device_time_s"]
        )
    ),
    "encode_legacy_isometric": lambda args: activ5.encode_legacy_isometric(args["force_n"]),
    "encode_legacy_version": lambda args: activ5.encode_legacy_version(args["version"]),
}
DEVICE_ENCODED = [v for v in VECTORS if any(k in v for k in DEVICE_ENCODERS)]


@pytest.mark.parametrize("vector", DEVICE_ENCODED, ids=vector_ids(DEVICE_ENCODED))
def test_device_encoders_reproduce_golden(vector: dict[str, Any]) -> None:
    key = next(k for k in DEVICE_ENCODERS if k in vector)
    assert DEVICE_ENCODERS[key](vector[key]).hex() == vector["hex"]


@pytest.mark.parametrize("vector", COMMANDS, ids=vector_ids(COMMANDS))
def test_commands_golden(vector: dict[str, Any]) -> None:
    cmd = Command(vector["command"])
    if not vector.get("decode_only"):
        write = activ5.Activ5Codec().command(cmd)
        assert write.characteristic == activ5.LEGACY_WRITE_UUID
        assert write.data.hex() == vector["hex"]
    assert activ5.decode_command(bytes.fromhex(vector["hex"])) is cmd


@pytest.mark.parametrize("vector", COMMANDS_REFUSED, ids=vector_ids(COMMANDS_REFUSED))
def test_commands_refused(vector: dict[str, Any]) -> None:
    with pytest.raises(LocalProtocolError):
        activ5.Activ5Codec().command(Command(vector["command"]))


@pytest.mark.parametrize("vector", DEVICE_REJECTS, ids=vector_ids(DEVICE_REJECTS))
def test_device_rejects_bad_commands(vector: dict[str, Any]) -> None:
    with pytest.raises(RemoteProtocolError):
        activ5.decode_command(bytes.fromhex(vector["hex"]))


def test_unknown_characteristic_is_caller_error() -> None:
    with pytest.raises(LocalProtocolError):
        activ5.Activ5Codec().receive(uuid16(0xF0F3), b"\x00\x00")


def test_characteristic_case_is_ignored() -> None:
    events = activ5.Activ5Codec().receive(activ5.FORCE_UUID.upper(), b"\x01\x00")
    assert events == [Samples(force_n=(activ5.NEWTONS_PER_COUNT,))]


def test_sample_rate_write() -> None:
    write = activ5.Activ5Codec().set_sample_rate(50)
    assert (write.characteristic, write.data) == (activ5.SAMPLE_RATE_UUID, b"\x32\x00")
    with pytest.raises(LocalProtocolError):
        activ5.Activ5Codec().set_sample_rate(0)


def test_spec() -> None:
    spec = activ5.SPEC
    assert spec.service_uuid == "0000f0f0-0000-1000-8000-00805f9b34fb"
    assert activ5.FORCE_UUID in spec.notify_uuids
    assert spec.matches_name("ACTIV5-AP-1A2B")
    assert not spec.matches_name("IF_B7")


@pytest.mark.parametrize(
    "call",
    [
        lambda: activ5.encode_force_notification(40000.0),
        lambda: activ5.encode_force_notification(float("inf")),
        lambda: activ5.encode_imu_notification((0.0, 0.0, 9.0), (0.0, 0.0, 0.0), 0.0),
        lambda: activ5.encode_imu_notification((0.0, 0.0, 0.0), (0.0, 0.0, 0.0), -1.0),
        lambda: activ5.encode_legacy_version("1;2"),
    ],
)
def test_device_encoders_reject_bad_arguments(call: Any) -> None:
    with pytest.raises(LocalProtocolError):
        call()


@given(st.integers(-(2**15), 2**15 - 1))
def test_force_round_trip(count: int) -> None:
    force = count * activ5.NEWTONS_PER_COUNT
    assert activ5.decode_force(activ5.encode_force_notification(force)) == pytest.approx(force)


@given(
    accel=st.tuples(*[st.integers(-(2**15), 2**15 - 1)] * 3),
    gyro=st.tuples(*[st.integers(-(2**15), 2**15 - 1)] * 3),
    ticks=st.integers(0, 2**32 - 1),
)
def test_imu_round_trip(
    accel: tuple[int, int, int], gyro: tuple[int, int, int], ticks: int
) -> None:
    frame = activ5.decode_imu(
        activ5.encode_imu_notification(
            (accel[0] / 4095, accel[1] / 4095, accel[2] / 4095),
            (gyro[0] * 250 / 4095, gyro[1] * 250 / 4095, gyro[2] * 250 / 4095),
            ticks * 15.25e-6,
        )
    )
    assert tuple(round(a * 4095) for a in frame.accel_g) == accel
    assert tuple(round(g * 4095 / 250) for g in frame.gyro_dps) == gyro
    assert round(frame.device_time_s / 15.25e-6) == ticks


@given(st.integers(-(10**6), 10**6))
def test_legacy_isometric_round_trip(count: int) -> None:
    force = count * activ5.LEGACY_NEWTONS_PER_COUNT
    event = activ5.decode_legacy_message(activ5.encode_legacy_isometric(force))
    assert isinstance(event, Samples)
    assert event.force_n == pytest.approx((force,))


@given(st.sampled_from([Command.START, Command.STOP, Command.TARE, Command.VERSION]))
def test_command_round_trip(cmd: Command) -> None:
    assert activ5.decode_command(activ5.encode_command(cmd)) is cmd


CHARACTERISTICS = [
    activ5.FORCE_UUID,
    activ5.IMU_UUID,
    activ5.LEGACY_NOTIFY_UUID,
    activ5.BATTERY_LEVEL_UUID,
    activ5.SERIAL_NUMBER_UUID,
]


@settings(max_examples=3000, deadline=None, database=None)
@given(uuid=st.sampled_from(CHARACTERISTICS), data=st.binary(max_size=24))
def test_fuzz_receive_raises_only_protocol_errors(uuid: str, data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        activ5.Activ5Codec().receive(uuid, data)


@settings(max_examples=3000, deadline=None, database=None)
@given(
    data=st.one_of(
        st.binary(max_size=12),
        st.text(max_size=10).map(lambda t: b"A" + t.encode("utf-8", "surrogatepass") + b"\x13"),
    )
)
def test_fuzz_decode_command_raises_only_protocol_errors(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        activ5.decode_command(data)
