"""Static calibration against known masses: fit and quality figures.

Model: the reference force of each hung mass (``mass * g``) as a polynomial in
the raw reading, fitted by least squares over every point, loading and
unloading alike, so that the fit is directly the correction to apply.

The straight line is the default. A quadratic term is kept only when both

* the data demand it: an F-test of the quadratic against the line gives
  ``p < alpha`` (default 0.01), which needs at least three distinct masses
  and one residual degree of freedom left; and
* it matters: across the calibrated range the quadratic differs from the
  line by at least ``min_quadratic_effect`` of full scale (default 0.05 %),
  so that rounding noise on perfectly linear data never adds a term;

and the resulting curve still rises over the whole calibrated range.

Quality figures, all relative to full scale (the largest reference force),
follow the usual load-cell definitions, with the least-squares straight line
as reference whatever model is chosen, so they describe the sensor:

* non-linearity: the largest deviation of a mass's mean reading from the line;
* hysteresis: the largest difference between the unloading and the loading
  reading of the same mass;
* repeatability: the largest spread of readings of the same mass taken in
  the same direction (needs repeated cycles).
"""

from __future__ import annotations

import enum
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from calibration._correction import Correction
from calibration._errors import CalibrationError, Reason
from calibration._stats import t_two_sided_p
from calibration._units import STANDARD_GRAVITY, check_gravity


class Direction(enum.Enum):
    """Whether a mass was reached by adding load or by removing it."""

    LOADING = "loading"
    UNLOADING = "unloading"


@dataclass(frozen=True, slots=True)
class CalibrationPoint:
    """One known mass and the device's mean reading under it.

    Parameters
    ----------
    mass_kg : float
        Hung mass, kg (>= 0; 0 for the unloaded device).
    raw : float
        Mean raw reading of a stable window, nominal N.
    direction : Direction
        Loading or unloading series.
    raw_sd : float
        Standard deviation of the window, N (0 when unknown).
    n_samples : int
        Samples averaged (0 when unknown).
    """

    mass_kg: float
    raw: float
    direction: Direction = Direction.LOADING
    raw_sd: float = 0.0
    n_samples: int = 0

    def __post_init__(self) -> None:
        if not (_is_number(self.mass_kg) and self.mass_kg >= 0):
            raise ValueError(f"mass_kg: expected a finite value >= 0, got {self.mass_kg!r}")
        if not _is_number(self.raw):
            raise ValueError(f"raw: expected a finite number, got {self.raw!r}")
        if not isinstance(self.direction, Direction):
            raise ValueError(f"direction: expected a Direction, got {self.direction!r}")
        if not (_is_number(self.raw_sd) and self.raw_sd >= 0):
            raise ValueError(f"raw_sd: expected a finite value >= 0, got {self.raw_sd!r}")
        if not (isinstance(self.n_samples, int) and self.n_samples >= 0):
            raise ValueError(f"n_samples: expected an integer >= 0, got {self.n_samples!r}")


@dataclass(frozen=True, slots=True)
class FitOptions:
    """Acceptance rules for a static calibration.

    Parameters
    ----------
    min_span_n : float
        Smallest acceptable range of reference forces, N (default 20, about
        2 kg): a line through a narrower range extrapolates its noise.
    min_step_fraction : float
        Smallest gap between two distinct masses, as a fraction of the span
        (default 0.02). Nearly equal masses entered as different ones are
        usually a typing slip, and noise can reverse their order.
    alpha : float
        Significance level of the quadratic F-test (default 0.01).
    min_quadratic_effect : float
        Smallest effect, as a fraction of full scale, for which a quadratic
        term is worth keeping (default 0.0005 = 0.05 %).
    gain_range : tuple of float
        Plausible fitted gains, N per raw unit (default 0.5--2). Raw readings
        are nominal newtons, so a gain near 9.8 or 4.4 means a unit mix-up.
    allow_quadratic : bool
        False forces a straight line.
    """

    min_span_n: float = 20.0
    min_step_fraction: float = 0.02
    alpha: float = 0.01
    min_quadratic_effect: float = 0.0005
    gain_range: tuple[float, float] = (0.5, 2.0)
    allow_quadratic: bool = True

    def __post_init__(self) -> None:
        if not (_is_number(self.min_span_n) and self.min_span_n > 0):
            raise ValueError(f"min_span_n: expected > 0, got {self.min_span_n!r}")
        if not (_is_number(self.min_step_fraction) and 0 <= self.min_step_fraction < 1):
            raise ValueError(
                f"min_step_fraction: expected in [0, 1), got {self.min_step_fraction!r}"
            )
        if not (_is_number(self.alpha) and 0 < self.alpha < 1):
            raise ValueError(f"alpha: expected in (0, 1), got {self.alpha!r}")
        if not (_is_number(self.min_quadratic_effect) and self.min_quadratic_effect >= 0):
            raise ValueError(
                f"min_quadratic_effect: expected >= 0, got {self.min_quadratic_effect!r}"
            )
        lo, hi = self.gain_range
        if not (_is_number(lo) and _is_number(hi) and 0 < lo < hi):
            raise ValueError(f"gain_range: expected 0 < low < high, got {self.gain_range!r}")


