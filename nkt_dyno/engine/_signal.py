"""Streaming signal stages with explicit state: spike rejection, gridding, filters.

Each stage is a small class whose ``step`` maps one block to its output and
carries exactly the state a sample-by-sample implementation would, so any
split of the input into blocks gives bit-identical output (tested).
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt
from scipy import signal

__all__ = [
    "Ema",
    "Gridder",
    "LowPass",
    "Median3",
    "design_lowpass",
    "lowpass_pair",
    "median_grid",
]

FloatArray = npt.NDArray[np.float64]

SCALAR_MAX = 48
"""Blocks up to this many samples are filtered in plain Python floats.

A live block is a few samples, and a scipy call costs tens of microseconds
whatever its length; the scalar loops do the very operations of scipy's
direct-form-II-transposed filters in the same order, so both paths give
bit-identical output (tested) and block splits still do not matter.
:func:`median_grid` and :func:`lowpass_pair` are the same loops for a single
channel (force only, the common live case) on Python lists, sparing the array
round trips.
"""


@functools.lru_cache(maxsize=64)
def design_lowpass(corner_hz: float, fs_hz: float) -> tuple[FloatArray, float]:
    """Second-order Butterworth low-pass and its group delay at DC (s).

    Second order keeps the step response nearly free of overshoot (a rise must
    not read as a peak) and the delay short; the DC delay is what a ramp is
    shifted by, so event times subtract it. Designed once per setting (a
    design costs more than analysing a short trace): callers share the
    coefficients and must not modify them.
    """
    sos = signal.butter(2, corner_hz, fs=fs_hz, output="sos")
    b, a = signal.sos2tf(sos)
    _, gd = signal.group_delay((b, a), w=[1e-6], fs=fs_hz)
    return sos, float(gd[0]) / fs_hz


class Median3:
    """Median of three neighbouring samples, per row, one sample behind.

    A single-sample excursion (a connector glitch, a knock on the pad) is not
    physiological: force changes at human rates span several samples even at
    80 Hz. The median removes it completely while keeping ramps and steps,
    which averaging would smear into a bump that looks like an effort.
    """

    def __init__(self) -> None:
        self._t: float | None = None
        self._prev: list[float] = []
        self._pend: list[float] = []

    def step(self, t: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Take ``t`` (n,) and ``x`` (rows, n); return the filtered samples so far.

        The first sample of the stream is its own left neighbour; the last
        waits for its right neighbour (next block).
        """
        if self._t is None:
            self._prev = self._pend = x[:, 0].tolist()
            self._t = float(t[0])
            t, x = t[1:], x[:, 1:]
        seq = np.concatenate((np.array((self._prev, self._pend)).T, x), axis=1)
        a, b, c = seq[:, :-2], seq[:, 1:-1], seq[:, 2:]
        med = np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))
        t_out = np.concatenate(([self._t], t[:-1])) if t.size else t
        if t.size:
            self._prev, self._pend = seq[:, -2:].T.tolist()
            self._t = float(t[-1])
        return t_out, med


