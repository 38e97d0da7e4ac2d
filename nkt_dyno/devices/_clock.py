"""Device time onto host time, and loss detection, without ever reordering samples.

A notification cannot arrive before its last sample was taken, so
``arrival - device_time`` is the transport delay plus the clock offset; its
minimum over a window is the offset with the least jitter. Minima of one-second
buckets, fitted by least squares, give offset and drift (Paxson-style
minimum-delay estimation). Devices without a clock are stamped from arrival
time, spread back at the nominal rate.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

_BUCKET_S = 1.0
_BUCKETS = 30
_FIT_BUCKETS = 3
"""Completed buckets needed before drift is estimated (until then: offset only)."""
_RESTART_S = 0.5
"""A device clock stepping back further than this was restarted."""
_MIN_STEP_S = 1e-6


class ClockMap:
    """Device seconds (unwrapped) to host-monotonic seconds: ``t = d * (1 + skew) + offset``.

    Only completed buckets enter the fit: the bucket still filling may hold a
    single late arrival, which would tilt the line. The newest arrival still
    bounds the offset, since no sample is mapped after it was received. A device
    clock that steps back (a restart at START or after a reconnect) starts a new fit.
    """

    def __init__(self) -> None:
        self.offset: float | None = None
        self.skew = 0.0
        self._buckets: deque[tuple[float, float]] = deque(maxlen=_BUCKETS)
        self._current: tuple[float, float] | None = None
        """(device s, lag s) of the least-delayed arrival in the bucket still filling."""
        self._last_d = -np.inf
        self._last_t = -np.inf

    def map(self, device_s: FloatArray, arrival: float) -> FloatArray:
        if device_s[0] < self._last_d - _RESTART_S:
            self._restart()
        self._last_d = float(device_s[-1])
        self._observe(float(device_s[-1]), arrival)
        assert self.offset is not None
        t = device_s * (1.0 + self.skew) + self.offset
        return self._monotonic(t)

    def _observe(self, d: float, arrival: float) -> None:
        lag = arrival - d
        current = self._current
        if current is None or np.floor(current[0] / _BUCKET_S) != np.floor(d / _BUCKET_S):
            if current is not None:
                self._buckets.append(current)
            current = (d, lag)
        elif lag < current[1]:
            current = (d, lag)
        self._current = current
        if len(self._buckets) >= _FIT_BUCKETS:
            ds = np.array([b[0] for b in self._buckets])
            lags = np.array([b[1] for b in self._buckets])
            slope, intercept = np.polyfit(ds - ds[0], lags, 1)
            self.skew = float(slope)
            offset = float(intercept - slope * ds[0])
            self.offset = min(offset, arrival - d * (1.0 + self.skew))
        elif self.offset is None or lag < self.offset:
            self.offset = lag

    def _monotonic(self, t: FloatArray) -> FloatArray:
        floor = self._last_t + _MIN_STEP_S
        if t[0] < floor:
            t = t + (floor - t[0])
        t = np.maximum.accumulate(t)
        self._last_t = float(t[-1])
        return t

    def _restart(self) -> None:
        self.offset, self.skew, self._current = None, 0.0, None
        self._buckets.clear()


class ArrivalStamper:
    """Host stamps for devices without a clock: the last sample at arrival, the rest
    spaced back at the nominal period, never before the previous block."""

    def __init__(self, rate_hz: float) -> None:
        self.period = 1.0 / rate_hz
        self._last_t = -np.inf

    def stamp(self, n: int, arrival: float) -> tuple[FloatArray, bool]:
        """Times of ``n`` samples, and whether a gap precedes them."""
        t = arrival - self.period * np.arange(n - 1, -1, -1, dtype=np.float64)
        gap = np.isfinite(self._last_t) and t[0] - self._last_t > 2.5 * self.period
        floor = self._last_t + _MIN_STEP_S
        if t[0] < floor:
            t = np.linspace(floor, max(arrival, floor + _MIN_STEP_S * n), n)
        self._last_t = float(t[-1])
        return t, bool(gap)
