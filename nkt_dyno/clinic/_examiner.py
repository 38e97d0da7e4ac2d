"""The examiner's own profile: how they apply force, and how reproducibly.

Experts differ in starting force, slope, start/max ratio and trial-to-trial
similarity of their force curves (Bittmann et al. 2020); an objective test
reports the examiner's profile beside the patient's result.

A handheld device is only as strong as the arm holding it: a hold whose
plateau reaches the examiner's usual maximum may have been stopped by the
examiner, not the patient (:func:`examiner_limited`), and a belt or frame
takes the examiner out of the measurement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from nkt_dyno.clinic._measures import primary, rest_level
from nkt_dyno.store import MuscleTest, NotFoundError, Session, Store

FloatArray = npt.NDArray[np.float64]

NMED_POINTS = 101
"""Samples each rise is resampled to (0 %, 1 %, … 100 % of its duration)."""

RISE_END_FRACTION = 0.95
"""The rise compared between trials ends where the force first reaches 95 % of the peak."""

NMED_MAX_TRIALS = 200
"""The overall NMED uses the examiner's latest trials only (pairs grow as n²)."""

SLOPE_CV_LIMIT_PCT = 25.0
"""Above this trial-to-trial CV of the relative rise rate, the examiner is warned.

Our threshold, not a published one: at 25 % the rise time of one trial in
three differs from the examiner's usual by more than a quarter, enough to
move break/hold calls and break ratios, which depend on the loading rate.
"""


USUAL_MAX_PERCENTILE = 90.0
"""The examiner's usual maximum: this percentile of the peaks their arm held."""
USUAL_MAX_MIN_TESTS = 5
"""Fewer handheld holds than this say nothing about the examiner's maximum."""
LIMIT_FRACTION = 0.90
"""A hold whose plateau reaches this fraction of the usual maximum may be examiner-limited."""


@dataclass(frozen=True, slots=True)
class UsualMax:
    """The force this examiner usually tops out at with the device in hand (N)."""

    force_n: float
    tests: int


@dataclass(frozen=True, slots=True)
class RiseStats:
    """Means over a set of trials (``None`` where no trial has the figure).

    ``slope_cv_pct`` is the CV of rise slope ÷ peak (1/s), the *relative*
    rise rate, so that testing strong and weak muscles in one session does
    not by itself look like inconsistency. ``nmed`` is in units of the peak.
    """

    trials: int
    start_force_n: float | None
    start_ratio: float | None
    rise_slope_n_per_s: float | None
    slope_cv_pct: float | None
    time_to_peak_s: float | None
    nmed: float | None


@dataclass(frozen=True, slots=True)
class SessionRise:
    session_id: int
    started: str
    stats: RiseStats


@dataclass(frozen=True, slots=True)
class ExaminerProfile:
    """All of one examiner's trials, the trend over sessions and any warnings."""

    name: str
    overall: RiseStats
    sessions: tuple[SessionRise, ...]
    warnings: tuple[str, ...]
    usual_max: UsualMax | None = None


def rise_curve(
    t: npt.ArrayLike, force: npt.ArrayLike, onset_s: float, peak_s: float, peak_n: float
) -> FloatArray | None:
    """The examiner's rise, resampled and normalised for :func:`nmed`.

    The rise runs from onset to the first sample that reaches
    :data:`RISE_END_FRACTION` of the peak (not to the peak itself, which on
    a flat plateau falls anywhere along it). The rest level (median over the
    0.5 s before onset) is subtracted, the force divided by ``peak_n`` (N
    above rest) and linearly interpolated at :data:`NMED_POINTS` instants
    evenly spaced over the rise, so trials of any duration and force compare
    by shape only. ``None`` when fewer than two samples lie in the rise or
    the peak is not positive.
    """
    tt = np.asarray(t, dtype=np.float64)
    ff = np.asarray(force, dtype=np.float64)
    if not peak_n > 0.0 or not peak_s > onset_s:
        return None
    level = (ff - rest_level(tt, ff, onset_s)) / peak_n
    reached = np.flatnonzero((tt >= onset_s) & (tt <= peak_s) & (level >= RISE_END_FRACTION))
    if reached.size == 0:
        return None
    inside = (tt >= onset_s) & (tt <= tt[reached[0]])
    if np.count_nonzero(inside) < 2:
        return None
    grid = np.linspace(onset_s, tt[reached[0]], NMED_POINTS)
    return np.interp(grid, tt[inside], level[inside])