@dataclass(frozen=True, slots=True)
class Fit:
    """The chosen calibration curve.

    Attributes
    ----------
    degree : int
        1 (straight line) or 2 (quadratic).
    coefficients : tuple of float
        ``(c0, c1, c2)`` of ``force_n = c0 + c1 * raw + c2 * raw**2``;
        ``c2 == 0`` for a line.
    raw_range : tuple of float
        Lowest and highest raw reading calibrated; outside it the curve is
        extrapolated.
    quadratic_p_value : float or None
        p of the F-test quadratic vs line; None when it could not be run
        (fewer than three masses or no residual degree of freedom).
    quadratic_effect_n : float or None
        Largest difference between the quadratic and the line over
        `raw_range`, N; None as above.
    """

    degree: int
    coefficients: tuple[float, float, float]
    raw_range: tuple[float, float]
    quadratic_p_value: float | None = None
    quadratic_effect_n: float | None = None

    def __post_init__(self) -> None:
        if self.degree not in (1, 2):
            raise ValueError(f"degree: expected 1 or 2, got {self.degree!r}")
        if len(self.coefficients) != 3 or not all(_is_number(c) for c in self.coefficients):
            raise ValueError(f"coefficients: expected 3 finite numbers, got {self.coefficients!r}")
        if self.degree == 1 and self.coefficients[2] != 0:
            raise ValueError("coefficients: a degree-1 fit must have c2 == 0")
        lo, hi = self.raw_range
        if not (_is_number(lo) and _is_number(hi) and lo < hi):
            raise ValueError(f"raw_range: expected low < high, got {self.raw_range!r}")

    @property
    def gain(self) -> float:
        """Slope at raw = 0, N per raw unit."""
        return self.coefficients[1]

    @property
    def offset_n(self) -> float:
        """Force at raw = 0, N."""
        return self.coefficients[0]

    def correction(self) -> Correction:
        """The raw-to-newtons mapping of this fit."""
        return Correction(*self.coefficients)


@dataclass(frozen=True, slots=True)
class Quality:
    """How well the device behaved during calibration (percentages of full scale).

    Attributes
    ----------
    full_scale_n : float
        Largest reference force, N.
    nonlinearity_pct_fs : float
        Largest deviation of a mass's mean reading from the least-squares line.
    hysteresis_pct_fs : float or None
        Largest unloading-minus-loading difference at one mass; None without
        an unloading series.
    repeatability_pct_fs : float or None
        Largest range of readings at one mass in one direction; None without
        repeated readings.
    residuals_n : tuple of float
        Chosen fit minus reference force, per point in input order, N.
    max_residual_pct_fs : float
        Largest absolute residual.
    rms_residual_n : float
        Root mean square residual, N.
    """

    full_scale_n: float
    nonlinearity_pct_fs: float
    hysteresis_pct_fs: float | None
    repeatability_pct_fs: float | None
    residuals_n: tuple[float, ...]
    max_residual_pct_fs: float
    rms_residual_n: float


