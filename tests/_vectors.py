"""Golden-vector helpers shared by the ``test_protocol_*`` modules.

Every codec ships a ``firmware_protocol/vectors/<name>.json`` file: a list of
vectors, each a dict with at least ``name`` and ``direction``. These helpers
load those files, pick vectors out of them, and turn the ``{"type": ...}``
event specs some of them carry into the codec's own dataclasses.

Imported as ``_vectors``: pytest puts ``tests/`` (no ``__init__.py``) on
``sys.path`` before it imports the test modules next to it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import firmware_protocol
from firmware_protocol import _common
from firmware_protocol._common import Command, LocalProtocolError, RemoteProtocolError, Samples

Vector = dict[str, Any]

VECTORS_DIR = Path(firmware_protocol.__file__).parent / "vectors"

HOST_TO_DEVICE = "host_to_device"
DEVICE_TO_HOST = "device_to_host"

ERRORS: dict[str, type[Exception]] = {
    "LocalProtocolError": LocalProtocolError,
    "RemoteProtocolError": RemoteProtocolError,
}
"""Error class for the ``"error"`` names the vector files use."""


def load_vectors(name: str) -> list[Vector]:
    """The vectors of ``firmware_protocol/vectors/<name>.json``."""
    vectors: list[Vector] = json.loads((VECTORS_DIR / f"{name}.json").read_text())
    return vectors


def by_direction(vectors: list[Vector], direction: str, *keys: str, **fields: Any) -> list[Vector]:
    """Vectors going ``direction`` that hold every key in ``keys`` and every ``fields`` value."""
    return [
        v
        for v in vectors
        if v["direction"] == direction
        and all(k in v for k in keys)
        and all(v.get(k) == want for k, want in fields.items())
    ]


def split_directions(vectors: list[Vector]) -> tuple[list[Vector], list[Vector]]:
    """The host-to-device and the device-to-host vectors, in file order."""
    return by_direction(vectors, HOST_TO_DEVICE), by_direction(vectors, DEVICE_TO_HOST)


def vector_ids(vectors: list[Vector]) -> list[str]:
    """Test ids for ``pytest.mark.parametrize``: each vector's name."""
    return [v["name"] for v in vectors]


def hex_value(raw: Any) -> Any:
    """An encoder argument from JSON: ``{"hex": ...}`` becomes bytes, lists recurse."""
    if isinstance(raw, dict):
        return bytes.fromhex(raw["hex"])
    if isinstance(raw, list):
        return [hex_value(x) for x in raw]
    return raw


def build_event(spec: dict[str, Any], proto: ModuleType) -> Any:
    """The object an event spec describes.

    ``spec["type"]`` names a class of ``proto`` or of ``firmware_protocol._common``
    (``"Command"`` takes its ``value``); the other fields are keyword arguments,
    with lists turned into tuples and ``<field>_hex`` strings into ``<field>`` bytes.
    """
    fields = dict(spec)
    kind = fields.pop("type")
    if kind == "Command":
        return Command(fields["value"])
    cls = getattr(proto, kind, None) or getattr(_common, kind)
    kwargs: dict[str, Any] = {}
    for key, val in fields.items():
        if key.endswith("_hex"):
            kwargs[key[: -len("_hex")]] = bytes.fromhex(val)
        elif isinstance(val, list):
            kwargs[key] = tuple(val)
        else:
            kwargs[key] = val
    return cls(**kwargs)


def assert_events(
    actual: list[Any], expected_specs: list[dict[str, Any]], proto: ModuleType
) -> None:
    """``actual`` matches the specs; ``Samples`` floats to 1e-12, all else exactly.

    A ``Samples`` column the spec leaves out is expected to be ``None``.
    """
    expected = [build_event(s, proto) for s in expected_specs]
    assert len(actual) == len(expected), actual
    for got, want in zip(actual, expected, strict=True):
        assert type(got) is type(want), (got, want)
        if isinstance(want, Samples):
            assert got.force_n == pytest.approx(want.force_n, rel=1e-12, abs=1e-12), (got, want)
            if want.device_time_s is None:
                assert got.device_time_s is None, got
            else:
                assert got.device_time_s == pytest.approx(want.device_time_s, rel=1e-12), (
                    got,
                    want,
                )
            assert got.gyro_dps == want.gyro_dps, (got, want)
            assert got.first_index == want.first_index, (got, want)
        else:
            assert got == want, (got, want)


def assert_golden(vector: Vector, decode: Callable[[bytes], Any], proto: ModuleType) -> None:
    """``decode`` of the vector's ``hex`` gives what the vector says.

    That is its ``events`` specs (device to host) or its ``command`` spec (host to
    device); a vector with an ``"error"`` must make ``decode`` raise
    ``RemoteProtocolError``.
    """
    data = bytes.fromhex(vector["hex"])
    if "error" in vector:
        with pytest.raises(RemoteProtocolError):
            decode(data)
    elif vector["direction"] == DEVICE_TO_HOST:
        assert_events(decode(data), vector["events"], proto)
    else:
        assert decode(data) == build_event(vector["command"], proto), vector["name"]
