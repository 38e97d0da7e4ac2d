"""Where live samples come from: anything that is an async iterator of blocks.

The live view consumes a :class:`SampleSource` and never asks what is behind
it -- a BLE device, a simulated device or a recorded trace -- so the same
consumer, ring buffer and engine path serve live tests, replay and the tests.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from nkt_dyno.trace import Trace, gyro_signed, gyro_signed_from

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class SampleBlock:
    """Consecutive samples: time (s), force (N), optional angular speed (deg/s).

    ``gap`` is true when samples were lost just before this block;
    ``gyro_signed`` is false for a motion channel whose sign is unknown.
    """

    t: FloatArray
    force: FloatArray
    gyro: FloatArray | None = None
    gap: bool = False
    gyro_signed: bool = True


class SampleSource(Protocol):
    """An async iterator of :class:`SampleBlock`; it ends when the stream ends."""

    def __aiter__(self) -> AsyncIterator[SampleBlock]: ...


SPEEDS: dict[str, float | None] = {"1×": 1.0, "4×": 4.0, "instant": None}
"""Replay speeds offered in the views; ``None`` plays as fast as the engine reads."""


class ReplaySource:
    """Plays a :class:`Trace` as blocks paced in real time on the running event loop.

    ``speed`` is a multiple of real time, or ``None`` for instant. Samples
    before ``start_s`` (trace time) are delivered at once, which is how the
    scrubber seeks: the streaming engine has to read them anyway.
    """

    def __init__(
        self,
        trace: Trace,
        speed: float | None = 1.0,
        *,
        block_s: float = 0.02,
        start_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed is not None and speed <= 0:
            raise ValueError(f"speed must be > 0 or None, got {speed}")
        if block_s <= 0:
            raise ValueError(f"block_s must be > 0, got {block_s}")
        self.trace = trace
        self.speed = speed
        self.block_s = block_s
        self.start_s = float(trace.t[0]) if start_s is None else start_s
        self._clock = clock
        self._signed = gyro_signed(trace.metadata)
        since = None if self._signed else gyro_signed_from(trace.metadata)
        self._switch = trace.t.size if since is None else int(np.searchsorted(trace.t, since))
        """First sample of an unsigned gyro that the device had signed (blocks split there)."""

    def _cuts(self) -> list[int]:
        """Indices that split the paced part (from ``start_s`` on) into blocks."""
        t = self.trace.t
        first = min(int(np.searchsorted(t, self.start_s, side="left")), t.size - 1)
        n_blocks = int(np.ceil((t[-1] - t[first]) / self.block_s))
        edges = t[first] + self.block_s * np.arange(1, n_blocks + 1)
        inner = np.unique([*np.searchsorted(t, edges, side="right").tolist(), self._switch])
        return [first, *(int(c) for c in inner if first < c < t.size), int(t.size)]

    def _block(self, i: int, j: int) -> SampleBlock:
        g = self.trace.gyro
        return SampleBlock(
            self.trace.t[i:j],
            self.trace.force[i:j],
            None if g is None else g[i:j],
            gyro_signed=self._signed or i >= self._switch,
        )

    async def __aiter__(self) -> AsyncIterator[SampleBlock]:
        t = self.trace.t
        cuts = self._cuts()
        if 0 < self._switch < cuts[0]:
            # Seeking past the device's learning: its two parts as they came.
            yield self._block(0, self._switch)
            yield self._block(self._switch, cuts[0])
        elif cuts[0] > 0:
            yield self._block(0, cuts[0])
        wall0, trace0 = self._clock(), float(t[cuts[0]])
        for i, j in itertools.pairwise(cuts):
            if self.speed is None:
                await asyncio.sleep(0)
            else:
                due = wall0 + (float(t[j - 1]) - trace0) / self.speed
                await asyncio.sleep(max(0.0, due - self._clock()))
            yield self._block(i, j)
