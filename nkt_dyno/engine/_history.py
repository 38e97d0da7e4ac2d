"""Fixed-capacity history of the gridded signals, indexed by absolute sample number."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["History"]

FloatArray = npt.NDArray[np.float64]

# Row layout of the history array.
T, G, Y, S, W, BM, BV, GM, GV = range(9)
ROWS = 9


class History:
    """Rows of gridded signals kept for look-back (onset step-back, metrics).

    Storage is one preallocated ``(ROWS, capacity)`` array. When it fills,
    samples older than the caller's ``keep_from`` are dropped by moving the
    rest to the front, so memory stays bounded however long the stream runs;
    sample numbers stay absolute.
    """

    def __init__(self, capacity: int) -> None:
        self.data = np.zeros((ROWS, capacity))
        self.offset = 0
        self.end = 0

    def append(self, block: FloatArray, keep_from: int) -> None:
        """Append ``block`` (ROWS, n), dropping samples before ``keep_from`` if full."""
        at = self.reserve(block.shape[1], keep_from)
        self.data[:, at : at + block.shape[1]] = block

    def append_force(
        self, t: list[float], g: list[float], y: list[float], s: list[float], keep_from: int
    ) -> None:
        """Append force-only rows from lists (a live block); the other rows are zero."""
        n = len(t)
        at = self.reserve(n, keep_from)
        d = self.data
        d[T : S + 1, at : at + n] = t, g, y, s
        d[W:, at : at + n] = 0.0

    def reserve(self, n: int, keep_from: int) -> int:
        """Make room for ``n`` samples at the end; return their storage column."""
        used = self.end - self.offset
        if used + n > self.data.shape[1]:
            drop = max(0, min(keep_from, self.end) - self.offset)
            keep = used - drop
            self.data[:, :keep] = self.data[:, drop:used]
            self.offset += drop
            used = keep
            if used + n > self.data.shape[1]:
                grown = np.zeros((ROWS, 2 * (used + n)))
                grown[:, :used] = self.data[:, :used]
                self.data = grown
        self.end += n
        return used

    def row(self, r: int, start: int, stop: int) -> FloatArray:
        """View of row ``r`` for absolute samples ``[start, stop)``."""
        return self.data[r, start - self.offset : stop - self.offset]

    def at(self, r: int, k: int) -> float:
        """Value of row ``r`` at absolute sample ``k``."""
        return float(self.data[r, k - self.offset])

    def take(self, r: int, ks: npt.NDArray[np.int64]) -> FloatArray:
        """Values of row ``r`` at absolute samples ``ks``."""
        return self.data[r, ks - self.offset]
