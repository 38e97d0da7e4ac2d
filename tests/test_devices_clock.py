"""Device clocks onto host time: large drift, host jitter, never reordered."""

from __future__ import annotations

import numpy as np
import pytest

from nkt_dyno.devices._clock import ArrivalStamper, ClockMap

RATE_HZ = 80.0
PER_NOTIFICATION = 4
BASE_DELAY_S = 0.002
"""The smallest transport delay: invisible to any mapping, so samples land that much late."""


def _stream(drift_ppm: float, seconds: float, seed: int) -> tuple[np.ndarray, np.ndarray, list]:
    """True host times, and (device times, arrival) per notification with jitter."""
    rng = np.random.default_rng(seed)
    host = 1000.0 + np.arange(int(seconds * RATE_HZ)) / RATE_HZ
    device = 1234.5 + (host - host[0]) * (1.0 + drift_ppm * 1e-6)
    blocks = []
    for start in range(0, len(host), PER_NOTIFICATION):
        part = slice(start, start + PER_NOTIFICATION)
        jitter = rng.exponential(0.004)
        if rng.random() < 0.02:  # the host was busy
            jitter += rng.uniform(0.02, 0.08)
        blocks.append((device[part], float(host[part][-1] + BASE_DELAY_S + jitter)))
    return host, device, blocks


@pytest.mark.parametrize("drift_ppm", [-500.0, 0.0, 500.0])
def test_mapping_follows_drift_through_jitter(drift_ppm: float) -> None:
    host, _, blocks = _stream(drift_ppm, 120.0, seed=int(abs(drift_ppm)) + (drift_ppm < 0))
    clock = ClockMap()
    mapped = np.concatenate([clock.map(d, arrival) for d, arrival in blocks])
    assert np.all(np.diff(mapped) > 0)
    error = mapped - (host + BASE_DELAY_S)
    assert np.max(np.abs(error)) < 0.005
    settled = error[int(2 * RATE_HZ) :]  # once a few quiet arrivals were seen
    assert np.max(np.abs(settled)) < 0.0015
    assert clock.skew == pytest.approx(-drift_ppm * 1e-6, abs=30e-6)


def test_a_restarted_device_clock_is_fitted_anew() -> None:
    host, _, blocks = _stream(300.0, 20.0, seed=5)
    half = len(blocks) // 2
    zero = blocks[half][0][0]  # the device clock restarts from 0 here
    restarted = [(d - zero if i >= half else d, a) for i, (d, a) in enumerate(blocks)]
    clock = ClockMap()
    mapped = np.concatenate([clock.map(d, a) for d, a in restarted])
    assert np.all(np.diff(mapped) > 0)
    late = slice(int(14 * RATE_HZ), None)  # four seconds after the restart
    assert np.max(np.abs(mapped[late] - host[late] - BASE_DELAY_S)) < 0.0015


def test_mapping_stays_monotonic_when_arrivals_bunch_up() -> None:
    """A burst delivered late, then on time: times may not go backwards."""
    clock = ClockMap()
    device = 10.0 + np.arange(400) / RATE_HZ
    out = []
    for k in range(0, 400, 4):
        arrival = 500.0 + device[k + 3] - 10.0 + (0.25 if 100 <= k < 140 else 0.001)
        out.append(clock.map(device[k : k + 4], arrival))
    assert np.all(np.diff(np.concatenate(out)) > 0)


def test_arrival_stamps_are_monotonic_under_jitter() -> None:
    rng = np.random.default_rng(3)
    stamper = ArrivalStamper(10.0)
    arrivals = 5.0 + np.arange(200) / 10.0 + rng.exponential(0.01, 200)
    arrivals[50:55] = arrivals[55]  # five adverts delivered at once
    t = np.concatenate([stamper.stamp(1, float(a))[0] for a in arrivals])
    assert np.all(np.diff(t) > 0)
