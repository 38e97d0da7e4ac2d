"""``nkt-dyno record``: stream one device to a trace CSV with a live line, or into the store.

Nothing the user does loses a recording: every sample is journalled to disk
as it arrives (:mod:`nkt_dyno.journal`) and the journal is deleted only once
the ``-o`` file and the store both hold the test; otherwise the user is told
where it is and ``nkt-dyno recover`` saves it. Ctrl-C and SIGTERM end the
recording early and keep it like the clock would. The ``-o`` path is checked,
and with ``--save`` the tags against the store, before the device is opened
(a client should not perform a test that then cannot be kept). A device lost
mid-test, or one that stays connected but falls silent, ends the recording
there: the test of what was recorded is saved, marked in its notes and trace
metadata, and the effort it cut is flagged ``gap``.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nkt_dyno.commands._choices import CONDITIONS, SIDES, TESTS
from nkt_dyno.commands._context import add_context_arguments, context_from_args
from nkt_dyno.commands._errors import fail, sentence
from nkt_dyno.commands._storecli import add_db_argument, with_store
from nkt_dyno.commands.calibrate import add_sim_error_argument
from nkt_dyno.context import NO_CONTEXT, TestContext
from nkt_dyno.summary import effort_lines, verdict_line

if TYPE_CHECKING:
    import asyncio

    from calibration import CalibrationRecord
    from nkt_dyno.devices import Dynamometer, ImuSamples, SampleBlock, StateChange
    from nkt_dyno.devices._session import DeviceSession
    from nkt_dyno.devices.simulator import Faults, SimConfig
    from nkt_dyno.journal import Journal
    from nkt_dyno.store import Device, Store
    from nkt_dyno.trace import Trace

FAULTS = ("drop", "disconnect", "vanish", "silent")
"""``--sim-fault`` kinds: packets dropped (%), link dropped, device gone, device mute (at s)."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("record", help="record a device to a trace CSV or the store")
    p.add_argument("--device", required=True, help="address, or sim:progressor, sim:openprofile...")
    p.add_argument(
        "--scenario",
        default="hold",
        help="simulated force: a case (hold, break...) or a trace file",
    )
    p.add_argument(
        "--seconds",
        type=_seconds,
        default=10.0,
        help="recording time (default 10; inf: until Ctrl-C, which keeps the recording)",
    )
    p.add_argument("-o", "--output", help="trace CSV to write (optional with --save)")
    p.add_argument(
        "--test",
        choices=TESTS,
        default="break",
        help="break: the examiner pushes, the patient resists (default); "
        "make: the patient pushes against a held or fixed device",
    )
    p.add_argument(
        "--no-calibration",
        action="store_true",
        help="record raw readings instead of applying the device's calibration record",
    )
    add_sim_error_argument(p)
    p.add_argument(
        "--sim-fault",
        action="append",
        type=_fault,
        default=[],
        metavar="KIND=VALUE",
        help="a fault of a simulated device, for testing (repeatable): drop=PCT, "
        "disconnect=T, vanish=T (gone for good), silent=T (connected, sends nothing)",
    )
    add_context_arguments(p)
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


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value > 0:
        raise argparse.ArgumentTypeError(
            f"expected a positive number of seconds or inf, got {text!r}"
        )
    return value


def _fault(text: str) -> tuple[str, float]:
    kind, _, value = text.partition("=")
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if kind not in FAULTS or not math.isfinite(number) or number < 0:
        kinds = ", ".join(f"{k}=N" for k in FAULTS)
        raise argparse.ArgumentTypeError(f"expected one of {kinds}, got {text!r}")
    return kind, number


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
    test: str = "break"
    client_name: str = ""
    context: TestContext = NO_CONTEXT

    @classmethod
    def from_args(cls, store: Store, args: argparse.Namespace) -> Tags:
        """The tags of ``args`` resolved in ``store`` (NotFoundError/ValueError if unknown)."""
        client = store.find_client(args.client)
        return cls(
            client_id=client.id,
            muscle=store.resolve_muscle(args.muscle).name,
            side=args.side,
            condition=args.condition,
            target=store.resolve_muscle(args.target).name if args.target else None,
            examiner=args.examiner,
            notes=args.notes,
            test=getattr(args, "test", "break"),
            client_name=client.name,
            context=context_from_args(args),
        )

    def metadata(self) -> dict[str, str]:
        """The tags as journal metadata, enough for ``recover`` to save the test."""
        meta = {
            "client": str(self.client_id),
            "client_name": self.client_name,
            "muscle": self.muscle,
            "side": self.side,
            "condition": self.condition,
            "examiner": self.examiner or "",
            "target": self.target or "",
            "notes": self.notes,
        }
        return {k: _one_line(v) for k, v in meta.items() if v}


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
    imu: ImuSamples | None = None
    """Raw IMU behind the trace's gyro column, written beside the trace file."""
    silent_s: float | None = None
    """The device sent nothing from this time (s) to the end while connected; None if not."""
    gap_at: tuple[int, ...] = ()
    """Samples the driver marked as following lost packets."""


