"""Sans-I/O codecs for the force devices nkt-dyno reads.

One module per protocol; each has a spec page (``*.md``) and golden vectors
(``vectors/*.json``) replayed by the tests. This package imports nothing from
the rest of the project and does no I/O.
"""

from firmware_protocol import activ5, cts500, forceboard, frez, openprofile, progressor, whc06
from firmware_protocol._common import (
    NEED_DATA,
    POUND_FORCE_N,
    STANDARD_GRAVITY,
    Battery,
    Codec,
    Command,
    DeviceId,
    DeviceSpec,
    Event,
    FirmwareVersion,
    LocalProtocolError,
    LowBattery,
    NeedData,
    ProtocolError,
    RemoteProtocolError,
    Samples,
    Write,
    uuid16,
)
from firmware_protocol.activ5 import Activ5Codec
from firmware_protocol.cts500 import Cts500Codec
from firmware_protocol.forceboard import ForceBoardCodec
from firmware_protocol.frez import FrezCodec
from firmware_protocol.openprofile import OpenProfileCodec
from firmware_protocol.progressor import ProgressorCodec
from firmware_protocol.whc06 import WHC06Codec

CODECS: tuple[type[Codec], ...] = (
    ProgressorCodec,
    Cts500Codec,
    ForceBoardCodec,
    Activ5Codec,
    OpenProfileCodec,
    WHC06Codec,
    FrezCodec,
)
"""Every supported device's codec; ``codec.spec`` tells how to recognise it."""

__all__ = [
    "CODECS",
    "NEED_DATA",
    "POUND_FORCE_N",
    "STANDARD_GRAVITY",
    "Activ5Codec",
    "Battery",
    "Codec",
    "Command",
    "Cts500Codec",
    "DeviceId",
    "DeviceSpec",
    "Event",
    "FirmwareVersion",
    "ForceBoardCodec",
    "FrezCodec",
    "LocalProtocolError",
    "LowBattery",
    "NeedData",
    "OpenProfileCodec",
    "ProgressorCodec",
    "ProtocolError",
    "RemoteProtocolError",
    "Samples",
    "WHC06Codec",
    "Write",
    "activ5",
    "cts500",
    "forceboard",
    "frez",
    "openprofile",
    "progressor",
    "uuid16",
    "whc06",
]
