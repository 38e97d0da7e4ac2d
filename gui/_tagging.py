"""Tags for the test just run: who, which muscle, which side, what condition.

Built for one free hand: Tab moves through the fields, the muscle field
completes from the store's catalogue (names and aliases, any part of the
word), and Enter in any field saves. The panel only collects the tags; the
window saves them with the recording.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QCompleter,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from nkt_dyno.store import CONDITIONS, SIDES, VERDICTS, Muscle

NO_CALL = "not given"


@dataclass(frozen=True)
class Tags:
    """What the therapist entered; ``None`` where nothing was chosen."""

    client: str
    muscle: str
    side: str
    condition: str
    challenge_target: str | None
    therapist_verdict: str | None
    notes: str


class TaggingPanel(QGroupBox):
    """The form; ``saveRequested`` carries the :class:`Tags` when Enter is pressed."""

    saveRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Tag and save", parent)
        self.client = QComboBox()
        self.client.setEditable(True)
        self.client.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.client.lineEdit().setPlaceholderText("client name or pseudonym")
        self.muscle = QLineEdit()
        self.muscle.setPlaceholderText("type to search the catalogue")
        self._names = QStringListModel(self)
        completer = QCompleter(self._names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.muscle.setCompleter(completer)
        self.side_group = QButtonGroup(self)
        sides = QHBoxLayout()
        for i, side in enumerate(SIDES):
            button = QRadioButton(side)
            self.side_group.addButton(button, i)
            sides.addWidget(button)
        self.side_group.button(0).setChecked(True)
        sides.addStretch(1)
        self.condition = QComboBox()
        self.condition.addItems(list(CONDITIONS))
        self.target = QLineEdit()
        self.target.setPlaceholderText("muscle challenged (for a challenge)")
        self.target.setCompleter(completer)
        self.call = QComboBox()
        self.call.addItems([NO_CALL, *VERDICTS])
        self.notes = QLineEdit()
        self.notes.setPlaceholderText("position, cues, anything unusual")
        self.save_button = QPushButton("Save test  [Enter]")
        self.save_button.clicked.connect(self.request_save)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #607d8b;")
        form = QFormLayout()
        form.addRow("Client", self.client)
        form.addRow("Muscle", self.muscle)
        form.addRow("Side", sides)
        form.addRow("Condition", self.condition)
        form.addRow("Target", self.target)
        form.addRow("Therapist's call", self.call)
        form.addRow("Notes", self.notes)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.save_button)
        layout.addWidget(self.status)
        for edit in (self.client.lineEdit(), self.muscle, self.target, self.notes):
            edit.returnPressed.connect(self.request_save)
        self.condition.currentTextChanged.connect(self._on_condition)
        self._on_condition(self.condition.currentText())

    def set_catalogue(self, muscles: Sequence[Muscle]) -> None:
        """Offer every catalogue name and alias in the muscle search."""
        names = {m.name for m in muscles} | {a for m in muscles for a in m.aliases}
        self._names.setStringList(sorted(names, key=str.casefold))

    def set_clients(self, names: Sequence[str]) -> None:
        current = self.client.currentText()
        self.client.clear()
        self.client.addItems(list(names))
        self.client.setCurrentText(current)

    def tags(self) -> Tags:
        side = self.side_group.checkedButton()
        call = self.call.currentText()
        condition = self.condition.currentText()
        return Tags(
            client=self.client.currentText().strip(),
            muscle=self.muscle.text().strip(),
            side=side.text() if side is not None else SIDES[0],
            condition=condition,
            challenge_target=(self.target.text().strip() or None)
            if condition == "challenge"
            else None,
            therapist_verdict=None if call == NO_CALL else call,
            notes=self.notes.text().strip(),
        )

    def request_save(self) -> None:
        tags = self.tags()
        missing = [
            name for name, value in (("client", tags.client), ("muscle", tags.muscle)) if not value
        ]
        if missing:
            self.show_status(f"enter the {' and '.join(missing)} to save", error=True)
            return
        self.saveRequested.emit(tags)

    def clear_per_test(self) -> None:
        """After a save: notes and the therapist's call belong to one test, the rest carries on."""
        self.notes.clear()
        self.call.setCurrentText(NO_CALL)

    def show_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {'#c62828' if error else '#2e7d32'};")

    def _on_condition(self, condition: str) -> None:
        self.target.setEnabled(condition == "challenge")
