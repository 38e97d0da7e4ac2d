"""Display options the therapist sets once for every screen: unit and blinding."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from gui._units import Unit


class DisplayOptions(QObject):
    """Shared by the views; each signal fires only when its value changes."""

    unitChanged = Signal(str)
    blindedChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.unit = Unit.N
        self.blinded = False

    def set_unit(self, unit: Unit | str) -> None:
        unit = Unit(unit)
        if unit is not self.unit:
            self.unit = unit
            self.unitChanged.emit(unit.value)

    def set_blinded(self, blinded: bool) -> None:
        if blinded != self.blinded:
            self.blinded = blinded
            self.blindedChanged.emit(blinded)
