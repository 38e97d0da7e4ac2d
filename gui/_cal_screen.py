"""Calibration wizard: masses, unloaded reading, each mass hung, fit, record, verification.

A stepped panel rather than a QWizard: the steps are driven by the
calibration package's own procedure (:mod:`gui._cal_run`), which decides
how many prompts come and in which order; the panel shows each one with the
live raw reading and whether it is still enough to be read, and the
operator's "Read" answers it. The fit, saving and verification are on the
result page (:mod:`gui._cal_result`); saving puts the record where every
later connection of the device looks for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from calibration import (
    STANDARD_GRAVITY,
    CalibrationError,
    CalibrationRecord,
    FitOptions,
    calibration_sequence,
    check_masses,
    stable_mean,
)
from gui import _style
from gui._cal_device import CalibrationDevice
from gui._cal_result import CalibrationResult
from gui._cal_run import Cancelled, ProcedureRunner
from gui._tagging import line_edit
from nkt_dyno.devices._calibrations import record_path
from nkt_dyno.devices.simulator import SIMULATORS, SensorError

STEPS = ("Masses", "Unloaded", "Hang masses", "Fit and save", "Verify")
LIVE_MS = 200
"""Refresh of the live reading: five times a second is enough to read a number."""
SIM_DEVICES = tuple(f"sim:{kind}" for kind in SIMULATORS if kind != "whc06")
"""Simulated devices offered; the WH-C06 only advertises, it cannot be tared or streamed raw."""


def parse_masses(text: str) -> list[float]:
    """``"0, 5, 10"`` → ``[0.0, 5.0, 10.0]`` (kg); ValueError names the bad part."""
    masses = []
    for part in text.replace(";", ",").split(","):
        if part.strip():
            try:
                masses.append(float(part))
            except ValueError:
                raise ValueError(f"{part.strip()!r} is not a mass in kg") from None
    return masses


class CalibrationScreen(QWidget):
    """The wizard; ``release_link`` frees the radio from the live screen's connection first."""

    recordSaved = Signal(str)

    def __init__(
        self,
        release_link: Callable[[], Awaitable[None]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._release_link = release_link
        self.device: CalibrationDevice | None = None
        self.runner: ProcedureRunner | None = None
        self.record: CalibrationRecord | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._point = 0
        self._points = 0
        self._build()
        self.live_timer = QTimer(self)
        self.live_timer.setInterval(LIVE_MS)
        self.live_timer.timeout.connect(self._show_live)
        self._on_device(self.device_name.currentText())
        self._set_step(0)

    # -- layout --------------------------------------------------------------
    def _build(self) -> None:
        self.steps = [QLabel(f"{i + 1}  {name}") for i, name in enumerate(STEPS)]
        strip = QHBoxLayout()
        for label in self.steps:
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setMinimumHeight(34)
            strip.addWidget(label, 1)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._setup_page())
        self.pages.addWidget(self._step_page())
        self.result = CalibrationResult()
        self.result.saveRequested.connect(self.save)
        self.result.verifyRequested.connect(self.start_verification)
        self.result.newRequested.connect(lambda: self._spawn(self._close_device()))
        self.pages.addWidget(self.result)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(strip)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.status)

    def _setup_page(self) -> QWidget:
        self.device_name = QComboBox()
        self.device_name.setEditable(True)
        self.device_name.addItems(list(SIM_DEVICES))
        line_edit(self.device_name).setPlaceholderText("device address, or sim:<kind>")
        self.device_name.currentTextChanged.connect(self._on_device)
        self.sim_gain = QDoubleSpinBox(decimals=4, minimum=0.5, maximum=2.0, singleStep=0.01)
        self.sim_gain.setValue(1.07)
        self.sim_offset = QDoubleSpinBox(decimals=2, minimum=-50.0, maximum=50.0, suffix=" N")
        self.sim_offset.setValue(3.0)
        self.sim_quadratic = QDoubleSpinBox(
            decimals=6, minimum=-0.01, maximum=0.01, singleStep=0.0001, suffix=" /N"
        )
        self.masses = QLineEdit("0, 5, 10, 20")
        self.masses.setToolTip("distinct masses in kg, lightest first is fine; include 0")
        self.window_s = QDoubleSpinBox(decimals=1, minimum=0.2, maximum=10.0, suffix=" s")
        self.window_s.setValue(2.0)
        self.unloading = QCheckBox("also read the masses on the way down (hysteresis)")
        self.unloading.setChecked(True)
        self.gravity = QDoubleSpinBox(decimals=5, minimum=9.7, maximum=9.9, suffix=" m/s²")
        self.gravity.setValue(STANDARD_GRAVITY)
        self.operator = QLineEdit()
        self.operator.setPlaceholderText("who calibrates (kept in the record)")
        self.start_button = QPushButton("Connect and start")
        self.start_button.clicked.connect(self.start)
        form = QFormLayout()
        form.addRow("Device", self.device_name)
        form.addRow("Simulated gain error", self.sim_gain)
        form.addRow("Simulated offset", self.sim_offset)
        form.addRow("Simulated curvature", self.sim_quadratic)
        form.addRow("Masses (kg)", self.masses)
        form.addRow("Reading window", self.window_s)
        form.addRow("", self.unloading)
        form.addRow("Local gravity", self.gravity)
        form.addRow("Operator", self.operator)
        box = QGroupBox("Known-mass calibration")
        col = QVBoxLayout(box)
        col.addLayout(form)
        col.addWidget(self.start_button)
        page = QWidget()
        row = QHBoxLayout(page)
        row.addWidget(box)
        row.addStretch(1)
        return page

    def _step_page(self) -> QWidget:
        self.instruction = QLabel()
        self.instruction.setFont(_style.font(20, bold=True))
        self.instruction.setWordWrap(True)
        self.progress = QLabel()
        self.progress.setStyleSheet("color: #607d8b;")
        self.reading = QLabel("—")
        self.reading.setFont(_style.font(40, bold=True, mono=True))
        self.stillness = QLabel()
        self.stillness.setFont(_style.font(13, bold=True))
        self.stillness.setWordWrap(True)
        self.live_plot = pg.PlotWidget(background="w")
        item = self.live_plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setMouseEnabled(x=False, y=False)
        item.setLabel("left", "raw reading (N)")
        item.setLabel("bottom", "last seconds")
        self.live_curve = item.plot(pen=pg.mkPen(_style.FORCE_PEN, width=2))
        self.read_button = QPushButton("Read  [Enter]")
        self.read_button.setMinimumHeight(40)
        self.read_button.setEnabled(False)  # until the procedure asks
        self.read_button.clicked.connect(self.confirm)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.read_button)
        page = QWidget()
        col = QVBoxLayout(page)
        col.addWidget(self.progress)
        col.addWidget(self.instruction)
        figures = QHBoxLayout()
        figures.addWidget(self.reading)
        figures.addWidget(self.stillness, 1)
        col.addLayout(figures)
        col.addWidget(self.live_plot, 1)
        col.addLayout(buttons)
        return page

    # -- steps -----------------------------------------------------------------
    def _set_step(self, step: int) -> None:
        for i, label in enumerate(self.steps):
            if i == step:
                bg, fg, weight = "#1565c0", "#ffffff", "bold"
            elif i < step:
                bg, fg, weight = "#e8f1e9", "#2e7d32", "normal"
            else:
                bg, fg, weight = "#eceff1", "#607d8b", "normal"
            label.setStyleSheet(f"background: {bg}; color: {fg}; font-weight: {weight};")
        self.pages.setCurrentIndex({0: 0, 1: 1, 2: 1}.get(step, 2))

    def _on_device(self, name: str) -> None:
        simulated = name.startswith("sim:")
        for box in (self.sim_gain, self.sim_offset, self.sim_quadratic):
            box.setEnabled(simulated)

    def show_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {'#c62828' if error else '#2e7d32'};")

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- calibration -----------------------------------------------------------
    def start(self) -> None:
        """Check the masses, connect raw and run the procedure (its prompts follow)."""
        try:
            masses = parse_masses(self.masses.text())
            order = calibration_sequence(masses, self.unloading.isChecked())
            check_masses([m for m, _ in order], self.gravity.value(), FitOptions())
        except (ValueError, CalibrationError) as exc:
            self.show_status(f"masses: {exc}", error=True)
            return
        if 0.0 not in masses:
            self.show_status("masses: include 0 kg, the unloaded reading", error=True)
            return
        self._point, self._points = 0, len(order)
        self._spawn(self._calibrate(masses))

    async def _calibrate(self, masses: list[float]) -> None:
        name = self.device_name.currentText().strip()
        sensor = SensorError(
            self.sim_gain.value(), self.sim_offset.value(), self.sim_quadratic.value()
        )
        self.start_button.setEnabled(False)
        self.show_status(f"connecting to {name}…")
        try:
            if self._release_link is not None and not name.startswith("sim:"):
                await self._release_link()
            await self._open(name, sensor if name.startswith("sim:") else None)
            assert self.runner is not None
            self.record = await self.runner.calibrate(
                masses,
                window_s=self.window_s.value(),
                unloading=self.unloading.isChecked(),
                gravity=self.gravity.value(),
                operator=self.operator.text().strip(),
            )
        except Cancelled:
            self.show_status("calibration cancelled")
            await self._close_device()
        except (CalibrationError, ValueError, LookupError, TimeoutError, OSError) as exc:
            self.show_status(f"calibration refused: {exc}", error=True)
            await self._close_device()
        else:
            self._show_record(self.record)
        finally:
            self.start_button.setEnabled(True)

    async def _open(self, name: str, sensor: SensorError | None) -> None:
        await self._close_device()
        device = CalibrationDevice(name, sensor)
        await device.open()
        self.device = device
        self.runner = ProcedureRunner(device, self)
        self.runner.prompted.connect(self._on_prompt)
        self.live_timer.start()
        self._set_step(1)

    def _on_prompt(self, text: str) -> None:
        retry = "(attempt " in text  # read_stable asks again while the load swings
        if not retry:
            self._point += 1
        if self._point <= self._points:
            self._set_step(1 if self._point == 1 else 2)
            self.progress.setText(f"reading {self._point} of {self._points}")
        else:  # the verification's one mass
            self._set_step(4)
            self.pages.setCurrentIndex(1)
            self.progress.setText("verification")
        self.instruction.setText(text)
        self.instruction.setStyleSheet(f"color: {'#ef6c00' if retry else '#263238'};")
        self.read_button.setEnabled(True)
        self.read_button.setFocus()

    def confirm(self) -> None:
        """The operator has done what the instruction says: read now."""
        if self.runner is not None and self.read_button.isEnabled():
            self.read_button.setEnabled(False)
            self.runner.confirm()

    def cancel(self) -> None:
        if self.runner is not None:
            self.runner.cancel()

    # -- live reading ------------------------------------------------------------
    def _show_live(self) -> None:
        if self.device is None:
            return
        t, f = self.device.latest(max(5.0, self.window_s.value()))
        if t.size < 2:
            return
        self.reading.setText(f"{f[-1]:8.2f} N")
        self.live_curve.setData(t - t[-1], f)
        recent = f[int(np.searchsorted(t, t[-1] - self.window_s.value())) :]
        rate = (t.size - 1) / max(float(t[-1] - t[0]), 1e-9)
        try:
            stable_mean(recent, rate)
        except CalibrationError as exc:
            why = str(exc.args[0]).split(";")[0]
            self.stillness.setText(f"● moving: {why}")
            self.stillness.setStyleSheet("color: #ef6c00;")
        else:
            self.stillness.setText("● still: ready to read")
            self.stillness.setStyleSheet("color: #2e7d32;")

    # -- result, record, verification ------------------------------------------------
    def _show_record(self, record: CalibrationRecord) -> None:
        self._set_step(3)
        self.result.show_record(record, str(record_path(record.device_id)))
        self.show_status(f"fit accepted · record {record.fingerprint()} not saved yet")

    def save(self, path_text: str) -> None:
        """Write the record to ``path_text``: by default where the device's later connections
        look for it."""
        if self.record is None:
            return
        path = Path(path_text).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.record.save(path)
        except OSError as exc:
            self.show_status(f"cannot save: {exc}", error=True)
            return
        self.show_status(f"record {self.record.fingerprint()} saved to {path}")
        self.recordSaved.emit(str(path))

    def start_verification(self, mass_kg: float) -> None:
        if self.record is not None and self.runner is not None:
            self._spawn(self._verify(self.record, mass_kg))

    async def _verify(self, record: CalibrationRecord, mass_kg: float) -> None:
        assert self.runner is not None
        self.result.verify_button.setEnabled(False)
        try:
            check = await self.runner.verify(record, mass_kg, window_s=self.window_s.value())
        except Cancelled:
            self.show_status("verification cancelled")
        except (CalibrationError, ValueError, TimeoutError) as exc:
            self.show_status(f"verification refused: {exc}", error=True)
        else:
            self.result.add_verification(check)
        finally:
            self.result.verify_button.setEnabled(True)
            self._set_step(4)

    # -- device ------------------------------------------------------------------------
    async def _close_device(self) -> None:
        """Disconnect the device under calibration and go back to the first step."""
        if self.runner is not None:
            self.runner.cancel()
            self.runner = None
        self.live_timer.stop()
        self.read_button.setEnabled(False)
        self.instruction.setText("")
        self._set_step(0)
        device, self.device = self.device, None
        if device is not None:
            await device.close()

    async def shutdown(self) -> None:
        """Leave any procedure and disconnect (the window is closing)."""
        await self._close_device()
        for task in list(self._tasks):
            task.cancel()
