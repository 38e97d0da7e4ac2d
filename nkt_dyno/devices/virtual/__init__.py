"""A BLE radio in the process: bumble controllers on a LocalLink behind bleak backends.

Simulated devices run as real GATT servers on the radio's peripherals; bleak
code given ``radio.backends()`` scans, connects and subscribes to them through
a real ATT/GATT exchange, with no hardware and no privileges.
"""

from nkt_dyno.devices.virtual._client import REQUESTED_MTU, VirtualClient
from nkt_dyno.devices.virtual._convert import advertising_bytes
from nkt_dyno.devices.virtual._gatt import gatt_characteristic, gatt_service
from nkt_dyno.devices.virtual._quiet import quiet_packet_formatting, restore_packet_formatting
from nkt_dyno.devices.virtual._radio import VirtualRadio, VirtualRadioError
from nkt_dyno.devices.virtual._scanner import VirtualScanner

__all__ = [
    "REQUESTED_MTU",
    "VirtualClient",
    "VirtualRadio",
    "VirtualRadioError",
    "VirtualScanner",
    "advertising_bytes",
    "gatt_characteristic",
    "gatt_service",
    "quiet_packet_formatting",
    "restore_packet_formatting",
]
