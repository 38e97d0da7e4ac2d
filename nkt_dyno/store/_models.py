"""Typed rows returned by the store, and the vocabularies they use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from nkt_dyno.context import NO_CONTEXT, TestContext
from nkt_dyno.trace import Gap

Side = Literal["L", "R", "both"]
Condition = Literal["baseline", "challenge", "retest"]
"""A test after the treatment is a "retest" (stores before version 5 also said "post-treatment")."""
Verdict = Literal["hold", "break", "inconclusive"]
TestKind = Literal["break", "make"]
Sex = Literal["female", "male"]

SIDES: tuple[str, ...] = get_args(Side)
CONDITIONS: tuple[str, ...] = get_args(Condition)
VERDICTS: tuple[str, ...] = get_args(Verdict)
TESTS: tuple[str, ...] = get_args(TestKind)


@dataclass(frozen=True, slots=True)
class Client:
    """A person tested: a real name or a pseudonym, as the clinic prefers."""

    id: int
    name: str
    birth_year: int | None
    notes: str
    created: str
    sex: Sex | None = None
    """``female`` or ``male`` where given: it picks the reference population, nothing else."""


@dataclass(frozen=True, slots=True)
class BodyMass:
    """One weighing of a client: a test uses the latest one on or before its day."""

    id: int
    client_id: int
    measured: str
    """The day it was measured (ISO date, local)."""
    kg: float
    created: str


@dataclass(frozen=True, slots=True)
class Examiner:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Device:
    id: str
    model: str
    firmware: str


@dataclass(frozen=True, slots=True)
class CalibrationRecord:
    """A calibration as the calibration package wrote it, kept verbatim (JSON)."""

    id: str
    device_id: str
    created: str
    record: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Session:
    id: int
    client_id: int
    examiner_id: int | None
    started: str
    notes: str


@dataclass(frozen=True, slots=True)
class ProtocolGroup:
    """Tests of one muscle and side linked as one run: baseline, challenges, retests."""

    id: int
    session_id: int
    muscle: str
    side: Side
    created: str
    notes: str


@dataclass(frozen=True, slots=True)
class NewAnalysis:
    """Engine output to store: the engine version and one dict per effort (DESIGN §2).

    The test's verdict, peak and break ratio are those of its primary effort,
    the one with the highest peak, since a recording may hold a false start.
    """

    engine_version: str
    efforts: Sequence[Mapping[str, Any]]

    @property
    def primary(self) -> Mapping[str, Any] | None:
        return primary_effort(self.efforts)


def primary_effort(efforts: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The effort with the highest peak (the first of equals), or None."""
    peaks = [(e.get("peak_n") or 0.0, -i) for i, e in enumerate(efforts)]
    return efforts[-max(peaks)[1]] if peaks else None


@dataclass(frozen=True, slots=True)
class Analysis:
    """One engine run over one test; re-analysis adds rows and keeps the old ones."""

    id: int
    test_id: int
    engine_version: str
    created: str
    verdict: Verdict
    peak_n: float | None
    break_ratio: float | None
    efforts: Sequence[Mapping[str, Any]] = field(default_factory=tuple)

    @property
    def primary(self) -> Mapping[str, Any] | None:
        """The effort the verdict, peak and break ratio are those of (:func:`primary_effort`)."""
        return primary_effort(self.efforts)


@dataclass(frozen=True, slots=True)
class MuscleTest:
    """One recorded muscle test with its context and its latest analysis (if any)."""

    id: int
    session_id: int
    client_id: int
    recorded: str
    muscle: str
    side: Side
    condition: Condition
    challenge_target: str | None
    position_notes: str
    device_id: str | None
    calibration_id: str | None
    therapist_verdict: Verdict | None
    notes: str
    n_samples: int
    analysis: Analysis | None
    group_id: int | None = None
    """The protocol group (baseline → challenge → retest) the test belongs to, if any."""
    test: TestKind = "break"
    """``break`` (the examiner pushes) or ``make`` (the patient pushes against the device)."""
    gaps: tuple[Gap, ...] = ()
    """Holes in the recording (lost packets, reconnections, silence)."""
    rate_hz: float | None = None
    """The measured sample rate (typical spacing, not the average over gaps)."""
    context: TestContext = NO_CONTEXT
    """Fixation, joint angle, lever arm, pain, MMT grade and patient position, where given."""

    def recording_line(self, listed: int | None = None) -> str:
        """Samples, measured rate and the gaps, for people: holes are part of the data.

        ``listed`` caps how many gaps are spelled out (a printed page has no room for
        fifty); the rest are counted, with the samples lost in all.
        """
        rate = "rate unknown" if self.rate_hz is None else f"{self.rate_hz:.1f} samples/s measured"
        if not self.gaps:
            return f"{self.n_samples} samples, {rate}, no gaps"
        shown = self.gaps if listed is None else self.gaps[:listed]
        holes = "; ".join(
            f"at {g.start_s:.2f} s for {g.length_s:.2f} s ({g.samples_lost} lost)" for g in shown
        )
        rest = len(self.gaps) - len(shown)
        if rest:
            lost = sum(g.samples_lost for g in self.gaps)
            holes += f"; and {rest} more ({lost} samples lost in all)"
        return f"{self.n_samples} samples, {rate}, {len(self.gaps)} gaps: {holes}"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One correction of a test: who changed what, when, and what it was before."""

    id: int
    at: str
    who: str
    test_id: int
    action: Literal["edit", "move", "delete", "restore"]
    before: Mapping[str, Any]
    after: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Muscle:
    """A catalogue entry: where the muscle is and how it is usually tested."""

    name: str
    region: str
    position: str
    aliases: tuple[str, ...] = ()
    custom: bool = False
