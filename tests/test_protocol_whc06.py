"""WH-C06 advertisement codec: golden vectors, round trips, fuzzing."""

from __future__ import annotations

from typing import Any

import pytest
from _vectors import ERRORS, load_vectors, vector_ids
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_protocol import (
    STANDARD_GRAVITY,
    Command,
    LocalProtocolError,
    ProtocolError,
    RemoteProtocolError,
    Samples,
    whc06,
)

VECTORS = load_vectors("whc06")


def _mfr(vector: dict[str, Any]) -> dict[int, bytes]:
    return {int(k): bytes.fromhex(v) for k, v in vector["manufacturer_data"].items()}


DECODABLE = [v for v in VECTORS if "expected" in v]
FAILING = [v for v in VECTORS if "error" in v]
ENCODABLE = [v for v in VECTORS if "encode" in v]


def test_vectors_cover_both_outcomes() -> None:
    assert DECODABLE and FAILING and ENCODABLE
    assert len(DECODABLE) + len(FAILING) == len(VECTORS)


@pytest.mark.parametrize("vector", DECODABLE, ids=vector_ids(DECODABLE))
def test_decode_golden(vector: dict[str, Any]) -> None:
    weight = whc06.decode_advertisement(_mfr(vector))
    exp = vector["expected"]
    assert weight.force_n == pytest.approx(exp["force_n"], abs=1e-9)
    assert weight.mass_kg == pytest.approx(exp["mass_kg"], abs=1e-9)
    assert weight.stable is exp["stable"]
    assert weight.unit == exp["unit"]


@pytest.mark.parametrize("vector", FAILING, ids=vector_ids(FAILING))
def test_decode_golden_errors(vector: dict[str, Any]) -> None:
    with pytest.raises(ERRORS[vector["error"]]):
        whc06.decode_advertisement(_mfr(vector))


@pytest.mark.parametrize("vector", ENCODABLE, ids=vector_ids(ENCODABLE))
def test_encode_reproduces_golden(vector: dict[str, Any]) -> None:
    assert whc06.encode_advertisement(**vector["encode"]) == _mfr(vector)


@pytest.mark.parametrize("vector", DECODABLE, ids=vector_ids(DECODABLE))
def test_trailing_byte_is_rejected(vector: dict[str, Any]) -> None:
    payload = _mfr(vector)[whc06.COMPANY_ID] + b"\x00"
    with pytest.raises(RemoteProtocolError):
        whc06.decode_advertisement({whc06.COMPANY_ID: payload})


def test_raw_form_equals_stripped_form() -> None:
    stripped = whc06.encode_advertisement(42.0, True, "lb")[whc06.COMPANY_ID]
    raw = b"\x00\x01" + stripped
    assert whc06.decode_payload(raw) == whc06.decode_payload(stripped)


def test_other_companies_are_ignored() -> None:
    adv = whc06.encode_advertisement(3.0) | {0x004C: b"\x02\x15"}
    assert whc06.decode_advertisement(adv).mass_kg == pytest.approx(3.0)


def test_codec_is_advertisement_only() -> None:
    codec = whc06.WHC06Codec()
    for cmd in Command:
        with pytest.raises(LocalProtocolError):
            codec.command(cmd)
    with pytest.raises(LocalProtocolError):
        codec.receive("0000ffe1-0000-1000-8000-00805f9b34fb", b"\x00")
    samples, weight = codec.receive_advertisement(whc06.encode_advertisement(10.0))
    assert isinstance(samples, Samples)
    assert isinstance(weight, whc06.Weight)
    assert samples.force_n == (weight.force_n,)
    assert weight.force_n == pytest.approx(10.0 * STANDARD_GRAVITY)


def test_spec() -> None:
    spec = whc06.SPEC
    assert spec.manufacturer_id == 0x0100
    assert spec.service_uuid is None and spec.write_uuid is None and not spec.notify_uuids
    assert spec.matches_name("IF_B7")
    assert not spec.matches_name("Progressor_1234")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weight_kg": 327.68}, "outside"),
        ({"weight_kg": -327.69}, "outside"),
        ({"weight_kg": float("nan")}, "finite"),
        ({"weight_kg": 1.0, "unit": "oz"}, "unit"),
        ({"weight_kg": 1.0, "address": b"\x00"}, "address"),
    ],
)
def test_encode_rejects_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(LocalProtocolError, match=message):
        whc06.encode_advertisement(**kwargs)


@given(
    counts=st.integers(-(2**15), 2**15 - 1),
    stable=st.booleans(),
    unit=st.sampled_from(["kg", "lb", "st", "jin"]),
)
def test_round_trip(counts: int, stable: bool, unit: whc06.Unit) -> None:
    weight = whc06.decode_advertisement(whc06.encode_advertisement(counts / 100, stable, unit))
    assert round(weight.mass_kg * 100) == counts
    assert weight.stable is stable
    assert weight.unit == unit


@settings(max_examples=3000, deadline=None, database=None)
@given(
    payload=st.binary(max_size=24),
    others=st.dictionaries(st.integers(0, 0xFFFF), st.binary(max_size=8), max_size=2),
    include=st.booleans(),
)
def test_fuzz_decoder_raises_only_protocol_errors(
    payload: bytes, others: dict[int, bytes], include: bool
) -> None:
    adv = dict(others)
    if include:
        adv[whc06.COMPANY_ID] = payload
    else:
        adv.pop(whc06.COMPANY_ID, None)
    try:
        weight = whc06.decode_advertisement(adv)
    except ProtocolError:
        return
    assert weight.unit in ("kg", "lb", "st", "jin")
