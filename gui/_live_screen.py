"""The live test screen: the test view plus start/stop, unit and blinding."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui._live_model import LiveTestModel, RunState
from gui._options import DisplayOptions
from gui._sources import SampleSource
from gui._test_view import NO_SOURCE, READY, TestView
from gui._units import Unit

SourceFactory = Callable[[], SampleSource]
"""Opens a fresh stream for one test (a connected device, or a simulation)."""


class LiveScreen(QWidget):
    """Runs tests on whatever source the window provides; Space toggles."""

    sourceChanged = Signal(str)

    def __init__(
        self, model: LiveTestModel, options: DisplayOptions, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.options = options
        self._factory: SourceFactory | None = None
        self.view = TestView(model, options)
        self.start_button = QPushButton("Start test  [Space]")
        self.start_button.setMinimumHeight(36)
        self.start_button.clicked.connect(self.toggle)
        self.source_label = QLabel("no source: connect a device")
        self.source_label.setStyleSheet("color: #607d8b;")
        self.units = QComboBox()
        self.units.addItems([u.value for u in Unit])
        self.units.currentTextChanged.connect(options.set_unit)
        options.unitChanged.connect(self.units.setCurrentText)
        self.blinded = QCheckBox("Blinded")
        self.blinded.setToolTip("Hide force, markers and verdict until the test ends")
        self.blinded.toggled.connect(options.set_blinded)
        options.blindedChanged.connect(self.blinded.setChecked)
        for w in (self.start_button, self.units, self.blinded):
            w.setFocusPolicy(w.focusPolicy().NoFocus)  # Space must reach the shortcut
        bar = QHBoxLayout()
        bar.addWidget(self.start_button)
        bar.addWidget(self.source_label, 1)
        bar.addWidget(QLabel("Units"))
        bar.addWidget(self.units)
        bar.addWidget(self.blinded)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(bar)
        model.stateChanged.connect(self._on_state)
        self._on_state(model.state.value)

    def set_source(self, factory: SourceFactory | None, description: str) -> None:
        """Tests started from now on read from ``factory``."""
        self._factory = factory
        self.source_label.setText(description)
        self.view.set_idle_text(READY if factory is not None else f"{NO_SOURCE} ({description})")
        self.start_button.setEnabled(factory is not None or self.model.state is RunState.RUNNING)
        self.sourceChanged.emit(description)

    def toggle(self) -> None:
        """Start a test, or stop the one running (the Space bar's action)."""
        if self.model.state is RunState.RUNNING:
            self.model.stop()
        elif self._factory is not None:
            self.model.start(self._factory())

    def _on_state(self, state: str) -> None:
        running = state == RunState.RUNNING
        self.start_button.setText("Stop test  [Space]" if running else "Start test  [Space]")
        self.start_button.setEnabled(running or self._factory is not None)
