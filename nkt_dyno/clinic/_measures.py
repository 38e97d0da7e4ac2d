"""What the clinical layer reads from one stored test: its primary effort and its force."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from nkt_dyno.store import MuscleTest

Effort = Mapping[str, Any]
FloatArray = npt.NDArray[np.float64]

REST_WINDOW_S = 0.5
END_FRACTION = 0.10
"""An effort has ended when the force is back within 10 % of its peak above rest."""


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


def rest_level(t: FloatArray, force: FloatArray, onset_s: float) -> float:
    """Force at rest (N): the median over the 0.5 s before onset, else the first sample."""
    before = (t < onset_s) & (t >= onset_s - REST_WINDOW_S)
    return float(np.median(force[before])) if np.any(before) else float(force[0])


def effort_end_s(t: FloatArray, force: FloatArray, effort: Effort) -> float | None:
    """When the force fell back within :data:`END_FRACTION` of the peak above rest (s).

    The end of the recording when it never did; ``None`` without onset/peak.
    """
    onset, peak_s, peak = effort.get("onset_s"), effort.get("peak_s"), effort.get("peak_n")
    if onset is None or peak_s is None or peak is None:
        return None
    rest = rest_level(t, force, float(onset))
    after = np.flatnonzero((t > peak_s) & (force - rest < END_FRACTION * float(peak)))
    return float(t[after[0]]) if after.size else float(t[-1])
