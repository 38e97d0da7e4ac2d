"""Force units for display: the engine and the store work in newtons only."""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class Unit(StrEnum):
    """A display unit; the value is the label shown to the therapist."""

    N = "N"
    KGF = "kgf"
    LBF = "lbf"


NEWTONS_PER_UNIT: dict[Unit, float] = {
    Unit.N: 1.0,
    Unit.KGF: 9.80665,  # standard gravity (exact by definition)
    Unit.LBF: 4.4482216152605,  # avoirdupois pound-force (exact by definition)
}


def scale(unit: Unit) -> float:
    """Factor that turns newtons into ``unit``."""
    return 1.0 / NEWTONS_PER_UNIT[unit]


def format_force(newtons: float, unit: Unit) -> str:
    """Force as the readout shows it: one decimal, or none for large N values."""
    value = newtons * scale(unit)
    digits = 0 if unit is Unit.N and abs(value) >= 100 else 1
    return f"{value:.{digits}f}"
