"""Virtual-radio throughput: samples/s sustained and notification-to-sample latency.

Run: ``python bench/ble_throughput.py [--seconds S]``. Latency is from the
simulated device handing a notification to its GATT server to the driver
yielding the block (host monotonic clock, same process).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import deque

import numpy as np

from nkt_dyno.devices import DriverOptions, Dynamometer, SampleBlock, find
from nkt_dyno.devices.simulator import SimConfig, SimulatedOpenProfile, synthetic
from nkt_dyno.devices.virtual import VirtualRadio


async def measure(rate_hz: int, seconds: float) -> tuple[float, float, float, int]:
    async with VirtualRadio() as radio:
        sim = SimulatedOpenProfile(synthetic("hold", 1, gyro=True), SimConfig(rate_hz=rate_hz))
        sent_at: deque[float] = deque()
        transmit = sim.transmit

        async def stamped(data: bytes) -> None:
            sent_at.append(time.monotonic())
            await transmit(data)

        sim.transmit = stamped  # type: ignore[method-assign]
        found = await find(radio.backends(), await sim.attach(radio), timeout=5.0)
        latencies: list[float] = []
        count = 0
        options = DriverOptions(rate_hz=rate_hz)
        async with Dynamometer(found, backends=radio.backends(), options=options) as dyno:
            await dyno.start()
            start = time.monotonic()
            async for item in dyno:
                if isinstance(item, SampleBlock):
                    now = time.monotonic()
                    count += len(item)
                    if sent_at:  # no loss on the virtual radio: blocks match sends in order
                        latencies.append(now - sent_at.popleft())
                if time.monotonic() - start >= seconds:
                    break
            elapsed = time.monotonic() - start
            await dyno.stop()
        await sim.close()
    lat = np.array(latencies) * 1e3
    return count / elapsed, float(np.median(lat)), float(np.percentile(lat, 99)), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    print(f"{'device':24} {'samples/s':>10} {'latency median':>15} {'p99':>8}")
    for rate in (80, 1000):
        sps, med, p99, n = asyncio.run(measure(rate, args.seconds))
        print(
            f"open profile {rate:5d} Hz    {sps:10.1f} {med:12.3f} ms {p99:6.3f} ms  ({n} samples)"
        )


if __name__ == "__main__":
    main()
