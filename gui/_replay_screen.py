"""Replay: a stored or imported trace played through the engine again.

The same model, test view and engine as a live test, with a
:class:`ReplaySource` behind it: 1×, 4× or instant. The scrubber seeks by
restarting the replay with everything before the chosen time delivered at
once, since a streaming detector must read the past to know the present.
Replaying is also re-analysis with the current engine.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from gui._live_model import LiveTestModel, RunState
from gui._options import DisplayOptions
from gui._sources import SPEEDS, ReplaySource
from gui._test_view import TestView
from nkt_dyno.trace import Trace, TraceFormatError, read_trace

SCRUB_STEPS = 1000


class ReplayScreen(QWidget):
    """Open a trace, pick a speed, play (Space) and scrub."""

    def __init__(self, options: DisplayOptions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = LiveTestModel(until_complete=False, parent=self)
        self.trace: Trace | None = None
        self.view = TestView(self.model, options, honour_blinding=False)
        self.open_button = QPushButton("Open trace…")
        self.open_button.clicked.connect(self._open_dialog)
        self.play_button = QPushButton("Play  [Space]")
        self.play_button.clicked.connect(self.toggle)
        self.speed = QComboBox()
        self.speed.addItems(list(SPEEDS))
        self.scrubber = QSlider(Qt.Orientation.Horizontal)
        self.scrubber.setRange(0, SCRUB_STEPS)
        self.scrubber.sliderReleased.connect(self._seek)
        self.position = QLabel("0.0 s")
        self.position.setMinimumWidth(110)
        self.title = QLabel("Open a trace file, or pick a test in the session to replay it.")
        self.title.setStyleSheet("color: #607d8b;")
        for w in (self.open_button, self.play_button, self.speed, self.scrubber):
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        bar = QHBoxLayout()
        bar.addWidget(self.open_button)
        bar.addWidget(self.play_button)
        bar.addWidget(QLabel("Speed"))
        bar.addWidget(self.speed)
        bar.addWidget(self.scrubber, 1)
        bar.addWidget(self.position)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)
        layout.addLayout(bar)
        self._follow = QTimer(self)
        self._follow.setInterval(100)
        self._follow.timeout.connect(self._follow_playback)
        self.model.stateChanged.connect(self._on_state)
        self._on_state(self.model.state.value)

    def load(self, trace: Trace, title: str) -> None:
        """Show ``trace`` and play it at once, at the chosen speed."""
        self.model.stop()
        self.trace = trace
        self.title.setText(title)
        self.title.setStyleSheet("color: #263238; font-weight: bold;")
        self.play(0.0)

    def play(self, start_s: float = 0.0) -> None:
        if self.trace is None:
            return
        speed = SPEEDS[self.speed.currentText()]
        t0 = float(self.trace.t[0])
        self.model.start(ReplaySource(self.trace, speed, start_s=t0 + start_s))

    def toggle(self) -> None:
        """Space: stop a replay that is playing, or play again from the scrubber."""
        if self.model.state is RunState.RUNNING:
            self.model.stop()
        else:
            self.play(self._scrub_s())

    def _scrub_s(self) -> float:
        if self.trace is None or self.scrubber.value() >= SCRUB_STEPS:
            return 0.0
        return self.trace.duration_s * self.scrubber.value() / SCRUB_STEPS

    def _seek(self) -> None:
        self.play(self._scrub_s())

    def _open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open trace", "", "Trace CSV (*.csv);;All files (*)"
        )
        if path:
            self.open_file(path)

    def open_file(self, path: str) -> None:
        try:
            trace = read_trace(path)
        except (OSError, TraceFormatError) as exc:
            self.title.setText(f"Cannot open {path}: {exc}")
            self.title.setStyleSheet("color: #c62828;")
            return
        self.load(trace, path)

    def _follow_playback(self) -> None:
        last = self.model.ring.last()
        if self.trace is None or last is None or self.scrubber.isSliderDown():
            return
        elapsed = last[0] - float(self.trace.t[0])
        duration = max(self.trace.duration_s, 1e-9)
        self.scrubber.setValue(round(SCRUB_STEPS * elapsed / duration))
        self.position.setText(f"{elapsed:.1f} / {duration:.1f} s")

    def _on_state(self, state: str) -> None:
        running = state == RunState.RUNNING
        self.play_button.setText("Stop  [Space]" if running else "Play  [Space]")
        self.play_button.setEnabled(self.trace is not None)
        if running:
            self._follow.start()
        else:
            self._follow.stop()
            self._follow_playback()
