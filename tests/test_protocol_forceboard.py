"""Force Board codec: golden vectors both ways, count/length checks, fuzz."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from _vectors import (
    assert_golden,
    load_vectors,
    split_directions,
    vector_ids,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_protocol import forceboard as proto
from firmware_protocol._common import (
    POUND_FORCE_N,
    Command,
    LocalProtocolError,
    ProtocolError,
    Samples,
    Write,
)

VECTORS = load_vectors("forceboard")
H2D, D2H = split_directions(VECTORS)
ENCODED = [v for v in VECTORS if "encoder" in v]


@pytest.mark.parametrize("vector", H2D, ids=vector_ids(H2D))
def test_decode_command_vectors(vector: dict[str, Any]) -> None:
    assert_golden(vector, lambda data: proto.decode_command(data, vector["characteristic"]), proto)


@pytest.mark.parametrize("vector", D2H, ids=vector_ids(D2H))
def test_receive_vectors(vector: dict[str, Any]) -> None:
    codec = proto.ForceBoardCodec()
    assert_golden(vector, lambda data: codec.receive(vector["characteristic"], data), proto)


@pytest.mark.parametrize("vector", ENCODED, ids=vector_ids(ENCODED))
def test_encoders_reproduce_vectors(vector: dict[str, Any]) -> None:
    encoder = getattr(proto, vector["encoder"])
    assert encoder(*vector["args"]).hex() == vector["hex"]


@pytest.mark.parametrize("cmd", [Command.START, Command.TARE, Command.STOP])
def test_codec_commands_match_vectors(cmd: Command) -> None:
    write = proto.ForceBoardCodec().command(cmd)
    wanted = {"type": "Command", "value": cmd.value}
    [vector] = [
        v
        for v in H2D
        if v.get("command") == wanted and v["characteristic"] == proto.DEVICE_MODE_UUID
    ]
    assert write == Write(proto.DEVICE_MODE_UUID, bytes.fromhex(vector["hex"]), True)
    assert proto.decode_command(write.data) == cmd


@pytest.mark.parametrize("cmd", [Command.BATTERY, Command.VERSION, Command.DEVICE_ID])
def test_commands_without_a_write(cmd: Command) -> None:
    with pytest.raises(LocalProtocolError):
        proto.ForceBoardCodec().command(cmd)


def test_wrong_characteristic_is_caller_error() -> None:
    with pytest.raises(LocalProtocolError):
        proto.ForceBoardCodec().receive(proto.DEVICE_MODE_UUID, b"\x00\x00")
    with pytest.raises(LocalProtocolError):
        proto.decode_command(b"\x04", proto.FORCE_UUID)


def test_spec() -> None:
    spec = proto.SPEC
    uuids = (spec.service_uuid, spec.write_uuid, *spec.notify_uuids, *spec.extra_service_uuids)
    for uuid in uuids:
        assert uuid is not None and uuid == uuid.lower() and len(uuid) == 36
    assert spec.matches_name("Force Board")
    assert not spec.matches_name("Progressor_1")


@pytest.mark.parametrize(
    ("call", "args"),
    [
        (proto.encode_samples, ([-1],)),
        (proto.encode_samples, ([255 * 32768 + 32768],)),
        (proto.encode_samples, ([0] * 65536,)),
        (proto.encode_threshold, (2**24,)),
        (proto.encode_battery_level, (101,)),
    ],
)
def test_encoders_reject_bad_arguments(call: Any, args: tuple[Any, ...]) -> None:
    with pytest.raises(LocalProtocolError):
        call(*args)


_CHARS = st.sampled_from(
    [
        proto.FORCE_UUID,
        proto.BATTERY_LEVEL_UUID,
        proto.DEVICE_MODE_UUID,
        proto.TARE_UUID,
        proto.THRESHOLD_UUID,
    ]
)


@settings(max_examples=3000, deadline=None)
@given(data=st.binary(max_size=40), characteristic=_CHARS)
def test_fuzz_decoders_raise_only_protocol_errors(data: bytes, characteristic: str) -> None:
    codec = proto.ForceBoardCodec()
    for decode in (codec.receive, lambda c, d: proto.decode_command(d, c)):
        with contextlib.suppress(ProtocolError):
            decode(characteristic, data)
    # a valid notification after anything still decodes
    assert codec.receive(proto.FORCE_UUID, b"\x00\x01\x00\x00\x02") == [
        Samples(force_n=(2 * POUND_FORCE_N,))
    ]


@settings(max_examples=300, deadline=None)
@given(raw=st.lists(st.integers(0, 255 * 32768 + 32767), max_size=60))
def test_samples_round_trip(raw: list[int]) -> None:
    data = proto.encode_samples(raw)
    assert len(data) == 2 + 3 * len(raw)
    assert proto.decode_raw(data) == raw
