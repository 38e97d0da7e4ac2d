"""Change vs noise: how far a muscle's force must move before it is more than noise.

Pure numpy. The repeated trials of one client, muscle, side and examiner are
arranged as sessions × trials; from them come the trial-to-trial CV, an
intraclass correlation, the standard error of measurement (SEM) and the
minimal detectable change (MDC95). A pre/post difference is called a change
only beyond the MDC. Too few trials for an ICC give a stated fallback: 20 % of
the force, inside the 15–30 % range published for handheld dynamometry.

Why ICC(2,1): it counts systematic shifts between trial positions (warm-up,
fatigue, learning) as error; a treatment effect is always measured later than
its baseline, so such shifts are exactly what must not be mistaken for a
change. ICC(3,1), which ignores them, is reported beside it for comparison.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

FALLBACK_MDC_FRACTION = 0.20
"""MDC95 as a fraction of force when the trials cannot support an ICC (range 0.15–0.30)."""

MDC_Z = 1.96 * math.sqrt(2.0)
"""MDC95 = 1.96 · √2 · SEM: 95 % two-sided, and the difference of two noisy measures."""

MIN_SESSIONS = 2
MIN_TRIALS = 2

IccKind = Literal["2,1", "3,1"]
Method = Literal["icc", "fallback"]

__all__ = [
    "FALLBACK_MDC_FRACTION",
    "MDC_Z",
    "Change",
    "Noise",
    "call_change",
    "estimate_noise",
    "icc",
    "within_cv_pct",
]


@dataclass(frozen=True, slots=True)
class Noise:
    """How noisy one muscle's measure is, and how that was found.

    ``mdc_n`` is always set; ``sem_n``, ``icc21`` and ``icc31`` only when
    ``method == "icc"``; ``cv_pct`` whenever a session holds ≥ 2 trials.
    ``note`` says in words which estimate was used and why.
    """

    method: Method
    mdc_n: float
    sem_n: float | None
    icc21: float | None
    icc31: float | None
    cv_pct: float | None
    sessions: int
    trials: int
    note: str


@dataclass(frozen=True, slots=True)
class Change:
    """A pre/post comparison of mean forces against the MDC."""

    pre_n: float
    post_n: float
    diff_n: float
    pct: float
    mdc_n: float
    changed: bool

    @property
    def text(self) -> str:
        """``+50 %, beyond MDC`` or ``+4 %, within MDC``."""
        where = "beyond" if self.changed else "within"
        return f"{self.pct:+.0f} %, {where} MDC"


def icc(scores: npt.ArrayLike, kind: IccKind = "2,1") -> float:
    """Intraclass correlation of a targets × trials table, single measure.

    Parameters
    ----------
    scores : array_like, shape (n, k)
        One row per target (here: a session), one column per trial position;
        n ≥ 2, k ≥ 2, all finite.
    kind : {"2,1", "3,1"}, default "2,1"
        ``"2,1"``: two-way random effects, absolute agreement; ``"3,1"``:
        two-way mixed effects, consistency.

    Returns
    -------
    float
        The ICC (may be negative); NaN when the table has no variance at all.

    Raises
    ------
    ValueError
        A table that is not 2-D, smaller than 2 × 2, or not finite; an unknown kind.

    Notes
    -----
    With the mean squares of rows (MSR), columns (MSC) and error (MSE) of the
    two-way ANOVA without replication:
    ICC(3,1) = (MSR − MSE) / (MSR + (k − 1)·MSE) and
    ICC(2,1) = (MSR − MSE) / (MSR + (k − 1)·MSE + k·(MSC − MSE)/n).

    References
    ----------
    Shrout PE, Fleiss JL (1979). Intraclass correlations: uses in assessing
    rater reliability. Psychol Bull 86:420–428.
    McGraw KO, Wong SP (1996). Forming inferences about some intraclass
    correlation coefficients. Psychol Methods 1:30–46.

    Examples
    --------
    >>> round(icc([[10, 11], [20, 21], [30, 32]], "3,1"), 3)
    0.998
    """
    x = _table(scores)
    if kind not in ("2,1", "3,1"):
        raise ValueError(f"kind must be '2,1' or '3,1', got {kind!r}")
    n, k = x.shape
    msr, msc, mse = _mean_squares(x)
    denominator = msr + (k - 1) * mse
    if kind == "2,1":
        denominator += k * (msc - mse) / n
    if denominator == 0.0:
        return math.nan
    return float((msr - mse) / denominator)


def within_cv_pct(trials_by_session: Sequence[Sequence[float] | FloatArray]) -> float | None:
    """Trial-to-trial CV (%): pooled within-session SD over the grand mean.

    This is the typical error expressed as a CV (Hopkins 2000, Sports Med
    30:1–15). ``None`` when no session holds two trials or the mean is not
    positive.
    """
    groups = [np.asarray(g, dtype=np.float64) for g in trials_by_session if len(g) >= 2]
    if not groups:
        return None
    squares = sum(float(np.sum((g - g.mean()) ** 2)) for g in groups)
    dof = sum(len(g) - 1 for g in groups)
    mean = float(np.mean(np.concatenate(groups)))
    return None if mean <= 0.0 else 100.0 * math.sqrt(squares / dof) / mean


def estimate_noise(
    trials_by_session: Sequence[Sequence[float]],
    reference_n: float,
    *,
    fallback_fraction: float = FALLBACK_MDC_FRACTION,
) -> Noise:
    """SEM and MDC95 from repeated trials, or the stated fallback.

    Parameters
    ----------
    trials_by_session : sequence of sequences of float
        Forces (N) of repeated trials in recording order, one inner sequence
        per session, all of one client, muscle, side and examiner.
    reference_n : float
        Force (N) the fallback MDC is a fraction of (the baseline force).
    fallback_fraction : float, default 0.20
        MDC95 as a fraction of ``reference_n`` when no ICC can be formed.

    Returns
    -------
    Noise
        ``method == "icc"`` when ≥ 2 sessions hold ≥ 2 trials each, else
        ``"fallback"``.

    Raises
    ------
    ValueError
        A non-finite force, a negative ``reference_n`` or a fraction outside 0–1.

    Notes
    -----
    The ICC table takes every session with ≥ 2 trials and, from each, its
    first k trials, k being the fewest any of them holds (the ANOVA needs a
    balanced table). SD is the sample SD of that table;
    SEM = SD·√(1 − ICC(2,1)) with a negative ICC taken as 0; MDC95 =
    1.96·√2·SEM. A table without any variance (identical forces) has no ICC
    and falls back.

    References
    ----------
    Weir JP (2005). Quantifying test-retest reliability using the intraclass
    correlation coefficient and the SEM. J Strength Cond Res 19:231–240.
    """
    if not math.isfinite(reference_n) or reference_n < 0.0:
        raise ValueError(f"reference_n must be a finite force >= 0 N, got {reference_n}")
    if not 0.0 < fallback_fraction < 1.0:
        raise ValueError(f"fallback_fraction must be within 0–1, got {fallback_fraction}")
    sessions = [np.asarray(s, dtype=np.float64) for s in trials_by_session]
    if any(not np.all(np.isfinite(s)) for s in sessions):
        raise ValueError("trials_by_session must hold finite forces only")
    cv = within_cv_pct(sessions)
    usable = [s for s in sessions if len(s) >= MIN_TRIALS]
    if len(usable) >= MIN_SESSIONS:
        k = min(len(s) for s in usable)
        table = np.stack([s[:k] for s in usable])
        a21, a31 = icc(table, "2,1"), icc(table, "3,1")
        if math.isfinite(a21):
            sem = float(np.std(table, ddof=1)) * math.sqrt(1.0 - max(a21, 0.0))
            note = (
                f"MDC95 {MDC_Z * sem:.0f} N from ICC(2,1) = {a21:.2f} over "
                f"{len(usable)} sessions × {k} trials (SEM {sem:.1f} N)"
            )
            return Noise("icc", MDC_Z * sem, sem, a21, a31, cv, len(usable), k, note)
    n_trials = sum(len(s) for s in sessions)
    mdc = fallback_fraction * reference_n
    note = (
        f"MDC95 {mdc:.0f} N: published handheld-dynamometry fallback "
        f"({100 * fallback_fraction:.0f} % of force, reported range 15–30 %), because "
        f"{n_trials} trial(s) in {len(sessions)} session(s) are too few for an ICC "
        f"(needs ≥ {MIN_SESSIONS} sessions × ≥ {MIN_TRIALS} trials)"
    )
    return Noise("fallback", mdc, None, None, None, cv, len(usable), n_trials, note)


def call_change(pre: Sequence[float], post: Sequence[float], noise: Noise) -> Change:
    """Compare the mean of ``post`` with the mean of ``pre`` (N) against ``noise.mdc_n``.

    The difference is a change only when its size exceeds the MDC95; the MDC
    is that of a single trial, which is conservative when several trials are
    averaged. Raises ValueError for an empty side or a non-positive pre mean.
    """
    if len(pre) == 0 or len(post) == 0:
        raise ValueError(f"pre and post need at least one force each, got {len(pre)}, {len(post)}")
    pre_n, post_n = float(np.mean(pre)), float(np.mean(post))
    if not pre_n > 0.0:
        raise ValueError(f"the pre force must be positive to express a change, got {pre_n}")
    diff = post_n - pre_n
    return Change(pre_n, post_n, diff, 100.0 * diff / pre_n, noise.mdc_n, abs(diff) > noise.mdc_n)


def _table(scores: npt.ArrayLike) -> FloatArray:
    x = np.asarray(scores, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < MIN_SESSIONS or x.shape[1] < MIN_TRIALS:
        raise ValueError(f"scores must be a table of at least 2 × 2, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("scores must be finite")
    return x


def _mean_squares(x: FloatArray) -> tuple[float, float, float]:
    """Rows, columns and error mean squares of a two-way ANOVA without replication."""
    n, k = x.shape
    grand = x.mean()
    ss_rows = k * float(np.sum((x.mean(axis=1) - grand) ** 2))
    ss_cols = n * float(np.sum((x.mean(axis=0) - grand) ** 2))
    ss_error = float(np.sum((x - grand) ** 2)) - ss_rows - ss_cols
    return ss_rows / (n - 1), ss_cols / (k - 1), ss_error / ((n - 1) * (k - 1))
