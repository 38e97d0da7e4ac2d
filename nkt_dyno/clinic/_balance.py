"""Within a session: how repeatable the trials were, left/right and agonist/antagonist balance.

* **Trial CV**: repeated tests of one muscle, side and condition in a session,
  SD ÷ mean of the force withstood. Above 15 % the trials are variable; above
  20 % too variable to interpret (a mean of such trials hides the examiner's or
  the patient's inconsistency): repeat them.
* **Agonist/antagonist ratios** of the same side, where both muscles were
  tested at baseline: knee flexors/extensors (hamstrings ÷ the knee-extension
  test: quadriceps, else vastus medialis oblique), hip external/internal rotation, hip
  abduction/adduction. Each force carries its MDC95 (as for the asymmetry),
  so each ratio has a band; the left and right ratios differ only when their
  bands do not overlap. Isokinetic cut-offs (such as H/Q 0.6) do not transfer
  to handheld make or break tests, so no ratio is called abnormal on its own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nkt_dyno.clinic._asymmetry import Asymmetry, asymmetry
from nkt_dyno.clinic._measures import force_of
from nkt_dyno.clinic._records import noise_for
from nkt_dyno.clinic.reliability import Noise
from nkt_dyno.store import MuscleTest, Session, Store

CV_WARN_PCT = 15.0
CV_LIMIT_PCT = 20.0


@dataclass(frozen=True, slots=True)
class TrialSpread:
    """Repeated trials of one muscle, side and condition in one session."""

    muscle: str
    side: str
    condition: str
    forces_n: tuple[float, ...]
    mean_n: float
    sd_n: float
    cv_pct: float

    @property
    def warning(self) -> str:
        """Empty within 15 %; else what the spread means for these trials."""
        if self.cv_pct > CV_LIMIT_PCT:
            return f"above {CV_LIMIT_PCT:.0f} %: too variable to interpret; repeat the trials"
        if self.cv_pct > CV_WARN_PCT:
            return f"above {CV_WARN_PCT:.0f} %: variable trials; interpret the mean with care"
        return ""


@dataclass(frozen=True, slots=True)
class SideNoise:
    """The asymmetry of one muscle with the noise behind its flag."""

    result: Asymmetry
    left: Noise
    right: Noise


@dataclass(frozen=True, slots=True)
class Pair:
    """An agonist/antagonist ratio: the catalogue muscles whose tests give each side of it."""

    name: str
    agonists: tuple[str, ...]
    antagonists: tuple[str, ...]


PAIRS: tuple[Pair, ...] = (
    Pair("knee H/Q", ("hamstrings",), ("quadriceps", "vastus medialis oblique")),
    Pair("hip ER/IR", ("hip external rotators", "piriformis"), ("hip internal rotators",)),
    Pair("hip ABD/ADD", ("gluteus medius",), ("adductors",)),
)
"""Numerator muscle first; the first muscle of a tuple tested in the session is used."""


@dataclass(frozen=True, slots=True)
class Ratio:
    """One side's agonist/antagonist ratio with the band its forces' MDC95 allow."""

    pair: str
    side: str
    agonist: str
    antagonist: str
    agonist_n: float
    antagonist_n: float
    ratio: float
    low: float
    high: float
    """The ratio's band: each force moved by its MDC95 the way that widens it."""


def trial_spreads(tests: Sequence[MuscleTest]) -> list[TrialSpread]:
    """Every muscle, side and condition tested at least twice, in the order first tested."""
    groups: dict[tuple[str, str, str], list[float]] = {}
    for test in tests:
        force = force_of(test)
        if force is not None:
            groups.setdefault((test.muscle, test.side, test.condition), []).append(force)
    out = []
    for (muscle, side, condition), forces in groups.items():
        if len(forces) < 2:
            continue
        values = np.asarray(forces)
        mean = float(values.mean())
        sd = float(values.std(ddof=1))
        cv = 100.0 * sd / mean if mean > 0 else math.inf
        out.append(TrialSpread(muscle, side, condition, tuple(forces), mean, sd, cv))
    return out


def side_asymmetries(
    store: Store, session: Session, tests: Sequence[MuscleTest]
) -> list[SideNoise]:
    """Baseline means of each muscle tested on both sides, against the larger side's MDC95."""
    forces: dict[tuple[str, str], list[float]] = {}
    for test in tests:
        force = force_of(test)
        if test.condition == "baseline" and test.side in ("L", "R") and force is not None:
            forces.setdefault((test.muscle, test.side), []).append(force)
    out = []
    for muscle in sorted({m for m, _ in forces}):
        if (muscle, "L") not in forces or (muscle, "R") not in forces:
            continue
        left, right = (float(np.mean(forces[muscle, side])) for side in ("L", "R"))
        noises = [
            noise_for(
                store,
                session.client_id,
                muscle,
                side,
                session.examiner_id,
                value,
                until=session.started,
            )
            for side, value in (("L", left), ("R", right))
        ]
        mdc = max(n.mdc_n for n in noises)
        out.append(SideNoise(asymmetry(left, right, mdc, muscle=muscle), *noises))
    return out


def ratios(store: Store, session: Session, tests: Sequence[MuscleTest]) -> list[Ratio]:
    """The session's agonist/antagonist ratios, per side, from baseline tests."""
    forces: dict[tuple[str, str], list[float]] = {}
    for test in tests:
        force = force_of(test)
        if test.condition == "baseline" and force is not None:
            forces.setdefault((test.muscle, test.side), []).append(force)
    out = []
    for pair in PAIRS:
        for side in ("L", "R", "both"):
            top = next((m for m in pair.agonists if (m, side) in forces), None)
            bottom = next((m for m in pair.antagonists if (m, side) in forces), None)
            if top is None or bottom is None:
                continue
            a, b = (float(np.mean(forces[m, side])) for m in (top, bottom))
            mdc_a, mdc_b = (
                noise_for(
                    store,
                    session.client_id,
                    m,
                    side,
                    session.examiner_id,
                    value,
                    until=session.started,
                ).mdc_n
                for m, value in ((top, a), (bottom, b))
            )
            out.append(ratio_band(pair.name, side, top, bottom, a, b, mdc_a, mdc_b))
    return out


def ratio_band(
    pair: str,
    side: str,
    agonist: str,
    antagonist: str,
    agonist_n: float,
    antagonist_n: float,
    agonist_mdc_n: float,
    antagonist_mdc_n: float,
) -> Ratio:
    """A ratio and its band: the lowest and highest ratio the forces' MDC95 allow.

    An antagonist within its MDC of zero leaves the band open above (``inf``).
    """
    if agonist_n <= 0 or antagonist_n <= 0:
        raise ValueError("both forces of a ratio must be positive")
    low = max(agonist_n - agonist_mdc_n, 0.0) / (antagonist_n + antagonist_mdc_n)
    spare = antagonist_n - antagonist_mdc_n
    high = (agonist_n + agonist_mdc_n) / spare if spare > 0 else math.inf
    return Ratio(
        pair,
        side,
        agonist,
        antagonist,
        agonist_n,
        antagonist_n,
        agonist_n / antagonist_n,
        low,
        high,
    )


def sides_differ(left: Ratio, right: Ratio) -> bool:
    """Whether two sides' ratios differ beyond noise: their bands do not overlap."""
    return left.high < right.low or right.high < left.low
