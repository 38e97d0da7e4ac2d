import pytest

from calibration import (
    DEFAULT_TOLERANCE_FLOOR_N,
    DEFAULT_TOLERANCE_FRACTION,
    STANDARD_GRAVITY,
    tolerance_n,
    verify,
)


def test_defaults_are_one_percent_or_half_a_newton() -> None:
    assert (DEFAULT_TOLERANCE_FRACTION, DEFAULT_TOLERANCE_FLOOR_N) == (0.01, 0.5)
    assert tolerance_n(200.0) == 2.0
    assert tolerance_n(50.0) == 0.5  # the crossover
    assert tolerance_n(10.0) == 0.5
    assert tolerance_n(0.0) == 0.5
    assert tolerance_n(100.0, fraction=0.005, floor_n=0.0) == 0.5


def test_floor_edge_is_inclusive() -> None:
    # g = 9.75 and 4 kg give exactly 39 N, so the 0.5 N edge is exact.
    assert verify(39.5, 4.0, gravity=9.75).passed
    assert verify(38.5, 4.0, gravity=9.75).passed
    assert not verify(39.5 + 1e-9, 4.0, gravity=9.75).passed
    assert not verify(38.5 - 1e-9, 4.0, gravity=9.75).passed


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_percentage_edge(sign: float) -> None:
    reference = 20 * STANDARD_GRAVITY  # 196.133 N, tolerance 1.96133 N
    inside = verify(reference + sign * (0.01 * reference - 1e-9), 20.0)
    outside = verify(reference + sign * (0.01 * reference + 1e-9), 20.0)
    assert inside.passed and not outside.passed
    assert inside.tolerance_n == pytest.approx(1.96133)
    assert inside.error_pct == pytest.approx(sign * 1.0)


def test_floor_applies_to_light_masses() -> None:
    v = verify(9.80665 + 0.49, 1.0)
    assert (v.passed, v.tolerance_n) == (True, 0.5)
    assert not verify(9.80665 - 0.51, 1.0).passed


def test_zero_mass_has_no_percentage() -> None:
    v = verify(0.3, 0.0)
    assert (v.passed, v.error_pct, v.reference_n) == (True, None, 0.0)


def test_local_gravity() -> None:
    v = verify(98.1, 10.0, gravity=9.81)
    assert v.error_n == pytest.approx(0.0, abs=1e-12)
    assert v.gravity == 9.81


def test_record_of_the_check() -> None:
    v = verify(99.0, 10.0)
    assert (v.mass_kg, v.reading_n) == (10.0, 99.0)
    assert v.reference_n == pytest.approx(98.0665, rel=1e-15)
    assert v.error_n == pytest.approx(0.9335)
    assert v.passed


@pytest.mark.parametrize(
    ("args", "kwargs", "name"),
    [
        ((float("nan"), 10.0), {}, "reading_n"),
        ((1.0, -1.0), {}, "mass_kg"),
        ((1.0, 1.0), {"gravity": 1.0}, "gravity"),
        ((1.0, 1.0), {"tolerance_fraction": -0.1}, "fraction"),
        ((1.0, 1.0), {"tolerance_floor_n": float("inf")}, "floor_n"),
    ],
)
def test_validates(args: tuple[float, float], kwargs: dict[str, float], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        verify(*args, **kwargs)
