"""``nkt-dyno demo``: a short simulated session, end to end, no hardware needed.

A simulated Progressor on the virtual radio plays a few holds and breaks; the
real driver records it, and the engine, fed each block as it arrives (the live
code path), gives each effort's verdict.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from nkt_dyno.commands._errors import UserError, positive_int
from nkt_dyno.summary import verdict_line

if TYPE_CHECKING:
    from nkt_dyno.engine import Event

DEFAULT_OUT = "nkt-dyno-demo"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("demo", help="run a short simulated session and show the verdicts")
    p.add_argument(
        "-o",
        "--output",
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"folder for the traces (default ./{DEFAULT_OUT})",
    )
    p.add_argument("--efforts", type=positive_int, default=4, help="number of efforts (default 4)")
    p.add_argument(
        "--seed", type=int, default=7, help="seed of the simulated efforts: same seed, same session"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    from pathlib import Path

    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} is a file: -o/--output names a folder for the traces")
    return asyncio.run(_demo(args))


async def _demo(args: argparse.Namespace) -> int:
    import numpy as np

    from nkt_dyno.devices._recording import record
    from nkt_dyno.devices._session import open_device
    from nkt_dyno.devices.simulator import Scenario
    from nkt_dyno.engine.synthetic import generate_session
    from nkt_dyno.files import private_dir
    from nkt_dyno.trace import Trace, write_trace

    cases = ["hold", "break"] * ((args.efforts + 1) // 2)
    session = generate_session(
        args.seed, args.efforts, rate_hz=1000.0, cases=cases[: args.efforts], rest_s=(1.0, 1.5)
    )
    t0 = float(session.t[0])
    scenario = Scenario(session.t - t0, session.force, rest_s=0.0, repeat=False, label="demo")
    seconds = float(session.t[-1] - t0)
    print(f"simulated Tindeq Progressor, {args.efforts} efforts, {seconds:.0f} s;", end=" ")
    print("each verdict prints as the engine calls it", flush=True)
    live = _Live([tr.verdict for tr in session.truths])
    # The simulated sensor is exact: a record saved for sim:progressor is not for it.
    async with open_device("sim:progressor", scenario=scenario, calibrated=False) as device:
        rec = await record(device.dyno, seconds, on_item=live.feed)
        name = device.dyno.device.name
    out = private_dir(args.output)
    path = out / "session.csv"
    rate = (len(rec.t) - 1) / float(rec.t[-1])
    meta = {"sample_rate_hz": f"{rate:.1f}", "device": name, "note": "simulated demo session"}
    write_trace(path, Trace(rec.t, rec.force, None, meta))
    live.finish()
    print(f"{len(rec.t)} samples at {rate:.1f}/s; trace written to {path.resolve()}")
    print(f"analyse it again with: nkt-dyno analyze {path}")
    return 0 if len(rec.t) > 0 and np.isfinite(rec.force).all() else 1


class _Live:
    """The engine fed each block as the driver delivers it: the live code path.

    Each effort is printed the moment the engine completes it, so the demo shows
    verdicts arriving as a therapist would see them.
    """

    def __init__(self, expected: list[str]) -> None:
        from nkt_dyno.engine import Detector, DetectorConfig

        self._detector = Detector(DetectorConfig())
        self._expected = expected
        self.completed = 0
        self.t0: float | None = None
        """Host time of the first sample: reported times count from it, as in the trace."""

    def feed(self, item: object) -> None:
        from nkt_dyno.devices import SampleBlock

        if isinstance(item, SampleBlock):
            if self.t0 is None and len(item):
                self.t0 = float(item.t[0])
            self._show(self._detector.feed(item.t, item.force, item.gyro))

    def finish(self) -> None:
        self._show(self._detector.finish())
        if not self.completed:
            print("the engine found no complete effort")

    def _show(self, events: list[Event]) -> None:
        from nkt_dyno.engine import Complete

        for event in events:
            if isinstance(event, Complete):
                self.completed += 1
                print(
                    _line(self.completed, event.result.to_dict(), self.t0 or 0.0, self._expected),
                    flush=True,
                )


def _line(number: int, res: dict[str, object], t0: float, expected: list[str]) -> str:
    peak_s = res.get("peak_s")
    at = None if peak_s is None else float(peak_s) - t0  # type: ignore[arg-type]
    truth = expected[number - 1] if number <= len(expected) else "?"
    return (
        f"effort {number}: {verdict_line(res)}  (simulated as {truth}; "
        f"peak {_n(res.get('peak_n'))} N at {_n(at)} s, hold {_n(res.get('hold_s'))} s)"
    )


def _n(value: object) -> str:
    return "-" if value is None else f"{float(value):.1f}"  # type: ignore[arg-type]
