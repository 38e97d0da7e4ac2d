"""Streaming for a fixed time into arrays: what ``record`` and ``demo`` share."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nkt_dyno.devices._motion import ImuSamples, concat_imu
from nkt_dyno.devices._types import FloatArray, SampleBlock, StateChange
from nkt_dyno.devices.driver import Dynamometer


@dataclass(frozen=True, eq=False)
class Recording:
    t: FloatArray
    force: FloatArray
    gyro: FloatArray | None
    gaps: int
    lost: bool = False
    """The device was lost for good before the time was up; the arrays hold what came before."""
    gyro_signed: bool = True
    """Whether ``gyro`` was signed by the end (a 3-axis IMU's direction was learnt)."""
    imu: ImuSamples | None = None
    """Raw IMU frames behind ``gyro``, on the same time axis, for re-deriving it."""


async def record(
    dyno: Dynamometer,
    seconds: float,
    on_item: Callable[[SampleBlock | StateChange], None] | None = None,
) -> Recording:
    """Start, stream ``seconds``, stop; time starts at 0 at the first sample.

    A device lost mid-way (the driver gave up reconnecting) ends the recording
    early with what had arrived, marked :attr:`Recording.lost`, rather than
    discarding a test the client already performed.
    """
    blocks: list[SampleBlock] = []

    async def consume() -> None:
        async for item in dyno:
            if isinstance(item, SampleBlock):
                blocks.append(item)
            if on_item is not None:
                on_item(item)

    task = asyncio.get_running_loop().create_task(consume())
    await dyno.start()
    await asyncio.wait({task}, timeout=seconds)
    lost = task.done()  # the stream ends early only when the device is lost
    if not lost:
        await dyno.stop()
        await asyncio.sleep(0.05)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    if not blocks:
        return Recording(np.empty(0), np.empty(0), None, 0, lost)
    t = np.concatenate([b.t for b in blocks])
    gyro = None
    if all(b.gyro is not None for b in blocks):
        gyro = np.concatenate([b.gyro for b in blocks if b.gyro is not None])
    gaps = sum(int(np.count_nonzero(b.flags & 1)) for b in blocks)
    imu = concat_imu(b.imu for b in blocks if b.imu is not None)
    return Recording(
        t - t[0],
        np.concatenate([b.force for b in blocks]),
        gyro,
        gaps,
        lost,
        blocks[-1].gyro_signed,
        None if imu is None else imu.shifted(-float(t[0])),
    )
