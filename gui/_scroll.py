"""Which part of a running test the plot shows: an x window that pages, a y span that grows.

Moving an axis makes pyqtgraph regenerate its ticks and labels, a large
part of a frame's cost. So the x window stays put until the data nears its
right edge and then jumps ahead (most tests never leave the first window),
and the y span only ever widens, in steps with headroom.
"""

from __future__ import annotations

WIDTH_S = 10.0
"""Seconds of signal on screen while a test runs."""
LEAD_S = 3.0
"""Empty time ahead of the newest sample after a page turn."""
MARGIN_S = 0.5
"""How close to the right edge the newest sample may come before the page turns."""


class XWindow:
    """The visible time range, ``lo`` to ``hi`` seconds since the test started."""

    def __init__(self, width_s: float = WIDTH_S, lead_s: float = LEAD_S) -> None:
        if not 0.0 < lead_s < width_s:
            raise ValueError(f"need 0 < lead_s < width_s, got {lead_s}, {width_s}")
        self.width_s = width_s
        self.lead_s = lead_s
        self.lo = 0.0
        self.hi = 0.0

    def reset(self) -> None:
        self.lo = self.hi = 0.0

    def follow(self, elapsed: float) -> bool:
        """Turn the page if ``elapsed`` is near the right edge; true when the range moved."""
        if self.hi and elapsed <= self.hi - MARGIN_S:
            return False
        self.hi = max(self.width_s, elapsed + self.lead_s)
        self.lo = self.hi - self.width_s
        return True


class YSpan:
    """The visible force range: widens to take new data, with a quarter of headroom."""

    def __init__(self) -> None:
        self.lo = 0.0
        self.hi = 0.0

    def reset(self) -> None:
        self.lo = self.hi = 0.0

    def grow(self, y_lo: float, y_hi: float, min_height: float) -> bool:
        """Widen to hold ``y_lo``..``y_hi``, headroom at least ``min_height`` / 4; true if so."""
        if y_lo >= self.lo and y_hi <= self.hi:
            return False
        lo, hi = min(self.lo, y_lo), max(self.hi, y_hi)
        head = 0.25 * max(hi - lo, min_height)
        self.lo = lo - (head if y_lo < self.lo else 0.0)
        self.hi = hi + head
        return True
