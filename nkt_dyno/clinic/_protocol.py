"""A protocol group read back as evidence: baseline, challenges, retests and the change call.

The one-line summary reads like the clinician's note::

    gluteus medius L: baseline BREAK at 112 N · drop 26 %; challenge TFL L → HOLD 171 N;
    retest → HOLD 168 N (+50 %, beyond MDC)

Each test reads as :func:`nkt_dyno.summary.verdict_line` words it.
"""

from __future__ import annotations

from dataclasses import dataclass

from nkt_dyno.clinic._measures import force_of, primary
from nkt_dyno.clinic._records import noise_for
from nkt_dyno.clinic.reliability import Change, Noise, call_change
from nkt_dyno.store import MuscleTest, ProtocolGroup, Store
from nkt_dyno.summary import verdict_line

POST_CONDITIONS = ("retest",)


@dataclass(frozen=True, slots=True)
class Step:
    """One test of a group with what the summary says of it."""

    test: MuscleTest
    text: str
    force_n: float | None
    target_label: str | None = None


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """A protocol group's tests by role, the noise of its measure and the change calls.

    ``change`` compares the mean force after treatment with the baseline
    mean; ``challenge_changes`` does the same for each challenge test.
    ``noise`` is ``None`` when no baseline force exists.
    """

    group: ProtocolGroup
    baseline: tuple[Step, ...]
    challenges: tuple[Step, ...]
    post: tuple[Step, ...]
    noise: Noise | None
    change: Change | None
    challenge_changes: tuple[Change | None, ...]

    def line(self) -> str:
        """The summary in the clinician's words (see the module docstring)."""
        g = self.group
        parts = [f"baseline {_joined(self.baseline)}" if self.baseline else "no baseline"]
        for step in self.challenges:
            parts.append(f"challenge {step.target_label or '?'} {g.side} → {step.text}")
        if self.post:
            tail = f" ({self.change.text})" if self.change is not None else ""
            parts.append(f"retest → {_joined(self.post)}{tail}")
        return f"{g.muscle} {g.side}: " + "; ".join(parts)


def summarise_group(store: Store, group_id: int) -> GroupSummary:
    """Read a protocol group from the store and call its changes against the MDC."""
    group = store.get_protocol_group(group_id)
    tests = store.group_tests(group_id)
    session = store.get_session(group.session_id)
    baseline = tuple(_step(store, t) for t in tests if t.condition == "baseline")
    challenges = tuple(_step(store, t) for t in tests if t.condition == "challenge")
    post = tuple(_step(store, t) for t in tests if t.condition in POST_CONDITIONS)
    pre = [s.force_n for s in baseline if s.force_n is not None]
    if not pre:
        return GroupSummary(
            group, baseline, challenges, post, None, None, (None,) * len(challenges)
        )
    noise = noise_for(
        store,
        session.client_id,
        group.muscle,
        group.side,
        session.examiner_id,
        sum(pre) / len(pre),
        until=session.started,
    )
    after = [s.force_n for s in post if s.force_n is not None]
    change = call_change(pre, after, noise) if after else None
    per_challenge = tuple(
        None if s.force_n is None else call_change(pre, [s.force_n], noise) for s in challenges
    )
    return GroupSummary(group, baseline, challenges, post, noise, change, per_challenge)


def short_name(store: Store, muscle: str) -> str:
    """The muscle's abbreviation when the catalogue has one (``TFL``), else its name."""
    try:
        entry = store.resolve_muscle(muscle)
    except ValueError:
        return muscle
    abbreviations = [a for a in entry.aliases if a.isupper()]
    return abbreviations[0] if abbreviations else entry.name


def _step(store: Store, test: MuscleTest) -> Step:
    target = None if test.challenge_target is None else short_name(store, test.challenge_target)
    return Step(test, verdict_line(primary(test)), force_of(test), target)


def _joined(steps: tuple[Step, ...]) -> str:
    return ", ".join(s.text for s in steps)
