"""Correcting a saved test from the session screen: its tags, its session, or deleting it.

The same store calls as ``nkt-dyno test edit|move|delete|restore``: every
change is written to the audit with who made it (the login name unless the
therapist types another) and when. A delete is recoverable: the panel keeps
the last test deleted and offers to restore it.
"""

from __future__ import annotations

import datetime as dt
import getpass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui._tagging import MuscleCompleter
from nkt_dyno.store import CONDITIONS, SIDES, MuscleTest, Store, StoreError


class CorrectionPanel(QGroupBox):
    """Edit, move, delete and restore one test; ``changed`` fires after each change."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Correct the selected test", parent)
        self.store: Store | None = None
        self.test: MuscleTest | None = None
        self.deleted: int | None = None
        """The last test deleted here, which Restore brings back."""
        self.completer = MuscleCompleter(self)
        self.muscle = QLineEdit()
        self.muscle.setCompleter(self.completer)
        self.side = QComboBox()
        self.side.addItems(list(SIDES))
        self.condition = QComboBox()
        self.condition.addItems(list(CONDITIONS))
        self.notes = QLineEdit()
        self.by = QLineEdit(_login())
        self.by.setToolTip("who makes the change: kept in the audit with the time")
        self.save_button = QPushButton("Save changes")
        self.save_button.clicked.connect(self.save_changes)
        self.session = QComboBox()
        self.move_button = QPushButton("Move")
        self.move_button.clicked.connect(self.move_test)
        self.delete_button = QPushButton("Delete test")
        self.delete_button.clicked.connect(self.delete_test)
        self.restore_button = QPushButton("Restore deleted")
        self.restore_button.clicked.connect(self.restore_test)
        self.status = QLabel()
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Muscle", self.muscle)
        form.addRow("Side", self.side)
        form.addRow("Condition", self.condition)
        form.addRow("Notes", self.notes)
        form.addRow("Changed by", self.by)
        move = QHBoxLayout()
        move.addWidget(self.session, 1)
        move.addWidget(self.move_button)
        form.addRow("To session", move)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.restore_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.show_test(None)

    def attach_store(self, store: Store) -> None:
        self.store = store
        self.completer.set_catalogue(store.muscles())

    def show_test(self, test: MuscleTest | None) -> None:
        """Fill the fields from ``test`` (None: nothing selected, nothing to correct)."""
        self.test = test
        self.muscle.setText("" if test is None else test.muscle)
        self.notes.setText("" if test is None else test.notes)
        if test is not None:
            self.side.setCurrentText(test.side)
            self.condition.setCurrentText(test.condition)
        self.session.clear()
        if test is not None and self.store is not None:
            for session in self.store.sessions(self.store.get_session(test.session_id).client_id):
                if session.id != test.session_id:
                    self.session.addItem(_session_label(session.id, session.started), session.id)
        for w in (self.muscle, self.side, self.condition, self.notes, self.save_button):
            w.setEnabled(test is not None)
        self.delete_button.setEnabled(test is not None)
        self.move_button.setEnabled(self.session.count() > 0)
        self.session.setEnabled(self.session.count() > 0)
        self.move_button.setToolTip(
            "" if self.session.count() else "the client has no other session"
        )
        self.restore_button.setEnabled(self.deleted is not None)

    def save_changes(self) -> None:
        test, store = self.test, self.store
        if test is None or store is None:
            return
        wanted = {
            "muscle": self.muscle.text().strip(),
            "side": self.side.currentText(),
            "condition": self.condition.currentText(),
            "notes": self.notes.text().strip(),
        }
        changes = {k: v for k, v in wanted.items() if v != getattr(test, k)}
        if not changes:
            self._say("nothing changed")
            return
        try:
            after = store.edit_test(
                test.id,
                who=self._who(),
                muscle=changes.get("muscle"),
                side=changes.get("side"),
                condition=changes.get("condition"),
                notes=changes.get("notes"),
            )
        except (ValueError, StoreError) as exc:
            self._say(str(exc), error=True)
            return
        said = ", ".join(
            f"{k} {getattr(test, k) or '—'} → {getattr(after, k) or '—'}" for k in changes
        )
        self._done(f"test #{test.id} corrected: {said}")

    def move_test(self) -> None:
        test, store, target = self.test, self.store, self.session.currentData()
        if test is None or store is None or target is None:
            return
        try:
            store.move_test(test.id, int(target), who=self._who())
        except (ValueError, StoreError) as exc:
            self._say(str(exc), error=True)
            return
        self._done(f"test #{test.id} moved to session {target}")

    def delete_test(self) -> None:
        test, store = self.test, self.store
        if test is None or store is None:
            return
        try:
            store.delete_test(test.id, who=self._who(), reason="deleted in the session screen")
        except StoreError as exc:
            self._say(str(exc), error=True)
            return
        self.deleted = test.id
        self._done(f"test #{test.id} deleted; Restore deleted brings it back")

    def restore_test(self) -> None:
        store, test_id = self.store, self.deleted
        if store is None or test_id is None:
            return
        try:
            store.restore_test(test_id, who=self._who())
        except StoreError as exc:
            self._say(str(exc), error=True)
            return
        self.deleted = None
        self._done(f"test #{test_id} restored")

    def _who(self) -> str:
        return self.by.text().strip() or _login()

    def _done(self, text: str) -> None:
        self.changed.emit()
        self._say(text)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {'#c62828' if error else '#2e7d32'};")


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "unknown"


def _session_label(session_id: int, started: str) -> str:
    when = dt.datetime.fromisoformat(started).astimezone().strftime("%d %b %Y")
    return f"{session_id} · {when}"
