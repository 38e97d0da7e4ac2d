"""Per-device calibration records and their versioned JSON form.

A record carries everything needed to apply the calibration and to show how
good it was: which device, when, by whom, under which local g, the points as
measured, the chosen fit and the quality figures. Stored tests refer to a
record by :meth:`CalibrationRecord.fingerprint`, which changes whenever any
of that content does.

JSON layout (version 1)::

    {"schema": "nkt-dyno-calibration", "version": 1,
     "device": {"id": "...", "model": "..."},
     "created": "2026-03-01T09:30:00Z", "operator": "...",
     "gravity_m_per_s2": 9.80665, "device_side_calibration": false, "note": "",
     "points": [{"mass_kg": 0.0, "raw": 3.01, "direction": "loading",
                 "raw_sd": 0.1, "n_samples": 160}, ...],
     "fit": {"degree": 1, "coefficients": [c0, c1, c2], "raw_range": [lo, hi],
             "quadratic_p_value": null, "quadratic_effect_n": null},
     "quality": {"full_scale_n": ..., "nonlinearity_pct_fs": ..., ...}}

A reader refuses a newer version rather than guess at fields it does not know.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from calibration._correction import Correction
from calibration._errors import RecordError
from calibration._fit import (
    CalibrationPoint,
    Direction,
    Fit,
    FitOptions,
    Quality,
    assess,
    fit_points,
)
from calibration._units import STANDARD_GRAVITY, check_gravity

SCHEMA_NAME = "nkt-dyno-calibration"
"""Value of the ``schema`` field, so a stray JSON file is not taken for a record."""

SCHEMA_VERSION = 1
"""Version written by this code; the highest one it reads."""


@dataclass(frozen=True, slots=True)
class CalibrationRecord:
    """A device's calibration: metadata, points, fit and quality.

    Parameters
    ----------
    device_id : str
        Identity of the device (serial number or BLE address).
    device_model : str
        Model name, e.g. ``"Tindeq Progressor"``.
    created : datetime
        When the calibration was made; timezone-aware, stored as UTC.
    points : tuple of CalibrationPoint
        Points as measured.
    fit : Fit
        Chosen curve.
    quality : Quality
        Figures of `points` under `fit`.
    gravity : float
        Local g used to turn masses into forces, m/s^2.
    operator : str
        Who calibrated.
    device_side_calibration : bool
        True when the points were also written into the device's own
        calibration (Progressor add-point and save commands); `fit` then
        corrects what remains after the device's correction.
    note : str
        Free text (masses used, their certificate, conditions).
    """

    device_id: str
    device_model: str
    created: datetime
    points: tuple[CalibrationPoint, ...]
    fit: Fit
    quality: Quality
    gravity: float = STANDARD_GRAVITY
    operator: str = ""
    device_side_calibration: bool = False
    note: str = ""

    def __post_init__(self) -> None:
        for name in ("device_id", "device_model"):
            value = getattr(self, name)
            if not (isinstance(value, str) and value.strip()):
                raise ValueError(f"{name}: expected a non-empty string, got {value!r}")
        for name in ("operator", "note"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{name}: expected a string, got {getattr(self, name)!r}")
        if not isinstance(self.created, datetime) or self.created.utcoffset() is None:
            raise ValueError(f"created: expected a timezone-aware datetime, got {self.created!r}")
        check_gravity(self.gravity)
        if not isinstance(self.device_side_calibration, bool):
            raise ValueError("device_side_calibration: expected a bool")
        if not (isinstance(self.points, tuple) and self.points):
            raise ValueError("points: expected a non-empty tuple of CalibrationPoint")
        if len(self.quality.residuals_n) != len(self.points):
            raise ValueError(
                f"quality: {len(self.quality.residuals_n)} residuals for {len(self.points)} points"
            )

    def correction(self) -> Correction:
        """The raw-to-newtons mapping to apply to this device's readings."""
        return self.fit.correction()

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON-ready data (layout in the module notes)."""
        return {
            "schema": SCHEMA_NAME,
            "version": SCHEMA_VERSION,
            "device": {"id": self.device_id, "model": self.device_model},
            "created": _iso_utc(self.created),
            "operator": self.operator,
            "gravity_m_per_s2": self.gravity,
            "device_side_calibration": self.device_side_calibration,
            "note": self.note,
            "points": [
                {**dataclasses.asdict(p), "direction": p.direction.value} for p in self.points
            ],
            "fit": {
                "degree": self.fit.degree,
                "coefficients": list(self.fit.coefficients),
                "raw_range": list(self.fit.raw_range),
                "quadratic_p_value": self.fit.quadratic_p_value,
                "quadratic_effect_n": self.fit.quadratic_effect_n,
            },
            "quality": {
                **dataclasses.asdict(self.quality),
                "residuals_n": list(self.quality.residuals_n),
            },
        }

    def to_json(self) -> str:
        """Indented JSON text of :meth:`to_dict`."""
        return json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"

    def fingerprint(self) -> str:
        """First 16 hex digits of the SHA-256 of the canonical JSON."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CalibrationRecord:
        """Rebuild a record from :meth:`to_dict` data.

        Raises
        ------
        RecordError
            Wrong schema, unsupported version, a missing or ill-typed field
            (named by its path, e.g. ``points[2].raw``).
        """
        return _parse(data)

    @classmethod
    def from_json(cls, text: str) -> CalibrationRecord:
        """Parse JSON text written by :meth:`to_json`.

        Raises
        ------
        RecordError
            As :meth:`from_dict`, or if `text` is not JSON.
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RecordError(f"not a calibration record: invalid JSON ({exc})") from None
        return _parse(data)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the record to `path` as UTF-8 JSON, readable by its owner only (0600):
        it names the operator."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # an older record may have been created 0644
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(self.to_json())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> CalibrationRecord:
        """Read a record saved by :meth:`save`.

        Raises
        ------
        RecordError
            As :meth:`from_json`, naming the file.
        OSError
            If the file cannot be read.
        """
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        try:
            return cls.from_json(text)
        except RecordError as exc:
            raise RecordError(f"{os.fspath(path)}: {exc}") from None


def calibrate(
    points: Sequence[CalibrationPoint],
    device_id: str,
    device_model: str,
    gravity: float = STANDARD_GRAVITY,
    operator: str = "",
    options: FitOptions | None = None,
    device_side_calibration: bool = False,
    note: str = "",
    created: datetime | None = None,
) -> CalibrationRecord:
    """Fit `points`, assess them, and wrap the result as a record.

    Parameters are those of :func:`fit_points` and :class:`CalibrationRecord`;
    `created` defaults to now (UTC).

    Raises
    ------
    CalibrationError
        As :func:`fit_points`.
    ValueError
        For invalid metadata.
    """
    fit = fit_points(points, gravity, options)
    return CalibrationRecord(
        device_id=device_id,
        device_model=device_model,
        created=created or datetime.now(UTC),
        points=tuple(points),
        fit=fit,
        quality=assess(points, fit, gravity),
        gravity=gravity,
        operator=operator,
        device_side_calibration=device_side_calibration,
        note=note,
    )


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _field(data: Any, key: str, kind: type | tuple[type, ...], path: str) -> Any:
    where = f"{path}.{key}" if path else key
    if not isinstance(data, Mapping):
        raise RecordError(f"{path or 'record'}: expected an object, got {type(data).__name__}")
    if key not in data:
        raise RecordError(f"missing field {where!r}")
    value = data[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
    if not ok:
        names = " or ".join(k.__name__ for k in kinds)
        raise RecordError(f"field {where!r}: expected {names}, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise RecordError(f"field {where!r}: not a finite number")
    return value


def _number(data: Any, key: str, path: str) -> float:
    return float(_field(data, key, (int, float), path))


def _optional_number(data: Any, key: str, path: str) -> float | None:
    if isinstance(data, Mapping) and data.get(key, 0) is None:
        return None
    return _number(data, key, path)


def _numbers(data: Any, key: str, path: str, length: int | None = None) -> tuple[float, ...]:
    values = _field(data, key, list, path)
    where = f"{path}.{key}"
    if length is not None and len(values) != length:
        raise RecordError(f"field {where!r}: expected {length} numbers, got {len(values)}")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise RecordError(f"field {where!r}: expected numbers")
    return tuple(float(v) for v in values)


def _parse(data: Any) -> CalibrationRecord:
    if not isinstance(data, Mapping) or data.get("schema") != SCHEMA_NAME:
        raise RecordError(f"not a calibration record: 'schema' is not {SCHEMA_NAME!r}")
    version = _field(data, "version", int, "")
    if version > SCHEMA_VERSION:
        raise RecordError(
            f"record version {version} is newer than this program reads ({SCHEMA_VERSION}); "
            "update nkt-dyno"
        )
    if version < 1:
        raise RecordError(f"field 'version': expected 1..{SCHEMA_VERSION}, got {version}")
    try:
        return _parse_v1(data)
    except ValueError as exc:
        if isinstance(exc, RecordError):
            raise
        raise RecordError(f"invalid record: {exc}") from None


def _parse_v1(data: Mapping[str, Any]) -> CalibrationRecord:
    device = _field(data, "device", Mapping, "")
    created_text = _field(data, "created", str, "")
    try:
        created = datetime.fromisoformat(created_text)
    except ValueError:
        raise RecordError(f"field 'created': not an ISO 8601 time: {created_text!r}") from None
    if created.utcoffset() is None:
        raise RecordError(f"field 'created': no time zone in {created_text!r}")
    raw_points = _field(data, "points", list, "")
    points = tuple(_parse_point(p, f"points[{i}]") for i, p in enumerate(raw_points))
    fit_data = _field(data, "fit", Mapping, "")
    c0, c1, c2 = _numbers(fit_data, "coefficients", "fit", 3)
    lo, hi = _numbers(fit_data, "raw_range", "fit", 2)
    fit = Fit(
        degree=_field(fit_data, "degree", int, "fit"),
        coefficients=(c0, c1, c2),
        raw_range=(lo, hi),
        quadratic_p_value=_optional_number(fit_data, "quadratic_p_value", "fit"),
        quadratic_effect_n=_optional_number(fit_data, "quadratic_effect_n", "fit"),
    )
    q = _field(data, "quality", Mapping, "")
    quality = Quality(
        full_scale_n=_number(q, "full_scale_n", "quality"),
        nonlinearity_pct_fs=_number(q, "nonlinearity_pct_fs", "quality"),
        hysteresis_pct_fs=_optional_number(q, "hysteresis_pct_fs", "quality"),
        repeatability_pct_fs=_optional_number(q, "repeatability_pct_fs", "quality"),
        residuals_n=_numbers(q, "residuals_n", "quality"),
        max_residual_pct_fs=_number(q, "max_residual_pct_fs", "quality"),
        rms_residual_n=_number(q, "rms_residual_n", "quality"),
    )
    return CalibrationRecord(
        device_id=_field(device, "id", str, "device"),
        device_model=_field(device, "model", str, "device"),
        created=created.astimezone(UTC),
        points=points,
        fit=fit,
        quality=quality,
        gravity=_number(data, "gravity_m_per_s2", ""),
        operator=_field(data, "operator", str, ""),
        device_side_calibration=_field(data, "device_side_calibration", bool, ""),
        note=_field(data, "note", str, ""),
    )


def _parse_point(data: Any, path: str) -> CalibrationPoint:
    direction = _field(data, "direction", str, path)
    try:
        parsed = Direction(direction)
    except ValueError:
        raise RecordError(
            f"field '{path}.direction': expected 'loading' or 'unloading', got {direction!r}"
        ) from None
    return CalibrationPoint(
        mass_kg=_number(data, "mass_kg", path),
        raw=_number(data, "raw", path),
        direction=parsed,
        raw_sd=_number(data, "raw_sd", path),
        n_samples=_field(data, "n_samples", int, path),
    )
