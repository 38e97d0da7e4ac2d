"""Progressor codec: golden vectors both ways, reply state, timestamp unwrapping, fuzz."""

from __future__ import annotations

import contextlib
import itertools
import math
import struct
from typing import Any

import pytest
from _vectors import (
    assert_golden,
    hex_value,
    load_vectors,
    split_directions,
    vector_ids,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_protocol import progressor as proto
from firmware_protocol._common import (
    Command,
    LocalProtocolError,
    ProtocolError,
    Samples,
    Write,
)

VECTORS = load_vectors("progressor")
H2D, D2H = split_directions(VECTORS)
ENCODED = [v for v in VECTORS if "encoder" in v]


def _codec_after(after: str | None) -> proto.ProgressorCodec:
    codec = proto.ProgressorCodec()
    if after is not None:
        codec.write(proto.encode_command(proto.Opcode[after]))
    return codec


@pytest.mark.parametrize("vector", H2D, ids=vector_ids(H2D))
def test_decode_command_vectors(vector: dict[str, Any]) -> None:
    assert_golden(vector, proto.decode_command, proto)


@pytest.mark.parametrize("vector", D2H, ids=vector_ids(D2H))
def test_receive_vectors(vector: dict[str, Any]) -> None:
    codec = _codec_after(vector["after_command"])
    assert_golden(vector, lambda data: codec.receive(proto.DATA_POINT_UUID, data), proto)
    # the codec stays usable after any notification, good or bad
    follow = codec.receive(proto.DATA_POINT_UUID, bytes.fromhex("0108000020410a000000"))
    assert follow == [Samples(force_n=(10.0 * proto.STANDARD_GRAVITY,), device_time_s=(1e-5,))]


@pytest.mark.parametrize("vector", ENCODED, ids=vector_ids(ENCODED))
def test_encoders_reproduce_vectors(vector: dict[str, Any]) -> None:
    encoder = getattr(proto, vector["encoder"])
    data = encoder(*hex_value(vector["args"]), **vector.get("kwargs", {}))
    assert data.hex() == vector["hex"]


@pytest.mark.parametrize("cmd", list(Command))
def test_codec_commands_match_vectors(cmd: Command) -> None:
    codec = proto.ProgressorCodec()
    write = codec.command(cmd)
    wanted = {"type": "Command", "value": cmd.value}
    [vector] = [v for v in H2D if v.get("command") == wanted and "encoder" in v]
    assert write == Write(proto.CONTROL_POINT_UUID, bytes.fromhex(vector["hex"]), True)
    assert proto.decode_command(write.data) == cmd
    assert codec.last_opcode == write.data[0]


def test_reply_is_read_once_per_command() -> None:
    codec = proto.ProgressorCodec()
    codec.command(Command.BATTERY)
    reply = proto.encode_battery_reply(3900)
    assert codec.receive(proto.DATA_POINT_UUID, reply) == [proto.Battery(millivolts=3900)]
    assert codec.receive(proto.DATA_POINT_UUID, reply) == [
        proto.CommandReply(None, struct.pack("<I", 3900))
    ]


def test_weight_does_not_consume_pending_reply() -> None:
    codec = proto.ProgressorCodec()
    codec.command(Command.VERSION)
    codec.receive(proto.DATA_POINT_UUID, proto.encode_weight_notification([(1.0, 5)]))
    events = codec.receive(proto.DATA_POINT_UUID, proto.encode_version_reply("3.1"))
    assert events == [proto.FirmwareVersion("3.1")]


def test_wrong_characteristic_is_caller_error() -> None:
    with pytest.raises(LocalProtocolError):
        proto.ProgressorCodec().receive(proto.CONTROL_POINT_UUID, b"\x01\x00")


def test_upper_case_characteristic_accepted() -> None:
    events = proto.ProgressorCodec().receive(proto.DATA_POINT_UUID.upper(), b"\x04\x00")
    assert events == [proto.LowBattery()]


def test_spec() -> None:
    spec = proto.SPEC
    for uuid in (spec.service_uuid, spec.write_uuid, *spec.notify_uuids):
        assert uuid is not None and uuid == uuid.lower() and len(uuid) == 36
    assert spec.matches_name("Progressor_1719")
    assert spec.matches_name("Crimpdeq")
    assert not spec.matches_name("Tindeq app")
    assert spec.nominal_rate_hz == 80.0


@pytest.mark.parametrize(
    ("call", "args"),
    [
        (proto.encode_add_calibration_point, (math.nan,)),
        (proto.encode_add_calibration_point, (1e39,)),
        (proto.encode_set_calibration, (1.0, math.inf, 0.0)),
        (proto.encode_weight_notification, ([(1.0, -1)],)),
        (proto.encode_weight_notification, ([(1.0, 2**32)],)),
        (proto.encode_weight_notification, ([(1.0, 0)] * 32,)),
        (proto.encode_weight_notification, ([(1.0, 0)], 5)),
        (proto.encode_battery_reply, (-1,)),
        (proto.encode_version_reply, ("vé",)),
        (proto.encode_id_reply, (256, 1)),
        (proto.encode_id_reply, (1, 9)),
        (proto.encode_command, (256,)),
        (proto.encode_command, (0x64, bytes(256))),
    ],
)
def test_encoders_reject_bad_arguments(call: Any, args: tuple[Any, ...]) -> None:
    with pytest.raises(LocalProtocolError):
        call(*args)


def test_unwrap_exact() -> None:
    raw = [4294967290, 4294967295, 3, 10, 8]
    unwrapped, last = proto.unwrap_u32_us(raw)
    assert unwrapped == [4294967290, 4294967295, 4294967299, 4294967306, 4294967304]
    assert last == 4294967304
    assert proto.unwrap_u32_us([], previous=7) == ([], 7)


def test_unwrap_chunked_equals_whole() -> None:
    raw = [(i * 1_000_003) % 2**32 for i in range(0, 20_000, 7)]
    whole, _ = proto.unwrap_u32_us(raw)
    pieces: list[int] = []
    state: int | None = None
    for start in range(0, len(raw), 13):
        chunk, state = proto.unwrap_u32_us(raw[start : start + 13], state)
        pieces.extend(chunk)
    assert pieces == whole
    assert all(b > a for a, b in itertools.pairwise(whole))


def test_unwrap_recovers_samples_time() -> None:
    samples = proto.decode_weight(struct.pack("<fI", 1.0, 2**32 - 1))
    assert samples is not None and samples.device_time_s is not None
    assert proto.unwrap_u32_us([round(samples.device_time_s[0] * 1e6)])[0] == [2**32 - 1]


def test_unwrap_rejects_non_u32() -> None:
    with pytest.raises(LocalProtocolError):
        proto.unwrap_u32_us([2**32])


_AFTER = st.sampled_from([None, *[op.name for op in proto.Opcode]])


@settings(max_examples=3000, deadline=None)
@given(data=st.binary(max_size=40), after=_AFTER, tail=st.binary(max_size=8))
def test_fuzz_decoders_raise_only_protocol_errors(
    data: bytes, after: str | None, tail: bytes
) -> None:
    codec = _codec_after(after)
    for decode in (
        lambda: codec.receive(proto.DATA_POINT_UUID, data + tail),
        lambda: proto.decode_command(data),
    ):
        with contextlib.suppress(ProtocolError):
            decode()
    # a valid notification after anything still decodes
    good = proto.encode_weight_notification([(2.0, 99)])
    assert codec.receive(proto.DATA_POINT_UUID, good) == [
        Samples(force_n=(2.0 * proto.STANDARD_GRAVITY,), device_time_s=(99e-6,))
    ]


_F32 = st.floats(width=32, allow_nan=False, allow_infinity=False)
_US = st.integers(min_value=0, max_value=2**32 - 1)


@settings(max_examples=300, deadline=None)
@given(records=st.lists(st.tuples(_F32, _US), max_size=31), pad=st.integers(0, 6))
def test_weight_round_trip(records: list[tuple[float, int]], pad: int) -> None:
    data = proto.encode_weight_notification(records, pad_to=2 + 8 * len(records) + pad)
    events = proto.ProgressorCodec().receive(proto.DATA_POINT_UUID, data)
    if not records:
        assert events == []
        return
    [samples] = events
    assert samples.force_n == tuple(kg * proto.STANDARD_GRAVITY for kg, _ in records)
    assert samples.device_time_s == tuple(us / 1e6 for _, us in records)


@settings(max_examples=3000, deadline=None)
@given(tag=st.sampled_from([0x05, 0x06]), body=st.binary(max_size=12), after=_AFTER)
def test_fuzz_calibration_reports_raise_only_protocol_errors(
    tag: int, body: bytes, after: str | None
) -> None:
    codec = _codec_after(after)
    # Anything but a ProtocolError escaping fails the test; what is decoded is a list.
    with contextlib.suppress(ProtocolError):
        assert isinstance(
            codec.receive(proto.DATA_POINT_UUID, bytes((tag, len(body))) + body), list
        )


def test_calibration_value_sits_where_crimpdeq_reads_it() -> None:
    # Regression: the 6-byte TLV form put the length byte where Crimpdeq reads the
    # float's first byte, turning 20 kg into a negative number it rejects.
    data = proto.encode_add_calibration_point(20.0)
    assert struct.unpack("<f", data[1:5]) == (20.0,)
    assert len(data) == 5


def test_calibration_factor_answers_the_calibration_request() -> None:
    codec = proto.ProgressorCodec()
    codec.write(proto.encode_get_calibration())
    factor = proto.encode_calibration_factor(0.25)
    assert codec.receive(proto.DATA_POINT_UUID, factor) == [proto.CalibrationFactor(0.25)]
    assert codec.last_opcode is None
