from collections.abc import Callable, Sequence

import numpy as np
import pytest
from scipy import stats

from calibration import (
    STANDARD_GRAVITY,
    CalibrationError,
    CalibrationPoint,
    Direction,
    Fit,
    FitOptions,
    Reason,
    assess,
    calibration_sequence,
    fit_points,
)
from calibration._stats import t_two_sided_p

G = STANDARD_GRAVITY
MASSES = (0.0, 5.0, 10.0, 20.0, 30.0)


def make_points(
    reading: Callable[[float, Direction], float], masses: Sequence[float] = MASSES
) -> list[CalibrationPoint]:
    """Points of a rising-then-falling run; `reading(force_n, direction)` gives raw."""
    return [CalibrationPoint(m, reading(m * G, d), d) for m, d in calibration_sequence(masses)]


def high_by_7_pct(force: float, _: Direction) -> float:
    return 1.07 * force + 3.0


def test_fit_reproduces_a_known_line() -> None:
    fit = fit_points(make_points(high_by_7_pct))
    assert fit.degree == 1
    assert fit.gain == pytest.approx(1 / 1.07, rel=1e-13)
    assert fit.offset_n == pytest.approx(-3 / 1.07, rel=1e-12)
    assert fit.coefficients[2] == 0.0
    assert fit.raw_range == (3.0, pytest.approx(1.07 * 30 * G + 3.0))
    raw = 1.07 * np.linspace(0, 300, 31) + 3.0
    np.testing.assert_allclose(fit.correction()(raw), np.linspace(0, 300, 31), atol=1e-11)


def test_linear_noisy_data_gets_no_quadratic_term() -> None:
    noise = iter(np.random.default_rng(7).normal(0.0, 0.05, 20))
    fit = fit_points(make_points(lambda f, d: 1.07 * f + 3.0 + next(noise)))
    assert fit.degree == 1
    assert fit.quadratic_p_value is not None and fit.quadratic_p_value > 0.01


def test_known_quadratic_gets_a_quadratic_term() -> None:
    c0, c1, c2 = -2.5, 0.95, -4e-5  # about 0.9 N of curvature over 0..300 N
    points = [
        CalibrationPoint(m, _invert(c0, c1, c2, m * G), d) for m, d in calibration_sequence(MASSES)
    ]
    fit = fit_points(points)
    assert fit.degree == 2
    np.testing.assert_allclose(fit.coefficients, (c0, c1, c2), rtol=1e-9)
    assert fit.quadratic_p_value is not None and fit.quadratic_p_value < 1e-6


def _invert(c0: float, c1: float, c2: float, force: float) -> float:
    # Root of c2 r^2 + c1 r + (c0 - F) = 0 on the rising branch.
    return float((-c1 + np.sqrt(c1**2 - 4 * c2 * (c0 - force))) / (2 * c2))


def test_negligible_curvature_stays_linear() -> None:
    # Significant to the F-test (exact data) but below 0.05 % of full scale.
    points = [
        CalibrationPoint(p.mass_kg, _invert(0.0, 1.0, -1e-8, p.mass_kg * G), p.direction)
        for p in make_points(high_by_7_pct)
    ]
    fit = fit_points(points)
    assert fit.degree == 1
    assert fit.quadratic_effect_n is not None and fit.quadratic_effect_n < 0.147


def test_quadratic_can_be_refused_by_option() -> None:
    points = [
        CalibrationPoint(p.mass_kg, _invert(0.0, 1.0, -4e-5, p.mass_kg * G), p.direction)
        for p in make_points(high_by_7_pct)
    ]
    assert fit_points(points).degree == 2
    assert fit_points(points, options=FitOptions(allow_quadratic=False)).degree == 1


def test_two_masses_fit_a_line_without_a_curvature_test() -> None:
    fit = fit_points(make_points(high_by_7_pct, (0.0, 10.0)))
    assert (fit.degree, fit.quadratic_p_value, fit.quadratic_effect_n) == (1, None, None)
    assert fit.gain == pytest.approx(1 / 1.07)


