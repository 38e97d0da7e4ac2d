"""Verification: hang a known mass and judge the corrected reading."""

from __future__ import annotations

import math
from dataclasses import dataclass

from calibration._units import STANDARD_GRAVITY, mass_to_force

DEFAULT_TOLERANCE_FRACTION = 0.01
"""1 % of reading: the accuracy handheld dynamometers are sold with."""

DEFAULT_TOLERANCE_FLOOR_N = 0.5
"""0.5 N (about 51 g): below 50 N, 1 % falls under what a handheld device resolves."""


@dataclass(frozen=True, slots=True)
class Verification:
    """Outcome of one check against a known mass.

    Attributes
    ----------
    mass_kg : float
        Hung mass, kg.
    gravity : float
        Local g used, m/s^2.
    reference_n : float
        ``mass_kg * gravity``, N.
    reading_n : float
        Corrected device reading, N.
    error_n : float
        ``reading_n - reference_n``, N.
    error_pct : float or None
        Error as % of the reference force; None at 0 N.
    tolerance_n : float
        Largest acceptable ``|error_n|``, N.
    passed : bool
        ``|error_n| <= tolerance_n``.
    """

    mass_kg: float
    gravity: float
    reference_n: float
    reading_n: float
    error_n: float
    error_pct: float | None
    tolerance_n: float
    passed: bool


def tolerance_n(
    reference_n: float,
    fraction: float = DEFAULT_TOLERANCE_FRACTION,
    floor_n: float = DEFAULT_TOLERANCE_FLOOR_N,
) -> float:
    """Acceptable error at `reference_n`: ``max(fraction * |reference_n|, floor_n)``.

    "Of reading" is evaluated at the reference force, not at the device's own
    reading, so the allowance does not grow with the very error it judges.

    Examples
    --------
    >>> tolerance_n(100.0), tolerance_n(20.0)
    (1.0, 0.5)
    """
    if not (math.isfinite(fraction) and fraction >= 0):
        raise ValueError(f"fraction: expected a finite value >= 0, got {fraction!r}")
    if not (math.isfinite(floor_n) and floor_n >= 0):
        raise ValueError(f"floor_n: expected a finite value >= 0, got {floor_n!r}")
    return max(fraction * abs(reference_n), floor_n)


def verify(
    reading_n: float,
    mass_kg: float,
    gravity: float = STANDARD_GRAVITY,
    tolerance_fraction: float = DEFAULT_TOLERANCE_FRACTION,
    tolerance_floor_n: float = DEFAULT_TOLERANCE_FLOOR_N,
) -> Verification:
    """Compare a corrected reading with the weight of a known mass.

    Parameters
    ----------
    reading_n : float
        Mean corrected reading of a stable window, N.
    mass_kg : float
        Hung mass, kg.
    gravity : float
        Local g, m/s^2 (default standard gravity).
    tolerance_fraction, tolerance_floor_n : float
        See :func:`tolerance_n`; defaults 1 % and 0.5 N.

    Returns
    -------
    Verification

    Raises
    ------
    ValueError
        If `reading_n` is not finite, or a mass, g or tolerance is invalid.

    Examples
    --------
    >>> v = verify(98.5, 10.0)
    >>> v.passed, round(v.error_n, 4), round(v.tolerance_n, 4)
    (True, 0.4335, 0.9807)
    """
    if not math.isfinite(reading_n):
        raise ValueError(f"reading_n: expected a finite number, got {reading_n!r}")
    reference = float(mass_to_force(mass_kg, gravity))
    tol = tolerance_n(reference, tolerance_fraction, tolerance_floor_n)
    error = float(reading_n) - reference
    return Verification(
        mass_kg=float(mass_kg),
        gravity=float(gravity),
        reference_n=reference,
        reading_n=float(reading_n),
        error_n=error,
        error_pct=100.0 * error / reference if reference > 0 else None,
        tolerance_n=tol,
        passed=abs(error) <= tol,
    )
