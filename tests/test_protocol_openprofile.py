"""nkt-dyno open profile: golden vectors both ways, round trips, fuzzing."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from _vectors import DEVICE_TO_HOST, HOST_TO_DEVICE, by_direction, load_vectors, vector_ids
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_protocol import (
    Battery,
    Command,
    DeviceId,
    FirmwareVersion,
    LocalProtocolError,
    LowBattery,
    ProtocolError,
    RemoteProtocolError,
    Samples,
)
from firmware_protocol import openprofile as op

VECTORS = load_vectors("openprofile")
DATA_OK = by_direction(VECTORS, DEVICE_TO_HOST, "expected", characteristic="data")
DATA_BAD = by_direction(VECTORS, DEVICE_TO_HOST, "error", characteristic="data")
REPLY_OK = by_direction(VECTORS, DEVICE_TO_HOST, "expected", characteristic="control")
REPLY_BAD = by_direction(VECTORS, DEVICE_TO_HOST, "error", characteristic="control")
COMMAND_OK = by_direction(VECTORS, HOST_TO_DEVICE, "expected", characteristic="control")
COMMAND_BAD = by_direction(VECTORS, HOST_TO_DEVICE, "error", characteristic="control")


def test_vectors_are_all_used() -> None:
    used = DATA_OK + DATA_BAD + REPLY_OK + REPLY_BAD + COMMAND_OK + COMMAND_BAD
    assert sorted(vector_ids(used)) == sorted(vector_ids(VECTORS))


# ------------------------------------------------------------------ data packets


@pytest.mark.parametrize("vector", DATA_OK, ids=vector_ids(DATA_OK))
def test_data_decode_golden(vector: dict[str, Any]) -> None:
    exp = vector["expected"]
    events = op.OpenProfileCodec().receive(op.DATA_UUID, bytes.fromhex(vector["hex"]))
    samples = events[0]
    assert isinstance(samples, Samples)
    assert samples.first_index == exp["first_index"]
    assert samples.force_n == pytest.approx(tuple(exp["force_n"]), abs=1e-12)
    assert samples.device_time_s == pytest.approx(tuple(exp["device_time_s"]), abs=1e-12)
    if exp["gyro_dps"] is None:
        assert samples.gyro_dps is None
    else:
        assert samples.gyro_dps == pytest.approx(tuple(exp["gyro_dps"]), abs=1e-12)
    assert (op.Overload(exp["first_index"]) in events) is exp["overload"]
    assert (LowBattery() in events) is exp["low_battery"]
    assert len(events) == 1 + exp["overload"] + exp["low_battery"]


ENCODABLE_DATA = [v for v in DATA_OK if v.get("reencode", True)]


@pytest.mark.parametrize("vector", ENCODABLE_DATA, ids=vector_ids(ENCODABLE_DATA))
def test_data_encode_golden(vector: dict[str, Any]) -> None:
    exp = vector["expected"]
    data = op.encode_data_packet(
        exp["first_index"],
        exp["t0_us"],
        exp["force_n"],
        exp["gyro_dps"],
        period_us=exp["period_us"],
        overload=exp["overload"],
        low_battery=exp["low_battery"],
    )
    assert data.hex() == vector["hex"]


@pytest.mark.parametrize("vector", DATA_BAD, ids=vector_ids(DATA_BAD))
def test_data_decode_golden_errors(vector: dict[str, Any]) -> None:
    with pytest.raises(RemoteProtocolError):
        op.OpenProfileCodec().receive(op.DATA_UUID, bytes.fromhex(vector["hex"]))


@pytest.mark.parametrize("vector", DATA_OK, ids=vector_ids(DATA_OK))
def test_data_trailing_and_missing_bytes_are_rejected(vector: dict[str, Any]) -> None:
    data = bytes.fromhex(vector["hex"])
    for bad in (data + b"\x00", data[:-1]):
        with pytest.raises(RemoteProtocolError):
            op.decode_data_packet(bad)


def test_minimum_mtu_fits_one_sample_with_gyro() -> None:
    assert op.samples_per_packet(op.MIN_PAYLOAD, gyro=True) == 1
    assert op.samples_per_packet(op.MIN_PAYLOAD) == 1
    assert op.samples_per_packet(op.MAX_PAYLOAD) == 57
    assert op.samples_per_packet(op.MAX_PAYLOAD, gyro=True) == 38
    one = op.encode_data_packet(0, 0, [1.0], [1.0], max_payload=op.MIN_PAYLOAD)
    assert len(one) <= op.MIN_PAYLOAD
    with pytest.raises(LocalProtocolError):
        op.encode_data_packet(0, 0, [1.0, 2.0], period_us=1, max_payload=op.MIN_PAYLOAD)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"forces_n": []},
        {"forces_n": [1.0, 2.0]},  # several samples need a period
        {"forces_n": [1.0], "gyro_dps": [1.0, 2.0]},
        {"forces_n": [3e6]},
        {"forces_n": [float("nan")]},
        {"forces_n": [1.0], "gyro_dps": [4000.0]},
        {"forces_n": [1.0], "period_us": 70000},
    ],
)
def test_encode_data_rejects_bad_arguments(kwargs: dict[str, Any]) -> None:
    with pytest.raises(LocalProtocolError):
        op.encode_data_packet(0, 0, **kwargs)


@given(
    first_index=st.integers(0, 2**32 - 1),
    t0_us=st.integers(0, 2**32 - 1),
    period_us=st.integers(1, 0xFFFF),
    rows=st.lists(
        st.tuples(st.integers(-(2**31), 2**31 - 1), st.integers(-(2**15), 2**15 - 1)),
        min_size=1,
        max_size=38,
    ),
    gyro=st.booleans(),
    overload=st.booleans(),
    low_battery=st.booleans(),
)
def test_data_round_trip(
    first_index: int,
    t0_us: int,
    period_us: int,
    rows: list[tuple[int, int]],
    gyro: bool,
    overload: bool,
    low_battery: bool,
) -> None:
    forces = [f / 1000 for f, _ in rows]
    gyros = [g / 10 for _, g in rows] if gyro else None
    packet = op.decode_data_packet(
        op.encode_data_packet(
            first_index,
            t0_us,
            forces,
            gyros,
            period_us=period_us,
            overload=overload,
            low_battery=low_battery,
        )
    )
    assert packet.force_n == tuple(forces)
    assert packet.gyro_dps == (None if gyros is None else tuple(gyros))
    assert (packet.first_index, packet.t0_us, packet.period_us) == (first_index, t0_us, period_us)
    assert (packet.overload, packet.low_battery) == (overload, low_battery)


# ---------------------------------------------------------------------- commands


@pytest.mark.parametrize("vector", COMMAND_OK, ids=vector_ids(COMMAND_OK))
def test_command_golden_both_ways(vector: dict[str, Any]) -> None:
    exp = vector["expected"]
    opcode = op.Opcode[exp["opcode"]]
    data = bytes.fromhex(vector["hex"])
    assert op.encode_command(opcode, exp["seq"], exp["rate_hz"]) == data
    assert op.decode_command(data) == op.CommandFrame(opcode, exp["seq"], exp["rate_hz"])


@pytest.mark.parametrize("vector", COMMAND_BAD, ids=vector_ids(COMMAND_BAD))
def test_command_golden_errors(vector: dict[str, Any]) -> None:
    data = bytes.fromhex(vector["hex"])
    if vector["error"] == "CommandRejected":
        with pytest.raises(op.CommandRejected) as info:
            op.decode_command(data)
        assert info.value.status == vector["status"]
        assert (info.value.opcode, info.value.seq) == (data[0], data[1])
    else:
        with pytest.raises(RemoteProtocolError):
            op.decode_command(data)


def test_codec_commands_number_their_writes() -> None:
    codec = op.OpenProfileCodec()
    writes = [codec.command(cmd) for cmd in Command]
    writes += [codec.start(rate_hz=1000), codec.info()]
    assert all(w.characteristic == op.CONTROL_UUID and w.with_response for w in writes)
    frames = [op.decode_command(w.data) for w in writes]
    assert [f.seq for f in frames] == list(range(len(writes)))
    assert [f.opcode for f in frames] == [
        op.Opcode.START,
        op.Opcode.STOP,
        op.Opcode.TARE,
        op.Opcode.BATTERY,
        op.Opcode.VERSION,
        op.Opcode.DEVICE_ID,
        op.Opcode.START,
        op.Opcode.INFO,
    ]
    assert frames[0].rate_hz == 0 and frames[6].rate_hz == 1000


def test_sequence_number_wraps() -> None:
    codec = op.OpenProfileCodec()
    seqs = [op.decode_command(codec.command(Command.STOP).data).seq for _ in range(257)]
    assert seqs[255] == 255 and seqs[256] == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda: op.encode_command(op.Opcode.STOP, 0, 10),
        lambda: op.encode_command(op.Opcode.START, 256),
        lambda: op.encode_command(op.Opcode.START, 0, 70000),
        lambda: op.OpenProfileCodec().start(rate_hz=-1),
    ],
)
def test_encode_command_rejects_bad_arguments(call: Any) -> None:
    with pytest.raises(LocalProtocolError):
        call()


# ----------------------------------------------------------------------- replies


def _expected_value(exp: dict[str, Any] | None) -> object:
    if exp is None:
        return None
    kind = exp.pop("type")
    if kind == "Started":
        return op.Started(**exp)
    if kind == "Battery":
        return Battery(**exp)
    if kind == "DeviceInfo":
        return op.DeviceInfo(**exp | {"capabilities": op.Capability(exp["capabilities"])})
    if kind == "FirmwareVersion":
        return FirmwareVersion(**exp)
    return DeviceId(**exp)


@pytest.mark.parametrize("vector", REPLY_OK, ids=vector_ids(REPLY_OK))
def test_reply_decode_golden(vector: dict[str, Any]) -> None:
    exp = vector["expected"]
    reply = op.Reply(op.Opcode[exp["opcode"]], exp["seq"], exp["status"])
    value = _expected_value(dict(exp["value"]) if exp["value"] else None)
    events = op.OpenProfileCodec().receive(op.CONTROL_UUID, bytes.fromhex(vector["hex"]))
    assert events == ([reply] if value is None else [reply, value])


ENCODABLE_REPLIES = [v for v in REPLY_OK if v.get("reencode", True)]


@pytest.mark.parametrize("vector", ENCODABLE_REPLIES, ids=vector_ids(ENCODABLE_REPLIES))
def test_reply_encode_golden(vector: dict[str, Any]) -> None:
    exp = vector["expected"]
    value = _expected_value(dict(exp["value"]) if exp["value"] else None)
    data = op.encode_reply(op.Opcode[exp["opcode"]], exp["seq"], exp["status"], value)  # type: ignore[arg-type]
    assert data.hex() == vector["hex"]


@pytest.mark.parametrize("vector", REPLY_BAD, ids=vector_ids(REPLY_BAD))
def test_reply_decode_golden_errors(vector: dict[str, Any]) -> None:
    with pytest.raises(RemoteProtocolError):
        op.OpenProfileCodec().receive(op.CONTROL_UUID, bytes.fromhex(vector["hex"]))


@pytest.mark.parametrize(
    "call",
    [
        lambda: op.encode_reply(op.Opcode.START, 0, value=None),
        lambda: op.encode_reply(op.Opcode.STOP, 0, value=op.Started(1)),
        lambda: op.encode_reply(op.Opcode.TARE, 0, op.Status.BUSY, op.Started(1)),
        lambda: op.encode_reply(op.Opcode.VERSION, 0, value=FirmwareVersion("x" * 18)),
        lambda: op.encode_reply(op.Opcode.BATTERY, 0, value=Battery(percent=101)),
        lambda: op.encode_reply(0x42, 0),
        lambda: op.encode_reply(0x80, 0, op.Status.UNKNOWN_COMMAND),
        lambda: op.encode_reply(op.Opcode.STOP, 300),
    ],
)
def test_encode_reply_rejects_bad_arguments(call: Any) -> None:
    with pytest.raises(LocalProtocolError):
        call()


def test_unknown_opcode_is_answered_with_its_raw_byte() -> None:
    """A device answers an opcode it does not know (protocol §5: hosts probe with them)."""
    with pytest.raises(op.CommandRejected) as info:
        op.decode_command(bytes.fromhex("4209"))
    exc = info.value
    assert op.encode_reply(exc.opcode, exc.seq, exc.status).hex() == "c20901"


def test_unknown_characteristic_is_caller_error() -> None:
    with pytest.raises(LocalProtocolError):
        op.OpenProfileCodec().receive("0000180f-0000-1000-8000-00805f9b34fb", b"\x01")


def test_spec_uuids_share_the_base() -> None:
    spec = op.SPEC
    assert spec.service_uuid == "c6ca0001-5848-4c22-8152-8b67046f351d"
    assert spec.notify_uuids == (op.DATA_UUID, op.CONTROL_UUID)
    assert spec.write_uuid == op.CONTROL_UUID
    assert spec.has_gyro


# -------------------------------------------------------------------------- fuzz


@settings(max_examples=3000, deadline=None, database=None)
@given(
    data=st.one_of(
        st.binary(max_size=64),
        st.binary(min_size=11, max_size=60).map(lambda b: b"\x01" + b),
    )
)
def test_fuzz_data_raises_only_protocol_errors(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        op.OpenProfileCodec().receive(op.DATA_UUID, data)


@settings(max_examples=3000, deadline=None, database=None)
@given(
    data=st.one_of(
        st.binary(max_size=24),
        st.tuples(st.integers(0x80, 0x87), st.binary(max_size=12)).map(
            lambda t: bytes((t[0], 0, 0)) + t[1]
        ),
    )
)
def test_fuzz_reply_raises_only_protocol_errors(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        op.OpenProfileCodec().receive(op.CONTROL_UUID, data)


@settings(max_examples=3000, deadline=None, database=None)
@given(data=st.binary(max_size=8))
def test_fuzz_decode_command_raises_only_protocol_errors(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        op.decode_command(data)
