"""The main window: live test with tagging, guided protocol, session, replay, calibration.

Space acts on the screen in front (start/stop a test or a replay); Enter
saves the finished live test with its tags, or takes the calibration
reading. The window holds the one store connection and the device link,
gives the connected device to the live and protocol screens, and moves
saved tests to the session view.

Every test of the live and protocol screens is journalled from its first
sample (:mod:`nkt_dyno.journal`, as ``record`` does): a crash keeps it, a
store that refuses the save leaves it in its journal with the tags, and a
test never saved stays there too; the window says where, and
``nkt-dyno recover`` saves it later.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from pathlib import Path

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
from gui._tagging import TaggingPanel, Tags, apply_client_details, ensure_client
from nkt_dyno.clinic import store_device
from nkt_dyno.devices import PROFILES
from nkt_dyno.journal import Journal, label, unsaved
from nkt_dyno.store import (
    Device,
    NotFoundError,
    ServerUnreachableError,
    Store,
    StoreError,
    save_recording,
)
from nkt_dyno.summary import verdict_line
from nkt_dyno.trace import Trace


class MainWindow(QMainWindow):
    """Builds the screens on shared models; :mod:`gui.app` provides sources and store."""

    def __init__(
        self,
        store: Store | None = None,
        parent: QWidget | None = None,
        *,
        journals: Path | None = None,
    ) -> None:
        """``journals`` is the folder tests are journalled in (default: beside the default
        store, where ``nkt-dyno recover`` looks)."""
        super().__init__(parent)
        self.setWindowTitle("nkt-dyno")
        self.store: Store | None = None
        self.journals = journals
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
        self.tagging.client.currentTextChanged.connect(self._on_client)
        self._on_test_kind()
        self.link = DeviceLink(self)
        self.device_panel = DevicePanel(self.link)
        self.device_panel.setFixedWidth(330)
        self.link.stateChanged.connect(self._on_link_state)
        self.live_model.journals = self._journal
        self.live_model.journalKept.connect(self._on_journal_kept)
        self.protocol = ProtocolScreen(LiveTestModel(parent=self), self.options)
        self.protocol.model.journals = self._journal
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
        self._source_device: Device | None = None
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
        waiting = len(unsaved(self.journals))
        if waiting:
            self.tagging.show_status(
                f"{waiting} recording(s) from earlier were not saved: "
                "list and save them with `nkt-dyno recover`",
                error=True,
            )

    def _on_client(self, name: str) -> None:
        """A known client chosen: show their sex, birth year and today's body mass."""
        if self.store is None or not name.strip():
            return
        try:
            client = self.store.find_client(name)
        except (NotFoundError, StoreError):
            return
        mass = self.store.body_mass_at(client.id, dt.datetime.now(dt.UTC).isoformat())
        self.tagging.show_client(client.sex, client.birth_year, None if mass is None else mass.kg)

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
            stored = store_device(device, simulated=self.link.simulated)
            self.live.set_source(lambda: DeviceSource(self.link), description)
            self._source_calibration = calibration
            self._source_device = stored
            self.protocol.set_source(
                lambda: DeviceSource(self.link),
                f"{description} · {calibration_text(calibration)}",
                stored,
                calibration,
            )
        elif state in ("disconnected", "lost", "closed"):
            self.live.set_source(None, f"device {state}: scan and connect")
            self.protocol.set_source(None, f"device {state}: connect one in the Live test tab")

    def _forget_calibration(self, _description: str) -> None:
        """A new live source is uncalibrated until the link says otherwise (a replay, say)."""
        self._source_calibration = None
        self._source_device = None

    def _journal(self) -> Journal:
        """The journal a new test is written to from its first sample."""
        from nkt_dyno.store._store import now

        meta = {"recorded": now(), "test": self.live_model.test}
        if self.store is not None:
            meta["store"] = self.store.reference
        if self._source_device is not None:
            meta.update(device_id=self._source_device.id, model=self._source_device.model)
        return Journal(meta, label("gui"), self.journals)

    def _on_journal_kept(self, path: str) -> None:
        self.tagging.show_status(
            f"the last test was not saved: it is kept in {path} (`nkt-dyno recover` saves it)",
            error=True,
        )

    def _on_live_state(self, state: str) -> None:
        if state == RunState.RUNNING:
            self._saved = None
            self._test_calibration = self._source_calibration
            if not self.tagging.status.text().startswith("the last test was not saved"):
                self.tagging.show_status("")
        elif state == RunState.DONE and self.live_model.cut is not None:
            self.tagging.show_status(f"test ended early: {self.live_model.cut}", error=True)
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
            except (ValueError, NotFoundError) as exc:  # the tags: fix them and save again
                self.tagging.show_status(str(exc), error=True)
                return None
            except StoreError as exc:  # the store refused: the test stays in its journal
                kept = self.live_model.keep(trace, self._journal_tags(self.store, tags))
                self.tagging.show_status(
                    f"not saved: {exc}. The test is kept in {kept}; save it later with "
                    "`nkt-dyno recover --save`",
                    error=True,
                )
                return None
            self.live_model.saved()
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
        if tags.details is not None:
            apply_client_details(store, tags.client, tags.details)
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
            notes=self._notes(tags),
            calibration=self._test_calibration,
            test=tags.test,
            context=tags.context,
            # The live verdict only if it judged the test type being saved.
            results=None if result is None or result.test != tags.test else [result],
        )
        self._show_in_session(test_id)
        return test_id

    def _notes(self, tags: Tags) -> str:
        """The therapist's notes, after what ended the test early (a mute or lost device)."""
        return "; ".join(n for n in (self.live_model.cut, tags.notes) if n)

    def _journal_tags(self, store: Store, tags: Tags) -> dict[str, str]:
        """The tags as journal metadata, as ``recover --save`` reads them."""
        meta = {
            "client_name": tags.client,
            "muscle": tags.muscle,
            "side": tags.side,
            "condition": tags.condition,
            "target": tags.challenge_target or "",
            "notes": " ".join(self._notes(tags).split()),
            "test": tags.test,
        }
        with contextlib.suppress(StoreError):  # a client the store could not add: recover says so
            meta["client"] = str(store.find_client(tags.client).id)
        return {k: v for k, v in meta.items() if v}

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
        self.replay.load(self.store.load_trace(test_id), title, gaps=test.gaps, test=test.test)
        self.tabs.setCurrentWidget(self.replay)

    def shutdown(self) -> None:
        """Stop tests and display timers before the window goes (the link closes apart)."""
        for view in (self.live.view, self.protocol.view, self.replay.view):
            view.model.stop()
            view.model.leave_journal()
            view.timer.stop()


def motion_note(kind: str) -> str:
    """What the live screen says about motion: whether the device gives the gyro channel."""
    profile = PROFILES.get(kind)
    if profile is None or not profile.spec.has_gyro:
        return ""
    source = "its IMU" if profile.force_axis is not None else "its gyro"
    return f" · motion from {source}"