def run(args: argparse.Namespace) -> int:
    if not args.save:
        if args.output is None:
            return fail("give -o FILE to write a trace, or --save to keep the test in the store")
        problem = output_problem(args.output)
        return fail(problem) if problem else _run(args, None)
    missing = [f"--{k}" for k in ("client", "muscle", "side") if not getattr(args, k)]
    if missing:
        return fail(f"--save needs {', '.join(missing)} (who, which muscle, which side)")
    problem = output_problem(args.output) if args.output is not None else None
    return fail(problem) if problem else with_store(_run_saving)(args)


def output_problem(path: str) -> str | None:
    """Why a trace cannot be written at ``path``, found before the client performs the test."""
    p = Path(path)
    folder = p.parent
    if p.is_dir():
        return f"-o {path} is a folder; give a file name, e.g. {p / 'trace.csv'}"
    if not folder.is_dir():
        return f"-o {path}: the folder {folder} does not exist (create it first)"
    if not os.access(folder, os.W_OK | os.X_OK) or (p.exists() and not os.access(p, os.W_OK)):
        return f"-o {path}: no permission to write there"
    return None


def _run_saving(store: Store, args: argparse.Namespace) -> int:
    return _run(args, Tags.from_args(store, args), store)


def _run(args: argparse.Namespace, tags: Tags | None, store: Store | None = None) -> int:
    import asyncio

    from bleak.exc import BleakError

    from calibration import RecordError
    from nkt_dyno.journal import Journal, label, unsaved

    waiting = unsaved()
    if waiting:
        print(
            f"note: {len(waiting)} unsaved recording(s) from earlier; "
            "list and save them with `nkt-dyno recover`",
            file=sys.stderr,
        )
    name = label(f"client{tags.client_id}", tags.muscle, tags.side) if tags else label()
    journal = Journal(_journal_metadata(args, tags, store), name)
    try:
        take = asyncio.run(_record(args, journal))
    except RecordError as exc:
        return _abandon(journal, f"{exc} (record raw readings with --no-calibration)")
    except (ValueError, LookupError, OSError, BleakError) as exc:
        radio = not args.device.startswith("sim:")
        return _abandon(journal, sentence(exc, radio=radio) or str(exc) or type(exc).__name__)
    if take is None:
        journal.discard()
        return fail("no samples received from the device")
    return _keep(args, take, tags, store, journal)


def _journal_metadata(
    args: argparse.Namespace, tags: Tags | None, store: Store | None
) -> dict[str, str]:
    from nkt_dyno.store._store import now

    meta = {"recorded": now(), "device_id": args.device, "test": args.test}
    meta.update(context_from_args(args).to_metadata())
    if tags is not None:
        meta.update(tags.metadata())
    if store is not None:
        meta["store"] = store.reference
    if args.output is not None:
        meta["output"] = str(Path(args.output).resolve())
    return meta


def _abandon(journal: Journal, message: str) -> int:
    """An error during the recording: keep whatever the journal holds, and say where."""
    journal.release()
    if journal.samples:
        kept = f"the {journal.samples} samples received are kept in {journal.path}"
        message += f"; {kept} (see `nkt-dyno recover`)"
    return fail(message)


