"""How a test was done, beyond muscle and side: what makes one force comparable to another.

A handheld reading in newtons depends on where the pad sat (the lever arm),
on the joint angle, on how the patient lay or sat and on what held the device
(the examiner's hand, a belt, a frame); pain and a manual muscle testing
grade say what the therapist saw. The patient position uses the words of the
published reference values, so a test and a reference compare by the same word.
Every field is optional. The same names are the trace metadata keys
(``# lever_arm_m: 0.32``), the store's columns and the export's columns, and
every value is checked here, once, with one sentence saying what is wrong.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FIXATIONS = ("handheld", "belt", "frame")
PATIENT_POSITIONS = ("supine", "prone", "side-lying", "seated", "standing")
"""How the patient lay, sat or stood, in the words published reference values use."""
SEXES = ("female", "male")
"""A client's sex as the reference populations are split: optional, used only to pick one."""
"""What held the dynamometer against the push: the examiner's hand, a belt, a rigid frame."""
MMT_GRADES: tuple[str, ...] = (
    "0",
    *(f"{n}{m}" for n in range(1, 5) for m in ("-", "", "+")),
    "5-",
    "5",
)
"""Manual muscle testing grades 0-5 with the usual minus and plus steps."""
LEVER_ARM_RANGE_M = (0.02, 1.5)
"""From a finger to a whole leg; a number outside was typed in other units."""
JOINT_ANGLE_RANGE_DEG = (-180.0, 180.0)
PAIN_RANGE = (0, 10)
BODY_MASS_RANGE_KG = (2.0, 400.0)

FIELDS: tuple[str, ...] = (
    "fixation",
    "joint_angle_deg",
    "lever_arm_m",
    "pain",
    "mmt_grade",
    "patient_position",
)
"""The context fields, in the order screens and exports show them."""


@dataclass(frozen=True, slots=True)
class TestContext:
    """The optional context of one test; a value out of range raises ValueError."""

    fixation: str | None = None
    joint_angle_deg: float | None = None
    """Joint angle in degrees (0 = anatomical neutral)."""
    lever_arm_m: float | None = None
    """Distance from the joint axis to the centre of the pad, in metres."""
    pain: int | None = None
    """Pain during the test, 0 (none) to 10 (worst imaginable)."""
    mmt_grade: str | None = None
    patient_position: str | None = None
    """Supine, prone, side-lying, seated or standing (:data:`PATIENT_POSITIONS`)."""

    __test__ = False  # a dataclass named Test*, not a pytest class

    def __post_init__(self) -> None:
        if self.fixation is not None:
            object.__setattr__(self, "fixation", fixation(self.fixation))
        if self.joint_angle_deg is not None:
            object.__setattr__(self, "joint_angle_deg", joint_angle_deg(self.joint_angle_deg))
        if self.lever_arm_m is not None:
            object.__setattr__(self, "lever_arm_m", lever_arm_m(self.lever_arm_m))
        if self.pain is not None:
            object.__setattr__(self, "pain", pain(self.pain))
        if self.mmt_grade is not None:
            object.__setattr__(self, "mmt_grade", mmt_grade(self.mmt_grade))
        if self.patient_position is not None:
            object.__setattr__(self, "patient_position", patient_position(self.patient_position))

    def given(self) -> dict[str, str | float | int]:
        """The fields that have a value, by name."""
        values = {f: getattr(self, f) for f in FIELDS}
        return {k: v for k, v in values.items() if v is not None}

    def over(self, defaults: TestContext) -> TestContext:
        """This context with ``defaults`` filling the fields it leaves empty."""
        values: dict[str, Any] = self.given()
        return dataclasses.replace(defaults, **values)

    def line(self) -> str:
        """The given fields for people: ``seated, belt, 90°, lever arm 0.32 m, pain 3/10``..."""
        parts = [
            self.patient_position,
            self.fixation,
            None if self.joint_angle_deg is None else f"{self.joint_angle_deg:g}°",
            None if self.lever_arm_m is None else f"lever arm {self.lever_arm_m:g} m",
            None if self.pain is None else f"pain {self.pain}/10",
            None if self.mmt_grade is None else f"MMT {self.mmt_grade}",
        ]
        return ", ".join(p for p in parts if p)

    def to_metadata(self) -> dict[str, str]:
        """The fields as trace metadata lines (``# lever_arm_m: 0.32``)."""
        return {k: _text(v) for k, v in self.given().items()}

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, str], *, source: str = "") -> TestContext:
        """The context a trace file's metadata states; a bad value names its line's key."""
        where = f"{source}: " if source else ""
        values: dict[str, object] = {}
        for key in FIELDS:
            text = str(metadata.get(key, "")).strip()
            if not text:
                continue
            try:
                values[key] = PARSERS[key](text)
            except ValueError as exc:
                raise ValueError(f"{where}# {key}: {exc}") from exc
        return cls(**values)  # type: ignore[arg-type]


