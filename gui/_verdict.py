"""How a verdict and its break figures read on every screen (banner, session table, replay).

From force alone the engine puts the break at the last maximum before the
fall, so a force-only break has ``break_ratio`` 1.00 by construction; only a
gyro channel sees the limb yield below the peak (DESIGN §2, §3). Showing that
1.00 would suggest a measured AFisomax/AFmax of a perfect hold. So a break
shows its drop, and its ratio only when the ratio carries information: below
:data:`INFORMATIVE_BELOW`, or placed by the gyro. Stored analyses do not
record what placed the break, so for them only the first rule applies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nkt_dyno.store import Analysis

INFORMATIVE_BELOW = 0.995
"""A break ratio under this was not forced to 1 by the force-only break rule."""


def informative_ratio(verdict: str, break_ratio: float | None, *, gyro: bool) -> float | None:
    """The break ratio if it tells something about this test, else ``None``."""
    if break_ratio is None:
        return None
    if verdict == "break" and not gyro and break_ratio >= INFORMATIVE_BELOW:
        return None
    return break_ratio


def break_figures(break_ratio: float | None, drop_pct: float | None, *, gyro: bool) -> str:
    """``"ratio 0.62 · drop 40 %"``, or ``"drop 26 %"`` for a force-only break."""
    ratio = informative_ratio("break", break_ratio, gyro=gyro)
    parts = [] if ratio is None else [f"ratio {ratio:.2f}"]
    if drop_pct is not None:
        parts.append(f"drop {drop_pct:.0f} %")
    return " · ".join(parts)


def verdict_text(
    verdict: str,
    break_ratio: float | None,
    drop_pct: float | None,
    reasons: Sequence[str] = (),
    *,
    gyro: bool = False,
) -> str:
    """One line: ``HOLD``, ``BREAK · drop 26 %``, ``INCONCLUSIVE · why``."""
    if verdict == "hold":
        return "HOLD"
    if verdict == "break":
        figures = break_figures(break_ratio, drop_pct, gyro=gyro)
        return "BREAK" + (f" · {figures}" if figures else "")
    why = ", ".join(reasons[:2])
    return "INCONCLUSIVE" + (f" · {why}" if why else "")


def primary_effort(analysis: Analysis | None) -> Mapping[str, Any] | None:
    """The stored effort the test's verdict refers to (the one with the stored peak)."""
    if analysis is None or not analysis.efforts:
        return None
    return max(analysis.efforts, key=lambda e: e.get("peak_n") or 0.0)


def stored_verdict_text(analysis: Analysis) -> str:
    """:func:`verdict_text` of a stored analysis."""
    effort = primary_effort(analysis) or {}
    return verdict_text(
        analysis.verdict, analysis.break_ratio, effort.get("drop_pct"), effort.get("reasons", ())
    )


def stored_break_figures(analysis: Analysis | None) -> str:
    """:func:`break_figures` of a stored break; empty for any other verdict."""
    if analysis is None or analysis.verdict != "break":
        return ""
    effort = primary_effort(analysis) or {}
    return break_figures(analysis.break_ratio, effort.get("drop_pct"), gyro=False)
