"""Trace thumbnails as inline SVG, with the engine's onset, peak and break marked.

Drawn here rather than by a plotting library so the report stays one
self-contained file and the core never imports a GUI toolkit. Long traces are
reduced to a min/max envelope per pixel column, which keeps peaks and falls.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

WIDTH, HEIGHT = 300, 120
_LEFT, _RIGHT, _TOP, _BOTTOM = 36, 10, 18, 20
_COLOURS = {"hold": "#1f6fb4", "break": "#c0392b", "inconclusive": "#7f8c8d"}
_ONSET, _PEAK, _BREAK = "#27864a", "#1a1a1a", "#c0392b"


def thumbnail(
    t: npt.ArrayLike,
    force: npt.ArrayLike,
    effort: Mapping[str, Any] | None,
    *,
    title: str = "",
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """An SVG image of force against time with the effort's markers.

    Markers: onset (green dashed line), peak (black dot), break (red line
    and cross). The line colour follows the verdict (blue hold, red break,
    grey inconclusive or not analysed).
    """
    tt = np.asarray(t, dtype=np.float64)
    ff = np.asarray(force, dtype=np.float64)
    if tt.size < 2 or tt.shape != ff.shape:
        raise ValueError(f"t and force must be 1-D of one length >= 2, got {tt.shape}, {ff.shape}")
    box = _Box(tt, ff, width, height)
    verdict = str(effort.get("verdict", "inconclusive")) if effort else "inconclusive"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="9">',
        f"<title>{escape(title)}</title>" if title else "",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        *box.axes(),
        f'<polyline fill="none" stroke="{_COLOURS.get(verdict, _COLOURS["inconclusive"])}" '
        f'stroke-width="1.3" stroke-linejoin="round" points="{box.polyline()}"/>',
        *(_markers(box, tt, ff, effort) if effort else []),
        "</svg>",
    ]
    return "".join(p for p in parts if p)


class _Box:
    """Maps signal time and force onto the plot area."""

    def __init__(self, t: FloatArray, f: FloatArray, width: int, height: int) -> None:
        self.t, self.f = t, f
        self.x0, self.x1 = _LEFT, width - _RIGHT
        self.y0, self.y1 = height - _BOTTOM, _TOP
        self.tmin, self.tmax = float(t[0]), float(t[-1])
        self.fmin = min(0.0, float(np.min(f)))
        top = max(float(np.max(f)), 1.0) * 1.05
        self.fstep = _nice_ceiling(top / 4.0)
        self.fmax = self.fstep * math.ceil(top / self.fstep)

    def x(self, seconds: float) -> float:
        return self.x0 + (seconds - self.tmin) / (self.tmax - self.tmin) * (self.x1 - self.x0)

    def y(self, newtons: float) -> float:
        return self.y0 - (newtons - self.fmin) / (self.fmax - self.fmin) * (self.y0 - self.y1)

    def polyline(self) -> str:
        columns = int(self.x1 - self.x0)
        t, f = self.t, self.f
        if t.size > 2 * columns:
            t, f = _envelope(t, f, columns)
        return " ".join(f"{self.x(a):.1f},{self.y(b):.1f}" for a, b in zip(t, f, strict=True))

    def axes(self) -> list[str]:
        grey = 'stroke="#d0d0d0" stroke-width="0.6"'
        out = []
        for value in np.arange(0.0, self.fmax + self.fstep / 2.0, self.fstep):
            y = self.y(float(value))
            out.append(f'<line x1="{self.x0}" y1="{y:.1f}" x2="{self.x1}" y2="{y:.1f}" {grey}/>')
            out.append(
                f'<text x="{self.x0 - 3}" y="{y + 3:.1f}" text-anchor="end" fill="#555">'
                f"{value:.0f}</text>"
            )
        step = _nice_ceiling((self.tmax - self.tmin) / 6.0)
        tick = math.ceil(self.tmin / step) * step
        while tick <= self.tmax + 1e-9:
            x = self.x(tick)
            out.append(
                f'<line x1="{x:.1f}" y1="{self.y0}" x2="{x:.1f}" y2="{self.y0 + 3}" {grey}/>'
            )
            out.append(
                f'<text x="{x:.1f}" y="{self.y0 + 12}" text-anchor="middle" fill="#555">'
                f"{tick:g}</text>"
            )
            tick += step
        out.append(
            f'<text x="{self.x0 - 3}" y="{self.y1 - 8}" text-anchor="end" fill="#555">N</text>'
        )
        out.append(
            f'<text x="{self.x1}" y="{self.y0 + 12}" text-anchor="start" fill="#555">s</text>'
        )
        return out


def _markers(box: _Box, t: FloatArray, f: FloatArray, effort: Mapping[str, Any]) -> list[str]:
    out = []
    onset, peak_s, break_s = effort.get("onset_s"), effort.get("peak_s"), effort.get("break_s")
    if onset is not None:
        x = box.x(float(onset))
        out.append(
            f'<line x1="{x:.1f}" y1="{box.y0}" x2="{x:.1f}" y2="{box.y1}" stroke="{_ONSET}" '
            'stroke-width="1" stroke-dasharray="3,2"><title>onset</title></line>'
        )
    if peak_s is not None:
        x, y = box.x(float(peak_s)), box.y(float(np.interp(peak_s, t, f)))
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{_PEAK}"><title>peak</title></circle>'
        )
    if break_s is not None:
        x, y = box.x(float(break_s)), box.y(float(np.interp(break_s, t, f)))
        out.append(
            f'<line x1="{x:.1f}" y1="{box.y0}" x2="{x:.1f}" y2="{box.y1}" stroke="{_BREAK}" '
            'stroke-width="1"><title>break</title></line>'
            f'<path d="M{x - 3:.1f},{y - 3:.1f} l6,6 m0,-6 l-6,6" stroke="{_BREAK}" '
            'stroke-width="1.4"/>'
        )
    return out


def _envelope(t: FloatArray, f: FloatArray, columns: int) -> tuple[FloatArray, FloatArray]:
    """Min and max of each of ``columns`` equal slices, in time order within the slice."""
    edges = np.linspace(0, t.size, columns + 1).astype(int)
    ts, fs = [], []
    for a, b in itertools.pairwise(edges):
        if b <= a:
            continue
        lo, hi = a + int(np.argmin(f[a:b])), a + int(np.argmax(f[a:b]))
        for i in sorted({lo, hi}):
            ts.append(t[i])
            fs.append(f[i])
    return np.asarray(ts), np.asarray(fs)


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is ≥ ``value`` (> 0): a round tick step."""
    exponent = math.floor(math.log10(value))
    for mantissa in (1.0, 2.0, 2.5, 5.0, 10.0):
        if mantissa * 10.0**exponent >= value - 1e-12:
            return mantissa * 10.0**exponent
    return 10.0 ** (exponent + 1)


