"""``nkt-dyno calibrate``: known-mass calibration of a device, saved as a record.

The procedure itself is :func:`calibration.run_calibration`; this module only
connects the device (raw, through the one ``open_device`` path; a simulated
device gets its sensor error and its masses hung from here), reads windows of
raw samples from the async driver for it (the procedure runs in a worker
thread so ``input()`` may block), and saves the record where ``verify``,
``record`` and every later connection look for it, and in the store, so
tests can refer to it by its fingerprint.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from nkt_dyno.commands._errors import fail, positive_float
from nkt_dyno.commands._storecli import add_db_argument

if TYPE_CHECKING:
    import asyncio

    import numpy as np
    import numpy.typing as npt

    from calibration import CalibrationRecord, Hang
    from nkt_dyno.devices import Dynamometer
    from nkt_dyno.devices._session import DeviceSession
    from nkt_dyno.devices.simulator import SimConfig


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("calibrate", help="calibrate a device against known masses")
    add_device_arguments(p)
    p.add_argument(
        "--masses",
        required=True,
        type=parse_masses,
        help="masses to hang, kg, comma separated, e.g. 0,5,10,20",
    )
    p.add_argument("--no-unloading", action="store_true", help="skip the falling series")
    p.add_argument("--operator", default="", help="who calibrates (stored in the record)")
    p.add_argument("--note", default="", help="free text for the record (masses, conditions)")
    p.add_argument("--certificate", type=Path, help="also write an HTML certificate here")
    add_db_argument(p)
    p.set_defaults(run=run)


def add_device_arguments(p: argparse.ArgumentParser) -> None:
    """Options shared with ``verify``."""
    p.add_argument("--device", required=True, help="address, or sim:progressor, sim:cts500...")
    p.add_argument("--yes", action="store_true", help="do not wait for Enter after each step")
    p.add_argument(
        "--window", type=positive_float, default=2.0, help="seconds read per mass (default 2)"
    )
    p.add_argument(
        "--gravity", type=positive_float, default=None, help="local g, m/s^2 (default 9.80665)"
    )
    p.add_argument(
        "--record", type=Path, default=None, help="calibration record (default: per device)"
    )
    add_sim_error_argument(p)


def add_sim_error_argument(p: argparse.ArgumentParser) -> None:
    """``--sim-error``, for every command that opens a device (see :func:`sim_config`)."""
    p.add_argument(
        "--sim-error",
        type=parse_sim_error,
        default=None,
        metavar="GAIN,OFFSET[,QUAD]",
        help="sensor error of a simulated device, e.g. 1.07,3 (reads 7 %% high, +3 N)",
    )


def parse_masses(text: str) -> list[float]:
    """Masses in kg, as a person lists them: numbers of 0 or more, each once."""
    import math

    try:
        masses = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 0,5,10,20, got {text!r}") from None
    if not masses or not all(math.isfinite(m) and m >= 0 for m in masses):
        raise argparse.ArgumentTypeError(f"masses are 0 kg or more, like 0,5,10,20; got {text!r}")
    twice = sorted({m for m in masses if masses.count(m) > 1})
    if twice:
        raise argparse.ArgumentTypeError(f"{twice[0]:g} kg is listed twice in {text!r}")
    return masses


def parse_sim_error(text: str) -> tuple[float, float, float]:
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        values = []
    if len(values) not in (2, 3):
        raise argparse.ArgumentTypeError(f"expected GAIN,OFFSET[,QUAD], got {text!r}")
    return values[0], values[1], values[2] if len(values) == 3 else 0.0


def sim_config(sim_error: tuple[float, float, float] | None) -> SimConfig | None:
    """The simulator configuration a ``--sim-error`` value asks for (None: the default)."""
    if sim_error is None:
        return None
    from nkt_dyno.devices.simulator import SensorError, SimConfig

    return SimConfig(sensor=SensorError(*sim_error))


@contextlib.asynccontextmanager
async def raw_stream(
    args: argparse.Namespace,
) -> AsyncIterator[tuple[DeviceSession, WindowReader, Hang | None]]:
    """The device streaming raw readings (no saved record applied: it is being made or
    checked), a reader of windows, and for a simulated device a ``hang(mass_kg)``
    callable from the procedure's thread that places the load."""
    import asyncio

    from nkt_dyno.devices._session import open_device
    from nkt_dyno.devices.simulator import constant

    loop = asyncio.get_running_loop()
    async with (
        open_device(
            args.device, scenario=constant(0.0), sim=sim_config(args.sim_error), calibrated=False
        ) as session,
        WindowReader.streaming(session.dyno) as reader,
    ):
        simulator = session.simulator
        hang = None
        if simulator is not None:

            def hang(mass_kg: float) -> None:
                loop.call_soon_threadsafe(simulator.place_load, mass_kg * args.gravity)

        yield session, reader, hang


