import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from calibration import (
    SCHEMA_NAME,
    SCHEMA_VERSION,
    STANDARD_GRAVITY,
    CalibrationError,
    CalibrationPoint,
    CalibrationRecord,
    Correction,
    Direction,
    RecordError,
    calibrate,
    calibration_sequence,
)

WHEN = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def make_record(**kwargs: Any) -> CalibrationRecord:
    points = [
        CalibrationPoint(
            m, 1.07 * m * STANDARD_GRAVITY + 3.0 + (0.2 if m == 10 else 0.0), d, 0.1, 160
        )
        for m, d in calibration_sequence([0.0, 5.0, 10.0, 20.0])
    ]
    args: dict[str, Any] = {
        "device_id": "C4:7F:51:00:12:34",
        "device_model": "Tindeq Progressor",
        "operator": "J. Doe",
        "created": WHEN,
        "note": "M1 class masses",
    }
    args.update(kwargs)
    return calibrate(points, **args)


def test_json_round_trip_is_exact() -> None:
    record = make_record()
    again = CalibrationRecord.from_json(record.to_json())
    assert again == record
    assert again.fingerprint() == record.fingerprint()


def test_save_and_load(tmp_path: Path) -> None:
    record = make_record(gravity=9.8105, device_side_calibration=True)
    path = tmp_path / "cal.json"
    record.save(path)
    loaded = CalibrationRecord.load(path)
    assert loaded == record
    assert loaded.gravity == 9.8105 and loaded.device_side_calibration


def test_json_layout() -> None:
    data = json.loads(make_record().to_json())
    assert data["schema"] == SCHEMA_NAME
    assert data["version"] == SCHEMA_VERSION == 1
    assert data["device"] == {"id": "C4:7F:51:00:12:34", "model": "Tindeq Progressor"}
    assert data["created"] == "2026-03-01T09:30:00Z"
    assert data["gravity_m_per_s2"] == STANDARD_GRAVITY
    assert data["points"][0] == {
        "mass_kg": 0.0,
        "raw": 3.0,
        "direction": "loading",
        "raw_sd": 0.1,
        "n_samples": 160,
    }
    assert data["points"][-1]["direction"] == "unloading"
    assert data["fit"]["degree"] == 1
    assert set(data["quality"]) == {
        "full_scale_n",
        "nonlinearity_pct_fs",
        "hysteresis_pct_fs",
        "repeatability_pct_fs",
        "residuals_n",
        "max_residual_pct_fs",
        "rms_residual_n",
    }


def test_created_is_stored_in_utc() -> None:
    local = WHEN.astimezone(timezone(timedelta(hours=2)))
    record = make_record(created=local)
    assert json.loads(record.to_json())["created"] == "2026-03-01T09:30:00Z"
    assert CalibrationRecord.from_json(record.to_json()).created == WHEN


def test_correction_is_vectorised_and_fits_the_device() -> None:
    correction = make_record().correction()
    raw = 1.07 * np.array([[0.0, 100.0], [200.0, 300.0]]) + 3.0
    out = correction(raw)
    assert out.shape == (2, 2) and out.dtype == np.float64
    np.testing.assert_allclose(out, [[0.0, 100.0], [200.0, 300.0]], atol=0.2)


def test_fingerprint_changes_with_content() -> None:
    assert make_record().fingerprint() != make_record(operator="someone else").fingerprint()
    assert len(make_record().fingerprint()) == 16


def test_calibrate_passes_refusals_through() -> None:
    with pytest.raises(CalibrationError):
        calibrate([CalibrationPoint(0.0, 0.0)], device_id="x", device_model="y")


def _mutated(path: str, value: Any) -> str:
    data = json.loads(make_record().to_json())
    *parents, last = path.split(".")
    target = data
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return json.dumps(data)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("schema", "something-else", "not a calibration record"),
        ("version", 2, "version 2 is newer than this program reads"),
        ("version", 0, "expected 1..1"),
        ("version", "1", "field 'version': expected int, got str"),
        ("device.id", KeyError, "missing field 'device.id'"),
        ("device.model", "", "device_model: expected a non-empty string"),
        ("created", "yesterday", "not an ISO 8601 time"),
        ("created", "2026-03-01T09:30:00", "no time zone"),
        ("gravity_m_per_s2", 1.0, "gravity"),
        ("device_side_calibration", 1, "expected bool, got int"),
        ("points.1.direction", "up", "'points[1].direction': expected 'loading' or 'unloading'"),
        ("points.1.raw", "3", "'points[1].raw': expected int or float, got str"),
        ("points.1.mass_kg", -5.0, "mass_kg: expected a finite value >= 0"),
        ("fit.degree", 3, "degree: expected 1 or 2"),
        ("fit.coefficients", [0.0, 1.0], "expected 3 numbers, got 2"),
        ("fit.coefficients", [0.0, True, 0.0], "'fit.coefficients': expected numbers"),
        ("quality.residuals_n", [0.0], "residuals for 7 points"),
        ("quality.hysteresis_pct_fs", "big", "'quality.hysteresis_pct_fs'"),
        ("points", {}, "field 'points': expected list, got dict"),
    ],
)
def test_refuses_bad_records(path: str, value: Any, message: str) -> None:
    with pytest.raises(RecordError, match=message.replace("[", r"\[").replace("]", r"\]")):
        CalibrationRecord.from_json(_mutated(path, value))


def test_optional_figures_may_be_null() -> None:
    record = CalibrationRecord.from_json(_mutated("quality.repeatability_pct_fs", None))
    assert record.quality.repeatability_pct_fs is None


def test_refuses_non_json_and_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(RecordError, match=r"broken\.json: not a calibration record: invalid JSON"):
        CalibrationRecord.load(path)
    with pytest.raises(RecordError, match="not a calibration record"):
        CalibrationRecord.from_json("[1, 2]")


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"device_id": " "}, "device_id"),
        ({"operator": None}, "operator"),
        ({"created": datetime(2026, 3, 1)}, "created"),
        ({"device_side_calibration": 1}, "device_side_calibration"),
    ],
)
def test_record_validates(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        make_record(**kwargs)


def test_record_needs_points_matching_residuals() -> None:
    record = make_record()
    with pytest.raises(ValueError, match="points"):
        CalibrationRecord(
            record.device_id, record.device_model, WHEN, (), record.fit, record.quality
        )
    with pytest.raises(ValueError, match="quality"):
        CalibrationRecord(
            record.device_id,
            record.device_model,
            WHEN,
            record.points[:2],
            record.fit,
            record.quality,
        )


def test_correction_tared_and_identity() -> None:
    c = Correction(1.0, 2.0, 0.5)
    np.testing.assert_allclose(c([0.0, 1.0, 2.0]), [1.0, 3.5, 7.0])
    t = c.tared(2.0)
    assert float(t(2.0)) == 0.0
    assert float(t(3.0) - t(2.0)) == pytest.approx(float(c(3.0) - c(2.0)))
    assert float(Correction.identity()(12.5)) == 12.5
    with pytest.raises(ValueError, match="c1"):
        Correction(0.0, 0.0)
    with pytest.raises(ValueError, match="c2"):
        Correction(0.0, 1.0, float("nan"))
    with pytest.raises(ValueError, match="raw_zero"):
        c.tared(float("inf"))


def test_direction_values_are_stable() -> None:
    assert [d.value for d in Direction] == ["loading", "unloading"]