_CHANGE_COLOURS = {
    "reference": "#1a1a1a",
    "up": "#1f6fb4",
    "down": "#c0392b",
    "within": "#7f8c8d",
}
"""Point colours of a progress chart: the reference, a change up or down, no change."""


def progress_chart(
    days: Sequence[str],
    values: Sequence[float],
    changes: Sequence[str],
    band: tuple[float, float] | None,
    *,
    unit: str,
    title: str = "",
    width: int = 520,
    height: int = 150,
) -> str:
    """An SVG chart of one measure across sessions: the reference band shaded, a point per
    session coloured by its change against the band, the day under each point."""
    if not values or not (len(days) == len(values) == len(changes)):
        raise ValueError("days, values and changes must be non-empty and of one length")
    low = min([*values, *(band or ())])
    high = max([*values, *(band or ())])
    step = _nice_ceiling(max(high * 1.1, 1.0) / 4.0)
    top = step * math.ceil(high * 1.1 / step)
    bottom = 0.0 if low >= 0 else -step * math.ceil(-low / step)
    x0, x1, y0, y1 = _LEFT + 8, width - 28, height - _BOTTOM - 4, _TOP

    def y(value: float) -> float:
        return y0 - (value - bottom) / (top - bottom) * (y0 - y1)

    def x(i: int) -> float:
        return (x0 + x1) / 2 if len(values) == 1 else x0 + i * (x1 - x0) / (len(values) - 1)

    grey = 'stroke="#d0d0d0" stroke-width="0.6"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="9">',
        f"<title>{escape(title)}</title>" if title else "",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    if band is not None:
        parts.append(
            f'<rect x="{x0 - 6}" y="{y(band[1]):.1f}" width="{x1 - x0 + 12}" '
            f'height="{y(band[0]) - y(band[1]):.1f}" fill="#e3ecf5"><title>reference ± MDC95'
            "</title></rect>"
        )
    for value in np.arange(bottom, top + step / 2.0, step):
        yy = y(float(value))
        parts.append(f'<line x1="{x0 - 6}" y1="{yy:.1f}" x2="{x1 + 6}" y2="{yy:.1f}" {grey}/>')
        parts.append(
            f'<text x="{x0 - 9}" y="{yy + 3:.1f}" text-anchor="end" fill="#555">{value:g}</text>'
        )
    parts.append(
        f'<text x="{x0 - 9}" y="{y1 - 8}" text-anchor="end" fill="#555">{escape(unit)}</text>'
    )
    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    parts.append(f'<polyline fill="none" stroke="#9aa5ad" stroke-width="1" points="{points}"/>')
    for i, (day, value, change) in enumerate(zip(days, values, changes, strict=True)):
        colour = _CHANGE_COLOURS.get(change, _CHANGE_COLOURS["within"])
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="3.5" fill="{colour}">'
            f"<title>{escape(day)}: {value:.1f} {escape(unit)} ({escape(change)})</title></circle>"
        )
        parts.append(
            f'<text x="{x(i):.1f}" y="{y0 + 14}" text-anchor="middle" fill="#555">'
            f"{escape(day)}</text>"
        )
    parts.append("</svg>")
    return "".join(p for p in parts if p)
