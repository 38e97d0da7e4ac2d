"""Progress over time: one client's muscle and side across sessions, against the MDC95.

Each session contributes the mean of its baseline tests (the measure before
any intervention that day): the force withstood, or that force as torque
(× the test's lever arm) or per kilogram (÷ the body mass valid on the test
day). The first session is the reference; the band around it is its MDC95
(:func:`~nkt_dyno.clinic._records.noise_for`, with the first session's
examiner), converted to the measure's unit by the first session's lever arm
or body mass. A later session is a change only outside that band.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from nkt_dyno.clinic._measures import force_of
from nkt_dyno.clinic._records import noise_for
from nkt_dyno.clinic._svg import progress_chart
from nkt_dyno.store import MuscleTest, Store

Quantity = Literal["force", "torque", "per_kg"]
UNITS: dict[str, str] = {"force": "N", "torque": "N·m", "per_kg": "N/kg"}
LABELS: dict[str, str] = {
    "force": "force withstood",
    "torque": "torque",
    "per_kg": "force per body mass",
}


@dataclass(frozen=True, slots=True)
class Visit:
    """One session's point: the mean of its baseline tests in the chosen quantity."""

    session_id: int
    started: str
    value: float
    trials: int
    verdicts: tuple[str, ...]
    change: Literal["reference", "up", "down", "within"]


@dataclass(frozen=True, slots=True)
class Progress:
    """A client's muscle and side across sessions, with the reference band."""

    muscle: str
    side: str
    quantity: Quantity
    visits: tuple[Visit, ...]
    mdc: float | None
    """The reference session's MDC95 in the quantity's unit; None without visits."""
    note: str
    skipped: int = 0
    """Sessions left out: their tests lack a lever arm or body mass the quantity needs."""

    @property
    def unit(self) -> str:
        return UNITS[self.quantity]

    @property
    def label(self) -> str:
        return f"{self.muscle} {self.side}: {LABELS[self.quantity]} ({self.unit})"


def progress(
    store: Store,
    client_id: int,
    muscle: str,
    side: str,
    *,
    quantity: Quantity = "force",
    until: str | None = None,
) -> Progress:
    """The visits of one client's muscle and side, sessions started up to ``until``."""
    name = store.resolve_muscle(muscle).name
    sessions = {s.id: s for s in store.sessions(client_id)}
    by_session: dict[int, list[tuple[MuscleTest, float]]] = {}
    skipped: set[int] = set()
    for test in store.history(client_id, name):
        session = sessions[test.session_id]
        if test.side != side or test.condition != "baseline":
            continue
        if until is not None and session.started > until:
            continue
        force = force_of(test)
        if force is None:
            continue
        value = _in_quantity(store, test, force, quantity)
        if value is None:
            skipped.add(test.session_id)
            continue
        by_session.setdefault(test.session_id, []).append((test, value))
    order = sorted(by_session, key=lambda sid: (sessions[sid].started, sid))
    if not order:
        return Progress(name, side, quantity, (), None, "no baseline test", len(skipped))
    first = sessions[order[0]]
    reference = [v for _, v in by_session[first.id]]
    first_tests = [t for t, _ in by_session[first.id]]
    forces = [f for f in (force_of(t) for t in first_tests) if f is not None]
    noise = noise_for(
        store,
        client_id,
        name,
        side,
        first.examiner_id,
        float(np.mean(forces)),
        until=first.started,
    )
    mdc = noise.mdc_n * float(np.mean(reference)) / float(np.mean(forces))
    ref = float(np.mean(reference))
    visits = []
    for sid in order:
        values = [v for _, v in by_session[sid]]
        mean = float(np.mean(values))
        verdicts = tuple(t.analysis.verdict for t, _ in by_session[sid] if t.analysis)
        change: Literal["reference", "up", "down", "within"] = (
            "reference"
            if sid == first.id
            else "up"
            if mean - ref > mdc
            else "down"
            if ref - mean > mdc
            else "within"
        )
        visits.append(Visit(sid, sessions[sid].started, mean, len(values), verdicts, change))
    return Progress(name, side, quantity, tuple(visits), mdc, noise.note, len(skipped))


def tracked(store: Store, client_id: int, tests: Sequence[MuscleTest]) -> list[tuple[str, str]]:
    """The muscles and sides of ``tests`` with baseline tests in more than one session."""
    pairs = sorted({(t.muscle, t.side) for t in tests if t.condition == "baseline"})
    out: list[tuple[str, str]] = []
    for muscle, side in pairs:
        sessions = {
            t.session_id
            for t in store.history(client_id, muscle)
            if t.side == side and t.condition == "baseline"
        }
        if len(sessions) > 1:
            out.append((muscle, side))
    return out


def chart(p: Progress) -> str:
    """The progress as an SVG chart (see :func:`~nkt_dyno.clinic._svg.progress_chart`)."""
    first = p.visits[0].value
    band = None if p.mdc is None else (first - p.mdc, first + p.mdc)
    return progress_chart(
        [_day(v.started) for v in p.visits],
        [v.value for v in p.visits],
        [v.change for v in p.visits],
        band,
        unit=p.unit,
        title=p.label,
    )


def _day(stamp: str) -> str:
    day = dt.datetime.fromisoformat(stamp).astimezone()
    return f"{day.day} {day.strftime('%b %y')}"


def _in_quantity(store: Store, test: MuscleTest, force: float, quantity: Quantity) -> float | None:
    if quantity == "force":
        return force
    if quantity == "torque":
        arm = test.context.lever_arm_m
        return None if arm is None else force * arm
    mass = store.body_mass_at(test.client_id, test.recorded)
    return None if mass is None else force / mass.kg
