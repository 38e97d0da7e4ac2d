"""Tags for the test just run: who, which muscle, which side, what condition, which test,
and how it was done (patient position, fixation, joint angle, lever arm, pain, MMT grade;
all optional); and the client's details a reference value or a normalisation needs (sex,
birth year, body mass today), shown for the chosen client and corrected here.

Built for one free hand: Tab moves through the fields, the muscle field
completes from the store's catalogue (names and aliases, any part of the
word), and Enter in any field saves. The panel only collects the tags; the
window saves them with the recording. The client, muscle and side fields are
built here for the protocol panel too, so both behave alike.
"""

from __future__ import annotations

import datetime as dt
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

from nkt_dyno import context as ctx
from nkt_dyno.context import NO_CONTEXT, TestContext
from nkt_dyno.store import CONDITIONS, SIDES, VERDICTS, Muscle, NotFoundError, Store

NO_CALL = "not given"

TEST_TYPES: tuple[tuple[str, str], ...] = (
    ("break", "break: the examiner pushes"),
    ("make", "make: the patient pushes"),
)
"""The trace format's ``test`` values and how the chooser words them (DESIGN §2)."""


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
    test: str = "break"
    """``break`` or ``make``, kept in the recording's metadata as the trace format's ``test``."""
    context: TestContext = NO_CONTEXT
    details: ClientDetails | None = None
    """The client's details as the form shows them; None where the form has none."""


@dataclass(frozen=True)
class ClientDetails:
    """A client's sex, birth year and body mass as entered; None where left empty."""

    sex: str | None = None
    birth_year: int | None = None
    body_mass_kg: float | None = None

    @classmethod
    def parse(cls, sex: str, birth_year: str, body_mass_kg: str) -> ClientDetails:
        """Checked values; ValueError with one sentence for one out of range."""
        year = birth_year.strip()
        this_year = dt.date.today().year
        if year and (not year.isdigit() or not 1900 <= int(year) <= this_year):
            raise ValueError(f"birth year must be a year from 1900 to {this_year}, got {year!r}")
        mass = body_mass_kg.strip()
        return cls(
            sex=ctx.sex(sex) if sex else None,
            birth_year=int(year) if year else None,
            body_mass_kg=ctx.body_mass_kg(mass) if mass else None,
        )


def apply_client_details(store: Store, name: str, details: ClientDetails) -> list[str]:
    """Record what the form changed about the client; return what changed, for people.

    A sex or birth year that differs corrects the client; a body mass that differs
    from the one valid today is recorded as today's weighing. Nothing empty erases.
    """
    client = store.find_client(name)
    changed: list[str] = []
    if details.sex is not None and details.sex != client.sex:
        store.edit_client(client.id, sex=details.sex)
        changed.append(f"sex {details.sex}")
    if details.birth_year is not None and details.birth_year != client.birth_year:
        store.edit_client(client.id, birth_year=details.birth_year)
        changed.append(f"born {details.birth_year}")
    if details.body_mass_kg is not None:
        today = dt.datetime.now(dt.UTC).astimezone().isoformat()
        mass = store.body_mass_at(client.id, today)
        if mass is None or mass.kg != details.body_mass_kg:
            store.add_body_mass(client.id, details.body_mass_kg)
            changed.append(f"body mass {details.body_mass_kg:g} kg today")
    return changed


