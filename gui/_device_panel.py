"""Device panel: scan (real and simulated), connect, tare, battery, link state, calibration."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from calibration import CalibrationRecord
from gui._device import DeviceLink
from nkt_dyno.devices import FoundDevice

_STATE_COLOUR = {
    "streaming": "#2e7d32",
    "connected": "#2e7d32",
    "connecting": "#1565c0",
    "reconnecting": "#ef6c00",
    "lost": "#c62828",
}

SIMULATED_CASE = "break"
"""What the simulated devices found by a scan play, repeated (a case of the generator)."""


def calibration_text(record: CalibrationRecord | None) -> str:
    """The correction the readings carry: ``calibration 4b63…, 2026-11-22``, or ``uncalibrated``."""
    if record is None:
        return "uncalibrated"
    return f"calibration {record.fingerprint()[:4]}…, {record.created.astimezone():%Y-%m-%d}"


class DevicePanel(QGroupBox):
    """Buttons call the link's coroutines as tasks; labels follow its signals."""

    def __init__(self, link: DeviceLink, parent: QWidget | None = None) -> None:
        super().__init__("Device", parent)
        self.link = link
        self._tasks: set[asyncio.Task[Any]] = set()
        self.scan_button = QPushButton("Scan")
        self.simulated = QCheckBox("include simulated devices")
        self.simulated.setChecked(True)
        self.devices = QListWidget()
        self.devices.setMaximumHeight(110)
        self.connect_button = QPushButton("Connect")
        self.tare_button = QPushButton("Tare")
        self.state = QLabel()
        self.battery = QLabel()
        self.battery.setStyleSheet("color: #607d8b;")
        self.calibration = QLabel()
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c62828;")
        self.problem.setVisible(False)
        for w in (self.scan_button, self.connect_button, self.tare_button, self.simulated):
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        grid = QGridLayout(self)
        grid.addWidget(self.scan_button, 0, 0)
        grid.addWidget(self.simulated, 0, 1)
        grid.addWidget(self.devices, 1, 0, 1, 2)
        grid.addWidget(self.connect_button, 2, 0)
        grid.addWidget(self.tare_button, 2, 1)
        grid.addWidget(self.state, 3, 0)
        grid.addWidget(self.battery, 3, 1)
        grid.addWidget(self.calibration, 4, 0, 1, 2)
        grid.addWidget(self.problem, 5, 0, 1, 2)
        self.scan_button.clicked.connect(self._scan)
        self.connect_button.clicked.connect(self._connect)
        self.tare_button.clicked.connect(lambda: self._spawn(link.tare()))
        link.devicesFound.connect(self._show_devices)
        link.stateChanged.connect(self._show_state)
        link.batteryChanged.connect(self._show_battery)
        link.failed.connect(self._show_problem)
        self._show_state(link.state)

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _scan(self) -> None:
        self.scan_button.setEnabled(False)
        self.devices.clear()
        self._show_problem("")
        self._enable_connect()
        case = SIMULATED_CASE if self.simulated.isChecked() else None
        self._spawn(self.link.scan(simulated=case))

    def _connect(self) -> None:
        if self.link.state not in ("disconnected", "closed", "lost"):
            self._spawn(self.link.disconnect_device())
            return
        item = self.devices.currentItem() or self.devices.item(0)
        if item is not None:
            self._spawn(self.link.connect_device(item.data(Qt.ItemDataRole.UserRole)))

    def _show_devices(self, found: list[FoundDevice]) -> None:
        self.scan_button.setEnabled(True)
        self.devices.clear()
        for device in found:
            item = QListWidgetItem(f"{device.name}  ·  {device.kind}  ·  {device.rssi} dBm")
            item.setData(Qt.ItemDataRole.UserRole, device)
            self.devices.addItem(item)
        if found:
            self.devices.setCurrentRow(0)
        self._enable_connect()

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def _enable_connect(self) -> None:
        """Connect is offered with a device to connect to; Disconnect while connected."""
        live = self.link.state not in ("disconnected", "closed", "lost")
        self.connect_button.setEnabled(live or self.devices.count() > 0)

    def _show_state(self, state: str) -> None:
        colour = _STATE_COLOUR.get(state, "#607d8b")
        self.state.setText(f"● {state}")
        self.state.setStyleSheet(f"color: {colour}; font-weight: bold;")
        device = self.link.device
        if state == "streaming" and device is not None and not self.devices.count():
            self._show_devices([device])
        live = state not in ("disconnected", "closed", "lost")
        self.connect_button.setText("Disconnect" if live else "Connect")
        self._enable_connect()
        self.tare_button.setEnabled(state == "streaming")
        record = self.link.calibration
        self.calibration.setText(calibration_text(record) if live else "")
        self.calibration.setToolTip("" if record is None else f"record {record.fingerprint()}")
        colour = "#607d8b" if record is not None else "#ef6c00"
        self.calibration.setStyleSheet(f"color: {colour};")

    def _show_battery(self, text: str) -> None:
        self.battery.setText(f"battery {text}" if text else "")
