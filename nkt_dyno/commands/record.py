"""``nkt-dyno record``: stream one device to a trace CSV with a live line, or into the store.

With ``--save`` the tags are checked against the store before the device is
opened (a client should not perform a test that then cannot be kept), and
the test is saved with the live engine results, the device and the
calibration applied. A device lost mid-test still yields a saved test of
what was recorded, marked in its notes and trace metadata.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nkt_dyno.commands._choices import CONDITIONS, SIDES
from nkt_dyno.commands._errors import fail, positive_float
from nkt_dyno.commands._storecli import add_db_argument, with_store
from nkt_dyno.commands.calibrate import add_sim_error_argument
from nkt_dyno.summary import effort_lines, verdict_line

if TYPE_CHECKING:
    from calibration import CalibrationRecord
    from nkt_dyno.devices import Dynamometer, SampleBlock, StateChange
    from nkt_dyno.devices._session import DeviceSession
    from nkt_dyno.store import Device, Store
    from nkt_dyno.trace import Trace


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("record", help="record a device to a trace CSV or the store")
    p.add_argument("--device", required=True, help="address, or sim:progressor, sim:openprofile...")
    p.add_argument(
        "--scenario",
        default="hold",
        help="simulated force: a case (hold, break...) or a trace file",
    )
    p.add_argument(
        "--seconds", type=positive_float, default=10.0, help="recording time (default 10)"
    )
    p.add_argument("-o", "--output", help="trace CSV to write (optional with --save)")
    p.add_argument(
        "--no-calibration",
        action="store_true",
        help="record raw readings instead of applying the device's calibration record",
    )
    add_sim_error_argument(p)
    tags = p.add_argument_group("saving the test in the store")
    tags.add_argument("--save", action="store_true", help="save the test with the tags below")
    tags.add_argument("--client", help="client id or exact name")
    tags.add_argument("--muscle", help="muscle tested (name, alias or shorthand)")
    tags.add_argument("--side", choices=SIDES)
    tags.add_argument("--condition", choices=CONDITIONS, default="baseline")
    tags.add_argument("--target", metavar="MUSCLE", help="challenge target muscle")
    tags.add_argument("--examiner", help="examiner's name, for a new session")
    tags.add_argument("--notes", default="")
    add_db_argument(p)
    p.set_defaults(run=run)


@dataclass(frozen=True, slots=True)
class Tags:
    """What a saved test is about, checked against the store before recording."""

    client_id: int
    muscle: str
    side: str
    condition: str
    target: str | None = None
    examiner: str | None = None
    notes: str = ""

    @classmethod
    def from_args(cls, store: Store, args: argparse.Namespace) -> Tags:
        """The tags of ``args`` resolved in ``store`` (NotFoundError/ValueError if unknown)."""
        return cls(
            client_id=store.find_client(args.client).id,
            muscle=store.resolve_muscle(args.muscle).name,
            side=args.side,
            condition=args.condition,
            target=store.resolve_muscle(args.target).name if args.target else None,
            examiner=args.examiner,
            notes=args.notes,
        )


@dataclass(frozen=True, slots=True, eq=False)
class Take:
    """One recording with what the store keeps beside it."""

    trace: Trace
    results: tuple[Any, ...] | None
    """The live engine's results; None when the engine is not installed."""
    device: Device
    calibration: CalibrationRecord | None
    lost: bool
    gaps: int


def run(args: argparse.Namespace) -> int:
    if not args.save:
        if args.output is None:
            return fail("give -o FILE to write a trace, or --save to keep the test in the store")
        return _run(args, None)
    missing = [f"--{k}" for k in ("client", "muscle", "side") if not getattr(args, k)]
    if missing:
        return fail(f"--save needs {', '.join(missing)} (who, which muscle, which side)")
    return with_store(_run_saving)(args)


def _run_saving(store: Store, args: argparse.Namespace) -> int:
    return _run(args, Tags.from_args(store, args), store)


def _run(args: argparse.Namespace, tags: Tags | None, store: Store | None = None) -> int:
    import asyncio

    from calibration import RecordError

    try:
        take = asyncio.run(_record(args))
    except RecordError as exc:
        return fail(f"{exc} (record raw readings with --no-calibration)")
    if take is None:
        return fail("no samples received from the device")
    if args.output is not None:
        from nkt_dyno.trace import write_trace

        write_trace(args.output, take.trace)
    _report(take, args.output)
    if store is not None and tags is not None:
        print(f"saved as test {_save_or_rescue(store, take, tags, args.output)}")
    return 0


def _save_or_rescue(store: Store, take: Take, tags: Tags, output: str | None) -> int:
    """Save the test; if the store refuses, keep the recording in a trace file.

    A test the patient has just performed must not vanish because the disk is
    full or the store is locked: without ``-o`` the trace goes to a file named
    after the time, in the current folder, and the error says where.
    """
    from nkt_dyno.store import StoreError

    try:
        return save_take(store, take, tags)
    except StoreError as exc:
        if output is None:
            import time

            from nkt_dyno.trace import write_trace

            rescue = f"nkt-dyno-unsaved-{time.strftime('%Y%m%d-%H%M%S')}.csv"
            try:
                write_trace(rescue, take.trace)
            except OSError as io_exc:
                raise StoreError(f"{exc}; the trace could not be kept either: {io_exc}") from exc
            output = rescue
        raise StoreError(
            f"{exc}; the recording is kept in {output} (import it later with "
            f"`nkt-dyno import {output} --client ...`)"
        ) from exc