class MuscleCompleter(QCompleter):
    """Completes a muscle field from the catalogue: names and aliases, any part of the word."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._names = QStringListModel(self)
        self.setModel(self._names)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterMode(Qt.MatchFlag.MatchContains)

    def set_catalogue(self, muscles: Sequence[Muscle]) -> None:
        names = {m.name for m in muscles} | {a for m in muscles for a in m.aliases}
        self._names.setStringList(sorted(names, key=str.casefold))


def line_edit(box: QComboBox) -> QLineEdit:
    """The text field of an editable combo box (Qt has none for a non-editable one)."""
    edit = box.lineEdit()
    if edit is None:
        raise ValueError("the combo box is not editable")
    return edit


def client_box() -> QComboBox:
    """The client field: pick a known client or type a new name."""
    box = QComboBox()
    box.setEditable(True)
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    line_edit(box).setPlaceholderText("client name or pseudonym")
    return box


def set_clients(box: QComboBox, names: Sequence[str]) -> None:
    """Offer ``names`` and keep what was typed."""
    current = box.currentText()
    box.clear()
    box.addItems(list(names))
    box.setCurrentText(current)


def side_buttons(sides: Sequence[str], parent: QWidget) -> tuple[QButtonGroup, QHBoxLayout]:
    """One radio button per side, the first checked: a side is always chosen."""
    group = QButtonGroup(parent)
    row = QHBoxLayout()
    for i, side in enumerate(sides):
        button = QRadioButton(side)
        group.addButton(button, i)
        row.addWidget(button)
    group.button(0).setChecked(True)
    row.addStretch(1)
    return group, row


def ensure_client(store: Store, name: str) -> bool:
    """Add the client on first use, as a therapist types a new name; True if added."""
    try:
        store.find_client(name)
    except NotFoundError:
        store.add_client(name)
        return True
    return False


class TaggingPanel(QGroupBox):
    """The form; ``saveRequested`` carries the :class:`Tags` when Enter is pressed."""

    saveRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Tag and save", parent)
        self.client = client_box()
        self.muscle = QLineEdit()
        self.muscle.setPlaceholderText("type to search the catalogue")
        self.completer = MuscleCompleter(self)
        self.muscle.setCompleter(self.completer)
        self.side_group, sides = side_buttons(SIDES, self)
        self.condition = QComboBox()
        self.condition.addItems(list(CONDITIONS))
        self.test = QComboBox()
        for value, label in TEST_TYPES:
            self.test.addItem(label, value)
        self.target = QLineEdit()
        self.target.setPlaceholderText("muscle challenged (for a challenge)")
        self.target.setCompleter(self.completer)
        self.call = QComboBox()
        self.call.addItems([NO_CALL, *VERDICTS])
        self.sex = _optional_choice(ctx.SEXES)
        self.birth_year = QLineEdit()
        self.birth_year.setPlaceholderText("year (optional)")
        self.body_mass = QLineEdit()
        self.body_mass.setPlaceholderText("kg today (optional)")
        self.patient_position = _optional_choice(ctx.PATIENT_POSITIONS)
        self.fixation = _optional_choice(ctx.FIXATIONS)
        self.joint_angle = QLineEdit()
        self.joint_angle.setPlaceholderText("degrees (optional)")
        self.lever_arm = QLineEdit()
        self.lever_arm.setPlaceholderText("m, joint axis to pad centre (optional)")
        self.pain = _optional_choice([str(n) for n in range(11)])
        self.mmt_grade = _optional_choice(ctx.MMT_GRADES)
        self.notes = QLineEdit()
        self.notes.setPlaceholderText("position, cues, anything unusual")
        self.save_button = QPushButton("Save test  [Enter]")
        self.save_button.clicked.connect(self.request_save)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #607d8b;")
        form = QFormLayout()
        form.addRow("Client", self.client)
        details = QHBoxLayout()
        for label, field in (("Sex", self.sex), ("Born", self.birth_year), ("kg", self.body_mass)):
            details.addWidget(QLabel(label))
            details.addWidget(field, 1)
        form.addRow("", details)
        form.addRow("Muscle", self.muscle)
        form.addRow("Side", sides)
        form.addRow("Test", self.test)
        form.addRow("Condition", self.condition)
        form.addRow("Target", self.target)
        form.addRow("Position", self.patient_position)
        form.addRow("Fixation", self.fixation)
        form.addRow("Joint angle", self.joint_angle)
        form.addRow("Lever arm", self.lever_arm)
        form.addRow("Pain 0-10", self.pain)
        form.addRow("MMT grade", self.mmt_grade)
        form.addRow("Therapist's call", self.call)
        form.addRow("Notes", self.notes)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.save_button)
        layout.addWidget(self.status)
        edits = (line_edit(self.client), self.muscle, self.target, self.notes)
        for edit in (*edits, self.joint_angle, self.lever_arm, self.birth_year, self.body_mass):
            edit.returnPressed.connect(self.request_save)
        self.condition.currentTextChanged.connect(self._on_condition)
        self._on_condition(self.condition.currentText())

    def set_catalogue(self, muscles: Sequence[Muscle]) -> None:
        """Offer every catalogue name and alias in the muscle search."""
        self.completer.set_catalogue(muscles)

    def set_clients(self, names: Sequence[str]) -> None:
        set_clients(self.client, names)

    def show_client(self, sex: str | None, birth_year: int | None, kg: float | None) -> None:
        """Fill the client's details as the store has them (empty where it has none)."""
        self.sex.setCurrentText(sex or NO_CALL)
        self.birth_year.setText("" if birth_year is None else str(birth_year))
        self.body_mass.setText("" if kg is None else f"{kg:g}")

    def details(self) -> ClientDetails:
        """The client's details entered; ValueError (one sentence) for a value out of range."""
        return ClientDetails.parse(_chosen(self.sex), self.birth_year.text(), self.body_mass.text())

    def context(self) -> TestContext:
        """The context fields entered; ValueError (one sentence) for a value out of range."""
        given = {
            "patient_position": _chosen(self.patient_position),
            "fixation": _chosen(self.fixation),
            "joint_angle_deg": self.joint_angle.text().strip(),
            "lever_arm_m": self.lever_arm.text().strip(),
            "pain": _chosen(self.pain),
            "mmt_grade": _chosen(self.mmt_grade),
        }
        return TestContext.from_metadata(given)

    def tags(self) -> Tags:
        """The entered tags; ValueError when a context field holds a value out of range."""
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
            test=str(self.test.currentData()),
            context=self.context(),
            details=self.details(),
        )

    def request_save(self) -> None:
        try:
            tags = self.tags()
        except ValueError as exc:
            self.show_status(str(exc).removeprefix("# "), error=True)
            return
        missing = [
            name for name, value in (("client", tags.client), ("muscle", tags.muscle)) if not value
        ]
        if missing:
            self.show_status(f"enter the {' and '.join(missing)} to save", error=True)
            return
        self.saveRequested.emit(tags)

    def clear_per_test(self) -> None:
        """After a save: notes, pain, grade and the therapist's call belong to one test; the
        rest (set-up, lever arm, fixation) carries on to the next."""
        self.notes.clear()
        self.call.setCurrentText(NO_CALL)
        self.pain.setCurrentIndex(0)
        self.mmt_grade.setCurrentIndex(0)

    def show_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {'#c62828' if error else '#2e7d32'};")

    def _on_condition(self, condition: str) -> None:
        self.target.setEnabled(condition == "challenge")


def _optional_choice(values: Sequence[str]) -> QComboBox:
    """A chooser whose first entry says nothing was chosen."""
    box = QComboBox()
    box.addItems([NO_CALL, *values])
    return box


def _chosen(box: QComboBox) -> str:
    text = box.currentText()
    return "" if text == NO_CALL else text
