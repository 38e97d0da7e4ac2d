"""One stored test set against published reference values, where the facts to match exist.

A reference is used only when muscle, patient position, method, sex and age
match (:mod:`nkt_dyno.clinic.norms`). The store records each of them: the
muscle, the method and the patient position of the test, the client's birth
year and sex. :class:`NormsFacts` can stand in for the sex and positions
(and name another reference table); a fact recorded nowhere means no test is
compared, and the answer says which fact is missing instead of guessing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from nkt_dyno.clinic.norms import (
    Assessment,
    Comparison,
    Measured,
    NormsError,
    ReferenceTable,
    compare_test,
    reference_table,
)
from nkt_dyno.clinic.norms._table import Sex
from nkt_dyno.store import Client, MuscleTest


@dataclass(frozen=True, slots=True)
class NormsFacts:
    """Facts that take the place of the store's, and the table to look in."""

    sex: Sex | None = None
    """None: the client's sex as the store records it."""
    positions: Mapping[int, str] = field(default_factory=dict)
    """The patient position of a test, by test id, over the one the store records."""
    table: ReferenceTable | None = None
    """None: :func:`~nkt_dyno.clinic.norms.reference_table` (the packaged values, or the
    folder ``$NKT_DYNO_REFERENCES`` names)."""


NO_FACTS = NormsFacts()


@dataclass(frozen=True, slots=True)
class NormsResult:
    """A test's comparison, or None with the reason none was made."""

    comparison: Comparison | None
    reason: str
    missing: tuple[str, ...] = ()
    """The facts a comparison needs that were not recorded (then nothing was looked up)."""


def versus_norms(
    test: MuscleTest,
    client: Client,
    body_mass_kg: float | None,
    facts: NormsFacts = NO_FACTS,
) -> NormsResult:
    """Compare the test's peak with the one reference that matches it, if the facts exist.

    The age is the test's year minus the birth year (the store keeps no birthday), so it
    may be a year high before the birthday.
    """
    effort = None if test.analysis is None else test.analysis.primary
    peak = None if effort is None else effort.get("peak_n")
    if peak is None:
        return NormsResult(None, "no peak force")
    position = facts.positions.get(test.id) or test.context.patient_position
    sex = facts.sex or client.sex
    missing = [
        what
        for what, value in (
            ("the client's sex", sex),
            ("the patient position", position),
            ("the client's birth year", client.birth_year),
        )
        if value is None
    ]
    if missing:
        return NormsResult(None, f"not recorded: {', '.join(missing)}", tuple(missing))
    assert sex is not None and position is not None and client.birth_year is not None
    age = dt.datetime.fromisoformat(test.recorded).year - client.birth_year
    try:
        assessment = Assessment(test.muscle, position, test.test, float(age), sex)
        measured = Measured(float(peak), body_mass_kg, test.context.lever_arm_m)
    except NormsError as exc:
        return NormsResult(None, str(exc))
    lookup, comparison = compare_test(assessment, measured, facts.table or reference_table())
    return NormsResult(comparison, lookup.reason)


def comparison_line(comparison: Comparison, table: ReferenceTable | None = None) -> str:
    """``87 % of predicted, z −0.9 (212 vs 244 N; ref, Table 2: citation)`` and the notes."""
    ref = comparison.reference
    unit = comparison.unit
    figures = []
    if comparison.percent_predicted is not None:
        figures.append(f"{comparison.percent_predicted:.0f} % of predicted")
    if comparison.z is not None:
        figures.append(f"z {comparison.z:+.1f}")
    values = ""
    if comparison.measured is not None and comparison.predicted is not None:
        values = f"{comparison.measured:.3g} vs {comparison.predicted:.3g} {unit}; "
    source = (table or reference_table()).sources.get(ref.source_id)
    cited = ref.source_id if source is None else source.citation
    head = ", ".join(figures) or "not computed"
    notes = "; ".join(comparison.notes)
    return f"{head} ({values}{cited}, {ref.where}). {notes[:1].upper()}{notes[1:]}."
