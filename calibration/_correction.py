"""Raw reading to newtons: the object a device driver applies to every block."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Correction:
    """``force_n = c0 + c1 * raw + c2 * raw**2``, applied element-wise.

    `raw` is the reading the device's codec reports (nominal newtons), so a
    perfect device has ``c0 = 0, c1 = 1, c2 = 0`` (:meth:`identity`).

    Parameters
    ----------
    c0 : float
        Offset, N.
    c1 : float
        Gain, N per raw unit.
    c2 : float
        Quadratic term, N per raw unit squared (0 for a straight line).

    Examples
    --------
    >>> Correction(-3.0 / 1.07, 1.0 / 1.07)(np.array([3.0, 110.0])).round(9)
    array([  0., 100.])
    """

    c0: float
    c1: float
    c2: float = 0.0

    def __post_init__(self) -> None:
        for name in ("c0", "c1", "c2"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value)):
                raise ValueError(f"{name}: expected a finite number, got {value!r}")
        if self.c1 == 0:
            raise ValueError("c1: the gain must not be 0")

    @classmethod
    def identity(cls) -> Correction:
        """The correction of a device taken at its word."""
        return cls(0.0, 1.0, 0.0)

    def __call__(self, raw: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Newtons for `raw` (any shape; float64 array of the same shape)."""
        x = np.asarray(raw, dtype=np.float64)
        return self.c0 + x * (self.c1 + self.c2 * x)

    def tared(self, raw_zero: float) -> Correction:
        """The same correction shifted so that `raw_zero` reads exactly 0 N.

        Use the raw value returned by :func:`tare`; gain and curvature are kept,
        only the offset moves.

        Examples
        --------
        >>> float(Correction(0.0, 2.0).tared(1.5)(1.5))
        0.0
        """
        if not math.isfinite(raw_zero):
            raise ValueError(f"raw_zero: expected a finite number, got {raw_zero!r}")
        return Correction(float(-raw_zero * (self.c1 + self.c2 * raw_zero)), self.c1, self.c2)
