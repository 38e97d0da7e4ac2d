"""Compare one test with the reference that matches it: percent of predicted and z-score.

A reference is used only when muscle, patient position, method (make/break),
sex and age all match what the source states; a source that does not state
one of them is never guessed into a match. Where nothing matches, the answer
says why for each near miss. Every comparison carries the device caveat:
handheld dynamometers differ from each other by up to 16 %, so a reference
measured with another device can be off by that much before anything else.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from nkt_dyno.clinic.norms._table import (
    POSITIONS,
    Method,
    NormsError,
    Reference,
    ReferenceTable,
    Sex,
    load_references,
)

REFERENCES_VAR = "NKT_DYNO_REFERENCES"
"""Names a folder holding a reference table to use instead of the packaged one."""

STANDARD_GRAVITY = 9.80665
"""m/s²: converts a force in newtons to the kilograms-force a source reports."""

DEVICE_CAVEAT = (
    "handheld dynamometers differ from each other by up to 16 %: a reference measured "
    "with another device can be off by that much"
)


@dataclass(frozen=True, slots=True)
class Assessment:
    """What was tested and on whom: the fields a reference must match."""

    muscle: str
    position: str
    method: Method
    age_years: float
    sex: Sex

    def __post_init__(self) -> None:
        if self.position not in POSITIONS:
            raise NormsError(
                f"position must be one of {', '.join(POSITIONS)}, got {self.position!r}"
            )
        if self.method not in ("make", "break"):
            raise NormsError(f"method must be 'make' or 'break', got {self.method!r}")
        if self.sex not in ("male", "female"):
            raise NormsError(f"sex must be 'male' or 'female', got {self.sex!r}")
        if not 0 <= self.age_years < 130:
            raise NormsError(f"age must be between 0 and 130 years, got {self.age_years:g}")


@dataclass(frozen=True, slots=True)
class Measured:
    """The test's result and what converts it to a reference's unit (kg, m)."""

    force_n: float
    body_mass_kg: float | None = None
    lever_arm_m: float | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.force_n):
            raise NormsError(f"force must be a finite number of newtons, got {self.force_n}")
        for name, value in (("body mass", self.body_mass_kg), ("lever arm", self.lever_arm_m)):
            if value is not None and not (math.isfinite(value) and value > 0):
                raise NormsError(f"{name} must be above 0, got {value}")


@dataclass(frozen=True, slots=True)
class Lookup:
    """The matching reference, or None; ``reason`` says which one and why, or why none."""

    reference: Reference | None
    reason: str


@dataclass(frozen=True, slots=True)
class Comparison:
    """A test set against one reference, in the reference's unit.

    A figure is None when it cannot be computed honestly (no body mass for a
    %BW reference, no SD in the source for a z-score); ``notes`` says why,
    and always ends with :data:`DEVICE_CAVEAT`.
    """

    reference: Reference
    unit: str
    measured: float | None
    predicted: float | None
    percent_predicted: float | None
    z: float | None
    notes: tuple[str, ...]


@cache
def packaged_table() -> ReferenceTable:
    """The reference values shipped with nkt-dyno, read and checked once."""
    return load_references()


def reference_table() -> ReferenceTable:
    """The table comparisons use: the packaged one, or the folder ``$NKT_DYNO_REFERENCES``
    names (a clinic's own copy with rows it checked against the papers; same three files)."""
    folder = os.environ.get(REFERENCES_VAR, "").strip()
    return folder_table(folder) if folder else packaged_table()


@cache
def folder_table(folder: str) -> ReferenceTable:
    """The reference files in ``folder``, checked as the packaged ones are."""
    path = Path(folder)
    missing = [n for n in ("reference_values.csv", "sources.csv", "actions.csv")
               if not (path / n).is_file()]  # fmt: skip
    if missing:
        raise NormsError(
            f"{folder} holds no reference table: {', '.join(missing)} not found there "
            "(copy the packaged folder nkt_dyno/clinic/norms and edit it)"
        )
    return load_references(path)


def find_reference(test: Assessment, table: ReferenceTable | None = None) -> Lookup:
    """The one reference that matches ``test`` exactly, or None with the reason.

    Among several matches an equation wins (it predicts for this person's
    age and sex), then the narrowest age range.
    """
    refs = (table or packaged_table()).references
    candidates = [r for r in refs if r.muscle == test.muscle]
    if not candidates:
        return Lookup(None, f"no reference value for {test.muscle}")
    misses = [(r, _mismatch(r, test)) for r in candidates]
    matches = [r for r, miss in misses if miss is None]
    if not matches:
        why = "; ".join(f"{r.ref_id} {miss}" for r, miss in misses)
        return Lookup(None, f"no reference for {test.muscle} matches this test: {why}")
    best = min(matches, key=_preference)
    return Lookup(best, f"{best.ref_id} ({best.source_id}, {best.where})")


def compare(reference: Reference, test: Assessment, measured: Measured) -> Comparison:
    """Percent of predicted and z-score of ``measured`` against ``reference``."""
    notes: list[str] = []
    value, unit_note = measured_in(reference.unit, measured)
    predicted, predicted_note = predicted_for(reference, test, measured)
    notes += [n for n in (unit_note, predicted_note) if n]
    percent = None
    if value is not None and predicted is not None and predicted > 0:
        percent = 100.0 * value / predicted
    z = None
    if reference.sd is None:
        notes.append("the source gives no SD, so no z-score")
    elif value is not None and predicted is not None:
        z = (value - predicted) / reference.sd
    notes.append(DEVICE_CAVEAT)
    return Comparison(reference, reference.unit, value, predicted, percent, z, tuple(notes))


def compare_test(
    test: Assessment, measured: Measured, table: ReferenceTable | None = None
) -> tuple[Lookup, Comparison | None]:
    """Find the matching reference and compare with it; no comparison when none matches."""
    lookup = find_reference(test, table)
    if lookup.reference is None:
        return lookup, None
    return lookup, compare(lookup.reference, test, measured)


def measured_in(unit: str, measured: Measured) -> tuple[float | None, str | None]:
    """The test's force in ``unit``, or None and what is missing to convert it."""
    force = measured.force_n
    mass, lever = measured.body_mass_kg, measured.lever_arm_m
    if unit == "N":
        return force, None
    if unit == "kg":
        return force / STANDARD_GRAVITY, None
    if unit in ("%BW", "N/kg", "Nm/kg") and mass is None:
        return None, f"a reference in {unit} needs the client's body mass"
    if unit in ("N·m", "Nm/kg") and lever is None:
        return None, f"a reference in {unit} needs the lever arm (joint axis to pad centre)"
    if unit == "%BW" and mass is not None:
        return 100.0 * force / (STANDARD_GRAVITY * mass), None
    if unit == "N/kg" and mass is not None:
        return force / mass, None
    if unit == "N·m" and lever is not None:
        return force * lever, None
    if unit == "Nm/kg" and mass is not None and lever is not None:
        return force * lever / mass, None
    raise ValueError(f"unknown reference unit {unit!r}")


def predicted_for(
    reference: Reference, test: Assessment, measured: Measured
) -> tuple[float | None, str | None]:
    """The reference value for this person: the group mean, or the equation evaluated."""
    if reference.statistic != "regression":
        return reference.mean, None
    predictors = {
        "age_years": test.age_years,
        "male": 1.0 if test.sex == "male" else 0.0,
        "body_mass_kg": measured.body_mass_kg,
    }
    total = reference.intercept or 0.0
    for name, coefficient in reference.coefficients:
        value = predictors[name]
        if value is None:
            return None, f"the equation of {reference.ref_id} needs {name}"
        total += coefficient * value
    return total, None


def _mismatch(ref: Reference, test: Assessment) -> str | None:
    """Why ``ref`` does not fit ``test``; None when every field the source states matches."""
    if ref.position is None:
        return "states no test position"
    if ref.position != test.position:
        return f"was tested {ref.position}, this test {test.position}"
    if ref.method is None:
        return "states no make/break method"
    if ref.method != test.method:
        return f"used the {ref.method} method, this test {test.method}"
    if ref.sex is not None and ref.sex != test.sex:
        return f"is for {ref.sex}s only"
    if ref.age_min is None or ref.age_max is None:
        return "states no age range"
    if not ref.age_min <= test.age_years <= ref.age_max:
        return f"covers ages {ref.age_min:g}–{ref.age_max:g}, this client is {test.age_years:g}"
    return None


def _preference(ref: Reference) -> tuple[int, float]:
    span = (ref.age_max or 0.0) - (ref.age_min or 0.0)
    return (0 if ref.statistic == "regression" else 1, span)