def fit_points(
    points: Sequence[CalibrationPoint],
    gravity: float = STANDARD_GRAVITY,
    options: FitOptions | None = None,
) -> Fit:
    """Fit the correction from known-mass points, or refuse with the reason.

    Parameters
    ----------
    points : sequence of CalibrationPoint
        At least two distinct masses; 0 kg (the unloaded device) is strongly
        advised so that the offset is measured, not extrapolated.
    gravity : float
        Local g, m/s^2 (default standard gravity).
    options : FitOptions, optional
        Acceptance rules; documented defaults when omitted.

    Returns
    -------
    Fit

    Raises
    ------
    ValueError
        If `points` holds something other than :class:`CalibrationPoint`.
    CalibrationError
        ``TOO_FEW_POINTS``, ``TOO_CLOSE``, ``NON_MONOTONIC`` or
        ``IMPLAUSIBLE_GAIN``, with the values that caused it.

    Examples
    --------
    >>> pts = [CalibrationPoint(m, 1.07 * m * 9.80665 + 3.0) for m in (0.0, 5.0, 10.0)]
    >>> fit = fit_points(pts)
    >>> fit.degree, round(fit.gain, 6), round(fit.offset_n, 6)
    (1, 0.934579, -2.803738)
    """
    options = options or FitOptions()
    check_gravity(gravity)
    _check_points(points)
    raw, ref = _arrays(points, gravity)
    check_masses([p.mass_kg for p in points], gravity, options)
    _check_monotonic(points)
    line = _polyfit(raw, ref, 1)
    lo, hi = float(raw.min()), float(raw.max())
    _check_gain(line, options)
    n_masses = len({p.mass_kg for p in points})
    if n_masses < 3 or raw.size < 4:
        return Fit(1, (line[0], line[1], 0.0), (lo, hi))
    quad = _polyfit(raw, ref, 2)
    p_value = _f_test_p(raw, ref, line, quad)
    grid = np.linspace(lo, hi, 201)
    effect = float(np.max(np.abs(_poly(quad, grid) - _poly(line, grid))))
    full_scale = float(ref.max())
    rises = min(quad[1] + 2 * quad[2] * lo, quad[1] + 2 * quad[2] * hi) > 0
    if (
        options.allow_quadratic
        and p_value < options.alpha
        and effect >= options.min_quadratic_effect * full_scale
        and rises
    ):
        return Fit(2, quad, (lo, hi), p_value, effect)
    return Fit(1, (line[0], line[1], 0.0), (lo, hi), p_value, effect)


def assess(
    points: Sequence[CalibrationPoint],
    fit: Fit,
    gravity: float = STANDARD_GRAVITY,
) -> Quality:
    """Quality figures of `points` under `fit` (see the module notes).

    Raises
    ------
    ValueError
        If `points` is malformed, every mass is 0 or every reading equal.
    CalibrationError
        ``TOO_FEW_POINTS`` if `points` is empty.
    """
    check_gravity(gravity)
    _check_points(points)
    raw, ref = _arrays(points, gravity)
    full_scale = float(ref.max())
    if full_scale <= 0:
        raise ValueError("points: every mass is 0, full scale is undefined")
    if np.unique(raw).size < 2:
        raise ValueError("points: every raw reading is the same, the line is undefined")
    residuals = fit.correction()(raw) - ref
    line = _polyfit(raw, ref, 1)
    deviation = _poly(line, raw) - ref
    masses = np.array([p.mass_kg for p in points])
    loading = np.array([p.direction is Direction.LOADING for p in points])
    nonlin = max(abs(deviation[masses == m].mean()) for m in np.unique(masses))
    hyst: float | None = None
    repeat: float | None = None
    for m in np.unique(masses):
        at = masses == m
        if np.any(at & loading) and np.any(at & ~loading):
            gap = abs(deviation[at & ~loading].mean() - deviation[at & loading].mean())
            hyst = max(hyst or 0.0, gap)
        for side in (loading, ~loading):
            group = deviation[at & side]
            if group.size >= 2:
                repeat = max(repeat or 0.0, float(np.ptp(group)))
    pct = 100.0 / full_scale
    return Quality(
        full_scale_n=full_scale,
        nonlinearity_pct_fs=float(nonlin) * pct,
        hysteresis_pct_fs=None if hyst is None else float(hyst) * pct,
        repeatability_pct_fs=None if repeat is None else repeat * pct,
        residuals_n=tuple(float(r) for r in residuals),
        max_residual_pct_fs=float(np.max(np.abs(residuals))) * pct,
        rms_residual_n=float(np.sqrt(np.mean(residuals**2))),
    )


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_points(points: Sequence[CalibrationPoint]) -> None:
    if not all(isinstance(p, CalibrationPoint) for p in points):
        raise ValueError("points: expected a sequence of CalibrationPoint")
    if len(points) == 0:
        raise CalibrationError(Reason.TOO_FEW_POINTS, "no calibration points were given")


