"""Reference values: the packaged file is sound, matching is exact, the arithmetic is right."""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

import pytest

from nkt_dyno.clinic.norms import (
    DEVICE_CAVEAT,
    STANDARD_GRAVITY,
    Assessment,
    Measured,
    NormsError,
    ReferenceTable,
    compare,
    compare_test,
    find_reference,
    load_references,
    measured_in,
    packaged_table,
    predicted_for,
)
from nkt_dyno.store._muscles import builtin_muscles

PACKAGE = resources.files("nkt_dyno.clinic.norms")
HEADER = (
    "ref_id,source,where,read_at,action,side,position,method,fixation,device,sex,"
    "age_min,age_max,n,unit,statistic,mean,sd,intercept,coefficients,note"
)
# Hand-made references, not published values: they exist to check the arithmetic.
WOMEN_20S = (
    "w20,hand,Table 1,https://example.org/t1,hip abduction,,supine,break,,HHD,"
    "female,20,29,40,N,mean_sd,100,20,,,"
)
EQUATION = (
    "eq,hand,Equation 1,https://example.org/e1,hip abduction,,supine,break,,HHD,"
    "any,20,79,200,N,regression,,10,50,age_years:-1;male:100;body_mass_kg:2,"
)
MEAN_ONLY = (
    "m,hand,Table 2,https://example.org/t2,hip flexion,,seated,make,,HHD,"
    "male,30,39,25,%BW,mean,40,,,,"
)


def write_table(folder: Path, *rows: str, version_line: str = "# version: 3") -> Path:
    (folder / "reference_values.csv").write_text(
        "\n".join([version_line, HEADER, *rows]) + "\n", "utf-8"
    )
    (folder / "sources.csv").write_text(
        'source,citation\nhand,"Hand-made reference for the tests"\n', "utf-8"
    )
    (folder / "actions.csv").write_text(
        "action,muscle\nhip abduction,gluteus medius\nhip flexion,psoas\nhip internal rotation,\n",
        "utf-8",
    )
    return folder


@pytest.fixture
def table(tmp_path: Path) -> ReferenceTable:
    return load_references(write_table(tmp_path, WOMEN_20S, EQUATION, MEAN_ONLY))


def woman(age: float = 25, *, position: str = "supine", method: str = "break") -> Assessment:
    return Assessment("gluteus medius", position, method, age, "female")  # type: ignore[arg-type]


# --- the packaged file -----------------------------------------------------


def test_packaged_files_ship_inside_the_package() -> None:
    names = {p.name for p in PACKAGE.iterdir()}
    assert {"reference_values.csv", "sources.csv", "actions.csv", "README.md"} <= names


def test_packaged_table_loads_with_a_version_and_sourced_rows() -> None:
    table = packaged_table()
    assert table.version >= 1
    assert len(table.references) >= 9
    catalogue = {m.name for m in builtin_muscles()}
    for ref in table.references:
        assert ref.source_id in table.sources, ref.ref_id
        assert ref.read_at.startswith("https://"), ref.ref_id
        assert ref.where, ref.ref_id
        assert ref.muscle is None or ref.muscle in catalogue, ref.ref_id


def test_every_source_is_cited_in_the_readme() -> None:
    readme = PACKAGE.joinpath("README.md").read_text("utf-8")
    for source_id in packaged_table().sources:
        assert f"`{source_id}`" in readme, source_id


def test_packaged_rows_without_a_stated_position_are_never_matched() -> None:
    lookup = find_reference(Assessment("gluteus medius", "supine", "break", 30, "male"))
    assert lookup.reference is None
    assert "ramskov2014-equation states no test position" in lookup.reason


# --- malformed files ---------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (WOMEN_20S.replace(",100,20,", ",lots,20,"), "line 3: mean must be a number, got 'lots'"),
        (WOMEN_20S.replace("w20,hand,", "w20,nobody,"), "'nobody' is not listed in sources.csv"),
        (WOMEN_20S.replace("hip abduction", "hip wiggle"), "'hip wiggle' is not mapped"),
        (WOMEN_20S.replace(",female,", ",woman,"), "sex must be one of"),
        (WOMEN_20S.replace(",supine,", ",upside-down,"), "position must be one of"),
        (WOMEN_20S.replace(",break,", ",squeeze,"), "method must be one of"),
        (WOMEN_20S.replace(",N,", ",lbf,"), "unit must be one of"),
        (WOMEN_20S.replace(",20,29,", ",29,20,"), "age_min 29 is above age_max 20"),
        (WOMEN_20S.replace(",20,29,", ",20,,"), "age_min and age_max are given together"),
        (WOMEN_20S.replace(",100,20,", ",100,0,"), "sd must be a number above 0"),
        (WOMEN_20S.replace(",100,20,", ",100,,"), "sd is required for mean_sd"),
        (WOMEN_20S.replace(",40,N,", ",40.5,N,"), "n must be a whole number"),
        (WOMEN_20S + ",extra", "expected 21 cells, got 22"),
        (EQUATION.replace(",10,50,", ",10,,"), "regression needs intercept and coefficients"),
        (EQUATION.replace("male:100", "shoe_size:3"), "predictors from age_years"),
        (EQUATION.replace(",any,", ",male,"), "sex must be 'any' for an equation"),
        (MEAN_ONLY.replace(",40,,", ",,,"), "mean needs a mean and no equation"),
    ],
)
def test_a_malformed_row_is_refused_with_its_line(tmp_path: Path, row: str, message: str) -> None:
    with pytest.raises(NormsError, match=None) as caught:
        load_references(write_table(tmp_path, row))
    assert message in str(caught.value)
    assert "reference_values.csv line 3" in str(caught.value)


