"""One test at a time: a source fills the ring buffer and feeds the engine.

The consumer runs as a task on the (qasync) event loop: each block goes into
the ring buffer, into the recording and through the streaming detector; the
engine's events are re-emitted as Qt signals. Nothing here paints -- the
display timer of the view reads the ring buffer on its own schedule.

A replayed recording may hold several efforts. The engine's events are kept
per effort (an onset opens one, its result closes it), and one effort is
*selected*: the view shows that effort's verdict, figures and markers, all
from the same run of the engine, never one effort's verdict beside
another's break line.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from gui._ring import RingBuffer
from gui._sources import SampleBlock, SampleSource
from nkt_dyno.engine import Complete, Detector, DetectorConfig, EffortResult, Onset
from nkt_dyno.trace import Trace

DEFAULT_CAPACITY = 1 << 17
"""Samples the ring buffer keeps: two minutes of a 1 kHz device."""


class RunState(StrEnum):
    IDLE = "idle"
    RUNNING = "running"
    DONE = "done"


@dataclass(eq=False)
class Effort:
    """One effort of a test: the engine's events from its onset, and its result once complete."""

    events: list[Any] = field(default_factory=list)
    result: EffortResult | None = None


class LiveTestModel(QObject):
    """State of the current test; signals fire only when something changed."""

    stateChanged = Signal(str)
    eventAdded = Signal(object)
    """An engine event other than ``Complete`` (Onset, Peak, Break, Release)."""
    resultChanged = Signal(object)
    """The selected effort's :class:`EffortResult`, or ``None`` when a new test starts."""
    effortsChanged = Signal(int)
    """An effort was opened or completed; the number of efforts so far."""
    effortSelected = Signal(int)
    """The effort shown changed (0-based); its events are ``efforts[i].events``."""
    failed = Signal(str)

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        config: DetectorConfig | None = None,
        *,
        until_complete: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.until_complete = until_complete
        """End the test when the engine completes the effort (live), or read to the end (replay)."""
        self.ring = RingBuffer(capacity)
        self.config = config or DetectorConfig()
        self.test = "break"
        """The test type the next test is judged as (a make test has no break)."""
        self.state = RunState.IDLE
        self.t0: float | None = None
        """Time of the test's first sample: the plot's zero."""
        self.events: list[Any] = []
        self.efforts: list[Effort] = []
        self.selected: int | None = None
        self.result: EffortResult | None = None
        self._detector: Detector | None = None
        self._blocks: list[SampleBlock] = []
        self._task: asyncio.Task[None] | None = None

    # -- control -------------------------------------------------------
    def start(self, source: SampleSource) -> None:
        """Begin a new test on ``source``, ending any test still running."""
        self.stop()
        self.ring.clear()
        self.t0 = None
        self.events = []
        self.efforts = []
        self.selected = None
        self.effortsChanged.emit(0)
        self._blocks = []
        self._detector = Detector(self.config, test=self.test)
        self._set_result(None)
        self._set_state(RunState.RUNNING)
        self._task = asyncio.ensure_future(self._consume(source))

    def stop(self) -> None:
        """End the running test now: the engine reads the end of the stream."""
        if self.state is not RunState.RUNNING:
            return
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None
        self._finish()

    def select(self, index: int) -> None:
        """Show effort ``index`` (0-based): its result, and to the view its markers."""
        if not 0 <= index < len(self.efforts) or index == self.selected:
            return
        self.selected = index
        self._set_result(self.efforts[index].result)
        self.effortSelected.emit(index)

    def recording(self, metadata: Mapping[str, str] | None = None) -> Trace | None:
        """The samples of the last test as a trace, or ``None`` if it had none."""
        if not self._blocks:
            return None
        cat = np.concatenate
        gyro = None
        if all(b.gyro is not None for b in self._blocks):
            gyro = cat([b.gyro for b in self._blocks if b.gyro is not None])
        return Trace(
            t=cat([b.t for b in self._blocks]),
            force=cat([b.force for b in self._blocks]),
            gyro=gyro,
            metadata=metadata or {},
        )

    # -- consumer ------------------------------------------------------
    async def _consume(self, source: SampleSource) -> None:
        blocks: AsyncIterator[SampleBlock] = aiter(source)
        try:
            async for block in blocks:
                self._take(block)
                if self.state is not RunState.RUNNING:
                    return
            self._finish()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a device or file error ends the test, not the app
            self.failed.emit(f"{type(exc).__name__}: {exc}")
            self._finish()
        finally:
            aclose = getattr(blocks, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()

    def _take(self, block: SampleBlock) -> None:
        if block.t.size == 0 or self._detector is None:
            return
        if not self._blocks and block.gyro is not None and not block.gyro_signed:
            # A motion channel of unknown sign is read by its magnitude (DESIGN §2).
            self._detector = Detector(self.config, test=self.test, gyro_signed=False)
        # the engine first: it refuses a block with non-finite samples, which
        # then never reaches the ring the plot draws from unchecked
        events = self._detector.feed(block.t, block.force, block.gyro)
        if self.t0 is None:
            self.t0 = float(block.t[0])
        self._blocks.append(block)
        self.ring.extend(block.t, block.force)
        self._handle(events)

    def _finish(self) -> None:
        if self.state is not RunState.RUNNING:
            return
        detector, self._detector = self._detector, None
        if detector is not None and self._blocks:
            self._handle(detector.finish())
        self._set_state(RunState.DONE)

    def _handle(self, events: list[Any]) -> None:
        for event in events:
            if isinstance(event, Complete):
                self._complete(event.result)
                if self.until_complete:
                    self._detector = None
                    self._set_state(RunState.DONE)
                    return
                continue
            if isinstance(event, Onset) or not self.efforts or self.efforts[-1].result is not None:
                self._open_effort()
            self.efforts[-1].events.append(event)
            self.events.append(event)
            self.eventAdded.emit(event)

    def _open_effort(self) -> None:
        self.efforts.append(Effort())
        self.selected = len(self.efforts) - 1  # markers follow the effort being played
        self._set_result(None)
        self.effortsChanged.emit(len(self.efforts))

    def _complete(self, result: EffortResult) -> None:
        if not self.efforts or self.efforts[-1].result is not None:
            self._open_effort()
        self.efforts[-1].result = result
        self.effortsChanged.emit(len(self.efforts))
        self.selected = None
        self.select(len(self.efforts) - 1)

    # -- change-only setters ---------------------------------------------
    def _set_state(self, state: RunState) -> None:
        if state is not self.state:
            self.state = state
            self.stateChanged.emit(state.value)

    def _set_result(self, result: EffortResult | None) -> None:
        if result is not self.result:
            self.result = result
            self.resultChanged.emit(result)
