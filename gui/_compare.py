"""Differences between tests, judged against the minimal detectable change (MDC).

A difference smaller than the MDC is within what repeating the same test
gives and must not be read as a change (DESIGN §3). The MDC itself comes
from :mod:`nkt_dyno.clinic.reliability` for the reference test's client,
muscle, side and examiner: from their repeated baseline trials when there
are enough for an ICC, else its stated fallback of 20 % of the force.
"""

from __future__ import annotations

from dataclasses import dataclass

from nkt_dyno.clinic import Noise, noise_for
from nkt_dyno.store import MuscleTest, Store


@dataclass(frozen=True)
class Difference:
    """One test against the reference: peak and break-ratio change, and the verdict on it."""

    label: str
    peak_n: float | None
    delta_peak_n: float | None
    delta_peak_pct: float | None
    delta_ratio: float | None
    mdc_n: float | None
    beyond_mdc: bool | None


def reference_noise(store: Store, reference: MuscleTest) -> Noise | None:
    """The MDC of the reference test's muscle as the clinic estimates it (None: no peak)."""
    a = reference.analysis
    if a is None or a.peak_n is None:
        return None
    session = store.get_session(reference.session_id)
    return noise_for(
        store,
        reference.client_id,
        reference.muscle,
        reference.side,
        session.examiner_id,
        a.peak_n,
        until=session.started,
    )


def differences(
    reference: tuple[str, float | None, float | None],
    others: list[tuple[str, float | None, float | None]],
    mdc_n: float | None,
) -> list[Difference]:
    """Compare ``(label, peak_n, break_ratio)`` of each other test with the reference."""
    _, ref_peak, ref_ratio = reference
    out = []
    for label, peak, ratio in others:
        dp = None if peak is None or ref_peak is None else peak - ref_peak
        out.append(
            Difference(
                label=label,
                peak_n=peak,
                delta_peak_n=dp,
                delta_peak_pct=None if dp is None or not ref_peak else 100.0 * dp / ref_peak,
                delta_ratio=None if ratio is None or ref_ratio is None else ratio - ref_ratio,
                mdc_n=mdc_n,
                beyond_mdc=None if dp is None or mdc_n is None else abs(dp) > mdc_n,
            )
        )
    return out
