import numpy as np
import pytest

from calibration import (
    POUND_MASS_KG,
    STANDARD_GRAVITY,
    Unit,
    from_newtons,
    mass_to_force,
    parse_unit,
    to_newtons,
)


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("N", Unit.N),
        (" newtons ", Unit.N),
        ("KGF", Unit.KGF),
        ("kg", Unit.KGF),
        ("kp", Unit.KGF),
        ("lbf", Unit.LBF),
        ("lbs", Unit.LBF),
        ("Lb", Unit.LBF),
        (Unit.LBF, Unit.LBF),
    ],
)
def test_parse_unit(name: str, unit: Unit) -> None:
    assert parse_unit(name) is unit


def test_parse_unit_refuses_unknown_names() -> None:
    with pytest.raises(ValueError, match="name: unknown force unit 'stone'"):
        parse_unit("stone")
    with pytest.raises(TypeError, match="name"):
        parse_unit(3)  # type: ignore[arg-type]


def test_exact_factors() -> None:
    assert to_newtons(1.0, "kgf") == 9.80665
    assert to_newtons(1.0, "lbf") == pytest.approx(4.4482216152605, rel=1e-15)
    assert Unit.LBF.value == POUND_MASS_KG * STANDARD_GRAVITY
    assert [u.symbol for u in Unit] == ["N", "kgf", "lbf"]


def test_round_trip_is_vectorised() -> None:
    values = np.array([[0.0, 1.5], [-2.0, 300.0]])
    for unit in Unit:
        back = to_newtons(from_newtons(values, unit), unit)
        assert back.shape == values.shape
        np.testing.assert_allclose(back, values, rtol=1e-15)


def test_mass_to_force_uses_local_gravity() -> None:
    np.testing.assert_array_equal(mass_to_force([0.0, 1.0, 2.0]), [0.0, 9.80665, 19.6133])
    assert mass_to_force(10.0, gravity=9.81) == pytest.approx(98.1)


@pytest.mark.parametrize("gravity", [0.0, 9.6, 10.0, float("nan")])
def test_mass_to_force_refuses_implausible_gravity(gravity: float) -> None:
    with pytest.raises(ValueError, match="gravity: expected local g"):
        mass_to_force(1.0, gravity)


@pytest.mark.parametrize("mass", [-1.0, float("inf")])
def test_mass_to_force_refuses_bad_masses(mass: float) -> None:
    with pytest.raises(ValueError, match="mass_kg"):
        mass_to_force(mass)
