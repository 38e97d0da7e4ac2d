"""Running a protocol on a device: baseline → challenges → retests, saved as one group.

Each step streams until the engine reports a complete effort (the same
streaming detector as the live view), then is saved at once with the live
results, so a run cut short keeps every finished step in its group.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from nkt_dyno.store import Device, Store
from nkt_dyno.trace import Trace

if TYPE_CHECKING:
    from calibration import CalibrationRecord
    from nkt_dyno.devices import Dynamometer, FoundDevice
    from nkt_dyno.devices._session import DeviceSession

Role = Literal["baseline", "challenge", "retest"]
"""A step's role is also the condition its test is stored with."""


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """One test to run: its role, its number within the role, the touched muscle."""

    role: Role
    number: int
    challenge_target: str | None = None

    @property
    def condition(self) -> str:
        return self.role

    @property
    def label(self) -> str:
        """How the prompt names the step: ``baseline test``, ``challenge TFL``, ``retest 2``."""
        if self.role == "challenge":
            return f"challenge {self.challenge_target}"
        name = "baseline test" if self.role == "baseline" else "retest"
        return name if self.number == 1 else f"{name} {self.number}"


@dataclass(frozen=True, slots=True)
class ProtocolRequest:
    """What to run and for whom; ``session_id`` ``None`` means today's session or a new one."""

    client: str
    muscle: str
    side: str
    steps: tuple[PlannedStep, ...]
    examiner: str | None = None
    session_id: int | None = None
    calibration_id: str | None = None


@dataclass(frozen=True, slots=True)
class Captured:
    """One step's recording (time from its first sample) and the live engine results."""

    trace: Trace
    results: tuple[Any, ...]
    device: Device
    calibration: CalibrationRecord | None = None
    """The record the device corrected the force with, kept with the test."""


Connect = Callable[[PlannedStep, int], AbstractAsyncContextManager["DeviceSession"]]
"""Opens the device for step number ``i`` (0-based): one link for all, or one per step."""


def plan(
    *, baselines: int = 1, challenges: Sequence[str] = (), retests: int = 1
) -> tuple[PlannedStep, ...]:
    """The steps in order: ``baselines`` tests, one per challenge target, ``retests`` retests."""
    if baselines < 1 or retests < 0:
        raise ValueError(f"need >= 1 baseline and >= 0 retests, got {baselines} and {retests}")
    steps = [PlannedStep("baseline", i + 1) for i in range(baselines)]
    steps += [PlannedStep("challenge", i + 1, t) for i, t in enumerate(challenges)]
    steps += [PlannedStep("retest", i + 1) for i in range(retests)]
    return tuple(steps)


async def capture(session: DeviceSession, *, timeout_s: float = 20.0) -> Captured:
    """Stream until the engine completes one effort (or ``timeout_s``), then stop.

    The step keeps the calibration record the session applied, so the stored
    test says which correction its forces carry.

    Raises RuntimeError when the device sent no samples.
    """
    from nkt_dyno.devices import SampleBlock
    from nkt_dyno.engine import Complete, Detector, DetectorConfig

    dyno = session.dyno
    detector = Detector(DetectorConfig())
    blocks: list[SampleBlock] = []
    results: list[Any] = []
    done = asyncio.Event()

    async def consume() -> None:
        async for item in dyno:
            if not isinstance(item, SampleBlock) or done.is_set():
                continue
            blocks.append(item)
            t0 = blocks[0].t[0]
            for event in detector.feed(item.t - t0, item.force, item.gyro):
                if isinstance(event, Complete):
                    results.append(event.result)
                    done.set()

    task = asyncio.get_running_loop().create_task(consume())
    await dyno.start()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), timeout_s)
    await dyno.stop()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    if not blocks:
        raise RuntimeError("the device sent no samples")
    if not results:
        results = [e.result for e in detector.finish() if isinstance(e, Complete)]
    return Captured(
        _trace(blocks, dyno),
        tuple(results),
        store_device(dyno.device, simulated=session.simulator is not None),
        session.calibration,
    )


async def run_protocol(
    store: Store,
    request: ProtocolRequest,
    connect: Connect,
    *,
    before: Callable[[PlannedStep], Awaitable[None]] | None = None,
    after: Callable[[PlannedStep, int], None] | None = None,
) -> int:
    """Run every step, saving each as it ends into a new protocol group; return the group id.

    ``before`` runs ahead of each step (the "press Enter" prompt); ``after``
    gets each saved test's id.
    """
    if not request.steps:
        raise ValueError("a protocol needs at least one step")
    writer = GroupWriter(store, request)
    for index, step in enumerate(request.steps):
        if before is not None:
            await before(step)
        async with connect(step, index) as session:
            captured = await capture(session)
        test_id = writer.save_or_keep(step, captured)
        if after is not None:
            after(step, test_id)
    assert writer.group_id is not None
    return writer.group_id


