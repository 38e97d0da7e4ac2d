"""Force units at the edges; newtons everywhere inside.

The kilogram-force and the pound-force are defined with *standard* gravity,
so converting them never uses the local g; local g matters only when a mass
is turned into the force it exerts (see :func:`mass_to_force`).
"""

from __future__ import annotations

import enum

import numpy as np
import numpy.typing as npt

STANDARD_GRAVITY = 9.80665
"""m/s^2, by definition (3rd CGPM, 1901)."""

POUND_MASS_KG = 0.45359237
"""Kilograms in one avoirdupois pound, by definition (1959)."""


class Unit(enum.Enum):
    """A force unit; the value is newtons per unit."""

    N = 1.0
    KGF = STANDARD_GRAVITY
    LBF = POUND_MASS_KG * STANDARD_GRAVITY

    @property
    def symbol(self) -> str:
        """Short name for display: ``N``, ``kgf`` or ``lbf``."""
        return {"N": "N", "KGF": "kgf", "LBF": "lbf"}[self.name]


_ALIASES: dict[str, Unit] = {
    "n": Unit.N,
    "newton": Unit.N,
    "newtons": Unit.N,
    "kgf": Unit.KGF,
    "kg": Unit.KGF,
    "kp": Unit.KGF,
    "kilogram-force": Unit.KGF,
    "lbf": Unit.LBF,
    "lb": Unit.LBF,
    "lbs": Unit.LBF,
    "pound-force": Unit.LBF,
}


def parse_unit(name: str | Unit) -> Unit:
    """Return the unit a user or a file names.

    ``kg`` and ``lb`` are accepted as kilogram- and pound-force because that is
    how dynamometer displays and spreadsheets label force. Case and surrounding
    spaces are ignored.

    Raises
    ------
    ValueError
        If `name` is not a known unit.

    Examples
    --------
    >>> parse_unit(" KGF ")
    <Unit.KGF: 9.80665>
    """
    if isinstance(name, Unit):
        return name
    if not isinstance(name, str):
        raise TypeError(f"name must be a str or Unit, got {type(name).__name__}")
    try:
        return _ALIASES[name.strip().lower()]
    except KeyError:
        known = ", ".join(sorted(_ALIASES))
        raise ValueError(f"name: unknown force unit {name!r}; expected one of {known}") from None


def to_newtons(value: npt.ArrayLike, unit: str | Unit) -> npt.NDArray[np.float64]:
    """Convert forces in `unit` to newtons (element-wise, float64).

    Examples
    --------
    >>> float(to_newtons(1.0, "kgf"))
    9.80665
    """
    return np.asarray(value, dtype=np.float64) * parse_unit(unit).value


def from_newtons(value_n: npt.ArrayLike, unit: str | Unit) -> npt.NDArray[np.float64]:
    """Convert forces in newtons to `unit` (element-wise, float64).

    Examples
    --------
    >>> round(float(from_newtons(4.4482216152605, "lbf")), 12)
    1.0
    """
    return np.asarray(value_n, dtype=np.float64) / parse_unit(unit).value


def mass_to_force(
    mass_kg: npt.ArrayLike, gravity: float = STANDARD_GRAVITY
) -> npt.NDArray[np.float64]:
    """Weight in newtons of a hanging mass under local gravity `gravity` (m/s^2).

    Local g varies by about 0.5 % over the Earth's surface (9.78 at the
    equator, 9.83 at the poles), which matters against a 0.5 % target, so a
    clinic may give its own value.

    Raises
    ------
    ValueError
        If `gravity` is outside 9.7--9.9 m/s^2 or a mass is negative or not finite.
    """
    check_gravity(gravity)
    mass = np.asarray(mass_kg, dtype=np.float64)
    if not np.all(np.isfinite(mass)) or np.any(mass < 0):
        raise ValueError(f"mass_kg: masses must be finite and >= 0, got {mass_kg!r}")
    return mass * gravity


def check_gravity(gravity: float) -> None:
    """Refuse a local g that cannot be right on the Earth's surface."""
    if not (isinstance(gravity, (int, float)) and 9.7 <= gravity <= 9.9):
        raise ValueError(f"gravity: expected local g in 9.7..9.9 m/s^2, got {gravity!r}")
