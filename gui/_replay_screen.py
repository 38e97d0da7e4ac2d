"""Replay: a stored or imported trace played through the engine again.

The same model, test view and engine as a live test, with a
:class:`ReplaySource` behind it: 1×, 4× or instant. The scrubber seeks by
restarting the replay with everything before the chosen time delivered at
once, since a streaming detector must read the past to know the present.
Replaying is also re-analysis with the current engine.

A recording of several efforts is shown one effort at a time: the chooser
lists each with its verdict, and picking one shows that effort's verdict,
figures and markers, zoomed onto it. After a replay the last effort is shown.
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
from nkt_dyno.summary import verdict_line
from nkt_dyno.trace import Gap, Trace, TraceFormatError, read_trace, test_kind

SCRUB_STEPS = 1000


class ReplayScreen(QWidget):
    """Open a trace, pick a speed, play (Space) and scrub."""

    def __init__(self, options: DisplayOptions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = LiveTestModel(until_complete=False, parent=self)
        self.trace: Trace | None = None
        self._test = "break"
        self.view = TestView(self.model, options, honour_blinding=False)
        self.view.set_idle_text("NO TRACE · open a trace file, or replay a test of the session")
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
        self.effort = QComboBox()
        self.effort.setToolTip("the effort shown: its verdict, figures and markers")
        self.effort.setMinimumContentsLength(28)
        self.effort.currentIndexChanged.connect(self._choose_effort)
        self.previous_effort = QPushButton("◀")
        self.previous_effort.setFixedWidth(36)
        self.previous_effort.setToolTip("previous effort")
        self.previous_effort.clicked.connect(lambda: self._step_effort(-1))
        self.next_effort = QPushButton("▶")
        self.next_effort.setFixedWidth(36)
        self.next_effort.setToolTip("next effort")
        self.next_effort.clicked.connect(lambda: self._step_effort(1))
        self.title = QLabel("Open a trace file, or pick a test in the session to replay it.")
        self.title.setStyleSheet("color: #607d8b;")
        for w in (
            self.open_button,
            self.play_button,
            self.speed,
            self.scrubber,
            self.effort,
            self.previous_effort,
            self.next_effort,
        ):
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        bar = QHBoxLayout()
        bar.addWidget(self.open_button)
        bar.addWidget(self.play_button)
        bar.addWidget(QLabel("Speed"))
        bar.addWidget(self.speed)
        bar.addWidget(self.scrubber, 1)
        bar.addWidget(self.position)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(QLabel("Effort"))
        top.addWidget(self.previous_effort)
        top.addWidget(self.effort)
        top.addWidget(self.next_effort)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addLayout(bar)
        self._follow = QTimer(self)
        self._follow.setInterval(100)
        self._follow.timeout.connect(self._follow_playback)
        self.model.stateChanged.connect(self._on_state)
        self.model.effortsChanged.connect(self._list_efforts)
        options.unitChanged.connect(lambda _unit: self._list_efforts(0))
        self.model.effortSelected.connect(self._show_chosen)
        self._on_state(self.model.state.value)
        self._list_efforts(0)

    # -- efforts -----------------------------------------------------------
    def _list_efforts(self, _count: int) -> None:
        """One chooser entry per effort, with its verdict once the engine has judged it."""
        self.effort.blockSignals(True)
        self.effort.clear()
        for i, effort in enumerate(self.model.efforts, 1):
            verdict = (
                "in progress"
                if effort.result is None
                else verdict_line(effort.result.to_dict(), self.view.options.unit)
                + (" · gap" if "gap" in effort.result.flags else "")
            )
            self.effort.addItem(f"{i}: {verdict}")
        if not self.model.efforts:
            self.effort.addItem("no effort yet")
        self.effort.setCurrentIndex(self.model.selected or 0)
        self.effort.blockSignals(False)
        self._enable_effort_steps()

    def _show_chosen(self, index: int) -> None:
        self.effort.blockSignals(True)
        self.effort.setCurrentIndex(index)
        self.effort.blockSignals(False)
        self._enable_effort_steps()

    def _choose_effort(self, index: int) -> None:
        if self.model.state is not RunState.RUNNING:
            self.model.select(index)

    def _step_effort(self, step: int) -> None:
        self._choose_effort((self.model.selected or 0) + step)

    def _enable_effort_steps(self) -> None:
        """Choosing is offered only when there is another finished effort to go to."""
        done = self.model.state is not RunState.RUNNING
        count, at = len(self.model.efforts), self.model.selected or 0
        self.effort.setEnabled(done and count > 1)
        self.previous_effort.setEnabled(done and at > 0)
        self.next_effort.setEnabled(done and at < count - 1)

    def load(
        self,
        trace: Trace,
        title: str,
        *,
        gaps: tuple[Gap, ...] | None = None,
        test: str | None = None,
    ) -> None:
        """Show ``trace`` and play it at once, at the chosen speed.

        A stored test brings the ``gaps`` the store keeps (lost packets barely show in
        the times) and its ``test`` type; a trace file is judged as its metadata says.
        """
        self.model.stop()
        self.view.set_idle_text("READY · press Space to play")
        self.trace = trace
        self.model.known_gaps = gaps
        self._test = test or test_kind(trace.metadata)
        self.title.setText(title)
        self.title.setStyleSheet("color: #263238; font-weight: bold;")
        self.play(0.0)

    def play(self, start_s: float = 0.0) -> None:
        if self.trace is None:
            return
        speed = SPEEDS[self.speed.currentText()]
        t0 = float(self.trace.t[0])
        # Judged as the stored test's type, as its saved analysis was.
        self.model.test = self._test
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
        self._enable_effort_steps()