def make_prompt(yes: bool) -> Callable[[str], None]:
    def prompt(text: str) -> None:
        if yes:
            print(text, flush=True)
        else:
            try:
                input(f"{text}, then press Enter ")
            except EOFError:
                print()  # end the prompt's line before the error sentence
                raise

    return prompt


def run(args: argparse.Namespace) -> int:
    import asyncio

    from calibration import STANDARD_GRAVITY, CalibrationError

    if args.gravity is None:
        args.gravity = STANDARD_GRAVITY
    try:
        return asyncio.run(_calibrate(args))
    except CalibrationError as exc:
        return fail(f"calibration refused: {exc}")


async def _calibrate(args: argparse.Namespace) -> int:
    import asyncio

    from calibration import render_certificate, run_calibration
    from nkt_dyno.devices._calibrations import record_path
    from nkt_dyno.files import private_dir, write_private

    async with raw_stream(args) as (session, reader, hang):
        record = await asyncio.to_thread(
            run_calibration,
            reader.read_window,
            args.masses,
            make_prompt(args.yes),
            device_id=args.device,
            device_model=session.dyno.profile.spec.model,
            window_s=args.window,
            unloading=not args.no_unloading,
            gravity=args.gravity,
            operator=args.operator,
            note=args.note,
            hang=hang,
        )
    path = args.record or record_path(args.device)
    private_dir(path.parent)
    record.save(path)
    fit, q = record.fit, record.quality
    model = "quadratic" if fit.degree == 2 else "straight line"
    hysteresis = "n/a" if q.hysteresis_pct_fs is None else f"{q.hysteresis_pct_fs:.3f} % FS"
    print(f"fit: {model}, gain {fit.gain:.6f}, offset {fit.offset_n:+.3f} N")
    print(f"non-linearity {q.nonlinearity_pct_fs:.3f} % FS, hysteresis {hysteresis}")
    print(f"record {record.fingerprint()} saved to {path}")
    if not _register(record, args.db):
        return 1
    if args.certificate is not None:
        write_private(args.certificate, render_certificate(record))
        print(f"certificate written to {args.certificate}")
    return 0


def _register(record: CalibrationRecord, db: str | None) -> bool:
    """Keep the record in the store too; report (False) if the store refuses it."""
    from nkt_dyno.store import Store, StoreError, register_calibration

    try:
        with Store.open(db) as store:
            register_calibration(store, record)
            where = store.location
    except (StoreError, ValueError) as exc:
        fail(f"the record file is saved, but the store did not take it: {exc}")
        return False
    print(f"record {record.fingerprint()} kept in the store {where}")
    return True


class WindowReader:
    """Hands windows of force from the async stream to a procedure in another thread."""

    SETTLE_S = 0.15
    """Samples arriving this soon after a request are dropped (the load was just changed)."""

    def __init__(self, dyno: Dynamometer, loop: asyncio.AbstractEventLoop) -> None:
        import asyncio

        from nkt_dyno.devices import SampleBlock

        self._dyno = dyno
        self._loop = loop
        self._blocks: list[SampleBlock] = []
        self._new = asyncio.Event()

    @classmethod
    @contextlib.asynccontextmanager
    async def streaming(cls, dyno: Dynamometer) -> AsyncIterator[WindowReader]:
        import asyncio

        reader = cls(dyno, asyncio.get_running_loop())
        task = asyncio.create_task(reader._pump())
        await dyno.start()
        try:
            yield reader
        finally:
            await dyno.stop()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _pump(self) -> None:
        from nkt_dyno.devices import SampleBlock

        async for item in self._dyno:
            if isinstance(item, SampleBlock) and len(item):
                self._blocks.append(item)
                self._new.set()

    async def window(self, seconds: float) -> npt.NDArray[np.float64]:
        """Force over the next ``seconds`` (from the event loop), once the load has settled."""
        import time

        import numpy as np

        start = time.monotonic() + self.SETTLE_S
        self._blocks.clear()
        while True:
            await self._new.wait()
            self._new.clear()
            fresh = [b for b in self._blocks if b.arrival >= start]
            if fresh and fresh[-1].t[-1] - fresh[0].t[0] >= seconds:
                return np.concatenate([b.force for b in fresh])

    def read_window(self, seconds: float) -> npt.NDArray[np.float64]:
        """Force over the next `seconds` (call from a worker thread)."""
        import asyncio

        work = asyncio.wait_for(self.window(seconds), timeout=seconds + 10.0)
        try:
            return asyncio.run_coroutine_threadsafe(work, self._loop).result()
        except TimeoutError:
            raise TimeoutError(
                f"{self._dyno.device.name}: no samples for {seconds + 10:g} s"
            ) from None
