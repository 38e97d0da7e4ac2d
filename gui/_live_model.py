"""One test at a time: a source fills the ring buffer and feeds the engine.

The consumer runs as a task on the (qasync) event loop: each block goes into
the ring buffer, into the recording and through the streaming detector; the
engine's events are re-emitted as Qt signals. Nothing here paints -- the
display timer of the view reads the ring buffer on its own schedule.

A replayed recording may hold several efforts. The engine's events are kept
per effort (an onset opens one, its result closes it), and one effort is
*selected*: the view shows that effort's verdict, figures and markers, all
from the same run of the engine, never one effort's verdict beside
another's break line. Efforts the engine takes back at the end (touches,
:class:`~nkt_dyno.engine.Retracted`) are dropped and the rest renumbered, as
``analyze`` does.

A recording is kept from its first sample: with :attr:`LiveTestModel.journals`
set, each block goes to a journal on disk as it arrives (as ``record`` does),
which stays until the window says the store holds the test. A source that
ends because its device fell silent or was lost says why
(``ended_because``); the test then ends there, marked.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from gui._ring import RingBuffer
from gui._sources import SampleBlock, SampleSource
from nkt_dyno.cut import cut_closing
from nkt_dyno.engine import Complete, Detector, DetectorConfig, EffortResult, Onset, Retracted
from nkt_dyno.journal import Journal
from nkt_dyno.trace import Gap, Trace, find_gaps, gyro_metadata, signed_switch

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
    journalKept = Signal(str)
    """A test that was not saved is kept in this journal (``nkt-dyno recover`` saves it)."""

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
        self.journals: Callable[[], Journal] | None = None
        """Opens the journal for each new test; None: tests are not journalled (a replay)."""
        self.journal: Journal | None = None
        """The journal of the test on screen, until the store holds the test."""
        self.cut: str | None = None
        """Why the device ended the last test early (mute, lost); None if it did not."""
        self.known_gaps: tuple[Gap, ...] | None = None
        """The gaps the store keeps for a test being replayed; None: found in the samples."""
        self._detector: Detector | None = None
        self._blocks: list[SampleBlock] = []
        self._task: asyncio.Task[None] | None = None

    # -- control -------------------------------------------------------
    def start(self, source: SampleSource) -> None:
        """Begin a new test on ``source``, ending any test still running."""
        self.stop()
        self.leave_journal()
        self.journal = None if self.journals is None else self.journals()
        self.cut = None
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

    def gaps(self) -> tuple[Gap, ...]:
        """The holes of the last test: stretches without samples, and lost packets."""
        if self.known_gaps is not None:
            return self.known_gaps
        if not self._blocks:
            return ()
        marked, at = [], 0
        for block in self._blocks:
            if block.gap:
                marked.append(at)
            at += block.t.size
        return find_gaps(np.concatenate([b.t for b in self._blocks]), marked)

    def saved(self) -> None:
        """The store holds the last test: its journal goes."""
        if self.journal is not None:
            self.journal.discard()
            self.journal = None

    def keep(self, trace: Trace, metadata: Mapping[str, str]) -> Path:
        """A test the store refused: its journal rewritten whole with ``metadata`` (the tags),
        left for ``nkt-dyno recover``; its path. It stays the test's journal, so a later
        save that works still removes it."""
        journal = self.journal
        if journal is None:
            journal = self.journal = Journal({}, "trace")
        t = trace.t - trace.t[0]  # from the first sample, as the journal was written
        whole = Trace(t, trace.force, trace.gyro, {**trace.metadata, **_rate(t)})
        try:
            return journal.finish(whole, metadata)
        finally:
            journal.release()

    def leave_journal(self) -> Path | None:
        """Leave the journal of a test not saved for ``recover`` (a new test starts, or the
        window closes); its path, said by ``journalKept``, or None if there is none."""
        journal, self.journal = self.journal, None
        if journal is None:
            return None
        journal.release()
        if journal.path is None or not journal.path.exists():
            return None
        self.journalKept.emit(str(journal.path))
        return journal.path

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
        meta = dict(metadata or {})
        if gyro is not None:
            signed = self._blocks[-1].gyro_signed
            switch = signed_switch([(b.t, b.gyro_signed) for b in self._blocks])
            meta |= gyro_metadata(signed, switch)
        return Trace(
            t=cat([b.t for b in self._blocks]),
            force=cat([b.force for b in self._blocks]),
            gyro=gyro,
            metadata=meta,
        )

    # -- consumer ------------------------------------------------------
    async def _consume(self, source: SampleSource) -> None:
        blocks: AsyncIterator[SampleBlock] = aiter(source)
        try:
            async for block in blocks:
                self._take(block)
                if self.state is not RunState.RUNNING:
                    return
            self.cut = getattr(source, "ended_because", None)
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
        if block.gyro is not None:
            if not self._blocks and not block.gyro_signed:
                # A motion channel of unknown sign is read by its magnitude
                # (DESIGN §2)...
                self._detector = Detector(self.config, test=self.test, gyro_signed=False)
            elif self._blocks and block.gyro_signed and not self._blocks[-1].gyro_signed:
                # ... until the device has learnt the push's direction.
                self._detector.mark_signed()
        # the engine first: it refuses a block with non-finite samples, which
        # then never reaches the ring the plot draws from unchecked
        events = self._detector.feed(block.t, block.force, block.gyro)
        if self.t0 is None:
            self.t0 = float(block.t[0])
        if self.journal is not None:
            self.journal.write(block.t - self.t0, block.force, block.gyro, block.gyro_signed)
        self._blocks.append(block)
        self.ring.extend(block.t, block.force)
        self._handle(events)

    def _finish(self) -> None:
        if self.state is not RunState.RUNNING:
            return
        detector, self._detector = self._detector, None
        if detector is not None and self._blocks:
            self._handle(cut_closing(detector.finish(), self.cut))
        if self.journal is not None:
            self.journal.close()
        self._set_state(RunState.DONE)

    def _handle(self, events: list[Any]) -> None:
        gone = {e.effort for e in events if isinstance(e, Retracted)}
        for event in events:
            if isinstance(event, Retracted):
                continue
            if isinstance(event, Complete):
                self._complete(event.result)
                if self.until_complete:
                    self._detector = None
                    if self.journal is not None:
                        self.journal.close()
                    self._set_state(RunState.DONE)
                    return
                continue
            if isinstance(event, Onset) or not self.efforts or self.efforts[-1].result is not None:
                self._open_effort()
            self.efforts[-1].events.append(event)
            self.events.append(event)
            self.eventAdded.emit(event)
        if gone:
            self._retract(gone)

    def _retract(self, gone: set[int]) -> None:
        """Drop the efforts the engine took back (touches); renumber the rest as ``analyze``."""
        kept = [e for e in self.efforts if e.result is None or e.result.effort not in gone]
        for number, effort in enumerate(kept):
            if effort.result is not None:
                effort.result = dataclasses.replace(effort.result, effort=number)
        self.efforts = kept
        self.selected = None
        self._set_result(None)
        self.effortsChanged.emit(len(kept))
        if kept:
            self.select(len(kept) - 1)

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


def _rate(t: Any) -> dict[str, str]:
    """The measured rate, which marks a journal as a whole recording (not one cut by a crash)."""
    from nkt_dyno.trace import measured_rate

    rate = measured_rate(t)
    return {} if rate is None else {"sample_rate_hz": f"{rate:.1f}"}
