"""Recognising a device from its advertisement, as the scan does."""

from __future__ import annotations

from firmware_protocol import activ5, forceboard, uuid16
from nkt_dyno.devices._profiles import recognise


def test_activ5_advertising_only_its_legacy_service_is_recognised() -> None:
    # Regression: only the primary service UUID was checked, so a unit advertising
    # 0x5000 (the vendor SDK's scan filter) under another name was missed.
    profile = recognise("A5 unit", [activ5.LEGACY_SERVICE_UUID], {})
    assert profile is not None and profile.kind == "activ5"


def test_extra_service_uuid_in_upper_case_is_recognised() -> None:
    profile = recognise(None, [forceboard.WEIGHT_SERVICE_UUID.upper()], {})
    assert profile is not None and profile.kind == "forceboard"


def test_standard_services_alone_recognise_nothing() -> None:
    assert recognise(None, [uuid16(0x180F), uuid16(0x180A)], {}) is None
