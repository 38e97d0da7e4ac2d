"""GATT server attributes for simulated devices, with the radio's traps handled."""

from __future__ import annotations

from collections.abc import Callable

from bumble import att, gatt
from bumble.device import Connection

Props = gatt.Characteristic.Properties
WriteHandler = Callable[[bytes], None]
ReadHandler = Callable[[], bytes]


def _not_readable(connection: Connection) -> bytes:
    # Without an explicit error a client's read waits for bumble's 30 s time-out.
    raise att.ATT_Error(att.ErrorCode.READ_NOT_PERMITTED)


def gatt_characteristic(
    uuid: str,
    *,
    notify: bool = False,
    on_write: WriteHandler | None = None,
    on_read: ReadHandler | None = None,
) -> gatt.Characteristic[bytes]:
    """A characteristic that notifies, accepts writes (both kinds) and/or answers reads."""
    props = Props(0)
    permissions = att.Attribute.Permissions(0)
    if notify:
        props |= Props.NOTIFY
    if on_read is not None:
        props |= Props.READ
        permissions |= att.Attribute.Permissions.READABLE
    if on_write is not None:
        props |= Props.WRITE | Props.WRITE_WITHOUT_RESPONSE
        permissions |= att.Attribute.Permissions.WRITEABLE

    def read(connection: Connection) -> bytes:
        return on_read() if on_read is not None else _not_readable(connection)

    def write(connection: Connection, value: bytes) -> None:
        if on_write is None:
            raise att.ATT_Error(att.ErrorCode.WRITE_NOT_PERMITTED)
        on_write(bytes(value))

    return gatt.Characteristic(uuid, props, permissions, att.AttributeValue(read=read, write=write))


def gatt_service(uuid: str, characteristics: list[gatt.Characteristic[bytes]]) -> gatt.Service:
    return gatt.Service(uuid, characteristics)
