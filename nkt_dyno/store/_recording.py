"""Saving a finished recording with its tags: the path ``record --save`` and ``import`` use."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from nkt_dyno.context import NO_CONTEXT, TestContext
from nkt_dyno.store._engine import EngineResult, analyse, to_analysis
from nkt_dyno.store._models import Device
from nkt_dyno.store._store import Store, TraceLike
from nkt_dyno.trace import find_gaps, measured_rate

if TYPE_CHECKING:
    from calibration import CalibrationRecord as DeviceCalibration


def save_recording(
    store: Store,
    trace: TraceLike,
    *,
    client: str | int,
    muscle: str,
    side: str,
    condition: str,
    session_id: int | None = None,
    examiner: str | None = None,
    device: Device | None = None,
    calibration_id: str | None = None,
    calibration: DeviceCalibration | None = None,
    challenge_target: str | None = None,
    position_notes: str = "",
    therapist_verdict: str | None = None,
    notes: str = "",
    results: Iterable[EngineResult] | None = None,
    group_id: int | None = None,
    test: str = "break",
    gap_at: Sequence[int] = (),
    recorded: str | None = None,
    context: TestContext = NO_CONTEXT,
) -> int:
    """Analyse (unless ``results`` are given) and save one test; return its id.

    ``client`` is an id or an exact name. Without ``session_id`` the test
    joins the client's latest session if it started on the day it was
    ``recorded`` (default now; local time), else a new session is started, so
    one visit's tests stay together.
    ``results`` are the engine's ``EffortResult`` objects from the live run;
    passing them avoids analysing twice (offline and live verdicts agree).
    A test joining a protocol group (``group_id``) goes into the group's session.
    ``test`` is ``break`` or ``make``; ``context`` the fixation, lever arm and the rest.
    The test's gaps and measured rate are found in ``trace.t`` and from
    ``gap_at``, the samples the driver marked as following lost packets.
    ``calibration`` is the record applied while recording: it is registered
    (see :func:`register_calibration`) and the test refers to it;
    ``calibration_id`` refers to a record already in the store, and must name
    the same record when both are given. The device and the calibration are
    registered ahead of the test's own transaction (both idempotently), so a
    failed save leaves no part of a test, at most those reference rows.
    """
    if calibration is not None and calibration_id not in (None, calibration.fingerprint()):
        raise ValueError(
            f"calibration {calibration_id!r} was given, but the device applied "
            f"{calibration.fingerprint()!r}"
        )
    who = store.find_client(client)
    if session_id is None and group_id is not None:
        session_id = store.get_protocol_group(group_id).session_id
    if session_id is None:
        session_id = store.visit_session(who.id, recorded=recorded, examiner=examiner)
    elif store.get_session(session_id).client_id != who.id:
        raise ValueError(f"session {session_id} belongs to another client")
    analysis = analyse(trace) if results is None else to_analysis(results)
    if device is not None:
        store.add_device(device.id, device.model, device.firmware)
    if calibration is not None:
        calibration_id = register_calibration(store, calibration)
    return store.save_test(
        session_id,
        muscle=muscle,
        side=side,
        condition=condition,
        trace=trace,
        challenge_target=challenge_target,
        position_notes=position_notes,
        device_id=device.id if device else None,
        calibration_id=calibration_id,
        therapist_verdict=therapist_verdict,
        notes=notes,
        analysis=analysis,
        group_id=group_id,
        test=test,
        gaps=find_gaps(trace.t, gap_at),
        rate_hz=measured_rate(trace.t),
        recorded=recorded,
        context=context,
    )


def register_calibration(store: Store, record: DeviceCalibration) -> str:
    """Keep ``record`` in the store under its fingerprint (again: no-op); return that id.

    The fingerprint changes with any of the record's content, so a test's
    reference names exactly the calibration it was measured with.
    """
    data = record.to_dict()
    store.add_calibration(
        record.fingerprint(),
        record.device_id,
        data,
        created=data["created"],
        device_model=record.device_model,
    )
    return record.fingerprint()