def test_a_file_without_a_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NormsError, match="no '# version: N' line"):
        load_references(write_table(tmp_path, WOMEN_20S, version_line="# no version here"))


def test_a_repeated_ref_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NormsError, match="line 4: ref_id 'w20' repeats"):
        load_references(write_table(tmp_path, WOMEN_20S, WOMEN_20S))


def test_an_action_mapped_to_an_unknown_muscle_is_refused(tmp_path: Path) -> None:
    folder = write_table(tmp_path, WOMEN_20S)
    (folder / "actions.csv").write_text("action,muscle\nhip abduction,glute thing\n", "utf-8")
    with pytest.raises(NormsError, match="'glute thing' is not a muscle of the catalogue"):
        load_references(folder)


def test_the_version_is_read(table: ReferenceTable) -> None:
    assert table.version == 3


# --- matching ----------------------------------------------------------------


def test_an_exact_match_is_found(table: ReferenceTable) -> None:
    lookup = find_reference(woman(25), table)
    assert lookup.reference is not None
    # Both the equation and the women-in-their-20s mean fit; the equation wins.
    assert lookup.reference.ref_id == "eq"
    assert lookup.reason == "eq (hand, Equation 1)"


def test_the_narrower_age_range_wins_between_group_means(tmp_path: Path) -> None:
    wide = WOMEN_20S.replace("w20,", "w2079,").replace(",20,29,", ",20,79,")
    table = load_references(write_table(tmp_path, wide, WOMEN_20S))
    lookup = find_reference(woman(25), table)
    assert lookup.reference is not None and lookup.reference.ref_id == "w20"


def test_a_wrong_age_is_refused(tmp_path: Path) -> None:
    table = load_references(write_table(tmp_path, WOMEN_20S))
    lookup = find_reference(woman(35), table)
    assert lookup.reference is None
    assert lookup.reason.endswith("w20 covers ages 20–29, this client is 35")


def test_a_wrong_method_is_refused(tmp_path: Path) -> None:
    table = load_references(write_table(tmp_path, WOMEN_20S))
    lookup = find_reference(woman(25, method="make"), table)
    assert lookup.reference is None
    assert "w20 used the break method, this test make" in lookup.reason


def test_a_wrong_position_is_refused(tmp_path: Path) -> None:
    table = load_references(write_table(tmp_path, WOMEN_20S))
    lookup = find_reference(woman(25, position="side-lying"), table)
    assert lookup.reference is None
    assert "w20 was tested supine, this test side-lying" in lookup.reason


def test_a_wrong_sex_is_refused(tmp_path: Path) -> None:
    table = load_references(write_table(tmp_path, WOMEN_20S))
    lookup = find_reference(Assessment("gluteus medius", "supine", "break", 25, "male"), table)
    assert lookup.reference is None
    assert "w20 is for females only" in lookup.reason


def test_a_muscle_without_references_says_so(table: ReferenceTable) -> None:
    lookup = find_reference(Assessment("biceps brachii", "seated", "make", 30, "male"), table)
    assert lookup == type(lookup)(None, "no reference value for biceps brachii")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (("gluteus medius", "Supine", "break", 30, "male"), "position must be one of"),
        (("gluteus medius", "supine", "hold", 30, "male"), "method must be 'make' or 'break'"),
        (("gluteus medius", "supine", "break", 30, "m"), "sex must be 'male' or 'female'"),
        (("gluteus medius", "supine", "break", -1, "male"), "age must be between 0 and 130"),
    ],
)
def test_a_test_context_is_checked(fields: tuple[object, ...], message: str) -> None:
    with pytest.raises(NormsError, match=message):
        Assessment(*fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ((float("nan"),), "force must be a finite number"),
        ((100.0, 0.0), "body mass must be above 0"),
        ((100.0, 70.0, -0.3), "lever arm must be above 0"),
    ],
)
def test_a_measurement_is_checked(fields: tuple[float, ...], message: str) -> None:
    with pytest.raises(NormsError, match=message):
        Measured(*fields)


