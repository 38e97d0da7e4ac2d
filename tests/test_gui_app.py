"""The real main window, driven as a therapist would: replay synthetic hold and break
tests through the live screen, blinded mode, units, Space and Enter, tagging and
saving into a store, the session's overlay and exports, and replay; simulated
devices over the virtual radio with their saved calibration applied, and the
guided baseline → challenge → retest protocol."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from _gui_support import (  # noqa: F401  (the *_fixture names are pytest fixtures)
    TIMEOUT_MS,
    await_task,
    loop_fixture,
    store_fixture,
    window_fixture,
)
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from calibration import CalibrationPoint, CalibrationRecord, Direction, calibrate
from gui._device_panel import calibration_text
from gui._live_model import RunState
from gui._simulation import synthetic_trace
from gui._sources import ReplaySource
from gui._tagging import NO_CALL
from gui._test_view import HIDDEN
from gui._units import Unit, format_force
from gui._window import MainWindow
from nkt_dyno.clinic import summarise_group
from nkt_dyno.devices._calibrations import record_path
from nkt_dyno.store import Store
from nkt_dyno.summary import verdict_line


def use_case(w: MainWindow, case: str, seed: int = 1, speed: float | None = None) -> None:
    trace = synthetic_trace(case, seed=seed, rate_hz=200.0)
    w.live.set_source(lambda: ReplaySource(trace, speed), f"synthetic {case}")


def run_test(qtbot: QtBot, w: MainWindow) -> None:
    w.live.toggle()
    qtbot.waitUntil(lambda: w.live_model.state is RunState.DONE, timeout=TIMEOUT_MS)
    qtbot.wait(60)  # a few display frames


def test_hold_then_break_changes_banner_and_markers(qtbot: QtBot, window: MainWindow) -> None:
    view = window.live.view
    assert view.banner.text().startswith("NO DEVICE")
    use_case(window, "hold")
    assert view.banner.text().startswith("READY")
    run_test(qtbot, window)
    assert view.banner.text().startswith("HOLD")
    assert window.live_model.result is not None and window.live_model.result.verdict == "hold"
    assert view.plot.onset_line.isVisible() and view.plot.peak_dot.isVisible()
    assert not view.plot.break_line.isVisible()
    assert view.peak.value.text() == format_force(window.live_model.result.peak_n or 0, Unit.N)

    use_case(window, "break")
    run_test(qtbot, window)
    result = window.live_model.result
    assert result is not None and result.verdict == "break"
    # force only: the break sits at the last maximum, so its ratio of ~1.00 is not shown
    assert result.break_source == "force" and result.drop_pct is not None
    assert view.banner.text() == verdict_line(result.to_dict())
    assert view.banner.text().startswith(f"BREAK at {result.break_force_n:.0f} N · drop ")
    assert view.banner.text().endswith(f"drop {result.drop_pct:.0f} %")
    assert "ratio" not in view.banner.text() and view.ratio.value.text() == HIDDEN
    assert "#c62828" in view.banner.styleSheet()
    assert view.plot.break_line.isVisible()
    assert view.plot.break_line.value() == pytest.approx(
        (result.break_s or 0) - window.live_model.t0, abs=0.1
    )
    assert view.rise.value.text() != HIDDEN


def test_result_without_a_peak_shows_no_figure(qtbot: QtBot, window: MainWindow) -> None:
    """``peak_n`` is ``None`` when the engine has no finite peak: the readout says so."""
    use_case(window, "hold")
    run_test(qtbot, window)
    result = window.live_model.result
    assert result is not None and result.peak_n is not None
    window.live_model._set_result(dataclasses.replace(result, peak_n=None))
    assert window.live.view.peak.value.text() == HIDDEN


def test_curve_follows_the_ring_buffer(qtbot: QtBot, window: MainWindow) -> None:
    use_case(window, "hold", speed=4.0)
    window.live.toggle()
    qtbot.waitUntil(lambda: window.live_model.ring.written > 200, timeout=TIMEOUT_MS)
    assert window.live.view.banner.text().startswith("TESTING")
    qtbot.wait(60)
    x, _y = window.live.view.plot.curve.getOriginalDataset()
    assert x is not None and x.size > 100 and x[0] == 0.0
    qtbot.waitUntil(lambda: window.live_model.state is RunState.DONE, timeout=TIMEOUT_MS)


def test_blinded_mode_hides_numbers_until_the_end(qtbot: QtBot, window: MainWindow) -> None:
    view = window.live.view
    window.live.blinded.setChecked(True)
    assert window.options.blinded
    use_case(window, "break", speed=4.0)
    window.live.toggle()
    qtbot.waitUntil(lambda: window.live_model.ring.written > 400, timeout=TIMEOUT_MS)
    qtbot.wait(60)
    assert view.banner.text().startswith("BLINDED")
    assert {f.value.text() for f in (view.force, view.peak, view.ratio, view.rise)} == {HIDDEN}
    assert not view.plot.curve.isVisible()
    qtbot.waitUntil(lambda: window.live_model.state is RunState.DONE, timeout=TIMEOUT_MS)
    assert view.banner.text().startswith("BREAK")
    assert view.plot.curve.isVisible() and view.peak.value.text() != HIDDEN


def test_units_switch_readout_and_plot(qtbot: QtBot, window: MainWindow) -> None:
    use_case(window, "hold")
    run_test(qtbot, window)
    peak = window.live_model.result.peak_n  # type: ignore[union-attr]
    view = window.live.view
    _, y_n = view.plot.curve.getOriginalDataset()
    window.live.units.setCurrentText("kgf")
    assert window.options.unit is Unit.KGF
    assert view.peak.value.text() == format_force(peak, Unit.KGF)
    assert "(kgf)" in view.peak.caption.text()
    assert view.banner.text() == f"HOLD {peak / 9.80665:.1f} kgf"
    _, y_kgf = view.plot.curve.getOriginalDataset()
    assert y_kgf.max() == pytest.approx(y_n.max() / 9.80665)
    window.options.set_unit("lbf")
    assert window.live.units.currentText() == "lbf"
    assert view.peak.value.text() == format_force(peak, Unit.LBF)


def test_space_starts_and_stops_a_test(qtbot: QtBot, window: MainWindow) -> None:
    use_case(window, "hold", speed=1.0)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.live_model.state is RunState.RUNNING
    qtbot.waitUntil(lambda: window.live_model.ring.written > 50, timeout=TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.live_model.state is RunState.DONE
    assert window.live.start_button.text().startswith("Start")
    written = window.live_model.ring.written
    qtbot.wait(100)
    assert window.live_model.ring.written == written  # the source was stopped


def _tag(window: MainWindow, muscle: str, condition: str, call: str) -> None:
    tagging = window.tagging
    tagging.client.setCurrentText("Client A")
    tagging.muscle.setText(muscle)
    tagging.condition.setCurrentText(condition)
    tagging.call.setCurrentText(call)


def test_tag_save_compare_export_and_replay(
    qtbot: QtBot, window: MainWindow, store: Store, tmp_path: Path
) -> None:
    _tag(window, "gluteus medius", "baseline", "break")
    qtbot.keyClick(window.tagging.notes, Qt.Key.Key_Return)
    assert "run a test first" in window.tagging.status.text()

    use_case(window, "break")
    run_test(qtbot, window)
    window.tagging.notes.setText("arm slipped at the end")
    qtbot.keyClick(window.tagging.notes, Qt.Key.Key_Return)
    assert window.tagging.status.text().startswith("saved as test #")
    # notes and the call belong to one test; client, muscle and side carry on
    assert window.tagging.notes.text() == "" and window.tagging.call.currentText() == NO_CALL
    assert window.tagging.muscle.text() == "gluteus medius"
    use_case(window, "hold", seed=2)
    run_test(qtbot, window)
    _tag(window, "gluteus medius", "retest", "hold")
    window.tagging.request_save()
    window.tagging.request_save()
    assert window.tagging.status.text().startswith("already saved")

    session = window.session
    tests = store.tests(session.session_id or 0)
    assert [t.condition for t in tests] == ["baseline", "retest"]
    assert [t.therapist_verdict for t in tests] == ["break", "hold"]
    assert [t.notes for t in tests] == ["arm slipped at the end", ""]
    assert [t.analysis.verdict for t in tests if t.analysis] == ["break", "hold"]
    assert session.table.rowCount() == 2

    window.tabs.setCurrentWidget(session)
    session.select([t.id for t in tests])
    assert len(session.plot.getPlotItem().listDataItems()) == 2
    assert session.diff.rowCount() == 1 and "MDC" in session.diff.item(0, 5).text()
    assert "fallback" in session.note.text() and "20 %" in session.note.text()
    assert session.table.item(0, 8).text().startswith("drop ")  # force-only break
    assert session.table.item(1, 8).text() == "—"

    exports = session.exports
    pdf = exports.export_pdf(tmp_path / "summary.pdf")
    assert pdf is not None and pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 2000
    csvs = exports.export_csv(tmp_path / "csv")
    assert [p.name for p in csvs] == [
        f"session-{session.session_id}-summary.csv",
        f"session-{session.session_id}-traces.csv",
    ]
    html = exports.export_report(tmp_path / "report.html")
    assert html is not None and "Client A" in html.read_text(encoding="utf-8")
    assert exports.status.text().startswith("written: report.html")

    session.select([tests[0].id])
    session.replay_button.click()
    assert window.tabs.currentWidget() is window.replay
    replay = window.replay
    qtbot.waitUntil(lambda: replay.model.state is RunState.DONE, timeout=TIMEOUT_MS)
    assert replay.view.banner.text().startswith("BREAK")
    assert replay.view.plot.break_line.isVisible()


def test_replay_speeds_and_scrubber(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    from nkt_dyno.trace import write_trace

    path = tmp_path / "hold.csv"
    write_trace(path, synthetic_trace("hold", seed=3, rate_hz=200.0))
    replay = window.replay
    window.tabs.setCurrentWidget(replay)
    replay.speed.setCurrentText("instant")
    replay.open_file(str(path))
    qtbot.waitUntil(lambda: replay.model.state is RunState.DONE, timeout=TIMEOUT_MS)
    assert replay.view.banner.text().startswith("HOLD")
    assert replay.scrubber.value() == replay.scrubber.maximum()

    replay.speed.setCurrentText("4×")
    replay.scrubber.setValue(replay.scrubber.maximum() // 2)
    qtbot.keyClick(window, Qt.Key.Key_Space)  # plays from the scrubber
    assert replay.model.state is RunState.RUNNING
    qtbot.waitUntil(lambda: replay.model.ring.written > 0, timeout=TIMEOUT_MS)
    assert len(replay.model.ring) > 100  # the first half arrived at once
    qtbot.waitUntil(lambda: replay.model.state is RunState.DONE, timeout=TIMEOUT_MS)
    assert replay.view.banner.text().startswith("HOLD")

    replay.open_file(str(tmp_path / "missing.csv"))
    assert "Cannot open" in replay.title.text()


def test_simulated_device_over_the_virtual_radio(qtbot: QtBot, window: MainWindow) -> None:
    from nkt_dyno.devices.simulator import synthetic

    link = window.link
    try:
        found = await_task(qtbot, link.simulate("progressor", synthetic("break", 3, rest_s=1.0)))
        await_task(qtbot, link.connect_device(found))
        assert link.state == "streaming"
        assert window.device_panel.state.text().endswith("streaming")
        assert window.live.source_label.text().endswith("(progressor)")
        qtbot.keyClick(window, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: window.live_model.state is RunState.DONE, timeout=TIMEOUT_MS)
        assert window.live_model.result is not None
        assert window.live_model.result.verdict == "break"
        await_task(qtbot, link.tare())
    finally:
        await_task(qtbot, link.close())
    assert link.state == "disconnected" and not window.live.start_button.isEnabled()


def test_live_screen_says_when_motion_is_in_use() -> None:
    from gui._window import motion_note

    assert motion_note("activ5") == " · motion from its IMU"
    assert motion_note("openprofile") == " · motion from its gyro"
    assert motion_note("progressor") == ""


def _save_record(device: str) -> CalibrationRecord:
    """A record of a sensor reading 5 % high; the simulator reads true, so force drops 5 %."""
    points = [
        CalibrationPoint(kg, 1.05 * kg * 9.80665, Direction.LOADING, 0.01, 100)
        for kg in (0.0, 10.0, 20.0)
    ]
    record = calibrate(points, device, "Tindeq Progressor")
    path = record_path(device)
    path.parent.mkdir(parents=True, exist_ok=True)
    record.save(path)
    return record


def test_saved_calibration_applies_shows_and_is_stored(
    qtbot: QtBot, window: MainWindow, store: Store
) -> None:
    from nkt_dyno.devices.simulator import synthetic

    link, panel = window.link, window.device_panel
    try:
        found = await_task(qtbot, link.simulate("cts500", synthetic("hold", 2, rest_s=1.0)))
        await_task(qtbot, link.connect_device(found))
        assert link.calibration is None and panel.calibration.text() == "uncalibrated"

        record = _save_record("sim:progressor")
        found = await_task(qtbot, link.simulate("progressor", synthetic("hold", 2, rest_s=1.0)))
        await_task(qtbot, link.connect_device(found))
        assert link.calibration == record
        assert link._dyno is not None and link._dyno.correction is not None
        text = panel.calibration.text()
        assert text == calibration_text(record)
        assert text.startswith(f"calibration {record.fingerprint()[:4]}…, 20")
        qtbot.keyClick(window, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: window.live_model.state is RunState.DONE, timeout=TIMEOUT_MS)
        _tag(window, "gluteus medius", "baseline", "hold")
        test_id = window.save_test(window.tagging.tags())
        assert test_id is not None
        assert store.get_test(test_id).calibration_id == record.fingerprint()
    finally:
        await_task(qtbot, link.close())
    assert panel.calibration.text() == ""


def test_guided_protocol_on_simulated_devices(
    qtbot: QtBot, window: MainWindow, store: Store
) -> None:
    from gui._script import run_protocol

    screen = window.protocol
    try:
        group_id = await_task(
            qtbot,
            run_protocol(
                window,
                "progressor",
                "baseline=break@110,challenge=hold@170,retest=hold@165",
                1,
                muscle="gluteus medius",
                side="L",
                challenges=["TFL"],
            ),
            timeout_ms=90_000,
        )
    finally:
        await_task(qtbot, window.link.close())
    assert isinstance(group_id, int) and window.tabs.currentWidget() is screen
    tests = store.group_tests(group_id)
    assert [t.condition for t in tests] == ["baseline", "challenge", "retest"]
    assert [t.analysis.verdict for t in tests if t.analysis] == ["break", "hold", "hold"]
    assert tests[1].challenge_target == store.resolve_muscle("TFL").name
    assert {t.side for t in tests} == {"L"} and {t.muscle for t in tests} == {"gluteus medius"}
    summary = summarise_group(store, group_id)
    line = screen.summary.text()
    assert line == summary.line()
    assert line.startswith("gluteus medius L: baseline BREAK at ")
    assert "; challenge TFL L → HOLD " in line and "; retest → HOLD " in line
    assert line.endswith("beyond MDC)")
    assert summary.noise is not None and screen.noise.text() == f"noise: {summary.noise.note}"
    rows = [screen.step_list.item(i).text() for i in range(screen.step_list.count())]
    assert rows[0] == f"1. Baseline test: {verdict_line(tests[0].analysis.primary)}"  # type: ignore[union-attr]
    assert rows[2].startswith("3. Retest: HOLD ")
    assert screen.prompt.text() == f"Protocol saved as group #{group_id}"
    assert not screen.active and screen.start_button.text() == "Start protocol"
    assert window.session.table.rowCount() == 3


def test_protocol_refuses_an_unknown_muscle(window: MainWindow) -> None:
    screen = window.protocol
    screen.client.setCurrentText("Client B")
    screen.muscle.setText("no such muscle")
    assert not screen.start() and screen.status.text()
    screen.toggle()  # Space before a protocol is set up does nothing
    assert screen.model.state is RunState.IDLE and screen.step_list.count() == 0


def test_scripted_mode_writes_a_screenshot(tmp_path: Path) -> None:
    import subprocess
    import sys

    png = tmp_path / "live.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nkt_dyno",
            "gui",
            "--simulate",
            "progressor",
            "--scenario",
            "break",
            "--screenshot",
            str(png),
            "--exit-after",
            "6",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert png.stat().st_size > 10_000


def test_a_make_test_chosen_in_tagging_is_never_called_a_break(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.tagging.test.setCurrentIndex(window.tagging.test.findData("make"))
    use_case(window, "break")
    run_test(qtbot, window)
    result = window.live_model.result
    assert result is not None and result.test == "make" and result.verdict == "hold"
    assert window.live.view.banner.text().startswith("HOLD")
    window.tagging.test.setCurrentIndex(window.tagging.test.findData("break"))
    run_test(qtbot, window)
    assert window.live_model.result is not None
    assert window.live_model.result.verdict == "break"


def test_context_tagged_in_the_gui_is_stored_and_kept_in_the_trace(
    qtbot: QtBot, window: MainWindow, store: Store
) -> None:
    _tag(window, "gluteus medius", "baseline", NO_CALL)
    tagging = window.tagging
    tagging.fixation.setCurrentText("belt")
    tagging.lever_arm.setText("35")
    tagging.joint_angle.setText("10")
    tagging.pain.setCurrentText("2")
    tagging.mmt_grade.setCurrentText("4-")
    use_case(window, "hold")
    run_test(qtbot, window)
    tagging.request_save()
    assert "in centimetres? 35 cm is 0.35 m" in tagging.status.text()
    tagging.lever_arm.setText("0,35")
    tagging.request_save()
    assert tagging.status.text().startswith("saved as test #")
    test = store.get_test(int(tagging.status.text().split("#")[1]))
    assert test.context.line() == "belt, 10°, lever arm 0.35 m, pain 2/10, MMT 4-"
    assert store.load_trace(test.id).metadata["lever_arm_m"] == "0.35"
    cell = window.session.table.item(0, 9)
    peak = test.analysis.peak_n if test.analysis else None
    assert peak is not None and cell.text().startswith(f"{0.35 * peak:.1f} N·m")
    assert "Force / body mass: — (no body mass on or before the test day)" in cell.toolTip()
    # pain and grade belong to one test; the set-up carries on
    assert (tagging.pain.currentText(), tagging.mmt_grade.currentText()) == (NO_CALL, NO_CALL)
    assert (tagging.fixation.currentText(), tagging.lever_arm.text()) == ("belt", "0,35")