class GroupWriter:
    """Saves a request's finished steps into one protocol group, whoever ran them.

    The command line and the GUI's guided panel capture steps differently but
    file them alike. The group is made with the first test saved, so an
    aborted start leaves nothing empty.
    """

    def __init__(self, store: Store, request: ProtocolRequest) -> None:
        """Raises NotFoundError for an unknown client, ValueError for another client's session."""
        client = store.find_client(request.client)
        owner = None if request.session_id is None else store.get_session(request.session_id)
        if owner is not None and owner.client_id != client.id:
            raise ValueError(f"session {owner.id} belongs to another client")
        self.store = store
        self.request = request
        self.client_id = client.id
        self.group_id: int | None = None

    def save_or_keep(self, step: PlannedStep, captured: Captured) -> int:
        """Save one finished step; if the store refuses, keep it in a journal and say where.

        Raises StoreError naming the journal (``nkt-dyno recover`` saves it later).
        """
        from nkt_dyno.journal import keep, label
        from nkt_dyno.store import StoreError

        try:
            return self.save(step, captured)
        except StoreError as exc:
            name = label(f"client{self.client_id}", self.request.muscle, self.request.side)
            kept = keep(captured.trace, self.tags(step, captured.device), name)
            raise StoreError(
                f"{exc}; {step.label} is kept in {kept} (save it with `nkt-dyno recover --save`)"
            ) from exc

    def tags(self, step: PlannedStep, device: Device) -> dict[str, str]:
        """A step's tags as journal metadata, as ``nkt-dyno recover --save`` reads them."""
        from nkt_dyno.store._store import now

        meta = {
            "recorded": now(),
            "client": str(self.client_id),
            "muscle": self.request.muscle,
            "side": self.request.side,
            "condition": step.condition,
            "target": step.challenge_target or "",
            "examiner": self.request.examiner or "",
            "store": str(self.store.path.resolve()),
            "device_id": device.id,
            "model": device.model,
        }
        return {k: v for k, v in meta.items() if v}

    def save(self, step: PlannedStep, captured: Captured) -> int:
        """Save one finished step; return the test's id."""
        request = self.request
        if self.group_id is None:
            session_id = request.session_id or _session_for(
                self.store, self.client_id, request.examiner
            )
            self.group_id = self.store.start_protocol_group(
                session_id, muscle=request.muscle, side=request.side
            ).id
        return _save(self.store, request, step, captured, self.client_id, self.group_id)


def _save(
    store: Store,
    request: ProtocolRequest,
    step: PlannedStep,
    captured: Captured,
    client_id: int,
    group_id: int,
) -> int:
    from nkt_dyno.store import save_recording

    return save_recording(
        store,
        captured.trace,
        client=client_id,
        muscle=request.muscle,
        side=request.side,
        condition=step.condition,
        device=captured.device,
        calibration_id=request.calibration_id,
        calibration=captured.calibration,
        challenge_target=step.challenge_target,
        results=captured.results,
        group_id=group_id,
    )


def _session_for(store: Store, client_id: int, examiner: str | None) -> int:
    """Today's session of the client (as ``save_recording`` joins), else a new one."""
    return store.visit_session(client_id, examiner=examiner)


def _trace(blocks: Sequence[Any], dyno: Dynamometer) -> Trace:
    t = np.concatenate([b.t for b in blocks])
    gyro = None
    if all(b.gyro is not None for b in blocks):
        gyro = np.concatenate([b.gyro for b in blocks])
    rate = (len(t) - 1) / float(t[-1] - t[0]) if len(t) > 1 and t[-1] > t[0] else 0.0
    meta = {"sample_rate_hz": f"{rate:.1f}", "device": dyno.device.name}
    return Trace(t - t[0], np.concatenate([b.force for b in blocks]), gyro, meta)


def store_device(found: FoundDevice, *, simulated: bool = False) -> Device:
    """How the store names a device that was found: its address and its name (or kind).

    A simulated device is ``sim:<kind>`` whichever path recorded it (its address
    on the virtual radio changes from run to run), so a report lists it once.
    """
    device_id = f"sim:{found.kind}" if simulated else found.address
    return Device(device_id, found.name or found.kind, "")
