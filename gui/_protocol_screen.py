"""The guided protocol: baseline → challenges → retests of one muscle and side, step by step.

The therapist sets the protocol up once, then only presses Space: each step
is a live test on the connected device, journalled from its first sample,
saved into the protocol group the moment the engine completes it, and its
verdict shown in the list. A step the store refuses stays in its journal
with its tags, and the screen says where. The
steps come from :func:`nkt_dyno.clinic.plan`, the saving from
:class:`~nkt_dyno.clinic.GroupWriter` and the closing line from
:func:`~nkt_dyno.clinic.summarise_group`, exactly as ``nkt-dyno protocol run``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from calibration import CalibrationRecord
from gui import _style
from gui._live_model import LiveTestModel, RunState
from gui._live_screen import SourceFactory
from gui._options import DisplayOptions
from gui._tagging import MuscleCompleter, client_box, ensure_client, set_clients, side_buttons
from gui._test_view import NO_SOURCE, READY, TestView
from nkt_dyno.clinic import (
    Captured,
    GroupWriter,
    PlannedStep,
    ProtocolRequest,
    plan,
    summarise_group,
)
from nkt_dyno.clinic._measures import primary
from nkt_dyno.store import SIDES, Device, NotFoundError, Store, StoreError
from nkt_dyno.summary import verdict_line

_VERDICT_COLOUR = {"HOLD": "#2e7d32", "BREAK": "#c62828"}


def _heading(step: PlannedStep) -> str:
    return step.label[:1].upper() + step.label[1:]


class ProtocolScreen(QWidget):
    """Set-up, the steps with their verdicts, the summary; the current step's test beside them.

    ``testSaved`` carries each saved test's id, so the session view can follow.
    """

    testSaved = Signal(int)

    def __init__(
        self, model: LiveTestModel, options: DisplayOptions, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.options = options
        self.store: Store | None = None
        self.writer: GroupWriter | None = None
        self.steps: tuple[PlannedStep, ...] = ()
        self.index = 0
        self.group_id: int | None = None
        self._factory: SourceFactory | None = None
        self._device: Device | None = None
        self._calibration: CalibrationRecord | None = None
        self._capturing = False
        self._step_device: Device | None = None
        self._step_calibration: CalibrationRecord | None = None
        self.view = TestView(model, options)
        left = QVBoxLayout()
        left.addWidget(self._build_setup())
        left.addWidget(self._build_steps())
        left.addWidget(self._build_summary(), 1)
        self.prompt = QLabel("Set up the protocol, then press Start protocol")
        self.prompt.setFont(_style.font(15, bold=True))
        self.prompt.setStyleSheet("color: #1565c0;")
        self.source_label = QLabel("no device: connect one in the Live test tab")
        self.source_label.setStyleSheet("color: #607d8b;")
        right = QVBoxLayout()
        right.addWidget(self.prompt)
        right.addWidget(self.view, 1)
        right.addWidget(self.source_label)
        self._enable_start()
        side = QWidget()
        side.setFixedWidth(360)
        side.setLayout(left)
        left.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 6, 6, 6)
        row.addWidget(side)
        row.addLayout(right, 1)
        model.stateChanged.connect(self._on_state)
        model.journalKept.connect(self._on_journal_kept)

    # -- layout --------------------------------------------------------
    def _build_setup(self) -> QGroupBox:
        box = QGroupBox("Protocol")
        self.client = client_box()
        self.completer = completer = MuscleCompleter(self)
        self.muscle = QLineEdit()
        self.muscle.setPlaceholderText("muscle tested: type to search the catalogue")
        self.muscle.setCompleter(completer)
        self.side_group, sides = side_buttons(SIDES, self)
        self.challenges = QLineEdit()
        self.challenges.setPlaceholderText("touched muscles, comma-separated")
        self.challenges.setCompleter(completer)
        self.baselines = QSpinBox()
        self.baselines.setRange(1, 5)
        self.retests = QSpinBox()
        self.retests.setRange(0, 5)
        self.retests.setValue(1)
        counts = QHBoxLayout()
        counts.addWidget(self.baselines)
        counts.addWidget(QLabel("retests"))
        counts.addWidget(self.retests)
        counts.addStretch(1)
        self.start_button = QPushButton("Start protocol")
        self.start_button.clicked.connect(self._start_or_end)
        form = QFormLayout(box)
        form.addRow("Client", self.client)
        form.addRow("Muscle", self.muscle)
        form.addRow("Side", sides)
        form.addRow("Challenges", self.challenges)
        form.addRow("Baselines", counts)
        form.addRow(self.start_button)
        return box

    def _build_steps(self) -> QGroupBox:
        box = QGroupBox("Steps")
        self.step_list = QListWidget()
        self.step_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.step_list.setWordWrap(True)
        self.step_list.setMaximumHeight(110)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout = QVBoxLayout(box)
        layout.addWidget(self.step_list)
        layout.addWidget(self.status)
        return box

    def _build_summary(self) -> QGroupBox:
        box = QGroupBox("Summary")
        self.summary = QLabel("—")
        self.summary.setWordWrap(True)
        self.summary.setFont(_style.font(11, bold=True))
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.noise = QLabel()
        self.noise.setWordWrap(True)
        self.noise.setStyleSheet("color: #607d8b;")
        layout = QVBoxLayout(box)
        layout.addWidget(self.summary)
        layout.addWidget(self.noise)
        layout.addStretch(1)
        return box

    # -- inputs from the window ------------------------------------------
    def attach_store(self, store: Store) -> None:
        self.store = store
        self.completer.set_catalogue(store.muscles())
        set_clients(self.client, [c.name for c in store.clients()])

    def set_source(
        self,
        factory: SourceFactory | None,
        description: str,
        device: Device | None = None,
        calibration: CalibrationRecord | None = None,
    ) -> None:
        """Steps started from now on read from ``factory`` (the connected ``device``)."""
        self._factory = factory
        self._device = device
        self._calibration = calibration
        self.source_label.setText(description)
        self.view.set_idle_text(READY if factory is not None else NO_SOURCE)
        self._enable_start()

    def _enable_start(self) -> None:
        """Start is offered only with a device to run the steps on; End always."""
        startable = self.active or self._factory is not None
        self.start_button.setEnabled(startable)
        self.start_button.setToolTip("" if startable else "connect a device in the Live test tab")

    # -- the protocol ----------------------------------------------------
    @property
    def active(self) -> bool:
        return self.writer is not None and self.index < len(self.steps)

    def _start_or_end(self) -> None:
        if self.active:
            self.end()
        else:
            self.start()

    def start(self) -> bool:
        """Begin the protocol set up in the form; False (with the reason shown) if it cannot."""
        store = self.store
        if store is None:
            return self._show_status("no store open", error=True)
        client = self.client.currentText().strip()
        checked = self.side_group.checkedButton()
        side = checked.text() if checked is not None else SIDES[0]
        try:
            if not client:
                raise ValueError("enter the client")
            muscle = store.resolve_muscle(self.muscle.text().strip()).name
            targets = [
                store.resolve_muscle(t.strip()).name
                for t in self.challenges.text().split(",")
                if t.strip()
            ]
            steps = plan(
                baselines=self.baselines.value(), challenges=targets, retests=self.retests.value()
            )
            if ensure_client(store, client):
                set_clients(self.client, [c.name for c in store.clients()])
            self.writer = GroupWriter(store, ProtocolRequest(client, muscle, side, steps))
        except (ValueError, StoreError) as exc:
            return self._show_status(str(exc), error=True)
        self.steps, self.index, self.group_id = steps, 0, None
        self.step_list.clear()
        for number, step in enumerate(steps, 1):
            self.step_list.addItem(f"{number}. {_heading(step)}")
        self.summary.setText("—")
        self.noise.clear()
        self._show_status("")
        self._show_step()
        return True

    def toggle(self) -> None:
        """Space: start the current step's test, or stop it (it is then saved as the step)."""
        if not self.active:
            return
        if self.model.state is RunState.RUNNING:
            self.model.stop()
        elif self._factory is None:
            self._show_status("connect a device to run the step", error=True)
        else:
            self._capturing = True
            self._step_device, self._step_calibration = self._device, self._calibration
            self._show_status("")
            self.model.start(self._factory())

    def end(self) -> None:
        """End early: a test running is left in its journal, the finished steps stay in their
        group."""
        running = self.model.state is RunState.RUNNING
        self._capturing = False
        self.model.stop()
        if running:  # not a step of the group, but a recording all the same: say where it is
            self.model.leave_journal()
        self.index = len(self.steps)
        self._finish()

    def _on_state(self, state: str) -> None:
        if state == RunState.RUNNING:
            self.prompt.setText(f"{_heading(self.steps[self.index])} — testing…")
        elif state == RunState.DONE and self._capturing:
            self._capturing = False
            self._save_step()

    def _save_step(self) -> None:
        assert self.writer is not None and self.store is not None
        device = self._step_device
        trace = None if device is None else self.model.recording({"device": device.model})
        if trace is None or device is None:
            self._show_status("no samples arrived: press Space to run the step again", error=True)
            self._show_step()
            return
        result = self.model.result
        captured = Captured(
            trace, () if result is None else (result,), device, self._step_calibration
        )
        step = self.steps[self.index]
        try:
            test_id = self.writer.save(step, captured)
        except (ValueError, NotFoundError) as exc:
            self._show_status(f"not saved: {exc}", error=True)
            self._show_step()
            return
        except StoreError as exc:  # the step stays in its journal, with its tags
            kept = self.model.keep(trace, self.writer.tags(step, device))
            self._show_status(
                f"not saved: {exc}. {_heading(step)} is kept in {kept}; save it later with "
                "`nkt-dyno recover --save`",
                error=True,
            )
            self._show_step()
            return
        self.model.saved()
        self.group_id = self.writer.group_id
        line = verdict_line(primary(self.store.get_test(test_id)), self.options.unit)
        item = self.step_list.item(self.index)
        item.setText(f"{self.index + 1}. {_heading(self.steps[self.index])}: {line}")
        item.setForeground(QColor(_VERDICT_COLOUR.get(line.split(" ")[0], "#ef6c00")))
        self.testSaved.emit(test_id)
        self.index += 1
        if self.active:
            self._show_step()
        else:
            self._finish()

    def _show_step(self) -> None:
        self.step_list.setCurrentRow(self.index)
        self.prompt.setText(f"{_heading(self.steps[self.index])} — press Space to start")
        self.start_button.setText("End protocol")
        self._enable_start()

    def _finish(self) -> None:
        self.start_button.setText("Start protocol")
        self._enable_start()
        self.step_list.setCurrentRow(-1)
        if self.store is None or self.group_id is None:
            self.prompt.setText("Protocol ended before any step was saved")
            return
        summary = summarise_group(self.store, self.group_id)
        self.summary.setText(summary.line())
        self.noise.setText("" if summary.noise is None else f"noise: {summary.noise.note}")
        self.prompt.setText(f"Protocol saved as group #{self.group_id}")

    def _on_journal_kept(self, path: str) -> None:
        self._show_status(
            f"the last test was not saved: it is kept in {path} (`nkt-dyno recover` saves it)",
            error=True,
        )

    def _show_status(self, text: str, *, error: bool = False) -> bool:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {'#c62828' if error else '#2e7d32'};")
        return False