def nmed(curves: Sequence[npt.ArrayLike]) -> float | None:
    """Normalised mean Euclidean distance between trials (units of the peak).

    Parameters
    ----------
    curves : sequence of array_like, each shape (p,)
        Rises already resampled to one length ``p`` and divided by their peak
        (see :func:`rise_curve`).

    Returns
    -------
    float or None
        The mean over all pairs i < j of ‖cᵢ − cⱼ‖₂ / √p — the root-mean-square
        gap between two of the examiner's curves, as a fraction of the peak;
        ``None`` for fewer than two curves.

    Raises
    ------
    ValueError
        Curves of different lengths.

    Notes
    -----
    Bittmann et al. compare trials by a normalised mean Euclidean distance;
    this is our exact definition: time normalised to 0–100 % of the rise
    (onset to 95 % of peak), amplitude to the trial's peak above rest, and
    the distance divided by √p so it does not grow with the resampling
    length. Its values compare examiners of this program, not the paper's.

    References
    ----------
    Bittmann FN, Dech S, Aehle M, Schaefer LV (2020). Manual muscle testing —
    force profiles and their reproducibility. Diagnostics 10:996.

    Examples
    --------
    >>> round(nmed([[0.0, 0.5, 1.0], [0.0, 0.5, 1.0], [0.3, 0.8, 1.3]]), 6)
    0.2
    """
    if len(curves) < 2:
        return None
    lengths = {len(np.asarray(c)) for c in curves}
    if len(lengths) != 1:
        raise ValueError(f"curves must have one length, got lengths {sorted(lengths)}")
    x = np.stack([np.asarray(c, dtype=np.float64) for c in curves])
    gaps = np.sqrt(np.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=2) / x.shape[1])
    upper = np.triu_indices(len(x), k=1)
    return float(np.mean(gaps[upper]))


def rise_stats(
    efforts: Sequence[Mapping[str, Any]], curves: Sequence[npt.ArrayLike] = ()
) -> RiseStats:
    """Means of the engine's examiner figures over trials, with slope CV and NMED."""
    slopes = _values(efforts, "rise_slope_n_per_s")
    relative = [
        float(e["rise_slope_n_per_s"]) / float(e["peak_n"])
        for e in efforts
        if e.get("rise_slope_n_per_s") is not None and (e.get("peak_n") or 0.0) > 0.0
    ]
    cv = None
    if len(relative) >= 2 and np.mean(relative) > 0.0:
        cv = 100.0 * float(np.std(relative, ddof=1) / np.mean(relative))
    return RiseStats(
        len(efforts),
        _mean(_values(efforts, "start_force_n")),
        _mean(_values(efforts, "start_ratio")),
        _mean(slopes),
        cv,
        _mean(_values(efforts, "time_to_peak_s")),
        nmed(list(curves)[-NMED_MAX_TRIALS:]),
    )


def examiner_profile(store: Store, name: str) -> ExaminerProfile:
    """The profile of the examiner called ``name`` (any case) over all their sessions."""
    sessions = _sessions_of(store, name)
    rows: list[SessionRise] = []
    all_efforts: list[Mapping[str, Any]] = []
    all_curves: list[FloatArray] = []
    for session in sessions:
        efforts, curves = _trials(store, session.id)
        if efforts:
            rows.append(SessionRise(session.id, session.started, rise_stats(efforts, curves)))
        all_efforts += efforts
        all_curves += curves
    overall = rise_stats(all_efforts, all_curves)
    examiner_id = sessions[0].examiner_id or 0
    canonical = store.get_examiner(examiner_id).name
    return ExaminerProfile(
        canonical, overall, tuple(rows), _warnings(overall, rows), usual_max(store, examiner_id)
    )


