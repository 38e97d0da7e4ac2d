"""Talking to dynamometers: the bleak driver, simulated devices and the virtual radio."""

from nkt_dyno.devices._backends import PLATFORM, BleakBackends
from nkt_dyno.devices._profiles import PROFILES, Profile, recognise
from nkt_dyno.devices._scan import find, scan
from nkt_dyno.devices._types import (
    Correction,
    DriverOptions,
    DriverStats,
    FoundDevice,
    SampleBlock,
    SampleFlag,
    State,
    StateChange,
)
from nkt_dyno.devices.driver import Dynamometer

__all__ = [
    "PLATFORM",
    "PROFILES",
    "BleakBackends",
    "Correction",
    "DriverOptions",
    "DriverStats",
    "Dynamometer",
    "FoundDevice",
    "Profile",
    "SampleBlock",
    "SampleFlag",
    "State",
    "StateChange",
    "find",
    "recognise",
    "scan",
]
