"""Which bleak backend classes a program uses, chosen once where it starts."""

from __future__ import annotations

from dataclasses import dataclass

from bleak.backends.client import BaseBleakClient
from bleak.backends.scanner import BaseBleakScanner


@dataclass(frozen=True, slots=True)
class BleakBackends:
    """A scanner/client backend pair; ``None`` means bleak's platform default.

    Passed down explicitly (never read from a global), so a program that asked
    for the virtual radio cannot silently fall back to the real one or back.
    """

    scanner: type[BaseBleakScanner] | None = None
    client: type[BaseBleakClient] | None = None


PLATFORM = BleakBackends()
"""The operating system's Bluetooth stack."""
