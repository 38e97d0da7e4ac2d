"""Streaming events and the per-effort analysis result (DESIGN §2)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Break",
    "BreakWithdrawn",
    "Complete",
    "EffortResult",
    "Event",
    "Falling",
    "Onset",
    "Peak",
    "Release",
    "Retracted",
]

VERDICTS = ("hold", "break", "inconclusive")
BREAK_SOURCES = ("force", "gyro")
WITHDRAW_REASONS = ("regained", "slow_decline", "held")
FLAGS = (
    "baseline_unstable",
    "jolt_start",
    "double_peak",
    "too_short",
    "loaded_start",
    "possible_late_yield",
    "gap",
)
TESTS = ("break", "make")


@dataclass(frozen=True)
class EffortResult:
    """Metrics and verdict of one effort; keys and meaning as DESIGN §2.

    Times are signal times (s, the input time base), forces in N above the
    rest baseline. Absent figures are ``None`` (e.g. ``break_s`` for a hold).

    From force alone the break is the last maximum before the fall, so
    ``break_ratio`` stays near 1 unless the force peaked earlier; a ratio well
    below 1 (AFisomax/AFmax of an unstable hold) needs the gyro, which sees
    the limb yield while the force is still rising. ``break_source`` says
    which rule placed the break, ``"force"`` or ``"gyro"`` (``None`` without
    a break), so that a force-only ratio of 1.00 is not read as a measured
    perfect hold.

    ``start_force_n`` is the force above rest at onset: a limb resting on the
    pad is rest, not the examiner's push.

    ``test`` is the test type it was judged as: ``"break"`` (the examiner
    pushes) or ``"make"`` (the patient pushes; never a break verdict).
    """

    effort: int
    verdict: str
    onset_s: float | None
    peak_n: float | None
    peak_s: float | None
    break_s: float | None
    break_force_n: float | None
    break_ratio: float | None
    break_source: str | None
    drop_pct: float | None
    hold_s: float | None
    time_to_peak_s: float | None
    rise_slope_n_per_s: float | None
    start_force_n: float | None
    start_ratio: float | None
    tremor_8_12hz_rms_n: float | None
    confidence: float
    reasons: tuple[str, ...]
    flags: tuple[str, ...]
    test: str = "break"

    def __post_init__(self) -> None:
        if self.test not in TESTS:
            raise ValueError(f"test must be one of {TESTS}, got {self.test!r}")
        if self.test == "make" and self.verdict == "break":
            raise ValueError("a make test has no yield: its verdict cannot be 'break'")
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be within 0–1, got {self.confidence}")
        sources = BREAK_SOURCES if self.verdict == "break" else (None,)
        if self.break_source not in sources:
            raise ValueError(
                f"break_source of a {self.verdict} must be one of {sources}, "
                f"got {self.break_source!r}"
            )
        unknown = set(self.flags) - set(FLAGS)
        if unknown:
            raise ValueError(f"flags must be from {FLAGS}, got {sorted(unknown)}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: DESIGN §2 keys plus ``effort``, ``break_source`` and ``flags``.

        Non-finite numbers become ``None`` so the output is strict JSON.
        """
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if isinstance(value, tuple):
                out[key] = list(value)
            elif isinstance(value, float) and not math.isfinite(value):
                out[key] = None
            else:
                out[key] = value
        return out


@dataclass(frozen=True)
class Event:
    """Base of the streamed events; ``t`` is the signal time (s) it refers to."""

    t: float


@dataclass(frozen=True)
class Onset(Event):
    """The force departed from rest at ``t``; ``baseline_n`` is the rest level."""

    baseline_n: float


@dataclass(frozen=True)
class Peak(Event):
    """A new maximum ``force_n`` (N above rest) at ``t``; sent again when beaten."""

    force_n: float


@dataclass(frozen=True)
class Falling(Event):
    """Provisional: a fall began at ``t`` from ``force_n``; break or release to follow."""

    force_n: float


@dataclass(frozen=True)
class Break(Event):
    """Confirmed yield starting at ``t`` at ``force_n``; ``source`` is "force" or "gyro".

    A force-only break can later be taken back (:class:`BreakWithdrawn`).
    """

    force_n: float
    source: str


@dataclass(frozen=True)
class BreakWithdrawn(Event):
    """The force-only :class:`Break` sent for ``break_t`` was not a yield after all.

    From force alone a break is confirmed when a quick fall levels off above
    rest; what follows can still show it was not the limb giving way:

    ``"regained"``
        the force came back up by half the drop: a wobble of the hold or a
        hesitation before pushing on.
    ``"held"``
        the force stayed at the level after the fall for ``max_level_s``: the
        patient held there (an overshoot settling into a plateau); after a
        yield the examiner keeps contact only for a moment.
    ``"slow_decline"``
        the force fell on from the level and the whole decline, judged anew,
        was too slow or too small for a yield: the examiner easing off.

    ``t`` is when this became clear; until another :class:`Break` arrives the
    effort reads as a hold, and the final :class:`Complete` agrees. A gyro
    break is measured motion and is never withdrawn. A further
    :class:`Break` in the same effort (a fall that resumed and was confirmed
    again) supersedes the earlier one.
    """

    break_t: float
    reason: str

    def __post_init__(self) -> None:
        if self.reason not in WITHDRAW_REASONS:
            raise ValueError(f"reason must be one of {WITHDRAW_REASONS}, got {self.reason!r}")


@dataclass(frozen=True)
class Release(Event):
    """The examiner released: the force went back towards rest at ``t``."""


@dataclass(frozen=True)
class Complete(Event):
    """The effort is over; ``result`` holds its metrics and verdict."""

    result: EffortResult


@dataclass(frozen=True)
class Retracted(Event):
    """Effort ``effort`` (its :class:`Complete`) was a touch or rest, not a test.

    Whether a small rise is a touch or a weak effort is judged against the
    recording, so it is decided once the stream ends: an effort under
    ``touch_frac`` of the largest one around it, a level the force keeps
    between two larger efforts with only brief dips beside it, or a return to
    an earlier rest level at the very end. :func:`analyze` leaves it out and
    numbers the remaining efforts 0, 1, ...
    """

    effort: int
