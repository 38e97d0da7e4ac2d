"""Repeated trials from the store: what the noise estimate of one muscle is built from."""

from __future__ import annotations

from nkt_dyno.clinic._measures import force_of
from nkt_dyno.clinic.reliability import Noise, estimate_noise
from nkt_dyno.store import Store

RELIABILITY_CONDITION = "baseline"
"""Only baseline tests repeat a measure with no intervention between the trials."""


def baseline_trials(
    store: Store,
    client_id: int,
    muscle: str,
    side: str,
    examiner_id: int | None,
    *,
    until: str | None = None,
) -> list[list[float]]:
    """Baseline forces (N) of one client, muscle, side and examiner, one list per session.

    Only sessions started at or before ``until`` (a stored time) count, so a
    report on an old session does not change when later sessions are added.
    Sessions come in the order their first such test was recorded; tests
    without an analysed force are left out.
    """
    sessions = store.sessions(client_id)
    allowed = {
        s.id
        for s in sessions
        if s.examiner_id == examiner_id and (until is None or s.started <= until)
    }
    by_session: dict[int, list[float]] = {}
    for test in store.history(client_id, muscle):
        if test.session_id not in allowed:
            continue
        if test.side != side or test.condition != RELIABILITY_CONDITION:
            continue
        force = force_of(test)
        if force is not None:
            by_session.setdefault(test.session_id, []).append(force)
    return list(by_session.values())


def noise_for(
    store: Store,
    client_id: int,
    muscle: str,
    side: str,
    examiner_id: int | None,
    reference_n: float,
    *,
    until: str | None = None,
) -> Noise:
    """The MDC95 of one client's muscle and side with one examiner (see ``reliability``)."""
    trials = baseline_trials(store, client_id, muscle, side, examiner_id, until=until)
    return estimate_noise(trials, reference_n)
