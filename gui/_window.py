"""The main window: live test with tagging, guided protocol, session, replay, calibration.

Space acts on the screen in front (start/stop a test or a replay); Enter
saves the finished live test with its tags, or takes the calibration
reading. The window holds the one store connection and the device link,
gives the connected device to the live and protocol screens, and moves
saved tests to the session view.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from calibration import CalibrationRecord
from gui._cal_screen import CalibrationScreen
from gui._device import DeviceLink, DeviceSource
from gui._device_panel import DevicePanel, calibration_text
from gui._live_model import LiveTestModel, RunState
from gui._live_screen import LiveScreen
from gui._options import DisplayOptions
from gui._protocol_screen import ProtocolScreen
from gui._replay_screen import ReplayScreen
from gui._session_screen import SessionScreen
from gui._tagging import TaggingPanel, Tags, ensure_client
from nkt_dyno.clinic import store_device
from nkt_dyno.devices import PROFILES
from nkt_dyno.store import ServerUnreachableError, Store, StoreError, save_recording
from nkt_dyno.summary import verdict_line
from nkt_dyno.trace import Trace


class MainWindow(QMainWindow):
    """Builds the screens on shared models; :mod:`gui.app` provides sources and store."""

    def __init__(self, store: Store | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("nkt-dyno")
        self.store: Store | None = None
        self.offline: Callable[[], tuple[Store, Callable[[], str]]] | None = None
        """For a clinic's server: opens this workstation's own store should the server go,
        with what describes it (its waiting tests change with every save)."""
        self._describe: Callable[[], str] | None = None
        self.options = DisplayOptions(self)
        self.live_model = LiveTestModel(parent=self)
        self.live = LiveScreen(self.live_model, self.options)
        self.tagging = TaggingPanel()
        self.tagging.setFixedWidth(330)
        self.tagging.saveRequested.connect(self.save_test)
        self.tagging.test.currentIndexChanged.connect(self._on_test_kind)
        self._on_test_kind()
        self.link = DeviceLink(self)
        self.device_panel = DevicePanel(self.link)
        self.device_panel.setFixedWidth(330)
        self.link.stateChanged.connect(self._on_link_state)
        self.protocol = ProtocolScreen(LiveTestModel(parent=self), self.options)
        self.protocol.testSaved.connect(self._show_in_session)
        self.session = SessionScreen(self.options)
        self.session.replayRequested.connect(self.replay_test)
        self.replay = ReplayScreen(self.options)
        self.calibration = CalibrationScreen(self.link.disconnect_device)
        self.side = QVBoxLayout()
        self.side.addWidget(self.device_panel)
        self.side.addWidget(self.tagging)
        self.side.addStretch(1)
        live_tab = QWidget()
        row = QHBoxLayout(live_tab)
        row.setContentsMargins(6, 6, 6, 6)
        row.addLayout(self.side)
        row.addWidget(self.live, 1)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tabs.addTab(live_tab, "Live test")
        self.tabs.addTab(self.protocol, "Protocol")
        self.tabs.addTab(self.session, "Session")
        self.tabs.addTab(self.replay, "Replay")
        self.tabs.addTab(self.calibration, "Calibration")
        self.setCentralWidget(self.tabs)
        self._screens: tuple[QWidget, ...] = (
            self.live,
            self.protocol,
            self.session,
            self.replay,
            self.calibration,
        )
        QShortcut(QKeySequence(Qt.Key.Key_Space), self).activated.connect(self.toggle_current)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            QShortcut(QKeySequence(key), self).activated.connect(self._enter)
        self._saved: int | None = None
        self._source_calibration: CalibrationRecord | None = None
        self._test_calibration: CalibrationRecord | None = None
        self.live.sourceChanged.connect(self._forget_calibration)
        self.live_model.stateChanged.connect(self._on_live_state)
        self._offer_save()
        self.store_label = QLabel("no store open")
        self.statusBar().addPermanentWidget(self.store_label)
        self.resize(1280, 780)
        if store is not None:
            self.attach_store(store)

    def attach_store(self, store: Store, status: str | None = None) -> None:
        """Use ``store``; ``status`` says which store it is (default: its location)."""
        self.store = store
        self.store_label.setText(status or f"store: {store.location}")
        self.tagging.set_catalogue(store.muscles())
        self.tagging.set_clients([c.name for c in store.clients()])
        self.protocol.attach_store(store)
        self._offer_save()

    def toggle_current(self) -> None:
        """Space: start/stop on the screen in front, if it has such an action."""
        screen = self._screens[self.tabs.currentIndex()]
        toggle = getattr(screen, "toggle", None)
        if toggle is not None:
            toggle()

    def _enter(self) -> None:
        if self.tabs.currentWidget() is self.calibration:
            self.calibration.confirm()
        elif self.tabs.currentIndex() == 0:
            self.tagging.request_save()

    def _on_link_state(self, state: str) -> None:
        device = self.link.device
        if state == "streaming" and device is not None:
            description = f"{device.name} ({device.kind}){motion_note(device.kind)}"
            calibration = self.link.calibration
            self.live.set_source(lambda: DeviceSource(self.link), description)
            self._source_calibration = calibration
            self.protocol.set_source(
                lambda: DeviceSource(self.link),
                f"{description} · {calibration_text(calibration)}",
                store_device(device, simulated=self.link.simulated),
                calibration,
            )
        elif state in ("disconnected", "lost", "closed"):
            self.live.set_source(None, f"device {state}: scan and connect")
            self.protocol.set_source(None, f"device {state}: connect one in the Live test tab")

    def _forget_calibration(self, _description: str) -> None:
        """A new live source is uncalibrated until the link says otherwise (a replay, say)."""
        self._source_calibration = None

    def _on_live_state(self, state: str) -> None:
        if state == RunState.RUNNING:
            self._saved = None
            self._test_calibration = self._source_calibration
            self.tagging.show_status("")
        self._offer_save()

    def _on_test_kind(self) -> None:
        """The next live test is judged as the test type chosen (a make test never breaks)."""
        self.live_model.test = str(self.tagging.test.currentData())

    def _offer_save(self) -> None:
        """Save is offered only for a finished test not saved yet: never a click it refuses."""
        can = (
            self.store is not None
            and self.live_model.state is RunState.DONE
            and self._saved is None
            and self.live_model.recording() is not None
        )
        self.tagging.save_button.setEnabled(can)
        self.tagging.save_button.setToolTip("" if can else "run a test first (Space), then save")

    # -- saving and moving between screens ----------------------------------
    def save_test(self, tags: Tags) -> int | None:
        """Save the finished live test with ``tags``; return its id (``None`` if not saved)."""
        trace = self.live_model.recording(
            {"muscle": tags.muscle, "side": tags.side, "test": tags.test}
            | tags.context.to_metadata()
        )
        if self.store is None:
            self.tagging.show_status("no store open: the test cannot be saved", error=True)
        elif self.live_model.state is not RunState.DONE or trace is None:
            self.tagging.show_status("run a test first (Space), then save", error=True)
        elif self._saved is not None:
            self.tagging.show_status(f"already saved as test #{self._saved}")
        else:
            where = ""
            try:
                try:
                    self._saved = self._save(self.store, trace, tags)
                except ServerUnreachableError:
                    if self.offline is None:
                        raise
                    self._go_offline()
                    assert self.store is not None
                    self._saved = self._save(self.store, trace, tags)
                    where = " in this workstation's store: the server cannot be reached"
            except (ValueError, StoreError) as exc:
                self.tagging.show_status(str(exc), error=True)
                return None
            self.tagging.clear_per_test()
            self.tagging.show_status(f"saved as test #{self._saved}{where}")
            if self._describe is not None:
                self.store_label.setText(self._describe())
            self._offer_save()
            return self._saved
        return None

    def _go_offline(self) -> None:
        """The server went away: carry on in this workstation's store, and say so."""
        assert self.offline is not None and self.store is not None
        lost = self.store
        store, describe = self.offline()
        self.offline = None
        self.attach_store(store, describe())
        self._describe = describe
        lost.close()

    def _save(self, store: Store, trace: Trace, tags: Tags) -> int:
        if ensure_client(store, tags.client):
            self.tagging.set_clients([c.name for c in store.clients()])
        result = self.live_model.result
        test_id = save_recording(
            store,
            trace,
            client=tags.client,
            muscle=tags.muscle,
            side=tags.side,
            condition=tags.condition,
            challenge_target=tags.challenge_target,
            therapist_verdict=tags.therapist_verdict,
            notes=tags.notes,
            calibration=self._test_calibration,
            test=tags.test,
            context=tags.context,
            # The live verdict only if it judged the test type being saved.
            results=None if result is None or result.test != tags.test else [result],
        )
        self._show_in_session(test_id)
        return test_id

    def _show_in_session(self, test_id: int) -> None:
        if self.store is not None:
            self.session.show_session(self.store, self.store.get_test(test_id).session_id)

    def replay_test(self, test_id: int) -> None:
        """Open a stored test in the replay screen and play it."""
        if self.store is None:
            return
        test = self.store.get_test(test_id)
        title = f"Test #{test.id} · {test.muscle} {test.side} · {test.condition}"
        a = test.analysis
        if a is not None:
            line = verdict_line(a.primary, self.options.unit)
            title += f" · stored: {line} (engine {a.engine_version})"
        self.replay.load(self.store.load_trace(test_id), title)
        self.tabs.setCurrentWidget(self.replay)

    def shutdown(self) -> None:
        """Stop tests and display timers before the window goes (the link closes apart)."""
        for view in (self.live.view, self.protocol.view, self.replay.view):
            view.model.stop()
            view.timer.stop()


def motion_note(kind: str) -> str:
    """What the live screen says about motion: whether the device gives the gyro channel."""
    profile = PROFILES.get(kind)
    if profile is None or not profile.spec.has_gyro:
        return ""
    source = "its IMU" if profile.force_axis is not None else "its gyro"
    return f" · motion from {source}"