async def _record(args: argparse.Namespace) -> Take | None:
    from nkt_dyno.commands.calibrate import sim_config
    from nkt_dyno.devices._session import open_device

    async with open_device(
        args.device,
        scenario=args.scenario,
        sim=sim_config(args.sim_error),
        calibrated=not args.no_calibration,
    ) as session:
        if session.calibration is not None:
            print(f"calibration {session.calibration.fingerprint()} applied", file=sys.stderr)
        # The live line rewrites itself with carriage returns: only on a terminal, not in a log.
        live = _Live(display=sys.stderr.isatty())
        take = await take_test(session, args.device, args.seconds, live)
    if live.display:
        print(file=sys.stderr)
    return take


async def take_test(
    session: DeviceSession, device_id: str, seconds: float, live: _Live | None = None
) -> Take | None:
    """Record ``seconds`` from an open device; None if it sent fewer than two samples.

    ``device_id`` is the name the device was opened by, the key its
    calibration records are kept under.
    """
    from nkt_dyno.devices._recording import record
    from nkt_dyno.store import Device
    from nkt_dyno.trace import Trace

    live = live or _Live(display=False)
    dyno = session.dyno
    firmware = await _firmware(dyno)
    rec = await record(dyno, seconds, live.show)
    if len(rec.t) < 2:
        return None
    rate = (len(rec.t) - 1) / float(rec.t[-1] - rec.t[0])
    applied = session.calibration
    meta = {
        "sample_rate_hz": f"{rate:.1f}",
        "device": dyno.device.name,
        "calibration": "none" if applied is None else applied.fingerprint(),
    }
    if rec.lost:
        meta["link_lost_at_s"] = f"{rec.t[-1]:.3f}"
    return Take(
        trace=Trace(rec.t, rec.force, rec.gyro, meta),
        results=live.results(),
        device=Device(device_id, dyno.profile.spec.model, firmware),
        calibration=applied,
        lost=rec.lost,
        gaps=rec.gaps,
    )


def save_take(store: Store, take: Take, tags: Tags) -> int:
    """Save a recording with its tags; return the new test's id."""
    from nkt_dyno.store import save_recording

    notes = tags.notes
    if take.lost:
        lost = f"device lost at {take.trace.t[-1]:.1f} s: the recording ends there"
        notes = f"{lost}; {notes}" if notes else lost
    return save_recording(
        store,
        take.trace,
        client=tags.client_id,
        muscle=tags.muscle,
        side=tags.side,
        condition=tags.condition,
        examiner=tags.examiner,
        device=take.device,
        calibration=take.calibration,
        challenge_target=tags.target,
        notes=notes,
        results=take.results,
    )


async def _firmware(dyno: Dynamometer) -> str:
    """The device's firmware version, or "" when it cannot say (no such command, no reply)."""
    from bleak.exc import BleakError

    from firmware_protocol import LocalProtocolError, RemoteProtocolError

    try:
        return (await dyno.firmware()).text
    except (BleakError, LocalProtocolError, RemoteProtocolError, TimeoutError):
        return ""


def _report(take: Take, output: str | None) -> None:
    import numpy as np

    trace = take.trace
    n = len(trace.t)
    line = (
        f"{n} samples ({trace.metadata['sample_rate_hz']}/s), "
        f"peak {float(np.max(trace.force)):.1f} N, {take.gaps} gaps"
    )
    print(line if output is None else f"{line} -> {output}")
    for effort in effort_lines(take.results):
        print(effort)
    if take.lost:
        print(f"device lost at {trace.t[-1]:.1f} s: kept what was recorded", file=sys.stderr)


class _Live:
    """The one-line live display, and the engine's results when it is installed."""

    def __init__(self, *, display: bool) -> None:
        self.state = "connecting"
        self.force = self.peak = 0.0
        self.verdict = ""
        self._t0: float | None = None
        self.display = display
        self._results: list[Any] = []
        try:
            from nkt_dyno.engine import Complete, Detector, DetectorConfig

            self._detector: object | None = Detector(DetectorConfig())
            self._complete: type | None = Complete
        except ImportError:
            self._detector = self._complete = None

    def show(self, item: SampleBlock | StateChange) -> None:
        from nkt_dyno.devices import StateChange

        if isinstance(item, StateChange):
            self.state = item.state.value
        else:
            self.update(item)
        if self.display:
            print(f"\r{self.line()}", end="", file=sys.stderr, flush=True)

    def update(self, block: SampleBlock) -> None:
        self.force = float(block.force[-1])
        self.peak = max(self.peak, float(block.force.max()))
        if self._t0 is None:
            self._t0 = float(block.t[0])
        if self._detector is not None:
            # Times from the first sample, as in the saved trace, so stored results match it.
            events = self._detector.feed(block.t - self._t0, block.force, block.gyro)  # type: ignore[attr-defined]
            self._collect(events)

    def results(self) -> tuple[Any, ...] | None:
        """Every effort the engine completed, closing one still open at the end."""
        if self._detector is None:
            return None
        self._collect(self._detector.finish())  # type: ignore[attr-defined]
        return tuple(self._results)

    def _collect(self, events: list[object]) -> None:
        for event in events:
            if self._complete is not None and isinstance(event, self._complete):
                result = event.result  # type: ignore[attr-defined]
                self._results.append(result)
                self.verdict = f"  last test: {verdict_line(result.to_dict())}"

    def line(self) -> str:
        return (
            f"{self.state:12} force {self.force:7.1f} N  peak {self.peak:7.1f} N{self.verdict}   "
        )
