"""Frez Dyno codec: golden vectors both ways, standard reads, round trip, fuzz."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from _vectors import assert_golden, build_event, load_vectors, split_directions, vector_ids
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_protocol import frez as proto
from firmware_protocol._common import (
    Battery,
    Command,
    DeviceId,
    FirmwareVersion,
    LocalProtocolError,
    ProtocolError,
    RemoteProtocolError,
    Write,
)

VECTORS = load_vectors("frez")
H2D, D2H = split_directions(VECTORS)
PACKETS = [v for v in D2H if "packet" in v]


def _receive(data: bytes) -> list[Any]:
    return proto.FrezCodec().receive(proto.NOTIFY_UUID, data)


@pytest.mark.parametrize("vector", H2D, ids=vector_ids(H2D))
def test_decode_command_vectors(vector: dict[str, Any]) -> None:
    assert_golden(vector, proto.decode_command, proto)


@pytest.mark.parametrize("vector", D2H, ids=vector_ids(D2H))
def test_receive_vectors(vector: dict[str, Any]) -> None:
    assert_golden(vector, _receive, proto)


@pytest.mark.parametrize("vector", PACKETS, ids=vector_ids(PACKETS))
def test_packets_both_ways(vector: dict[str, Any]) -> None:
    packet = build_event(vector["packet"], proto)
    assert proto.decode_packet(bytes.fromhex(vector["hex"])) == packet
    assert proto.encode_packet(packet).hex() == vector["hex"]


@pytest.mark.parametrize("cmd", [Command.START, Command.STOP])
def test_codec_commands_match_vectors(cmd: Command) -> None:
    write = proto.FrezCodec().command(cmd)
    [vector] = [v for v in H2D if v.get("command") == {"type": "Command", "value": cmd.value}]
    assert write == Write(proto.WRITE_UUID, bytes.fromhex(vector["hex"]), True)


@pytest.mark.parametrize("cmd", [Command.TARE, Command.BATTERY, Command.VERSION, Command.DEVICE_ID])
def test_commands_without_bytes_are_caller_errors(cmd: Command) -> None:
    with pytest.raises(LocalProtocolError):
        proto.FrezCodec().command(cmd)


@pytest.mark.parametrize(
    ("uuid", "data", "event"),
    [
        (proto.BATTERY_LEVEL_UUID, b"\x55", Battery(percent=85)),
        (proto.SERIAL_NUMBER_UUID, b"FrezDyno-000123\x00", DeviceId("FrezDyno-000123")),
        (proto.SOFTWARE_REVISION_UUID, b"1.0.3", FirmwareVersion("1.0.3")),
    ],
)
def test_standard_reads(uuid: str, data: bytes, event: object) -> None:
    assert proto.FrezCodec().receive(uuid, data) == [event]


@pytest.mark.parametrize(
    ("uuid", "data"),
    [
        (proto.BATTERY_LEVEL_UUID, b"\x65"),
        (proto.BATTERY_LEVEL_UUID, b""),
        (proto.SERIAL_NUMBER_UUID, b"\x00\x00"),
        (proto.SOFTWARE_REVISION_UUID, b"\xff\xfe"),
    ],
)
def test_bad_reads_are_device_errors(uuid: str, data: bytes) -> None:
    with pytest.raises(RemoteProtocolError):
        proto.FrezCodec().receive(uuid, data)


def test_wrong_characteristic_is_caller_error() -> None:
    with pytest.raises(LocalProtocolError):
        proto.FrezCodec().receive(proto.WRITE_UUID, b"\x01\x00")


@pytest.mark.parametrize(
    ("counts", "times"),
    [([0] * 8, list(range(8))), ([0] * 9, [0] * 9), ([2**31] + [0] * 8, list(range(9)))],
)
def test_packet_rejects_bad_fields(counts: list[int], times: list[int]) -> None:
    with pytest.raises(LocalProtocolError):
        proto.Packet(tuple(counts), tuple(times))


_PACKET = st.builds(
    lambda counts, start, steps: proto.Packet(
        tuple(counts), tuple(start + sum(steps[: i + 1]) for i in range(9))
    ),
    st.lists(st.integers(-(2**31), 2**31 - 1), min_size=9, max_size=9),
    st.integers(0, 2**32 - 1000),
    st.lists(st.integers(1, 100), min_size=9, max_size=9),
)


@settings(max_examples=300, deadline=None)
@given(packet=_PACKET)
def test_packet_round_trip(packet: proto.Packet) -> None:
    assert proto.decode_packet(proto.encode_packet(packet)) == packet
    [samples] = _receive(proto.encode_packet(packet))
    assert samples.force_n == pytest.approx([c * proto.NOMINAL_N_PER_COUNT for c in packet.counts])


_UUIDS = st.sampled_from(
    [
        proto.NOTIFY_UUID,
        proto.BATTERY_LEVEL_UUID,
        proto.SERIAL_NUMBER_UUID,
        proto.SOFTWARE_REVISION_UUID,
    ]
)


@settings(max_examples=3000, deadline=None)
@given(
    data=st.one_of(st.binary(max_size=80), st.binary(min_size=74, max_size=74)),
    uuid=_UUIDS,
    command=st.binary(max_size=4),
)
def test_fuzz_decoders_raise_only_protocol_errors(data: bytes, uuid: str, command: bytes) -> None:
    # Anything but a ProtocolError escaping fails the test; what is decoded has its type.
    with contextlib.suppress(ProtocolError):
        assert isinstance(proto.FrezCodec().receive(uuid, data), list)
    with contextlib.suppress(ProtocolError):
        assert isinstance(proto.decode_command(command), proto.Command | proto.Sleep)
    with contextlib.suppress(ProtocolError):
        assert isinstance(proto.decode_packet(b"\x01\x00" + data[2:]), proto.Packet)
