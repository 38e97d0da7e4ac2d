"""Tests without hardware: a synthetic effort played as if a device streamed it."""

from __future__ import annotations

from gui._sources import ReplaySource
from nkt_dyno.engine import synthetic
from nkt_dyno.trace import Trace

DEVICE_RATES_HZ: dict[str, float] = {
    "progressor": 80.0,
    "cts500": 80.0,
    "forceboard": 100.0,
    "activ5": 100.0,
    "nkt-open": 1000.0,
}
"""Sample rates of the simulated devices, as their protocols stream (DESIGN §4)."""


def synthetic_trace(scenario: str, *, seed: int = 1, rate_hz: float = 80.0) -> Trace:
    """One labelled synthetic effort (``scenario`` is a case of the generator)."""
    s = synthetic.generate(scenario, seed, rate_hz=rate_hz)
    meta = {"device": f"synthetic {rate_hz:g} Hz", "scenario": scenario, "seed": str(seed)}
    return Trace(t=s.t, force=s.force, gyro=s.gyro, metadata=meta)


def simulated_source(scenario: str, *, device: str = "progressor", seed: int = 1) -> ReplaySource:
    """A real-time replay of a synthetic effort at ``device``'s sample rate."""
    rate = DEVICE_RATES_HZ.get(device, 80.0)
    return ReplaySource(synthetic_trace(scenario, seed=seed, rate_hz=rate), 1.0)
