"""Differences between tests, judged against the minimal detectable change (MDC).

A difference smaller than the MDC is within what repeating the same test
gives and must not be read as a change (DESIGN §3: SEM = SD·√(1 − ICC),
MDC95 = 1.96·√2·SEM; handheld dynamometry MDCs are often 15–30 % of the
force). A session rarely holds enough repeated trials of one muscle to
estimate the ICC, so the comparison states and uses a fallback: 20 % of the
reference test's peak, the middle of the published range.
"""

from __future__ import annotations

from dataclasses import dataclass

FALLBACK_MDC_FRACTION = 0.20
MDC_NOTE = "MDC = 20 % of the reference peak (fallback: too few repeated trials to estimate it)"


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


def differences(
    reference: tuple[str, float | None, float | None],
    others: list[tuple[str, float | None, float | None]],
) -> list[Difference]:
    """Compare ``(label, peak_n, break_ratio)`` of each other test with the reference."""
    _, ref_peak, ref_ratio = reference
    mdc = None if not ref_peak else FALLBACK_MDC_FRACTION * ref_peak
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
                mdc_n=mdc,
                beyond_mdc=None if dp is None or mdc is None else abs(dp) > mdc,
            )
        )
    return out
