"""``nkt-dyno scan``: list the supported devices in range."""

from __future__ import annotations

import argparse
import sys

from nkt_dyno.commands._errors import NO_RADIO, positive_float


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("scan", help="list supported devices in range")
    p.add_argument("--simulate", action="store_true", help="add one simulated device of each kind")
    p.add_argument("--seconds", type=positive_float, default=3.0, help="scan time (default 3)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    return asyncio.run(_scan(args.seconds, args.simulate))


async def _scan(seconds: float, simulate: bool) -> int:
    from nkt_dyno.devices import PLATFORM, FoundDevice, scan

    found: list[FoundDevice] = []
    if simulate:
        from nkt_dyno.devices.simulator import SIMULATORS, synthetic
        from nkt_dyno.devices.virtual import VirtualRadio

        async with VirtualRadio() as radio:
            names = {
                await cls(synthetic("hold")).attach(radio): name for name, cls in SIMULATORS.items()
            }
            found += [
                FoundDevice(f.kind, f"sim:{names[f.address]}", f.name, f.rssi)
                for f in await scan(radio.backends(), min(seconds, 1.0))
            ]
    try:
        found += await scan(PLATFORM, seconds)
    except Exception:  # no adapter, no permission: still show the simulated ones
        if not simulate:
            raise
        print(f"nkt-dyno: {NO_RADIO}; listing the simulated devices only", file=sys.stderr)
    for f in found:
        print(f"{f.address:24} {f.kind:12} {f.rssi:5d} dBm  {f.name}")
    if not found:
        print("no supported devices found")
    return 0