def _keep(
    args: argparse.Namespace, take: Take, tags: Tags | None, store: Store | None, journal: Journal
) -> int:
    """Write ``-o`` and save; the journal goes only once both hold the recording."""
    from nkt_dyno.store import StoreError

    problems: list[str] = []
    if args.output is not None:
        from nkt_dyno.trace import write_trace

        try:
            write_trace(args.output, take.trace)
            if take.imu is not None:
                from nkt_dyno.devices import imu_path, write_imu_csv

                write_imu_csv(
                    imu_path(args.output), take.imu, {"device": take.trace.metadata["device"]}
                )
        except OSError as exc:
            problems.append(
                f"the trace could not be written to {args.output}: {exc.strerror or exc}"
            )
    _report(take, None if problems else args.output)
    if store is not None and tags is not None:
        try:
            print(f"saved as test {save_take(store, take, tags)}")
        except (StoreError, ValueError) as exc:
            problems.append(str(exc))
    if not problems:
        journal.discard()
        return 0
    for problem in problems:
        fail(problem)
    try:
        kept = journal.finish(take.trace, {"lost": "yes" if take.lost else "no"})
    except OSError as exc:
        return fail(f"the recording could not be kept either: {exc}")
    finally:
        journal.release()
    print(
        f"the recording ({len(take.trace)} samples) is kept in {kept}; save it later with "
        "`nkt-dyno recover --save` (or write it out with `nkt-dyno recover -o FOLDER`)",
        file=sys.stderr,
    )
    return 1


def _sim(args: argparse.Namespace) -> SimConfig | None:
    """The simulator settings ``--sim-error`` and ``--sim-fault`` ask for."""
    from nkt_dyno.commands.calibrate import sim_config

    config = sim_config(args.sim_error)
    if not args.sim_fault:
        return config
    from nkt_dyno.devices.simulator import SimConfig

    config = config or SimConfig()
    return replace(config, faults=_faults(config.faults, args.sim_fault))


def _faults(faults: Faults, chosen: list[tuple[str, float]]) -> Faults:
    for kind, value in chosen:
        if kind == "disconnect":
            faults = replace(faults, disconnect_at_s=(*faults.disconnect_at_s, value))
        elif kind == "drop":
            faults = replace(faults, drop_pct=value)
        elif kind == "vanish":
            faults = replace(faults, vanish_at_s=value)
        else:
            faults = replace(faults, silent_at_s=value)
    return faults


async def _record(args: argparse.Namespace, journal: Journal) -> Take | None:
    from nkt_dyno.devices._session import open_device

    async with open_device(
        args.device,
        scenario=args.scenario,
        sim=_sim(args),
        calibrated=not args.no_calibration,
    ) as session:
        if session.calibration is not None:
            print(f"calibration {session.calibration.fingerprint()} applied", file=sys.stderr)
        # The live line rewrites itself with carriage returns: only on a terminal, not in a log.
        live = _Live(display=sys.stderr.isatty(), test=args.test)
        with _StopOnSignals() as stop:
            take = await take_test(
                session,
                args.device,
                args.seconds,
                live,
                journal=journal,
                stop=stop,
                test=args.test,
                context=context_from_args(args),
            )
    if live.display:
        print(file=sys.stderr)
    return take


class _StopOnSignals:
    """Ctrl-C and SIGTERM set an event that ends the recording early, keeping it.

    A second Ctrl-C interrupts as usual (the handlers are removed after the first).
    """

    def __enter__(self) -> asyncio.Event:
        import asyncio
        import signal

        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()
        self._signals: list[int] = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._loop.add_signal_handler(sig, self._stop, sig)
            except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
                continue
            self._signals.append(sig)
        return self._event

    def _stop(self, sig: int) -> None:
        import signal

        print(f"\n{signal.Signals(sig).name}: ending the recording and keeping it", file=sys.stderr)
        self._event.set()
        self._remove()

    def _remove(self) -> None:
        for sig in self._signals:
            self._loop.remove_signal_handler(sig)
        self._signals = []

    def __exit__(self, *exc: object) -> None:
        self._remove()


