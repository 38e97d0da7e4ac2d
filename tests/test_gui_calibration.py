"""The calibration wizard against a simulated device whose sensor reads 7 % high and +3 N:
masses hung by the simulator, prompts answered as the operator would, the fit, the
record saved, a verification passed, and cancelling part-way."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from _gui_support import loop_fixture  # noqa: F401  (a pytest fixture, requested as `loop`)
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from calibration import CalibrationRecord
from gui._cal_screen import CalibrationScreen, parse_masses

TIMEOUT_MS = 30_000


@pytest.fixture
def screen(qtbot: QtBot, loop: qasync.QEventLoop) -> Iterator[CalibrationScreen]:
    w = CalibrationScreen()
    w.resize(1100, 700)
    w.show()
    yield w
    task = asyncio.ensure_future(w.shutdown())
    qtbot.waitUntil(task.done, timeout=TIMEOUT_MS)
    w.close()
    w.deleteLater()


def _set_up(screen: CalibrationScreen, masses: str = "0, 5, 10, 20") -> None:
    screen.device_name.setCurrentText("sim:progressor")
    screen.sim_gain.setValue(1.07)
    screen.sim_offset.setValue(3.0)
    screen.masses.setText(masses)
    screen.window_s.setValue(0.4)


def test_wizard_calibrates_saves_and_verifies(
    qtbot: QtBot, screen: CalibrationScreen, tmp_path: Path
) -> None:
    _set_up(screen)
    prompts: list[str] = []

    def answer() -> None:
        # the operator reads as soon as the wizard shows the live reading as still
        if screen.read_button.isEnabled() and screen.stillness.text().startswith("● still"):
            prompts.append(screen.instruction.text())
            screen.confirm()

    operator = QTimer()
    operator.timeout.connect(answer)
    operator.start(100)
    screen.start()
    qtbot.waitUntil(lambda: screen.record is not None, timeout=TIMEOUT_MS)
    record = screen.record
    assert record is not None
    assert prompts[0].startswith("Remove every mass") and prompts[1] == "Hang 5 kg"
    assert len(prompts) == 7  # up 0, 5, 10, 20 and down 10, 5, 0
    # the fit undoes the simulated sensor: raw = 3 + 1.07 f  ->  f = (raw - 3) / 1.07
    assert record.fit.gain == pytest.approx(1 / 1.07, rel=2e-3)
    assert record.fit.offset_n == pytest.approx(-3 / 1.07, abs=0.1)
    result = screen.result
    assert screen.pages.currentIndex() == 2 and "non-linearity" in result.figures.text()
    assert len(result.residual_plot.getPlotItem().listDataItems()) == 2  # loading, unloading

    path = tmp_path / "records" / "sim.json"
    result.record_file.setText(str(path))
    with qtbot.waitSignal(screen.recordSaved):
        result.save_button.click()
    assert CalibrationRecord.load(path).fingerprint() == record.fingerprint()

    result.verify_mass.setValue(10.0)
    result.verify_button.click()
    qtbot.waitUntil(lambda: result.verdicts.text().endswith("PASS"), timeout=TIMEOUT_MS)
    assert prompts[-1] == "Hang 10 kg"
    operator.stop()


def test_wizard_refuses_bad_masses_and_can_be_cancelled(
    qtbot: QtBot, screen: CalibrationScreen
) -> None:
    _set_up(screen, "5, 10")
    screen.start()
    assert "include 0 kg" in screen.status.text()
    screen.masses.setText("0, x")
    screen.start()
    assert "'x' is not a mass" in screen.status.text()
    assert parse_masses("0; 2.5,") == [0.0, 2.5]

    _set_up(screen)
    screen.start()
    qtbot.waitUntil(lambda: screen.read_button.isEnabled(), timeout=TIMEOUT_MS)
    assert screen.steps[1].styleSheet().startswith("background: #1565c0")
    qtbot.waitUntil(lambda: screen.reading.text().strip().endswith("N"), timeout=TIMEOUT_MS)
    screen.cancel()
    qtbot.waitUntil(lambda: screen.device is None, timeout=TIMEOUT_MS)
    assert screen.status.text() == "calibration cancelled" and screen.record is None
    assert screen.pages.currentIndex() == 0


def test_scripted_calibration_in_the_main_window(
    qtbot: QtBot, loop: qasync.QEventLoop, tmp_path: Path
) -> None:
    from gui._script import run_calibration
    from gui._window import MainWindow
    from nkt_dyno.store import Store

    with Store.open(tmp_path / "store.db") as store:
        window = MainWindow(store)
        window.show()
        try:
            script = asyncio.ensure_future(
                run_calibration(window, "sim:cts500", [0.0, 5.0, 10.0], (0.95, -2.0, 0.0), 0.4)
            )
            qtbot.waitUntil(script.done, timeout=TIMEOUT_MS)
            assert script.result() is True
            assert window.tabs.currentWidget() is window.calibration
            record = window.calibration.record
            assert record is not None and record.fit.gain == pytest.approx(1 / 0.95, rel=2e-3)
            assert "5 kg" in window.calibration.result.verdicts.text()
        finally:
            done = asyncio.ensure_future(window.calibration.shutdown())
            qtbot.waitUntil(done.done, timeout=TIMEOUT_MS)
            window.shutdown()
            window.close()
            window.deleteLater()
