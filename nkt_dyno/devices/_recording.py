"""Streaming for a fixed time into arrays: what ``record`` and ``demo`` share."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from nkt_dyno.devices._motion import ImuSamples, concat_imu
from nkt_dyno.devices._types import FloatArray, SampleBlock, SampleFlag, State, StateChange
from nkt_dyno.devices.driver import Dynamometer
from nkt_dyno.trace import signed_switch


class Sink(Protocol):
    """Where each block goes the moment it arrives (a journal on disk)."""

    def write(
        self, t: FloatArray, force: FloatArray, gyro: FloatArray | None, gyro_signed: bool
    ) -> None: ...


@dataclass(frozen=True, eq=False)
class Recording:
    t: FloatArray
    force: FloatArray
    gyro: FloatArray | None
    gaps: int
    lost: bool = False
    """The device was lost for good before the time was up; the arrays hold what came before."""
    silent_s: float | None = None
    """The device was connected but sent nothing from this time (s) to the end; None if not."""
    gap_at: tuple[int, ...] = ()
    """Indices of the samples just after a hole (dropped packets, a reconnection, silence)."""
    gyro_signed: bool = True
    """Whether ``gyro`` was signed by the end (a 3-axis IMU's direction was learnt)."""
    gyro_signed_from_s: float | None = None
    """When an unsigned ``gyro`` became signed (None: signed from the start, or never)."""
    imu: ImuSamples | None = None
    """Raw IMU frames behind ``gyro``, on the same time axis, for re-deriving it."""


async def record(
    dyno: Dynamometer,
    seconds: float,
    on_item: Callable[[SampleBlock | StateChange], None] | None = None,
    *,
    sink: Sink | None = None,
    stop: asyncio.Event | None = None,
) -> Recording:
    """Start, stream ``seconds`` (``inf``: until ``stop``), stop; time starts at 0 at the first
    sample.

    Every block goes to ``sink`` as it arrives, before anything else may fail,
    so a crash keeps what was received. Setting ``stop`` (Ctrl-C) ends the
    recording early like the clock would. A device lost mid-way (the driver
    gave up reconnecting, or the link is still down when the time is up) ends
    it with what had arrived, marked :attr:`Recording.lost`, rather than
    discarding a test already performed. A device that stays connected but
    sends nothing (the driver says SILENT) ends it too, marked
    :attr:`Recording.silent_s`: a mute stretch is no part of a hold.
    """
    blocks: list[SampleBlock] = []
    silent_since: list[float | None] = [None]
    t0: list[float] = []
    silence = asyncio.Event()

    def keep(block: SampleBlock) -> None:
        if not t0:
            t0.append(float(block.t[0]))
        if sink is not None:
            sink.write(block.t - t0[0], block.force, block.gyro, block.gyro_signed)
        blocks.append(block)
        if not silence.is_set():
            silent_since[0] = None

    async def consume() -> None:
        async for item in dyno:
            if isinstance(item, SampleBlock):
                keep(item)
            elif item.state is State.SILENT and blocks:
                silent_since[0] = float(blocks[-1].t[-1]) - t0[0]
                silence.set()
            if on_item is not None:
                on_item(item)

    loop = asyncio.get_running_loop()
    task = loop.create_task(consume())
    await dyno.start()
    enders = [loop.create_task(silence.wait())]
    if stop is not None:
        enders.append(loop.create_task(stop.wait()))
    await asyncio.wait(
        {task, *enders},
        timeout=None if math.isinf(seconds) else seconds,
        return_when="FIRST_COMPLETED",
    )
    for ender in enders:
        ender.cancel()
    # The stream ends early only when the device is lost; a link still down at the end
    # has lost the rest of the recording just the same.
    lost = task.done() or dyno.state is State.RECONNECTING
    if not lost:
        await dyno.stop()
        await asyncio.sleep(0.05)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return _joined(blocks, lost, silent_since[0])


def _joined(blocks: list[SampleBlock], lost: bool, silent_s: float | None) -> Recording:
    if not blocks:
        return Recording(np.empty(0), np.empty(0), None, 0, lost)
    t = np.concatenate([b.t for b in blocks])
    gyro = None
    if all(b.gyro is not None for b in blocks):
        gyro = np.concatenate([b.gyro for b in blocks if b.gyro is not None])
    flags = np.concatenate([b.flags for b in blocks])
    gap_at = np.flatnonzero(flags & SampleFlag.GAP_BEFORE)
    force = np.concatenate([b.force for b in blocks])
    imu = concat_imu(b.imu for b in blocks if b.imu is not None)
    return Recording(
        t - t[0],
        force,
        gyro,
        len(gap_at),
        lost,
        silent_s,
        tuple(int(i) for i in gap_at),
        blocks[-1].gyro_signed,
        None
        if (at := signed_switch([(b.t, b.gyro_signed) for b in blocks])) is None
        else at - float(t[0]),
        None if imu is None else imu.shifted(-float(t[0])),
    )