def _arrays(
    points: Sequence[CalibrationPoint], gravity: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    raw = np.array([p.raw for p in points], dtype=np.float64)
    ref = np.array([p.mass_kg for p in points], dtype=np.float64) * gravity
    return raw, ref


def check_masses(masses_kg: Sequence[float], gravity: float, options: FitOptions) -> None:
    """Refuse a set of masses that cannot calibrate, before anything is hung."""
    masses = sorted(set(masses_kg))
    if len(masses) < 2:
        raise CalibrationError(
            Reason.TOO_FEW_POINTS,
            f"need at least two different masses (0 kg and one or more weights), got {masses}",
        )
    span = (masses[-1] - masses[0]) * gravity
    if span < options.min_span_n:
        raise CalibrationError(
            Reason.TOO_CLOSE,
            f"the masses span {span:.3g} N, need at least {options.min_span_n:.3g} N; "
            "add a heavier weight",
        )
    for light, heavy in itertools.pairwise(masses):
        if (heavy - light) * gravity < options.min_step_fraction * span:
            raise CalibrationError(
                Reason.TOO_CLOSE,
                f"{light:g} kg and {heavy:g} kg are too close (gap below "
                f"{100 * options.min_step_fraction:g} % of the span); check the masses",
            )


def _check_monotonic(points: Sequence[CalibrationPoint]) -> None:
    for direction in Direction:
        by_mass: dict[float, list[float]] = {}
        for p in points:
            if p.direction is direction:
                by_mass.setdefault(p.mass_kg, []).append(p.raw)
        ordered = sorted((m, float(np.mean(r))) for m, r in by_mass.items())
        for (m0, r0), (m1, r1) in itertools.pairwise(ordered):
            if r1 <= r0:
                raise CalibrationError(
                    Reason.NON_MONOTONIC,
                    f"in the {direction.value} series {m1:g} kg read {r1:.4g} but {m0:g} kg "
                    f"read {r0:.4g}; check that the load hangs freely and the masses are right",
                )


def _check_gain(line: tuple[float, ...], options: FitOptions) -> None:
    low, high = options.gain_range
    if not low <= line[1] <= high:
        raise CalibrationError(
            Reason.IMPLAUSIBLE_GAIN,
            f"fitted gain {line[1]:.4g} N per raw unit is outside {low:g}..{high:g}; "
            "the readings are probably in another unit (kgf or lbf) or the masses are wrong",
        )


def _polyfit(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], degree: int
) -> tuple[float, float, float]:
    # Centre and scale x before solving so a quadratic over 0..300 N stays well conditioned.
    mid, half = (x.max() + x.min()) / 2, (x.max() - x.min()) / 2
    u = (x - mid) / half
    a = np.vander(u, degree + 1, increasing=True)
    b = np.linalg.lstsq(a, y, rcond=None)[0]
    scaled = np.polynomial.Polynomial(b, domain=[mid - half, mid + half], window=[-1, 1])
    coef = scaled.convert().coef
    out = [0.0, 0.0, 0.0]
    out[: coef.size] = [float(c) for c in coef]
    return (out[0], out[1], out[2])


def _poly(c: tuple[float, ...], x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    result = np.zeros_like(x)
    for k in reversed(c):
        result = result * x + k
    return result


def _f_test_p(
    raw: npt.NDArray[np.float64],
    ref: npt.NDArray[np.float64],
    line: tuple[float, ...],
    quad: tuple[float, ...],
) -> float:
    rss1 = float(np.sum((_poly(line, raw) - ref) ** 2))
    rss2 = float(np.sum((_poly(quad, raw) - ref) ** 2))
    dof = raw.size - 3
    if rss1 <= rss2:
        return 1.0
    if rss2 == 0:
        return 0.0
    f = (rss1 - rss2) / (rss2 / dof)
    return t_two_sided_p(math.sqrt(f), dof)