# --- arithmetic --------------------------------------------------------------


def test_percent_predicted_and_z_on_a_group_mean(tmp_path: Path) -> None:
    table = load_references(write_table(tmp_path, WOMEN_20S))
    lookup, result = compare_test(woman(25), Measured(force_n=80.0), table)
    assert lookup.reference is not None and result is not None
    # 80 N against 100 ± 20 N: 80 % of predicted, one SD below.
    assert result.measured == 80.0
    assert result.predicted == 100.0
    assert result.percent_predicted == pytest.approx(80.0)
    assert result.z == pytest.approx(-1.0)
    assert result.notes == (DEVICE_CAVEAT,)


def test_the_regression_path_by_hand(table: ReferenceTable) -> None:
    man = Assessment("gluteus medius", "supine", "break", 40, "male")
    _, result = compare_test(man, Measured(force_n=225.0, body_mass_kg=70.0), table)
    assert result is not None and result.reference.ref_id == "eq"
    # 50 − 1·40 + 100·1 + 2·70 = 250 N; 225 / 250 = 90 %; (225 − 250) / 10 = −2.5.
    assert result.predicted == pytest.approx(250.0)
    assert result.percent_predicted == pytest.approx(90.0)
    assert result.z == pytest.approx(-2.5)


def test_an_equation_missing_a_predictor_gives_no_figures(table: ReferenceTable) -> None:
    _, result = compare_test(woman(25), Measured(force_n=225.0), table)
    assert result is not None
    assert result.predicted is None and result.percent_predicted is None and result.z is None
    assert "the equation of eq needs body_mass_kg" in result.notes


def test_a_mean_without_sd_gives_percent_but_no_z(table: ReferenceTable) -> None:
    man = Assessment("psoas", "seated", "make", 35, "male")
    # 40 %BW for an 80-kg man is 0.4 · 80 · g newtons; measured 0.3 · 80 · g.
    _, result = compare_test(man, Measured(30 * 0.8 * STANDARD_GRAVITY, 80.0), table)
    assert result is not None
    assert result.measured == pytest.approx(30.0)
    assert result.percent_predicted == pytest.approx(75.0)
    assert result.z is None
    assert result.notes == ("the source gives no SD, so no z-score", DEVICE_CAVEAT)


def test_the_published_hip_abduction_equation_by_hand() -> None:
    """Ramskov 2014: Nm/kg = 1.600 − 0.005·age + 0.215·male, ± 0.354."""
    equation = next(r for r in packaged_table().references if r.ref_id == "ramskov2014-equation")
    man = Assessment("gluteus medius", "supine", "break", 30, "male")
    woman30 = Assessment("gluteus medius", "supine", "break", 30, "female")
    assert predicted_for(equation, woman30, Measured(0.0)) == (pytest.approx(1.45), None)
    # 200 N at 0.8 m for 80 kg is 2.0 Nm/kg against 1.665 predicted.
    result = compare(equation, man, Measured(200.0, body_mass_kg=80.0, lever_arm_m=0.8))
    assert result.measured == pytest.approx(2.0)
    assert result.predicted == pytest.approx(1.665)
    assert result.percent_predicted == pytest.approx(100 * 2.0 / 1.665)
    assert result.z == pytest.approx((2.0 - 1.665) / 0.354)
    assert math.isclose(result.z or 0.0, 0.946, abs_tol=1e-3)


@pytest.mark.parametrize(
    ("unit", "measured", "expected"),
    [
        ("N", Measured(150.0), 150.0),
        ("kg", Measured(98.0665), 10.0),
        ("%BW", Measured(196.133, body_mass_kg=50.0), 40.0),
        ("N/kg", Measured(300.0, body_mass_kg=60.0), 5.0),
        ("N·m", Measured(300.0, lever_arm_m=0.3), 90.0),
        ("Nm/kg", Measured(300.0, body_mass_kg=60.0, lever_arm_m=0.3), 1.5),
    ],
)
def test_unit_conversion(unit: str, measured: Measured, expected: float) -> None:
    value, note = measured_in(unit, measured)
    assert value == pytest.approx(expected)
    assert note is None


@pytest.mark.parametrize(
    ("unit", "measured", "missing"),
    [
        ("%BW", Measured(100.0), "body mass"),
        ("Nm/kg", Measured(100.0, lever_arm_m=0.3), "body mass"),
        ("N·m", Measured(100.0, body_mass_kg=60.0), "lever arm"),
    ],
)
def test_a_missing_conversion_input_is_named(unit: str, measured: Measured, missing: str) -> None:
    value, note = measured_in(unit, measured)
    assert value is None
    assert note is not None and missing in note
