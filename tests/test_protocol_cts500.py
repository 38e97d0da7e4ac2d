"""CTS500 codec: golden vectors both ways, byte-at-a-time reassembly, resync, fuzz."""

from __future__ import annotations

import contextlib
import itertools
from typing import Any

import pytest
from _vectors import (
    assert_events,
    assert_golden,
    build_event,
    hex_value,
    load_vectors,
    split_directions,
    vector_ids,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_protocol import cts500 as proto
from firmware_protocol._common import (
    NEED_DATA,
    Command,
    LocalProtocolError,
    ProtocolError,
    Write,
)

VECTORS = load_vectors("cts500")
H2D, D2H = split_directions(VECTORS)
ENCODED = [v for v in VECTORS if "encoder" in v]


def _drain(reassembler: proto.Cts500Reassembler) -> list[Any]:
    events = []
    while (event := reassembler.next_event()) is not NEED_DATA:
        events.append(event)
    return events


def _feed(chunks: list[bytes]) -> tuple[list[Any], int, proto.Cts500Reassembler]:
    """Frames (garbage reports left out) and garbage total from feeding ``chunks``."""
    reassembler = proto.Cts500Reassembler()
    frames: list[Any] = []
    garbage = 0
    for chunk in chunks:
        reassembler.receive_data(chunk)
        for event in _drain(reassembler):
            if isinstance(event, proto.Garbage):
                garbage += event.nbytes
            else:
                frames.append(event)
    return frames, garbage, reassembler


def _frame_len(frame: Any) -> int:
    return proto.COMMAND_LEN if isinstance(frame, proto.CommandEcho) else proto.DATA_LEN


@pytest.mark.parametrize("vector", H2D, ids=vector_ids(H2D))
def test_decode_command_vectors(vector: dict[str, Any]) -> None:
    assert_golden(vector, proto.decode_command, proto)


@pytest.mark.parametrize("vector", D2H, ids=vector_ids(D2H))
def test_codec_receive_vectors(vector: dict[str, Any]) -> None:
    codec = proto.Cts500Codec()
    events: list[Any] = []
    for chunk in vector.get("chunks", [vector["hex"]]):
        events.extend(codec.receive(proto.NOTIFY_UUID, bytes.fromhex(chunk)))
    assert_events(events, vector["events"], proto)
    assert codec.reassembler.discarded == vector["discarded"]


@pytest.mark.parametrize("vector", D2H, ids=vector_ids(D2H))
def test_reassembler_whole_and_byte_at_a_time(vector: dict[str, Any]) -> None:
    data = bytes.fromhex(vector["hex"])
    expected = [build_event(f, proto) for f in vector["frames"]]
    for chunks in ([data], [data[i : i + 1] for i in range(len(data))]):
        frames, garbage, reassembler = _feed(chunks)
        assert frames == expected
        assert garbage == reassembler.discarded == vector["discarded"]
        consumed = sum(_frame_len(f) for f in frames)
        assert consumed + reassembler.discarded + reassembler.buffered == len(data)


COMPLETE = [v for v in D2H if not _feed([bytes.fromhex(v["hex"])])[2].buffered]


@pytest.mark.parametrize("vector", COMPLETE, ids=vector_ids(COMPLETE))
def test_reassembler_with_trailing_bytes(vector: dict[str, Any]) -> None:
    data = bytes.fromhex(vector["hex"])
    trailing = proto.encode_start()[:4]
    for chunks in ([data + trailing], [bytes([b]) for b in data + trailing]):
        frames, _, reassembler = _feed(chunks)
        assert frames == [build_event(f, proto) for f in vector["frames"]]
        assert reassembler.discarded == vector["discarded"]
        assert reassembler.buffered == len(trailing)


@pytest.mark.parametrize("vector", ENCODED, ids=vector_ids(ENCODED))
def test_encoders_reproduce_vectors(vector: dict[str, Any]) -> None:
    encoder = getattr(proto, vector["encoder"])
    assert encoder(*hex_value(vector["args"])).hex() == vector["hex"]


@pytest.mark.parametrize("vector", D2H, ids=vector_ids(D2H))
def test_encode_frame_round_trip(vector: dict[str, Any]) -> None:
    frames = [build_event(f, proto) for f in vector["frames"]]
    encoded = b"".join(proto.encode_frame(f) for f in frames)
    assert _feed([encoded])[0] == frames


@pytest.mark.parametrize("cmd", [c for c in Command if c is not Command.DEVICE_ID])
def test_codec_commands_match_vectors(cmd: Command) -> None:
    write = proto.Cts500Codec().command(cmd)
    [vector] = [v for v in H2D if v.get("command") == {"type": "Command", "value": cmd.value}]
    assert write == Write(proto.WRITE_UUID, bytes.fromhex(vector["hex"]), True)
    assert proto.decode_command(write.data) == cmd


def test_device_id_is_not_a_command() -> None:
    with pytest.raises(LocalProtocolError):
        proto.Cts500Codec().command(Command.DEVICE_ID)


def test_wrong_characteristic_is_caller_error() -> None:
    with pytest.raises(LocalProtocolError):
        proto.Cts500Codec().receive(proto.WRITE_UUID, proto.encode_weight_frame(1.0))


def test_spec() -> None:
    spec = proto.SPEC
    assert spec.service_uuid == "0000ffe0-0000-1000-8000-00805f9b34fb"
    assert spec.notify_uuids == ("0000ffe1-0000-1000-8000-00805f9b34fb",)
    assert spec.write_uuid == "0000ffe2-0000-1000-8000-00805f9b34fb"
    assert spec.matches_name("CTS500") and spec.matches_name("CTS-300")
    assert not spec.matches_name("MY-BT102")


@pytest.mark.parametrize(
    ("call", "args"),
    [
        (proto.encode_command, (256,)),
        (proto.encode_command, (0xAA, b"\x00")),
        (proto.encode_sampling_rate, (50,)),
        (proto.encode_weight_frame, (5e7,)),
        (proto.encode_weight_frame, (-5e7,)),
        (proto.WeightFrame, (-1,)),
        (proto.WeightFrame, (1, 0x80)),
        (proto.WeightFrame, (1, 0xAA)),
        (proto.encode_battery_reply, (3705,)),
        (proto.encode_temperature_reply, (200,)),
        (proto.encode_typed_reply, (0xC4, b"\x00")),
    ],
)
def test_encoders_reject_bad_arguments(call: Any, args: tuple[Any, ...]) -> None:
    with pytest.raises(LocalProtocolError):
        call(*args)


def test_negative_load_reads_negative_from_the_status_bit() -> None:
    # Regression: the magnitude was read as two's complement and the sign bit ignored,
    # so -2.00 kg steady came out as +19.61 N.
    [block] = proto.Cts500Codec().receive(proto.NOTIFY_UUID, bytes.fromhex("0550000000c81d"))
    assert block.force_n == pytest.approx((-2.0 * 9.80665,))
    frame = proto.WeightFrame(200, 0x50)
    assert frame.negative and frame.steady and frame.kg == pytest.approx(-2.0)


@settings(max_examples=300, deadline=None)
@given(kg=st.floats(-400.0, 400.0), steady=st.booleans())
def test_weight_frame_round_trips_sign_and_steadiness(kg: float, steady: bool) -> None:
    [frame] = _feed([proto.encode_weight_frame(kg, steady)])[0]
    assert frame.kg == pytest.approx(round(kg / proto.KG_PER_COUNT) * proto.KG_PER_COUNT)
    assert frame.steady is steady


def test_samples_merge_only_within_one_notification() -> None:
    codec = proto.Cts500Codec()
    frames = b"".join(proto.encode_weight_frame(kg) for kg in (1.0, 2.0, 3.0))
    [block] = codec.receive(proto.NOTIFY_UUID, frames)
    assert len(block.force_n) == 3
    assert codec.receive(proto.NOTIFY_UUID, b"") == []


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


_FRAME = st.one_of(
    st.builds(
        proto.WeightFrame,
        st.integers(0, 2**32 - 1),
        st.sampled_from([0, proto.NEGATIVE_FLAG, proto.STEADY_FLAG, 0x50, 0x02]),
    ),
    st.builds(
        proto.CommandEcho, st.sampled_from(sorted(proto.Opcode)), st.binary(min_size=3, max_size=3)
    ),
    st.builds(proto.TypedReply, st.integers(0, 255), st.binary(min_size=3, max_size=3)),
)
_CUTS = st.lists(st.integers(min_value=0, max_value=400), max_size=12)


@settings(max_examples=3000, deadline=None)
@given(junk=st.binary(max_size=60), cuts=_CUTS, command=st.binary(max_size=10))
def test_fuzz_random_bytes_never_raise(junk: bytes, cuts: list[int], command: bytes) -> None:
    codec = proto.Cts500Codec()
    for chunk in _split(junk, cuts):
        codec.receive(proto.NOTIFY_UUID, chunk)
    r = codec.reassembler
    assert r.discarded + r.buffered <= len(junk)
    with contextlib.suppress(ProtocolError):
        proto.decode_command(command)


@settings(max_examples=3000, deadline=None)
@given(
    frames=st.lists(_FRAME, max_size=6),
    junk=st.binary(max_size=40),
    cuts=_CUTS,
    lead=st.booleans(),
)
def test_fuzz_valid_frames_survive_junk(
    frames: list[Any], junk: bytes, cuts: list[int], lead: bool
) -> None:
    valid = b"".join(proto.encode_frame(f) for f in frames)
    # junk after a valid prefix cannot change it; junk before it is flushed by
    # six bytes that hold no header, after which every frame is found again
    data = junk + bytes(6) + valid if lead else valid + junk
    got, garbage, reassembler = _feed(_split(data, cuts))
    if lead:
        assert got[len(got) - len(frames) :] == frames
    else:
        assert got[: len(frames)] == frames
    consumed = sum(_frame_len(f) for f in got)
    assert consumed + garbage + reassembler.buffered == len(data)
