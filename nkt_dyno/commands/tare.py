"""``nkt-dyno tare``: zero a device at rest, refused while the reading moves.

A zero taken while a hand still presses or a load swings would offset every
later test, so the device's own tare command is sent only after
:func:`calibration.tare` has found a quiet window. A device with no tare
command (the WH-C06 takes none) is refused before anything is read.

The device keeps its zero until it is switched off (a simulated device: until
the command ends). A calibration record's offset belongs to the untared
device; within one connection the driver shifts the correction to the new
zero, so tare in the session that records when the device is calibrated.
"""

from __future__ import annotations

import argparse

from nkt_dyno.commands._errors import fail, positive_float
from nkt_dyno.commands.calibrate import add_sim_error_argument


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("tare", help="zero a device at rest (refused while it moves)")
    p.add_argument("--device", required=True, help="address, or sim:progressor, sim:cts500...")
    p.add_argument(
        "--window", type=positive_float, default=1.0, help="seconds of reading judged (default 1)"
    )
    p.add_argument(
        "--scenario",
        default=None,
        help="simulated force: a case (hold, break...) or a trace file (default: at rest)",
    )
    add_sim_error_argument(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from calibration import CalibrationError

    try:
        return asyncio.run(_tare(args))
    except CalibrationError as exc:
        return fail(f"tare refused: {exc}")


async def _tare(args: argparse.Namespace) -> int:
    from calibration import tare
    from nkt_dyno.commands.calibrate import WindowReader, sim_config
    from nkt_dyno.devices._session import open_device
    from nkt_dyno.devices.simulator import constant

    scenario = constant(0.0) if args.scenario is None else args.scenario
    async with open_device(
        args.device, scenario=scenario, sim=sim_config(args.sim_error)
    ) as session:
        dyno = session.dyno
        if not dyno.can_tare:
            model = dyno.profile.spec.model
            return fail(f"tare refused: the {model} takes no tare command; zero it with its button")
        async with WindowReader.streaming(dyno) as reader:
            samples = await reader.window(args.window)
            before = tare(samples, len(samples) / args.window)
            await dyno.tare()
            after = float((await reader.window(args.window)).mean())
    print(f"tared {dyno.device.name}: read {before:+.2f} N at rest, now {after:+.2f} N")
    return 0