class Gridder:
    """Irregular samples onto a uniform grid: mean of the linear interpolant per bin.

    Bin ``j`` covers ``[t0 + j·h, t0 + (j+1)·h)`` and is reported at its
    centre. The mean of the piecewise-linear signal over the bin averages
    many samples at high rates (anti-alias) and interpolates at low rates or
    across lost packets, so 80 Hz, 1 kHz and jittery BLE input all give the
    same kind of samples. The running integral is a sequential cumulative
    sum, so block boundaries never change the result.
    """

    def __init__(self, h: float, rows: int) -> None:
        self.h = h
        self._rows = rows
        self._t0: float | None = None
        self._tl = 0.0
        self._xl = [0.0] * rows
        self._cl = [0.0] * rows
        self._ie = [0.0] * rows
        self._j = 0

    def step(self, t: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Take ``t`` (n,), ``x`` (rows, n); return bin centres (m,) and means (rows, m)."""
        if t.size == 0:
            return t, np.empty((self._rows, 0))
        if self._t0 is None:
            self._t0 = self._tl = float(t[0])
            self._xl = x[:, 0].tolist()
            t, x = t[1:], x[:, 1:]
        if t.size <= SCALAR_MAX:
            return self._step_scalar(t, x)
        ts = np.concatenate(([self._tl], t))
        xs = np.concatenate((np.array(self._xl)[:, None], x), axis=1)
        area = (ts[1:] - ts[:-1]) * (xs[:, :-1] + xs[:, 1:]) * 0.5
        c = np.cumsum(np.concatenate((np.array(self._cl)[:, None], area), axis=1), axis=1)
        last = int(np.ceil((ts[-1] - self._t0) / self.h)) + 1
        j = np.arange(self._j + 1, max(last, self._j + 1) + 1)
        edges = self._t0 + j * self.h
        keep = edges < ts[-1]
        j, edges = j[keep], edges[keep]
        self._tl, self._xl, self._cl = float(ts[-1]), xs[:, -1].tolist(), c[:, -1].tolist()
        if j.size == 0:
            return np.empty(0), np.empty((self._rows, 0))
        i = np.searchsorted(ts, edges, side="right") - 1
        dt = edges - ts[i]
        frac = dt / (ts[i + 1] - ts[i])
        xe = xs[:, i] + (xs[:, i + 1] - xs[:, i]) * frac
        ie = c[:, i] + dt * (xs[:, i] + xe) * 0.5
        ies = np.concatenate((np.array(self._ie)[:, None], ie), axis=1)
        vals = (ies[:, 1:] - ies[:, :-1]) / self.h
        self._ie = ie[:, -1].tolist()
        self._j = int(j[-1])
        return self._t0 + (j - 0.5) * self.h, vals

    def _step_scalar(self, t: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """:meth:`step` for a few samples: the same operations in the same order."""
        assert self._t0 is not None
        t0, h, rows = self._t0, self.h, range(self._rows)
        tl, xl, cl = self._tl, self._xl, self._cl[:]
        ie, j = self._ie[:], self._j
        edge = t0 + (j + 1) * h
        out_t: list[float] = []
        out_v: list[list[float]] = [[] for _ in rows]
        for tv, *xv in zip(t.tolist(), *x.tolist(), strict=True):
            span = tv - tl
            while edge < tv:
                dt = edge - tl
                frac = dt / span
                for r in rows:
                    xe = xl[r] + (xv[r] - xl[r]) * frac
                    v = cl[r] + dt * (xl[r] + xe) * 0.5
                    out_v[r].append((v - ie[r]) / h)
                    ie[r] = v
                j += 1
                out_t.append(t0 + (j - 0.5) * h)
                edge = t0 + (j + 1) * h
            for r in rows:
                cl[r] = cl[r] + span * (xl[r] + xv[r]) * 0.5
            tl, xl = tv, xv
        self._tl, self._j = tl, j
        self._xl, self._cl, self._ie = xl, cl, ie
        return np.array(out_t), np.array(out_v).reshape(self._rows, len(out_t))


def median_grid(
    med: Median3, grid: Gridder, t: list[float], x: list[float]
) -> tuple[list[float], list[float]]:
    """``med.step`` then ``grid.step`` for one channel on lists, in one pass.

    The live case: a block of a few samples goes through both stages in one
    loop of plain floats, doing the very comparisons and arithmetic of their
    array paths in the same order, so the output is bit-identical (tested)
    and block splits still do not matter.
    """
    if med._t is None:
        med._prev = med._pend = x[:1]
        med._t = t[0]
        t, x = t[1:], x[1:]
    if not t:
        return [], []
    a, b, tp = med._prev[0], med._pend[0], med._t
    if grid._t0 is None:
        # The first median output starts the grid.
        c = x[0]
        lo, hi = (b if b < a else a), (b if a < b else a)
        lo2 = c if c < hi else hi
        grid._t0 = grid._tl = tp
        grid._xl = [lo2 if lo < lo2 else lo]
        a, b, tp = b, c, t[0]
        t, x = t[1:], x[1:]
    t0, h, j = grid._t0, grid.h, grid._j
    tl, xl, cl, ie = grid._tl, grid._xl[0], grid._cl[0], grid._ie[0]
    edge = t0 + (j + 1) * h
    out_t: list[float] = []
    out_v: list[float] = []
    for tv, c in zip(t, x, strict=True):
        lo = b if b < a else a
        hi = b if a < b else a
        lo2 = c if c < hi else hi
        xv = lo2 if lo < lo2 else lo
        a, b = b, c
        span = tp - tl
        while edge < tp:
            dt = edge - tl
            xe = xl + (xv - xl) * (dt / span)
            v = cl + dt * (xl + xe) * 0.5
            out_v.append((v - ie) / h)
            ie = v
            j += 1
            out_t.append(t0 + (j - 0.5) * h)
            edge = t0 + (j + 1) * h
        cl = cl + span * (xl + xv) * 0.5
        tl, xl, tp = tp, xv, tv
    med._prev, med._pend, med._t = [a], [b], tp
    grid._tl, grid._j = tl, j
    grid._xl, grid._cl, grid._ie = [xl], [cl], [ie]
    return out_t, out_v


class LowPass:
    """``sosfilt`` with its state carried across blocks, started at steady state.

    Starting at steady state on the first sample avoids a start-up transient
    that would read as an onset on a preloaded pad.
    """

    def __init__(self, sos: FloatArray, rows: int) -> None:
        self._sos = sos
        self._coefs = [(b0, b1, b2, a1, a2) for b0, b1, b2, _, a1, a2 in sos.tolist()]
        self._rows = rows
        self._z: list[list[list[float]]] = []
        """State per section and row, ``[z0, z1]``; empty before the first sample."""

    def _start(self, firsts: list[float]) -> None:
        """Steady state for the first sample of each row."""
        zi = signal.sosfilt_zi(self._sos).tolist()
        self._z = [[[b * v for b in sec] for v in firsts] for sec in zi]

    def step(self, x: FloatArray) -> FloatArray:
        """Filter ``x`` (rows, n) along the last axis."""
        if x.shape[1] == 0:
            return x
        if not self._z:
            self._start(x[:, 0].tolist())
        if x.shape[1] > SCALAR_MAX:
            y, zf = signal.sosfilt(self._sos, x, axis=-1, zi=np.array(self._z))
            self._z = zf.tolist()
            return y
        y = np.empty_like(x)
        for r in range(self._rows):
            y[r] = self._run(r, x[r].tolist())
        return y

    def _run(self, r: int, row: list[float]) -> list[float]:
        """Direct form II transposed, section by section, on row ``r``'s state."""
        for state, (b0, b1, b2, a1, a2) in zip(self._z, self._coefs, strict=True):
            z0, z1 = state[r]
            out = []
            for v in row:
                o = b0 * v + z0
                z0 = b1 * v - a1 * o + z1
                z1 = b2 * v - a2 * o
                out.append(o)
            state[r], row = [z0, z1], out
        return row


def lowpass_pair(ev: LowPass, sm: LowPass, x: list[float]) -> tuple[list[float], list[float]]:
    """``ev.step_list(x)`` and ``sm.step_list(x)`` in one loop, for one grid block.

    Both filters are single biquads (:func:`design_lowpass`); running them
    side by side spares a live block half the loop and call overhead, with
    the very operations of :meth:`LowPass._run`.
    """
    if not x:
        return [], []
    for lp in (ev, sm):
        if not lp._z:
            lp._start(x[:1])
    ((b0, b1, b2, a1, a2),) = ev._coefs
    ((c0, c1, c2, d1, d2),) = sm._coefs
    (z0, z1), (w0, w1) = ev._z[0][0], sm._z[0][0]
    ys: list[float] = []
    ss: list[float] = []
    for v in x:
        o = b0 * v + z0
        z0 = b1 * v - a1 * o + z1
        z1 = b2 * v - a2 * o
        ys.append(o)
        o = c0 * v + w0
        w0 = c1 * v - d1 * o + w1
        w1 = c2 * v - d2 * o
        ss.append(o)
    ev._z[0][0], sm._z[0][0] = [z0, z1], [w0, w1]
    return ys, ss


class Ema:
    """Exponential running mean per row, ``m += a·(x − m)``, started at the first sample.

    The same filter as ``lfilter([a], [1, a − 1])`` (which long blocks use),
    with its state carried across blocks.
    """

    def __init__(self, a: float, rows: int) -> None:
        self._a = a
        self._rows = rows
        self._b = np.array([a])
        self._den = np.array([1.0, a - 1.0])
        self._zi0 = signal.lfilter_zi(self._b, self._den)
        self._zi: FloatArray | None = None

    def step(self, x: FloatArray) -> FloatArray:
        """Running means of ``x`` (rows, n)."""
        if self._zi is None:
            self._zi = self._zi0[None, :] * x[:, :1]
        if x.shape[1] > SCALAR_MAX:
            m, self._zi = signal.lfilter(self._b, self._den, x, axis=1, zi=self._zi)
            return m
        a, c = self._a, -(self._a - 1.0)
        m = np.empty_like(x)
        for r in range(self._rows):
            z = float(self._zi[r, 0])
            out = []
            for v in x[r].tolist():
                o = a * v + z
                z = c * o
                out.append(o)
            self._zi[r, 0] = z
            m[r] = out
        return m