async def take_test(
    session: DeviceSession,
    device_id: str,
    seconds: float,
    live: _Live | None = None,
    *,
    journal: Journal | None = None,
    stop: asyncio.Event | None = None,
    test: str = "break",
    context: TestContext = NO_CONTEXT,
) -> Take | None:
    """Record ``seconds`` from an open device; None if it sent fewer than two samples.

    The trace's metadata states the test type and ``context`` (lever arm, fixation...).

    ``device_id`` is the name the device was opened by, the key its
    calibration records are kept under. Each block goes to ``journal`` as it
    arrives; ``stop`` ends the recording early.
    """
    from nkt_dyno.cut import device_stopped
    from nkt_dyno.devices._recording import record
    from nkt_dyno.store import Device
    from nkt_dyno.trace import Trace, gyro_metadata

    live = live or _Live(display=False, test=test)
    dyno = session.dyno
    firmware = await _firmware(dyno)
    device = Device(device_id, dyno.profile.spec.model, firmware)
    if journal is not None:
        journal.metadata.update(model=device.model, firmware=firmware, device=dyno.device.name)
    rec = await record(dyno, seconds, live.show, sink=journal, stop=stop)
    if len(rec.t) < 2:
        return None
    cut = device_stopped(silent_s=rec.silent_s, lost_at_s=float(rec.t[-1]) if rec.lost else None)
    rate = (len(rec.t) - 1) / float(rec.t[-1] - rec.t[0])
    applied = session.calibration
    meta = {
        "sample_rate_hz": f"{rate:.1f}",
        "device": dyno.device.name,
        "calibration": "none" if applied is None else applied.fingerprint(),
        "test": test,
        **context.to_metadata(),
    }
    if rec.lost:
        meta["link_lost_at_s"] = f"{rec.t[-1]:.3f}"
    if rec.imu is not None:
        meta |= gyro_metadata(rec.gyro_signed, rec.gyro_signed_from_s, "from the 3-axis IMU")
    if rec.silent_s is not None:
        meta["silent_from_s"] = f"{rec.silent_s:.3f}"
    return Take(
        trace=Trace(rec.t, rec.force, rec.gyro, meta),
        results=live.results(cut),
        device=device,
        calibration=applied,
        lost=rec.lost,
        gaps=rec.gaps,
        imu=rec.imu,
        silent_s=rec.silent_s,
        gap_at=rec.gap_at,
    )


def save_take(store: Store, take: Take, tags: Tags) -> int:
    """Save a recording with its tags; return the new test's id."""
    from nkt_dyno.store import save_recording

    notes = [tags.notes] if tags.notes else []
    if take.silent_s is not None:
        notes.insert(0, f"device sent nothing from {take.silent_s:.1f} s: the recording ends there")
    if take.lost:
        notes.insert(0, f"device lost at {take.trace.t[-1]:.1f} s: the recording ends there")
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
        notes="; ".join(notes),
        results=take.results,
        test=tags.test,
        gap_at=take.gap_at,
        context=tags.context,
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
    if take.silent_s is not None:
        print(
            f"the device stayed connected but sent nothing from {take.silent_s:.1f} s on: "
            "the recording ended there, with what was recorded",
            file=sys.stderr,
        )


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _Live:
    """The one-line live display, and the engine's results when it is installed."""

    def __init__(self, *, display: bool, test: str = "break") -> None:
        self.state = "connecting"
        self.force = self.peak = 0.0
        self.verdict = ""
        self._t0: float | None = None
        self.display = display
        self._test = test
        self._results: list[Any] = []
        self._detector: Any = None
        self._signed = True
        try:
            from nkt_dyno import engine

            self._engine: Any = engine
        except ImportError:
            self._engine = None

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
        if self._engine is not None:
            if self._detector is None:
                # Signed from the first block, or from when the device learnt it.
                self._detector = self._engine.Detector(
                    test=self._test, gyro_signed=block.gyro_signed
                )
            elif block.gyro_signed and not self._signed:
                self._detector.mark_signed()
            self._signed = block.gyro_signed
            # Times from the first sample, as in the saved trace, so stored results match it.
            events = self._detector.feed(block.t - self._t0, block.force, block.gyro)
            self._collect(events)

    def results(self, cut: str | None = None) -> tuple[Any, ...] | None:
        """Every effort the engine completed, closing one still open at the end.

        ``cut`` says why the device ended the recording (mute, lost): the
        effort still open then is marked cut short by it.
        """
        if self._engine is None:
            return None
        if self._detector is not None:
            from nkt_dyno.cut import cut_closing

            self._collect(cut_closing(self._detector.finish(), cut))
            self._detector = None
        # Numbered as the offline analysis numbers them, touches left out.
        return tuple(replace(r, effort=i) for i, r in enumerate(self._results))

    def _collect(self, events: list[object]) -> None:
        for event in events:
            if isinstance(event, self._engine.Retracted):
                # A touch, the recording as a whole shows: not a test.
                self._results = [r for r in self._results if r.effort != event.effort]
            elif isinstance(event, self._engine.Complete):
                result = event.result
                self._results.append(result)
                source = " · from motion" if result.break_source == "gyro" else ""
                self.verdict = f"  last test: {verdict_line(result.to_dict())}{source}"

    def line(self) -> str:
        return (
            f"{self.state:12} force {self.force:7.1f} N  peak {self.peak:7.1f} N{self.verdict}   "
        )
