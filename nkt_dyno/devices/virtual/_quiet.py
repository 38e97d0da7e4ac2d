"""Cheap packet formatting for bumble when nobody reads its debug log.

bumble builds an f-string dump of every HCI and ATT packet before calling
``logger.debug``, even when debug logging is off; at 1 kHz that costs about
half a core. While the ``bumble`` logger is not enabled for DEBUG, the packet
classes that sit on the notification path get a one-word ``__str__`` instead.
"""

from __future__ import annotations

import logging

from bumble import att, hci, l2cap

_PATCHED: list[type] = [
    hci.HCI_Command,
    hci.HCI_Event,
    hci.HCI_AclDataPacket,
    att.ATT_PDU,
    l2cap.L2CAP_PDU,
]
_ORIGINAL: dict[type, object] = {}


def _short(self: object) -> str:
    return type(self).__name__


def quiet_packet_formatting() -> bool:
    """Use the short form unless bumble debug logging is on; True if it is in use."""
    if logging.getLogger("bumble").isEnabledFor(logging.DEBUG):
        restore_packet_formatting()
        return False
    for cls in _PATCHED:
        if cls not in _ORIGINAL:
            _ORIGINAL[cls] = cls.__dict__["__str__"]
            cls.__str__ = _short  # type: ignore[method-assign,assignment]
    return True


def restore_packet_formatting() -> None:
    """Put bumble's own packet dumps back (for debugging the radio itself)."""
    for cls, original in _ORIGINAL.items():
        cls.__str__ = original  # type: ignore[method-assign,assignment]
    _ORIGINAL.clear()
