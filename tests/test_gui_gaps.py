"""What the replay and live screens show of a test that is not whole: its gaps shaded with
a legend entry and said by the verdict; efforts the engine takes back (touches) dropped and
the rest numbered as ``analyze`` numbers them."""

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
from gui._simulation import synthetic_trace
from gui._window import MainWindow
from nkt_dyno.engine import analyze
from nkt_dyno.store import Store, save_recording
from nkt_dyno.trace import Trace


def _play(qtbot: QtBot, window: MainWindow, trace: Trace) -> None:
    replay = window.replay
    window.tabs.setCurrentWidget(replay)
    replay.speed.setCurrentText("instant")
    replay.load(trace, "test trace")
    qtbot.waitUntil(lambda: replay.model.state is RunState.DONE, timeout=TIMEOUT_MS)
    qtbot.wait(60)


def _with_hole() -> tuple[Trace, float, float]:
    """A hold with 0.3 s of samples missing just before its peak; the hole's ends."""
    trace = _steady(synthetic_trace("hold", seed=3, rate_hz=200.0))
    peak_s = analyze(trace.t, trace.force)[0].peak_s
    assert peak_s is not None
    keep = ~((trace.t > peak_s - 0.3) & (trace.t < peak_s))
    t = trace.t[keep]
    i = int(np.flatnonzero(np.diff(t) > 0.1)[0])
    return Trace(t, trace.force[keep], None, trace.metadata), float(t[i]), float(t[i + 1])


def _steady(trace: Trace) -> Trace:
    """The same forces on an even 200 Hz clock: no sample lost but the ones a test takes."""
    return Trace(np.arange(trace.t.size) / 200.0, trace.force, None, trace.metadata)


def test_a_gap_is_shaded_named_in_the_legend_and_said_by_the_verdict(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    trace, before, after = _with_hole()
    _play(qtbot, window, trace)
    view = window.replay.view
    t0 = float(trace.t[0])
    assert view.plot.gap_bands == [pytest.approx((before - t0, after - t0))]
    assert "gap (no samples)" in view.legend.text().replace("&nbsp;", " ")
    assert view.banner.text().startswith("HOLD ") and view.banner.text().endswith(" · GAP")
    assert view.notice.isVisible()
    assert view.notice.text().startswith("gap: 1 hole(s) without samples inside the effort")
    assert window.replay.effort.itemText(0).endswith(" · gap")
    view.grab().save(str(tmp_path / "gap.png"))
    assert (tmp_path / "gap.png").stat().st_size > 10_000

    whole = _steady(synthetic_trace("hold", seed=3, rate_hz=200.0))
    _play(qtbot, window, whole)  # a whole test: no band, no notice, no word
    assert view.plot.gap_bands == [] and not view.notice.isVisible()
    assert not view.banner.text().endswith("GAP")


def test_a_touch_the_engine_takes_back_is_dropped_and_the_rest_renumbered(
    qtbot: QtBot, window: MainWindow
) -> None:
    hold = synthetic_trace("hold", seed=3, rate_hz=200.0)
    t = hold.t - hold.t[0]
    span = float(t[-1]) + 0.005
    rest = float(np.median(hold.force[:50]))
    touch = rest + 0.12 * (hold.force - rest)  # a brush of the pad before two efforts
    trace = Trace(
        np.concatenate([t, t + span, t + 2 * span]),
        np.concatenate([touch, hold.force, hold.force]),
    )
    offline = analyze(trace.t, trace.force)
    assert len(offline) == 2
    _play(qtbot, window, trace)
    model = window.replay.model
    assert [e.result for e in model.efforts] == offline
    assert model.selected == 1 and model.result == offline[1]
    replay = window.replay
    assert replay.effort.count() == 2 and replay.effort.currentIndex() == 1
    assert window.replay.view.banner.text().startswith("effort 2 of 2 · HOLD ")


def test_a_stored_test_is_replayed_with_the_gaps_the_store_keeps(
    qtbot: QtBot, window: MainWindow, store: Store
) -> None:
    trace = _steady(synthetic_trace("hold", seed=3, rate_hz=200.0))
    client = store.add_client("Client A")
    # a packet the driver marked lost before sample 300: it barely shows in the times
    test_id = save_recording(
        store, trace, client=client.id, muscle="psoas", side="L", condition="baseline",
        gap_at=[300],
    )  # fmt: skip
    (gap,) = store.get_test(test_id).gaps
    window.replay.speed.setCurrentText("instant")
    window.replay_test(test_id)
    qtbot.waitUntil(lambda: window.replay.model.state is RunState.DONE, timeout=TIMEOUT_MS)
    t0 = float(trace.t[0])
    assert window.replay.view.plot.gap_bands == [
        pytest.approx((gap.start_s - t0, gap.start_s + gap.length_s - t0))
    ]
