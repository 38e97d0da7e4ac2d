"""Left/right differences, flagged only when larger than the measurement noise."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Asymmetry:
    """One muscle's side-to-side comparison (forces in N, positive: left stronger).

    ``diff_pct`` is the signed difference relative to the stronger side;
    ``symmetry_index`` the difference relative to the mean of both sides.
    ``flagged`` only when ``|left − right|`` exceeds ``mdc_n``: healthy sides
    differ by up to 23–40 % (Bohannon 1999), so a percentage rule would flag
    healthy people.
    """

    muscle: str
    left_n: float
    right_n: float
    diff_pct: float
    symmetry_index: float
    mdc_n: float
    flagged: bool

    @property
    def lsi_pct(self) -> float:
        """Limb symmetry index: the weaker side as a percentage of the stronger one."""
        return 100.0 * min(self.left_n, self.right_n) / max(self.left_n, self.right_n)


def asymmetry(left_n: float, right_n: float, mdc_n: float, *, muscle: str = "") -> Asymmetry:
    """Compare the two sides of one muscle against the MDC (N).

    Parameters
    ----------
    left_n, right_n : float
        The sides' forces (N), both > 0.
    mdc_n : float
        Smallest difference that is more than noise (N), ≥ 0; use the larger
        of the two sides' MDC95.
    muscle : str, optional
        Name carried into the result.

    Returns
    -------
    Asymmetry
        ``diff_pct = 100·(L − R)/max(L, R)``,
        ``symmetry_index = 100·(L − R)/((L + R)/2)``.

    Raises
    ------
    ValueError
        A non-positive or non-finite force, or a negative MDC.

    References
    ----------
    Robinson RO, Herzog W, Nigg BM (1987). Use of force platform variables to
    quantify the effects of chiropractic manipulation on gait symmetry.
    J Manipulative Physiol Ther 10:172–176 (the symmetry index).

    Examples
    --------
    >>> a = asymmetry(100.0, 80.0, 15.0)
    >>> round(a.diff_pct), round(a.symmetry_index, 1), a.flagged
    (20, 22.2, True)
    """
    for name, value in (("left_n", left_n), ("right_n", right_n)):
        if not (math.isfinite(value) and value > 0.0):
            raise ValueError(f"{name} must be a positive force in N, got {value}")
    if not (math.isfinite(mdc_n) and mdc_n >= 0.0):
        raise ValueError(f"mdc_n must be a force >= 0 N, got {mdc_n}")
    diff = left_n - right_n
    return Asymmetry(
        muscle,
        left_n,
        right_n,
        100.0 * diff / max(left_n, right_n),
        100.0 * diff / ((left_n + right_n) / 2.0),
        mdc_n,
        abs(diff) > mdc_n,
    )
