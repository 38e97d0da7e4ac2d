"""Feedback on the examiner's rise, so the therapist can keep tests comparable.

The window for the time from onset to peak is 1.0-3.0 s: the examiner raises
pressure over about 1-3 s in a break test (DESIGN §3), and the
applied-kinesiology working definition -- the patient's rise within 1.5 s,
the examiner's added pressure within 1 s (Gerz & Leaf 1994) -- falls inside
it. A faster rise turns the test into a jolt the patient cannot meet; a
slower one measures endurance more than the reaction. The figure itself
comes from the engine (``time_to_peak_s``); this module only places it.
"""

from __future__ import annotations

from enum import StrEnum

RISE_WINDOW_S: tuple[float, float] = (1.0, 3.0)
"""Time from onset to peak judged "in range" (inclusive), seconds."""


class Rise(StrEnum):
    TOO_FAST = "too fast"
    IN_RANGE = "in range"
    TOO_SLOW = "too slow"


def classify_rise(time_to_peak_s: float) -> Rise:
    """Place the engine's time to peak against :data:`RISE_WINDOW_S`."""
    low, high = RISE_WINDOW_S
    if time_to_peak_s < low:
        return Rise.TOO_FAST
    if time_to_peak_s > high:
        return Rise.TOO_SLOW
    return Rise.IN_RANGE
