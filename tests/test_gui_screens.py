"""What the window offers and says as a new user meets it: no action it will refuse,
a legend for every mark, the calibration verdict in large, a scratch store for
simulations. Asserted on the widgets of the real window, offscreen."""

from __future__ import annotations

import argparse
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

from calibration import Verification
from gui._cal_result import CalibrationResult
from gui._live_model import RunState
from gui._simulation import synthetic_trace
from gui._sources import ReplaySource
from gui._window import MainWindow
from nkt_dyno.store import NewAnalysis, Store
from nkt_dyno.trace import Trace


def test_without_a_device_nothing_offers_to_start(window: MainWindow) -> None:
    assert window.live.view.banner.text().startswith("NO DEVICE")
    assert not window.live.start_button.isEnabled()
    assert not window.protocol.start_button.isEnabled()
    assert window.protocol.view.banner.text().startswith("NO DEVICE")
    assert not window.tagging.save_button.isEnabled()
    assert window.replay.view.banner.text().startswith("NO TRACE")
    assert not window.replay.play_button.isEnabled()

    trace = synthetic_trace("hold", seed=1, rate_hz=200.0)
    window.live.set_source(lambda: ReplaySource(trace, None), "synthetic hold")
    window.protocol.set_source(lambda: ReplaySource(trace, None), "synthetic hold")
    assert window.live.view.banner.text().startswith("READY")
    assert window.live.start_button.isEnabled() and window.protocol.start_button.isEnabled()

    window.live.set_source(None, "device lost: scan and connect")
    assert window.live.view.banner.text() == (
        "NO DEVICE · connect one to start a test (device lost: scan and connect)"
    )
    assert not window.live.start_button.isEnabled()


def test_save_is_offered_once_per_finished_test(
    qtbot: QtBot, window: MainWindow, store: Store
) -> None:
    trace = synthetic_trace("hold", seed=1, rate_hz=200.0)
    window.live.set_source(lambda: ReplaySource(trace, None), "synthetic hold")
    assert not window.tagging.save_button.isEnabled()
    window.live.toggle()
    qtbot.waitUntil(lambda: window.live_model.state is RunState.DONE, timeout=TIMEOUT_MS)
    assert window.tagging.save_button.isEnabled()
    window.tagging.client.setCurrentText("Ann")
    window.tagging.muscle.setText("psoas")
    window.tagging.test.setCurrentIndex(window.tagging.test.findData("make"))
    window.tagging.save_button.click()
    assert window.tagging.status.text().startswith("saved as test #")
    assert not window.tagging.save_button.isEnabled()
    test_id = int(window.tagging.status.text().rsplit("#", 1)[1])
    assert store.load_trace(test_id).metadata["test"] == "make"


def test_a_motion_channel_signed_midway_is_read_and_saved_as_it_came(
    qtbot: QtBot, window: MainWindow, store: Store
) -> None:
    # A device that learnt the push's direction at 1 s: the spring-back as
    # the hand lets go at 4.5 s reads against the push, so the hold stays one
    # live, in the saved analysis and in the saved trace's metadata.
    from nkt_dyno.engine import analyze
    from nkt_dyno.trace import gyro_signed_from

    t = np.arange(0.0, 6.5, 0.005)
    force = np.interp(t, [0, 1, 2.5, 4.5, 4.6, 6.5], [0, 0, 120, 120, 0, 0])
    gyro = np.interp(t, [4.5, 4.52, 4.8, 4.85], [0.0, -60.0, -60.0, 0.0], left=0, right=0)
    meta = {"gyro": "unsigned", "gyro_signed_from_s": "1.0"}
    trace = Trace(t, force + 0.1 * np.sin(40 * t), gyro, meta)
    assert [r.verdict for r in analyze(t, trace.force, gyro, gyro_signed=False)] == ["break"]
    window.live.set_source(lambda: ReplaySource(trace, None), "replayed activ5")
    window.live.toggle()
    qtbot.waitUntil(lambda: window.live_model.state is RunState.DONE, timeout=TIMEOUT_MS)
    assert [e.result.verdict for e in window.live_model.efforts] == ["hold"]
    window.tagging.client.setCurrentText("Ann")
    window.tagging.muscle.setText("psoas")
    window.tagging.save_button.click()
    test_id = int(window.tagging.status.text().rsplit("#", 1)[1])
    saved = store.load_trace(test_id)
    assert saved.metadata["gyro"] == "unsigned"
    assert gyro_signed_from(saved.metadata) == pytest.approx(1.0, abs=0.005)
    assert store.get_test(test_id).analysis.verdict == "hold"