def test_local_gravity_changes_the_reference() -> None:
    points = make_points(high_by_7_pct)
    fit = fit_points(points, gravity=9.81)
    assert fit.gain == pytest.approx(9.81 / G / 1.07, rel=1e-12)


@pytest.mark.parametrize(
    ("masses", "reason", "message"),
    [
        ((10.0,), Reason.TOO_FEW_POINTS, "two different masses"),
        ((0.0, 1.0), Reason.TOO_CLOSE, "span 9.81 N"),
        ((0.0, 10.0, 10.1), Reason.TOO_CLOSE, "10 kg and 10.1 kg are too close"),
    ],
)
def test_refuses_too_few_or_too_close(
    masses: tuple[float, ...], reason: Reason, message: str
) -> None:
    with pytest.raises(CalibrationError, match=message) as info:
        fit_points(make_points(high_by_7_pct, masses))
    assert info.value.reason is reason


def test_refuses_no_points() -> None:
    with pytest.raises(CalibrationError) as info:
        fit_points([])
    assert info.value.reason is Reason.TOO_FEW_POINTS


@pytest.mark.parametrize("direction", list(Direction))
def test_refuses_non_monotonic_series(direction: Direction) -> None:
    def reading(f: float, d: Direction) -> float:
        stuck = d is direction and abs(f - 10 * G) < 1e-9
        return 1.07 * (20 * G if stuck else f) + 3.0

    with pytest.raises(CalibrationError, match=f"{direction.value} series 20 kg") as info:
        fit_points(make_points(reading, (0.0, 5.0, 10.0, 20.0, 30.0)))
    assert info.value.reason is Reason.NON_MONOTONIC


def test_refuses_readings_in_another_unit() -> None:
    with pytest.raises(CalibrationError, match="another unit") as info:
        fit_points(make_points(lambda f, d: f / G))
    assert info.value.reason is Reason.IMPLAUSIBLE_GAIN


