"""Per-protocol facts the driver needs beyond the codec: what to subscribe, read, write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from firmware_protocol import (
    Codec,
    Command,
    DeviceSpec,
    Write,
    activ5,
    cts500,
    forceboard,
    frez,
    openprofile,
    progressor,
    whc06,
)


@dataclass(frozen=True, slots=True)
class Profile:
    kind: str
    spec: DeviceSpec
    codec: Callable[[], Codec]
    subscribe: tuple[str, ...]
    battery_read: str | None = None
    """Battery comes from reading this characteristic instead of a command."""
    id_read: str | None = None
    version_read: str | None = None
    """Firmware version comes from reading this characteristic instead of a command."""
    advert_only: bool = False
    tare_command: bool = True
    """False for a device that takes no tare command (zeroed by the host instead)."""
    may_stop_on_tare: bool = False
    """Some units of this kind stop streaming after a tare (Crimpdeq does)."""
    force_axis: tuple[float, float, float] | None = None
    """The push direction in the IMU's axes, for a device whose 3-axis IMU gives the
    motion channel (see ``_motion``); None for devices without one."""

    def start(self, codec: Codec, rate_hz: int) -> Write:
        if isinstance(codec, openprofile.OpenProfileCodec):
            return codec.start(rate_hz)
        return codec.command(Command.START)


PROFILES: dict[str, Profile] = {
    p.kind: p
    for p in (
        Profile(
            "progressor",
            progressor.SPEC,
            progressor.ProgressorCodec,
            (progressor.DATA_POINT_UUID,),
            may_stop_on_tare=True,
        ),
        Profile("cts500", cts500.SPEC, cts500.Cts500Codec, (cts500.NOTIFY_UUID,)),
        Profile(
            "forceboard",
            forceboard.SPEC,
            forceboard.ForceBoardCodec,
            (forceboard.FORCE_UUID,),
            battery_read=forceboard.BATTERY_LEVEL_UUID,
        ),
        Profile(
            "activ5",
            activ5.SPEC,
            activ5.Activ5Codec,
            # force last: subscribing to it starts the v2 stream, IMU included
            (activ5.LEGACY_NOTIFY_UUID, activ5.IMU_UUID, activ5.FORCE_UUID),
            battery_read=activ5.BATTERY_LEVEL_UUID,
            id_read=activ5.SERIAL_NUMBER_UUID,
            force_axis=activ5.FORCE_AXIS,
        ),
        Profile(
            "openprofile",
            openprofile.SPEC,
            openprofile.OpenProfileCodec,
            (openprofile.CONTROL_UUID, openprofile.DATA_UUID),
        ),
        Profile("whc06", whc06.SPEC, whc06.WHC06Codec, (), advert_only=True),
        Profile(
            "frez",
            frez.SPEC,
            frez.FrezCodec,
            (frez.NOTIFY_UUID,),
            battery_read=frez.BATTERY_LEVEL_UUID,
            id_read=frez.SERIAL_NUMBER_UUID,
            version_read=frez.SOFTWARE_REVISION_UUID,
            tare_command=False,
        ),
    )
}


_SIG_BASE = "-0000-1000-8000-00805f9b34fb"


def _standard(uuid: str) -> bool:
    """A Bluetooth SIG service (0x18xx: battery, device information...) any device may have."""
    return uuid.endswith(_SIG_BASE) and uuid.startswith("000018")


def recognise(
    name: str | None, service_uuids: list[str], manufacturer_data: dict[int, bytes]
) -> Profile | None:
    """The profile an advertisement belongs to: service UUID first, then name, then maker.

    A profile's extra service UUIDs count as much as its primary one: an Activ5 whose
    firmware advertises only 0x5000 (the vendor SDK's scan filter) is still an Activ5.
    """
    uuids = {u.lower() for u in service_uuids}
    for profile in PROFILES.values():
        spec = profile.spec
        own = {u for u in (spec.service_uuid, *spec.extra_service_uuids) if u and not _standard(u)}
        if uuids & own:
            return profile
    for profile in PROFILES.values():
        if profile.spec.matches_name(name):
            return profile
    for profile in PROFILES.values():
        company = profile.spec.manufacturer_id
        if company is not None and company in manufacturer_data and profile.advert_only:
            try:
                whc06.decode_advertisement(manufacturer_data)
            except Exception:
                continue
            return profile
    return None
