"""What the clinical layer reads from one stored test: its primary effort and its force."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nkt_dyno.derived import effort_end_s, rest_level
from nkt_dyno.store import MuscleTest

Effort = Mapping[str, Any]
__all__ = ["Effort", "effort_end_s", "force_of", "primary", "rest_level", "withstood_n"]


def primary(test: MuscleTest) -> Effort | None:
    """The analysed effort with the highest peak (the store's rule), or None."""
    return None if test.analysis is None else test.analysis.primary


def withstood_n(effort: Effort | None) -> float | None:
    """The force the muscle withstood (N): at the break for a break, else the peak.

    A yield ends the test at the break force (the AFisomax analogue); a hold
    withstood everything applied, its peak. This is the figure compared
    before and after treatment and between sides.
    """
    if effort is None:
        return None
    if effort.get("verdict") == "break" and effort.get("break_force_n") is not None:
        return float(effort["break_force_n"])
    peak = effort.get("peak_n")
    return None if peak is None else float(peak)


def force_of(test: MuscleTest) -> float | None:
    return withstood_n(primary(test))
