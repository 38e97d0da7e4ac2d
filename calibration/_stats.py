"""The one distribution the fit needs, without importing scipy.

The choice between a straight and a quadratic fit is an F-test with one
numerator degree of freedom, and F(1, d) is the square of Student's t with
d degrees of freedom, whose distribution function has a closed form for
integer d (Abramowitz & Stegun 26.7.3 and 26.7.4).
"""

from __future__ import annotations

import math


def t_two_sided_p(t: float, dof: int) -> float:
    """P(|T| >= |t|) for Student's t with `dof` (>= 1) degrees of freedom.

    Raises
    ------
    ValueError
        If `dof` is not a positive integer or `t` is NaN.

    References
    ----------
    M. Abramowitz and I. A. Stegun, *Handbook of Mathematical Functions*,
    26.7.3--26.7.4 (1964).

    Examples
    --------
    >>> round(t_two_sided_p(12.706204736, 1), 6)
    0.05
    """
    if not (isinstance(dof, int) and dof >= 1):
        raise ValueError(f"dof: expected a positive integer, got {dof!r}")
    if math.isnan(t):
        raise ValueError("t: got NaN")
    if math.isinf(t):
        return 0.0
    theta = math.atan(abs(t) / math.sqrt(dof))
    c2 = math.cos(theta) ** 2
    if dof % 2 == 1:
        # A = 2/pi * (theta + sin cos * (1 + 2/3 c^2 + 2*4/(3*5) c^4 + ...))
        series, term = 0.0, 1.0
        for k in range(1, (dof - 1) // 2 + 1):
            series += term
            term *= c2 * (2 * k) / (2 * k + 1)
        inside = theta + math.sin(theta) * math.cos(theta) * series
        a = 2.0 / math.pi * inside
    else:
        # A = sin * (1 + 1/2 c^2 + 1*3/(2*4) c^4 + ...)
        series, term = 0.0, 1.0
        for k in range(1, dof // 2 + 1):
            series += term
            term *= c2 * (2 * k - 1) / (2 * k)
        a = math.sin(theta) * series
    return min(1.0, max(0.0, 1.0 - a))
