"""The packaged reference values: read, checked row by row, typed.

Three files live beside this module (see its README): ``reference_values.csv``
(one row per published value, with a ``# version: N`` header line),
``sources.csv`` (the papers) and ``actions.csv`` (how a paper's movement maps
onto the muscle catalogue). Lines starting with ``#`` are comments. A row that
does not parse stops the load with one sentence naming the file, the line and
the cell, so a bad edit can never ship a silently wrong reference.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Literal

from nkt_dyno.context import PATIENT_POSITIONS
from nkt_dyno.store._muscles import builtin_muscles

Sex = Literal["male", "female"]
Method = Literal["make", "break"]
Statistic = Literal["mean_sd", "mean", "regression"]

UNITS = ("N", "kg", "%BW", "N/kg", "N·m", "Nm/kg")
"""Units a reference may be given in; ``measured_in`` converts a test to each."""

PREDICTORS = ("age_years", "male", "body_mass_kg")
"""Predictors a regression row may use: age in years, 1 for a man / 0 for a woman, body mass."""

POSITIONS = PATIENT_POSITIONS
"""Patient positions, so that a reference and a test compare by the same word."""

_VERSION_LINE = re.compile(r"#\s*version:\s*(\d+)\s*$")
_SEXES: dict[str, Sex | None] = {"male": "male", "female": "female", "any": None}
_METHODS: dict[str, Method] = {"make": "make", "break": "break"}
_STATISTICS: dict[str, Statistic] = {
    "mean_sd": "mean_sd",
    "mean": "mean",
    "regression": "regression",
}
_SIDES = ("", "dominant", "non-dominant", "left", "right", "both")

REFERENCE_COLUMNS = (
    "ref_id",
    "source",
    "where",
    "read_at",
    "action",
    "side",
    "position",
    "method",
    "fixation",
    "device",
    "sex",
    "age_min",
    "age_max",
    "n",
    "unit",
    "statistic",
    "mean",
    "sd",
    "intercept",
    "coefficients",
    "note",
)


class NormsError(ValueError):
    """Reference data or a test description that cannot be used; the message says which.

    For the files it names file, line and column, so a bad edit never ships a
    silently wrong reference.
    """


@dataclass(frozen=True, slots=True)
class Source:
    """One paper, cited in full."""

    source_id: str
    citation: str


@dataclass(frozen=True, slots=True)
class Reference:
    """One published value and the test it belongs to.

    ``position``, ``method``, ``age_min`` / ``age_max`` are None where the
    text read does not state them; such a reference never matches a test.
    ``sex`` is None for an equation that takes sex as a predictor. For
    ``statistic == "regression"`` the value is ``intercept + Σ coefficient ×
    predictor`` and ``sd`` is the spread the source gives around it; for
    ``"mean_sd"`` it is ``mean`` ± ``sd``; ``"mean"`` has no spread.
    """

    ref_id: str
    source_id: str
    where: str
    read_at: str
    action: str
    muscle: str | None
    side: str | None
    position: str | None
    method: Method | None
    fixation: str | None
    device: str
    sex: Sex | None
    age_min: float | None
    age_max: float | None
    n: int | None
    unit: str
    statistic: Statistic
    mean: float | None
    sd: float | None
    intercept: float | None
    coefficients: tuple[tuple[str, float], ...]
    note: str


@dataclass(frozen=True, slots=True)
class ReferenceTable:
    """The whole packaged set: its version, its rows and their sources."""

    version: int
    references: tuple[Reference, ...]
    sources: Mapping[str, Source]


def load_references(folder: Path | None = None) -> ReferenceTable:
    """Read and check the reference files (the packaged ones unless ``folder`` is given)."""
    base: Path | Traversable = folder or resources.files("nkt_dyno.clinic.norms")
    sources = _read_sources(_text(base, "sources.csv"))
    actions = _read_actions(_text(base, "actions.csv"))
    text = _text(base, "reference_values.csv")
    version = _version(text)
    seen: set[str] = set()
    references: list[Reference] = []
    for line, row in _rows("reference_values.csv", text, REFERENCE_COLUMNS):
        ref = _reference(row, _Cell("reference_values.csv", line), actions, sources)
        if ref.ref_id in seen:
            raise NormsError(f"reference_values.csv line {line}: ref_id {ref.ref_id!r} repeats")
        seen.add(ref.ref_id)
        references.append(ref)
    return ReferenceTable(version=version, references=tuple(references), sources=sources)


def _text(base: Path | Traversable, name: str) -> str:
    return base.joinpath(name).read_text("utf-8")


def _version(text: str) -> int:
    for line in text.splitlines():
        found = _VERSION_LINE.match(line.strip())
        if found:
            return int(found.group(1))
    raise NormsError("reference_values.csv has no '# version: N' line")


def _rows(name: str, text: str, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Data rows with their 1-based line numbers; comments and blank lines skipped."""
    lines = [(i, line) for i, line in enumerate(text.splitlines(), start=1)]
    data = [(i, line) for i, line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not data:
        raise NormsError(f"{name} has no header row")
    header_line, header = data[0]
    found = next(csv.reader([header]))
    if tuple(found) != columns:
        raise NormsError(
            f"{name} line {header_line}: expected columns {','.join(columns)}, got {header}"
        )
    for number, line in data[1:]:
        cells = next(csv.reader(io.StringIO(line)))
        if len(cells) != len(columns):
            raise NormsError(
                f"{name} line {number}: expected {len(columns)} cells, got {len(cells)}"
            )
        yield number, dict(zip(columns, (c.strip() for c in cells), strict=True))


def _read_sources(text: str) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for line, row in _rows("sources.csv", text, ("source", "citation")):
        if not row["source"] or not row["citation"]:
            raise NormsError(f"sources.csv line {line}: source and citation are both required")
        sources[row["source"]] = Source(row["source"], row["citation"])
    return sources


def _read_actions(text: str) -> dict[str, str | None]:
    catalogue = {m.name for m in builtin_muscles()}
    actions: dict[str, str | None] = {}
    for line, row in _rows("actions.csv", text, ("action", "muscle")):
        muscle = row["muscle"] or None
        if muscle is not None and muscle not in catalogue:
            raise NormsError(
                f"actions.csv line {line}: {muscle!r} is not a muscle of the catalogue"
            )
        actions[row["action"]] = muscle
    return actions


class _Cell:
    """Parses one row's cells, wording every failure with file, line and column."""

    def __init__(self, name: str, line: int) -> None:
        self.where = f"{name} line {line}"

    def fail(self, column: str, message: str) -> NormsError:
        return NormsError(f"{self.where}: {column} {message}")

    def choice(self, row: dict[str, str], column: str, allowed: tuple[str, ...]) -> str:
        value = row[column]
        if value not in allowed:
            shown = ", ".join(repr(a) for a in allowed)
            raise self.fail(column, f"must be one of {shown}, got {value!r}")
        return value

    def number(self, row: dict[str, str], column: str, *, positive: bool = False) -> float | None:
        text = row[column]
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            raise self.fail(column, f"must be a number, got {text!r}") from None
        if not math.isfinite(value) or (positive and value <= 0):
            wanted = "a number above 0" if positive else "a finite number"
            raise self.fail(column, f"must be {wanted}, got {text!r}")
        return value

    def required(self, row: dict[str, str], column: str) -> str:
        if not row[column]:
            raise self.fail(column, "is required")
        return row[column]


def _reference(
    row: dict[str, str],
    cell: _Cell,
    actions: Mapping[str, str | None],
    sources: Mapping[str, Source],
) -> Reference:
    source_id = cell.required(row, "source")
    if source_id not in sources:
        raise cell.fail("source", f"{source_id!r} is not listed in sources.csv")
    action = cell.required(row, "action")
    if action not in actions:
        raise cell.fail("action", f"{action!r} is not mapped in actions.csv")
    sex = _SEXES[cell.choice(row, "sex", tuple(_SEXES))]
    statistic = _STATISTICS[cell.choice(row, "statistic", tuple(_STATISTICS))]
    position = cell.choice(row, "position", ("", *POSITIONS)) or None
    method_text = cell.choice(row, "method", ("", *_METHODS))
    method = _METHODS[method_text] if method_text else None
    age_min, age_max = cell.number(row, "age_min"), cell.number(row, "age_max")
    if (age_min is None) != (age_max is None):
        raise cell.fail("age_min", "and age_max are given together or not at all")
    if age_min is not None and age_max is not None and age_min > age_max:
        raise cell.fail("age_min", f"{age_min:g} is above age_max {age_max:g}")
    n = cell.number(row, "n", positive=True)
    if n is not None and not n.is_integer():
        raise cell.fail("n", f"must be a whole number, got {row['n']!r}")
    ref = Reference(
        ref_id=cell.required(row, "ref_id"),
        source_id=source_id,
        where=cell.required(row, "where"),
        read_at=cell.required(row, "read_at"),
        action=action,
        muscle=actions[action],
        side=cell.choice(row, "side", _SIDES) or None,
        position=position,
        method=method,
        fixation=row["fixation"] or None,
        device=cell.required(row, "device"),
        sex=sex,
        age_min=age_min,
        age_max=age_max,
        n=int(n) if n is not None else None,
        unit=cell.choice(row, "unit", UNITS),
        statistic=statistic,
        mean=cell.number(row, "mean", positive=True),
        sd=cell.number(row, "sd", positive=True),
        intercept=cell.number(row, "intercept"),
        coefficients=_coefficients(row, cell),
        note=row["note"],
    )
    _check_statistic(ref, cell)
    return ref


def _coefficients(row: dict[str, str], cell: _Cell) -> tuple[tuple[str, float], ...]:
    text = row["coefficients"]
    if not text:
        return ()
    pairs: list[tuple[str, float]] = []
    for part in text.split(";"):
        name, sep, value = part.partition(":")
        name = name.strip()
        if not sep or name not in PREDICTORS:
            raise cell.fail(
                "coefficients",
                f"must be predictor:value pairs with predictors from {', '.join(PREDICTORS)}, "
                f"got {part!r}",
            )
        try:
            pairs.append((name, float(value)))
        except ValueError:
            raise cell.fail("coefficients", f"has a value that is not a number: {part!r}") from None
    return tuple(pairs)


def _check_statistic(ref: Reference, cell: _Cell) -> None:
    """Each statistic carries exactly the numbers it needs, and a regression on sex has no sex."""
    if ref.statistic == "regression":
        if ref.intercept is None or not ref.coefficients or ref.mean is not None:
            raise cell.fail("statistic", "regression needs intercept and coefficients, and no mean")
        if ref.sex is not None and any(name == "male" for name, _ in ref.coefficients):
            raise cell.fail("sex", "must be 'any' for an equation that takes sex as a predictor")
        return
    if ref.mean is None or ref.intercept is not None or ref.coefficients:
        raise cell.fail("statistic", f"{ref.statistic} needs a mean and no equation")
    if (ref.statistic == "mean_sd") != (ref.sd is not None):
        raise cell.fail("sd", "is required for mean_sd and must be empty for mean")