def test_force_plot_has_a_legend_for_every_mark(window: MainWindow) -> None:
    text = window.live.view.legend.text().replace("&nbsp;", " ")
    for words in ("1–3 s after onset", "onset", "peak", "break", "force as read", "gap"):
        assert words in text
    assert "peak above rest" in window.live.view.peak.caption.text().lower()


def test_session_compare_names_traces_under_the_plot_and_dates_in_local_time(
    window: MainWindow, store: Store
) -> None:
    client = store.add_client("Ann")
    session = store.start_session(client.id)
    t = np.linspace(0.0, 4.0, 401)
    ids = []
    for peak in (100.0, 130.0):
        force = np.interp(t, [0, 1, 2, 3, 4], [2, 2, peak, peak, 2])
        effort = {"verdict": "hold", "peak_n": peak, "onset_s": 1.0, "start_force_n": 0.0}
        ids.append(
            store.save_test(
                session.id,
                muscle="psoas",
                side="L",
                condition="baseline",
                trace=Trace(t, force),
                analysis=NewAnalysis("test", [effort]),
            )
        )
    screen = window.session
    screen.show_session(store, session.id)
    screen.select(ids)
    legend = screen.legend.text()
    assert f"#{ids[0]} psoas L baseline" in legend and f"#{ids[1]} psoas L baseline" in legend
    assert screen.plot.getPlotItem().legend is None  # nothing drawn over the traces
    title = screen.title.text()
    assert "T" not in title.split("·")[-1] and "+00:00" not in title


def test_calibration_verdict_is_a_large_banner(qtbot: QtBot) -> None:
    result = CalibrationResult()
    qtbot.addWidget(result)
    assert not result.badge.isVisibleTo(result)
    check = Verification(10.0, 9.80665, 98.0665, 98.1, 0.0335, 0.034, 0.98, True)
    result.add_verification(check)
    assert result.badge.isVisibleTo(result)
    assert result.badge.text() == "PASS · 10 kg read within ±0.98 N"
    assert result.badge.font().pointSize() >= 18
    result.add_verification(Verification(10.0, 9.80665, 98.0665, 99.5, 1.43, 1.46, 0.98, False))
    assert result.badge.text().startswith("FAIL")


def test_a_simulated_run_without_db_never_touches_the_default_store(tmp_path: Path) -> None:
    from gui.app import _open_store

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    args = argparse.Namespace(db=None, simulate="progressor", exit_after=None)
    store, status = _open_store(args, scratch)
    with store:
        assert Path(store.path).parent == scratch and status is not None and "scratch" in status
    args = argparse.Namespace(db=str(tmp_path / "mine.db"), simulate="progressor", exit_after=None)
    store, _ = _open_store(args, scratch)
    with store:
        assert Path(store.path) == tmp_path / "mine.db"