NO_CONTEXT = TestContext()
"""A test whose context nobody gave."""


def fixation(value: str) -> str:
    text = str(value).strip().lower()
    if text not in FIXATIONS:
        raise ValueError(f"fixation must be one of {', '.join(FIXATIONS)}, got {value!r}")
    return text


def patient_position(value: str) -> str:
    text = str(value).strip().lower().replace("sidelying", "side-lying").replace(" ", "-")
    if text not in PATIENT_POSITIONS:
        raise ValueError(
            f"patient position must be one of {', '.join(PATIENT_POSITIONS)}, got {value!r}"
        )
    return text


def sex(value: str) -> str:
    text = str(value).strip().lower()
    if text not in SEXES:
        raise ValueError(f"sex must be female or male, got {value!r}")
    return text


def lever_arm_m(value: str | float) -> float:
    number = _number("lever arm", value)
    low, high = LEVER_ARM_RANGE_M
    if not low <= number <= high:
        hint = f" (in centimetres? {number:g} cm is {number / 100:g} m)" if number > high else ""
        raise ValueError(
            f"lever arm must be in metres, from {low:g} to {high:g} m, got {number:g}{hint}"
        )
    return number


def joint_angle_deg(value: str | float) -> float:
    number = _number("joint angle", value)
    low, high = JOINT_ANGLE_RANGE_DEG
    if not low <= number <= high:
        raise ValueError(f"joint angle must be from {low:g} to {high:g} degrees, got {number:g}")
    return number


def pain(value: str | int) -> int:
    text = str(value).strip()
    low, high = PAIN_RANGE
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"pain must be a whole number from {low} to {high}, got {value!r}")
    return int(text)


def mmt_grade(value: str | int) -> str:
    text = str(value).strip()
    if text not in MMT_GRADES:
        raise ValueError(
            f"MMT grade must be 0 to 5, optionally with - or + (such as 4+), got {value!r}"
        )
    return text


def body_mass_kg(value: str | float) -> float:
    number = _number("body mass", value)
    low, high = BODY_MASS_RANGE_KG
    if not low <= number <= high:
        raise ValueError(
            f"body mass must be in kilograms, from {low:g} to {high:g}, got {number:g}"
        )
    return number


PARSERS = {
    "fixation": fixation,
    "joint_angle_deg": joint_angle_deg,
    "lever_arm_m": lever_arm_m,
    "pain": pain,
    "mmt_grade": mmt_grade,
    "patient_position": patient_position,
}
"""Each field's check, which also reads it from text (a CLI option, a metadata line)."""


def _number(name: str, value: str | float) -> float:
    try:
        number = float(str(value).strip().replace(",", ".")) if isinstance(value, str) else value
    except ValueError:
        number = math.nan
    if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
        raise ValueError(f"{name} must be a number, got {value!r}")
    return float(number)


def _text(value: str | float | int) -> str:
    return repr(value) if isinstance(value, float) else str(value)