def test_keeps_the_line_when_the_quadratic_would_turn_over() -> None:
    # Strongly curved data: a quadratic is significant and large, but it would fall
    # before the top of the range, which a correction must never do.
    raw = {0.0: 0.0, 5.0: 20.0, 10.0: 40.0, 20.0: 90.0, 30.0: 330.0}
    points = [CalibrationPoint(m, raw[m], d) for m, d in calibration_sequence(MASSES)]
    fit = fit_points(points)
    assert fit.degree == 1
    assert fit.quadratic_p_value is not None and fit.quadratic_p_value < 1e-6
    assert fit.quadratic_effect_n is not None and fit.quadratic_effect_n > 50.0


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"mass_kg": -1.0, "raw": 0.0}, "mass_kg"),
        ({"mass_kg": 1.0, "raw": float("nan")}, "raw"),
        ({"mass_kg": 1.0, "raw": 0.0, "direction": "loading"}, "direction"),
        ({"mass_kg": 1.0, "raw": 0.0, "raw_sd": -0.1}, "raw_sd"),
        ({"mass_kg": 1.0, "raw": 0.0, "n_samples": 1.5}, "n_samples"),
    ],
)
def test_point_validates(kwargs: dict[str, object], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        CalibrationPoint(**kwargs)  # type: ignore[arg-type]


def test_points_must_be_points() -> None:
    with pytest.raises(ValueError, match="points: expected a sequence of CalibrationPoint"):
        fit_points([(0.0, 1.0)])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"min_span_n": 0.0}, "min_span_n"),
        ({"min_step_fraction": 1.0}, "min_step_fraction"),
        ({"alpha": 0.0}, "alpha"),
        ({"min_quadratic_effect": -1.0}, "min_quadratic_effect"),
        ({"gain_range": (2.0, 1.0)}, "gain_range"),
    ],
)
def test_options_validate(kwargs: dict[str, object], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        FitOptions(**kwargs)  # type: ignore[arg-type]


def test_fit_validates() -> None:
    with pytest.raises(ValueError, match="degree"):
        Fit(3, (0.0, 1.0, 0.0), (0.0, 1.0))
    with pytest.raises(ValueError, match="c2 == 0"):
        Fit(1, (0.0, 1.0, 1e-3), (0.0, 1.0))
    with pytest.raises(ValueError, match="raw_range"):
        Fit(1, (0.0, 1.0, 0.0), (1.0, 1.0))


# Quality figures ---------------------------------------------------------------


def test_perfect_device_has_zero_figures() -> None:
    points = make_points(high_by_7_pct)
    quality = assess(points, fit_points(points))
    assert quality.full_scale_n == 30 * G
    assert quality.nonlinearity_pct_fs == pytest.approx(0.0, abs=1e-12)
    assert quality.hysteresis_pct_fs == pytest.approx(0.0, abs=1e-12)
    assert quality.repeatability_pct_fs is None  # one reading per mass and direction
    assert quality.max_residual_pct_fs == pytest.approx(0.0, abs=1e-12)
    assert len(quality.residuals_n) == len(points)


def test_known_hysteresis() -> None:
    h = 1.5  # unloading reads 1.5 raw units higher at every mass below the top

    def reading(f: float, d: Direction) -> float:
        return f + (h if d is Direction.UNLOADING else 0.0)

    points = make_points(reading)
    fit = fit_points(points)
    quality = assess(points, fit)
    assert quality.hysteresis_pct_fs == pytest.approx(fit.gain * h / (30 * G) * 100, rel=1e-12)
    assert quality.hysteresis_pct_fs == pytest.approx(0.51, abs=0.01)


def test_known_nonlinearity_matches_a_plain_reference() -> None:
    bow = {0.0: 0.0, 5.0: 0.8, 10.0: 1.2, 20.0: 0.9, 30.0: 0.0}  # raw excess, N

    def reading(f: float, _: Direction) -> float:
        return f + bow[round(f / G, 6)]

    points = make_points(reading)
    quality = assess(points, fit_points(points, options=FitOptions(allow_quadratic=False)))
    raw = np.array([p.raw for p in points])
    ref = np.array([p.mass_kg * G for p in points])
    slope, intercept = np.polyfit(raw, ref, 1)
    deviation = intercept + slope * raw - ref
    worst = max(abs(deviation[[p.mass_kg == m for p in points]].mean()) for m in MASSES)
    assert quality.nonlinearity_pct_fs == pytest.approx(100 * worst / (30 * G), rel=1e-9)
    assert quality.hysteresis_pct_fs == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(quality.residuals_n, deviation, atol=1e-12)
    rms = np.sqrt(np.mean(deviation**2))
    assert quality.rms_residual_n == pytest.approx(rms, rel=1e-9)


def test_known_repeatability() -> None:
    first = make_points(high_by_7_pct)
    second = [
        CalibrationPoint(p.mass_kg, p.raw + (0.6 if p.mass_kg == 10.0 else 0.0), p.direction)
        for p in first
    ]
    points = first + second
    fit = fit_points(points)
    quality = assess(points, fit)
    assert quality.repeatability_pct_fs == pytest.approx(fit.gain * 0.6 / (30 * G) * 100)


def test_assess_refuses_degenerate_input() -> None:
    fit = Fit(1, (0.0, 1.0, 0.0), (0.0, 1.0))
    with pytest.raises(ValueError, match="every mass is 0"):
        assess([CalibrationPoint(0.0, 0.0), CalibrationPoint(0.0, 1.0)], fit)
    with pytest.raises(ValueError, match="every raw reading"):
        assess([CalibrationPoint(0.0, 1.0), CalibrationPoint(5.0, 1.0)], fit)


@pytest.mark.parametrize("dof", [1, 2, 3, 4, 7, 12, 31])
@pytest.mark.parametrize("t", [0.0, 0.3, 1.0, 2.5, 6.0, 40.0])
def test_t_distribution_matches_scipy(t: float, dof: int) -> None:
    assert t_two_sided_p(t, dof) == pytest.approx(2 * stats.t.sf(t, dof), abs=1e-13)


def test_t_distribution_validates() -> None:
    assert t_two_sided_p(float("inf"), 3) == 0.0
    with pytest.raises(ValueError, match="dof"):
        t_two_sided_p(1.0, 0)
    with pytest.raises(ValueError, match="t: got NaN"):
        t_two_sided_p(float("nan"), 2)