def test_connect_is_offered_only_with_a_device_and_a_missing_radio_is_said(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nkt_dyno.commands._errors import NO_RADIO

    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent")
    panel = window.device_panel
    assert not panel.connect_button.isEnabled()
    panel.scan_button.click()
    qtbot.waitUntil(lambda: panel.scan_button.isEnabled(), timeout=TIMEOUT_MS)
    assert panel.devices.count() >= 1  # the simulated devices
    assert panel.connect_button.isEnabled()
    assert panel.problem.text() == NO_RADIO and panel.problem.isVisibleTo(window)


def test_session_screen_shows_trial_cv_symmetry_and_ratios(
    window: MainWindow, store: Store
) -> None:
    session = store.start_session(store.add_client("Ann").id)
    t = np.linspace(0.0, 4.0, 401)
    for muscle, side, peak in (("hamstrings", "L", 100.0), ("hamstrings", "L", 140.0),
                               ("VMO", "L", 200.0), ("hamstrings", "R", 120.0)):  # fmt: skip
        force = np.interp(t, [0, 1, 2, 3, 4], [2, 2, peak, peak, 2])
        effort = {"verdict": "hold", "peak_n": peak, "onset_s": 1.0, "start_force_n": 0.0}
        store.save_test(session.id, muscle=muscle, side=side, condition="baseline",
                        trace=Trace(t, force), analysis=NewAnalysis("test", [effort]))  # fmt: skip
    screen = window.session
    screen.show_session(store, session.id)
    text = screen.balance.text()
    # 100 and 140 N: SD 28.3 over a mean of 120 N is a CV of 23.6 %, above 20 %
    assert "<span style='color:#c62828'>hamstrings L baseline CV 23.6 %</span>" in text
    assert "hamstrings LSI 100 %" in text  # 120 N on each side
    assert "knee H/Q L 0.60" in text


def test_session_screen_charts_progress_with_the_mdc_band(window: MainWindow, store: Store) -> None:
    from test_clinic_progress import three_visits

    _, sessions = three_visits(store)
    screen = window.session
    screen.show_session(store, sessions[-1])
    view = screen.progress
    assert [view.muscle.itemText(i) for i in range(view.muscle.count())] == ["psoas R"]
    assert view.current is not None
    assert [v.change for v in view.current.visits] == ["reference", "within", "up"]
    assert view.band is not None
    low, high = view.band.getRegion()
    first = view.current.visits[0].value
    assert (low, high) == pytest.approx((first - view.current.mdc, first + view.current.mdc))
    view.quantity.setCurrentIndex(view.quantity.findData("torque"))
    assert view.current.unit == "N·m" and len(view.current.visits) == 2
    assert "1 session(s) lack what this measure needs" in view.note.text()
    view.quantity.setCurrentIndex(view.quantity.findData("per_kg"))
    assert view.band is None and "body mass" in view.note.text()


def test_session_screen_names_examiner_limited_holds(window: MainWindow, store: Store) -> None:
    session = store.start_session(store.add_client("Ann").id, examiner="Dr Weiss")
    t = np.linspace(0.0, 4.0, 401)
    ids = []
    for peak in (150.0, 160.0, 170.0, 180.0, 190.0, 120.0):
        force = np.interp(t, [0, 1, 2, 3, 4], [2, 2, peak, peak, 2])
        effort = {"verdict": "hold", "peak_n": peak, "onset_s": 1.0, "start_force_n": 0.0}
        ids.append(store.save_test(session.id, muscle="psoas", side="L", condition="baseline",
                   trace=Trace(t, force), analysis=NewAnalysis("test", [effort])))  # fmt: skip
    screen = window.session
    screen.show_session(store, session.id)
    # 90th percentile of the six peaks is 185 N; 170 N and more reach 90 % of it (166.5 N)
    assert (
        f"Examiner-limited? #{ids[2]}, #{ids[3]}, #{ids[4]}: holds at this examiner's usual "
        "maximum (185 N)"
    ) in screen.balance.text()


def test_no_progress_chart_without_an_earlier_session(window: MainWindow, store: Store) -> None:
    session = store.start_session(store.add_client("Ann").id)
    t = np.linspace(0.0, 4.0, 401)
    force = np.interp(t, [0, 1, 2, 3, 4], [2, 2, 100, 100, 2])
    effort = {"verdict": "hold", "peak_n": 100.0, "onset_s": 1.0, "start_force_n": 0.0}
    store.save_test(session.id, muscle="psoas", side="L", condition="baseline",
                    trace=Trace(t, force), analysis=NewAnalysis("test", [effort]))  # fmt: skip
    window.session.show_session(store, session.id)
    view = window.session.progress
    assert view.isHidden() and view.current is None
