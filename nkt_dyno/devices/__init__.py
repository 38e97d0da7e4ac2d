"""Talking to dynamometers: the bleak driver, simulated devices and the virtual radio."""

from nkt_dyno.devices._backends import PLATFORM, BleakBackends
from nkt_dyno.devices._motion import (
    ImuSamples,
    MotionReducer,
    imu_path,
    read_imu_csv,
    reduce_recording,
    write_imu_csv,
)
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
    "ImuSamples",
    "MotionReducer",
    "Profile",
    "SampleBlock",
    "SampleFlag",
    "State",
    "StateChange",
    "find",
    "imu_path",
    "read_imu_csv",
    "recognise",
    "reduce_recording",
    "scan",
    "write_imu_csv",
]