def usual_max(store: Store, examiner_id: int, *, until: str | None = None) -> UsualMax | None:
    """The examiner's usual maximum from their handheld holds in sessions up to ``until``.

    Only holds count (in a break the patient, not the examiner, ended the
    push), and only tests whose device was in the examiner's hand (fixation
    handheld or not recorded). None with fewer than :data:`USUAL_MAX_MIN_TESTS`.
    """
    peaks = []
    for session in store.sessions():
        if session.examiner_id != examiner_id or (until is not None and session.started > until):
            continue
        for test in store.tests(session.id):
            effort = primary(test)
            if (
                _in_hand(test)
                and effort
                and effort.get("verdict") == "hold"
                and effort.get("peak_n")
            ):
                peaks.append(float(effort["peak_n"]))
    if len(peaks) < USUAL_MAX_MIN_TESTS:
        return None
    return UsualMax(float(np.percentile(peaks, USUAL_MAX_PERCENTILE)), len(peaks))


def examiner_limited(test: MuscleTest, usual: UsualMax | None) -> str:
    """The warning for a handheld hold whose plateau reached the examiner's usual maximum, or "".

    The patient withstood everything applied, and everything applied was as
    much as this examiner usually holds: the limit may have been the
    examiner's arm, so the test says nothing about the patient's maximum.
    """
    effort = primary(test)
    if usual is None or effort is None or not _in_hand(test):
        return ""
    peak = effort.get("peak_n")
    if effort.get("verdict") != "hold" or peak is None or peak < LIMIT_FRACTION * usual.force_n:
        return ""
    return (
        f"hold at {100 * float(peak) / usual.force_n:.0f} % of the examiner's usual maximum "
        f"({usual.force_n:.0f} N): the examiner may have set the limit; repeat with a belt"
    )


def _in_hand(test: MuscleTest) -> bool:
    """Whether the examiner's arm held the device (handheld, or no fixation recorded)."""
    return test.context.fixation in (None, "handheld")


def _sessions_of(store: Store, name: str) -> list[Session]:
    wanted = name.strip().casefold()
    names: dict[int, str] = {}
    found = []
    for session in store.sessions():
        if session.examiner_id is None:
            continue
        if session.examiner_id not in names:
            names[session.examiner_id] = store.get_examiner(session.examiner_id).name
        if names[session.examiner_id].casefold() == wanted:
            found.append(session)
    if not found:
        raise NotFoundError(f"no sessions by an examiner called {name!r}")
    return found


def _trials(store: Store, session_id: int) -> tuple[list[Mapping[str, Any]], list[FloatArray]]:
    efforts: list[Mapping[str, Any]] = []
    curves: list[FloatArray] = []
    for test in store.tests(session_id):
        effort = primary(test)
        if effort is None or effort.get("onset_s") is None:
            continue
        efforts.append(effort)
        if effort.get("peak_s") is not None and effort.get("peak_n") is not None:
            trace = store.load_trace(test.id)
            curve = rise_curve(
                trace.t, trace.force, effort["onset_s"], effort["peak_s"], effort["peak_n"]
            )
            if curve is not None:
                curves.append(curve)
    return efforts, curves


def _warnings(overall: RiseStats, rows: Sequence[SessionRise]) -> tuple[str, ...]:
    out = []
    if overall.slope_cv_pct is not None and overall.slope_cv_pct > SLOPE_CV_LIMIT_PCT:
        out.append(
            f"inconsistent rise: the relative rise rate varies {overall.slope_cv_pct:.0f} % "
            f"between trials (limit {SLOPE_CV_LIMIT_PCT:.0f} %); break/hold calls and break "
            "ratios depend on how fast pressure is applied, so they are blurred"
        )
    latest = rows[-1].stats.slope_cv_pct if rows else None
    if latest is not None and latest > SLOPE_CV_LIMIT_PCT and len(rows) > 1:
        out.append(f"the latest session alone has a rise-rate CV of {latest:.0f} %")
    return tuple(out)


def _values(efforts: Sequence[Mapping[str, Any]], key: str) -> list[float]:
    return [float(e[key]) for e in efforts if e.get(key) is not None]


def _mean(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if values else None
