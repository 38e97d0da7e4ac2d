"""Every codec, through the interface the driver uses, fails only with ProtocolError."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import firmware_protocol
from firmware_protocol import CODECS, Codec, Command, LocalProtocolError, ProtocolError, Write


@pytest.mark.parametrize("codec_type", CODECS, ids=lambda c: c.__name__)
def test_specs_are_well_formed(codec_type: type[Codec]) -> None:
    spec = codec_type.spec
    assert spec.model
    for uuid in (spec.service_uuid, spec.write_uuid, *spec.notify_uuids):
        assert uuid is None or (len(uuid) == 36 and uuid == uuid.lower())
    assert spec.service_uuid or spec.manufacturer_id is not None


@pytest.mark.parametrize("codec_type", CODECS, ids=lambda c: c.__name__)
def test_commands_give_bytes_or_local_error(codec_type: type[Codec]) -> None:
    codec = codec_type()
    for cmd in Command:
        try:
            write = codec.command(cmd)
        except LocalProtocolError:
            continue
        assert isinstance(write, Write) and write.data and write.characteristic


@pytest.mark.parametrize("codec_type", CODECS, ids=lambda c: c.__name__)
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.lists(st.binary(max_size=300), min_size=1, max_size=6), cmds=st.data())
def test_random_notifications_raise_only_protocol_errors(
    codec_type: type[Codec], data: list[bytes], cmds: st.DataObject
) -> None:
    codec = codec_type()
    chars = list(codec.spec.notify_uuids) or ["00000000-0000-0000-0000-000000000000"]
    for chunk in data:
        cmd = cmds.draw(st.sampled_from(list(Command)))
        with contextlib.suppress(LocalProtocolError):
            codec.command(cmd)
        try:
            events = codec.receive(cmds.draw(st.sampled_from(chars)), chunk)
        except ProtocolError:
            continue
        assert isinstance(events, list)


@pytest.mark.parametrize(
    "path", sorted((Path(firmware_protocol.__file__).parent / "vectors").glob("*.json"))
)
def test_every_golden_vector_names_its_source(path: Path) -> None:
    """Traceable to an independent public source, or marked ``ours``."""
    for vector in json.loads(path.read_text()):
        assert isinstance(vector.get("source"), str) and vector["source"].strip(), vector["name"]
