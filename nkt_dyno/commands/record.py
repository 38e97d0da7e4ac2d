"""``nkt-dyno record``: stream one device to a trace CSV with a live line."""

from __future__ import annotations

import argparse
import sys

from nkt_dyno.commands.calibrate import add_sim_error_argument
from nkt_dyno.summary import verdict_line


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("record", help="record a device to a trace CSV")
    p.add_argument("--device", required=True, help="address, or sim:progressor, sim:openprofile...")
    p.add_argument(
        "--scenario",
        default="hold",
        help="simulated force: a case (hold, break...) or a trace file",
    )
    p.add_argument("--seconds", type=float, default=10.0, help="recording time (default 10)")
    p.add_argument("-o", "--output", required=True, help="trace CSV to write")
    p.add_argument(
        "--no-calibration",
        action="store_true",
        help="record raw readings instead of applying the device's calibration record",
    )
    add_sim_error_argument(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from calibration import RecordError

    try:
        return asyncio.run(_record(args))
    except RecordError as exc:
        print(f"error: {exc} (record raw readings with --no-calibration)", file=sys.stderr)
        return 1
    except (ValueError, LookupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


async def _record(args: argparse.Namespace) -> int:
    import numpy as np

    from nkt_dyno.commands.calibrate import sim_config
    from nkt_dyno.devices import SampleBlock, StateChange
    from nkt_dyno.devices._recording import record
    from nkt_dyno.devices._session import open_device
    from nkt_dyno.trace import Trace, write_trace

    live = _Live()

    def show(item: SampleBlock | StateChange) -> None:
        if isinstance(item, StateChange):
            live.state = item.state.value
        else:
            live.update(item)
        print(f"\r{live.line()}", end="", file=sys.stderr, flush=True)

    async with open_device(
        args.device,
        scenario=args.scenario,
        sim=sim_config(args.sim_error),
        calibrated=not args.no_calibration,
    ) as session:
        applied = session.calibration
        if applied is not None:
            print(f"calibration {applied.fingerprint()} applied", file=sys.stderr)
        rec = await record(session.dyno, args.seconds, show)
        name = session.dyno.device.name
    print(file=sys.stderr)
    if len(rec.t) < 2:
        print("no samples received", file=sys.stderr)
        return 1
    rate = (len(rec.t) - 1) / float(rec.t[-1] - rec.t[0])
    meta = {
        "sample_rate_hz": f"{rate:.1f}",
        "device": name,
        "calibration": "none" if applied is None else applied.fingerprint(),
    }
    write_trace(args.output, Trace(rec.t, rec.force, rec.gyro, meta))
    peak = float(np.max(rec.force))
    print(
        f"{len(rec.t)} samples ({rate:.1f}/s), peak {peak:.1f} N, {rec.gaps} gaps -> {args.output}"
    )
    return 0


class _Live:
    """The one-line live display; the engine adds its verdicts when it is installed."""

    def __init__(self) -> None:
        self.state = "connecting"
        self.force = self.peak = 0.0
        self.verdict = ""
        try:
            from nkt_dyno.engine import Complete, Detector, DetectorConfig

            self._detector: object | None = Detector(DetectorConfig())
            self._complete: type | None = Complete
        except ImportError:
            self._detector = self._complete = None

    def update(self, block: object) -> None:
        from nkt_dyno.devices import SampleBlock

        assert isinstance(block, SampleBlock)
        self.force = float(block.force[-1])
        self.peak = max(self.peak, float(block.force.max()))
        if self._detector is not None:
            for event in self._detector.feed(block.t, block.force, block.gyro):  # type: ignore[attr-defined]
                if self._complete is not None and isinstance(event, self._complete):
                    result = event.result.to_dict()  # type: ignore[attr-defined]
                    self.verdict = f"  last test: {verdict_line(result)}"

    def line(self) -> str:
        return (
            f"{self.state:12} force {self.force:7.1f} N  peak {self.peak:7.1f} N{self.verdict}   "
        )
