"""A recording of several efforts in the replay screen: one effort on screen at a time.

The trace is the demo's kind of session (four efforts, hold and break
alternating, 80 samples/s, short rests). What is asserted is what the
widgets show: the banner, the peak tile, the break line and the chooser all
describe the same effort.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _gui_support import (  # noqa: F401  (the *_fixture names are pytest fixtures)
    TIMEOUT_MS,
    loop_fixture,
    store_fixture,
    window_fixture,
)
from pytestqt.qtbot import QtBot

from gui._live_model import RunState
from gui._units import Unit, format_force
from gui._window import MainWindow
from nkt_dyno.engine import Break
from nkt_dyno.engine.synthetic import generate_session
from nkt_dyno.summary import verdict_line
from nkt_dyno.trace import Trace, write_trace


@pytest.fixture
def session_csv(tmp_path: Path) -> Path:
    cases = ["hold", "break", "hold", "break"]
    session = generate_session(7, 4, rate_hz=80.0, cases=cases, rest_s=(1.0, 1.5))
    path = tmp_path / "session.csv"
    t = np.asarray(session.t, dtype=np.float64)
    write_trace(path, Trace(t - t[0], np.asarray(session.force, dtype=np.float64), None, {}))
    return path


def _break_x(window: MainWindow, index: int) -> float:
    model = window.replay.model
    assert model.t0 is not None
    breaks = [e for e in model.efforts[index].events if isinstance(e, Break)]
    return float(breaks[-1].t) - model.t0


def test_replay_shows_the_last_effort_and_lets_the_user_choose(
    qtbot: QtBot, window: MainWindow, session_csv: Path
) -> None:
    replay = window.replay
    window.tabs.setCurrentWidget(replay)
    replay.speed.setCurrentText("instant")
    replay.open_file(str(session_csv))
    qtbot.waitUntil(lambda: replay.model.state is RunState.DONE, timeout=TIMEOUT_MS)
    qtbot.wait(60)
    model, view = replay.model, replay.view
    results = [e.result for e in model.efforts]
    assert len(results) == 4 and all(r is not None for r in results)
    assert [r.verdict for r in results if r is not None][1::2] == ["break", "break"]

    # after the replay: effort 4, its verdict, its peak, its break line
    last = results[3]
    assert last is not None
    assert view.banner.text() == f"effort 4 of 4 · {verdict_line(last.to_dict())}"
    assert view.peak.value.text() == format_force(last.peak_n or 0.0, Unit.N)
    assert view.plot.break_line.isVisible()
    assert view.plot.break_line.value() == pytest.approx(_break_x(window, 3))
    lo, hi = view.plot.viewRange()[0]
    assert lo < view.plot.break_line.value() < hi
    assert replay.effort.count() == 4 and replay.effort.currentIndex() == 3
    assert replay.effort.currentText() == f"4: {verdict_line(last.to_dict())}"
    assert replay.effort.isEnabled() and not replay.next_effort.isEnabled()

    # the user picks the first effort, a hold: no break line, its own peak
    replay.effort.setCurrentIndex(0)
    first = results[0]
    assert first is not None and first.verdict == "hold"
    assert view.banner.text().startswith("effort 1 of 4 · HOLD")
    assert view.peak.value.text() == format_force(first.peak_n or 0.0, Unit.N)
    assert not view.plot.break_line.isVisible()
    assert not replay.previous_effort.isEnabled()

    # next: effort 2, a break, with its own break line
    replay.next_effort.click()
    assert replay.effort.currentIndex() == 1
    assert view.banner.text().startswith("effort 2 of 4 · BREAK")
    assert view.plot.break_line.value() == pytest.approx(_break_x(window, 1))
    assert view.plot.break_line.value() < _break_x(window, 3)


def test_one_effort_needs_no_chooser(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    from gui._simulation import synthetic_trace

    path = tmp_path / "hold.csv"
    write_trace(path, synthetic_trace("hold", seed=3, rate_hz=200.0))
    replay = window.replay
    replay.speed.setCurrentText("instant")
    replay.open_file(str(path))
    qtbot.waitUntil(lambda: replay.model.state is RunState.DONE, timeout=TIMEOUT_MS)
    assert replay.view.banner.text().startswith("HOLD")
    assert not replay.effort.isEnabled()
    assert not replay.previous_effort.isEnabled() and not replay.next_effort.isEnabled()


def test_a_break_marked_mid_effort_is_said_while_the_effort_runs(
    qtbot: QtBot, window: MainWindow
) -> None:
    import asyncio
    from collections.abc import AsyncIterator

    from gui._simulation import synthetic_trace
    from gui._sources import SampleBlock

    model, view = window.replay.model, window.replay.view
    trace = synthetic_trace("break", seed=1, rate_hz=200.0)

    async def until_a_break() -> AsyncIterator[SampleBlock]:
        """The trace in 20 ms blocks, holding still once the engine has marked the break."""
        for lo in range(0, len(trace), 4):
            yield SampleBlock(trace.t[lo : lo + 4], trace.force[lo : lo + 4], None, False)
            await asyncio.sleep(0)
            if any(isinstance(e, Break) for e in model.events):
                await asyncio.Event().wait()

    model.start(until_a_break())
    qtbot.waitUntil(lambda: any(isinstance(e, Break) for e in model.events), timeout=TIMEOUT_MS)
    assert model.state is RunState.RUNNING and model.result is None
    assert view.banner.text() == "TESTING… · break marked, the effort is not over yet"
    model.stop()
    assert view.banner.text().startswith("BREAK")
