"""A preallocated ring buffer of samples that the display timer reads without copying.

Each sample is written twice, at ``i`` and ``i + capacity``, so the latest
``n`` samples always form one contiguous slice: the paint path gets views,
never a concatenation, and the source never allocates per block.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class RingBuffer:
    """Time and force of the latest ``capacity`` samples, oldest first."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self._t = np.zeros(2 * capacity, dtype=np.float64)
        self._f = np.zeros(2 * capacity, dtype=np.float64)
        self._head = 0  # next write position in [0, capacity)
        self._size = 0
        self.written = 0
        """Samples appended since the last clear; the display timer redraws when it changes."""

    def __len__(self) -> int:
        return self._size

    def clear(self) -> None:
        self._head = 0
        self._size = 0
        self.written = 0

    def extend(self, t: FloatArray, force: FloatArray) -> None:
        """Append a block; only its last ``capacity`` samples are kept if it is longer."""
        n = int(t.size)
        if n == 0:
            return
        if n > self.capacity:
            t, force = t[-self.capacity :], force[-self.capacity :]
            self.written += n - self.capacity
            n = self.capacity
        cap = self.capacity
        first = min(n, cap - self._head)
        for buf, src in ((self._t, t), (self._f, force)):
            buf[self._head : self._head + first] = src[:first]
            buf[self._head + cap : self._head + cap + first] = src[:first]
            rest = n - first
            if rest:
                buf[:rest] = src[first:]
                buf[cap : cap + rest] = src[first:]
        self._head = (self._head + n) % cap
        self._size = min(self._size + n, cap)
        self.written += n

    def view(self) -> tuple[FloatArray, FloatArray]:
        """Contiguous read-only views of the stored samples, oldest first."""
        end = self._head + self.capacity
        start = end - self._size
        t, f = self._t[start:end], self._f[start:end]
        t.flags.writeable = False
        f.flags.writeable = False
        return t, f

    def last(self) -> tuple[float, float] | None:
        """The newest sample, or ``None`` when empty."""
        if not self._size:
            return None
        i = self._head - 1 + self.capacity
        return float(self._t[i]), float(self._f[i])
