"""The force-time plot with the engine's markers; it draws, it never analyses."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from gui import _style
from gui._guidance import RISE_WINDOW_S
from nkt_dyno.engine import Break, BreakWithdrawn, Onset, Peak

FloatArray = npt.NDArray[np.float64]


def _vline(colour: str, label: str, style: Qt.PenStyle, at: float) -> pg.InfiniteLine:
    line = pg.InfiniteLine(
        angle=90,
        movable=False,
        pen=pg.mkPen(colour, width=2, style=style),
        label=label,
        labelOpts={"position": at, "color": colour, "anchors": [(0, 0), (0, 0)]},
    )
    line.setZValue(5)
    return line


class ForcePlot(pg.PlotWidget):
    """Force against time since the test started, with onset, peak and break marked.

    Markers are set from engine events (``show_events``), in trace time
    minus ``t0``; a shaded band after onset shows the window in which the
    peak should fall (see :mod:`gui._guidance`).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        item = self.getPlotItem()
        # no grid: with one, pyqtgraph repaints both axes (ticks, labels and
        # grid lines) on every frame, which cost more than the curve itself
        item.setLabel("bottom", "time", units="s")
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setMouseEnabled(x=False, y=False)
        self.curve = item.plot(
            pen=pg.mkPen(_style.FORCE_PEN, width=2),
            segmentedLineMode="on",
            antialias=False,
            connect="all",
            skipFiniteCheck=True,  # the engine refuses non-finite samples before the ring
        )
        self.curve.setDownsampling(auto=True, method="peak")
        # peak downsampling to one min/max pair per pixel column (pyqtgraph's
        # default keeps five samples per pixel): the same picture, fewer segments
        self.curve.opts["autoDownsampleFactor"] = 1.0
        self.onset_line = _vline(_style.ONSET_COLOUR, "onset", Qt.PenStyle.DashLine, 0.97)
        self.break_line = _vline(_style.BREAK_COLOUR, "break", Qt.PenStyle.SolidLine, 0.1)
        self.window = pg.LinearRegionItem(
            movable=False, brush=pg.mkBrush(_style.WINDOW_BRUSH), pen=pg.mkPen(None)
        )
        self.window.setZValue(-10)
        self.peak_dot = pg.ScatterPlotItem(
            size=14, symbol="t", brush=pg.mkBrush(_style.PEAK_COLOUR), pen=pg.mkPen("w")
        )
        self.peak_dot.setZValue(6)
        self.break_dot = pg.ScatterPlotItem(
            size=12, symbol="o", brush=pg.mkBrush(_style.BREAK_COLOUR), pen=pg.mkPen("w")
        )
        self.break_dot.setZValue(6)
        self._baseline = 0.0
        self._gaps: list[pg.LinearRegionItem] = []
        for it in self._markers():
            item.addItem(it)
        self.set_unit_label("N")
        self.clear_markers()

    def set_unit_label(self, unit: str) -> None:
        self.getPlotItem().setLabel("left", "force", units=None, unitPrefix=None)
        self.getPlotItem().getAxis("left").setLabel(f"force ({unit})")

    def _markers(self) -> tuple[pg.GraphicsObject, ...]:
        return (
            self.window,
            self.onset_line,
            self.break_line,
            self.peak_dot,
            self.break_dot,
        )

    def clear_markers(self) -> None:
        for it in self._markers():
            it.setVisible(False)
        self._baseline = 0.0

    def show_events(self, events: list[Any], t0: float, scale: float) -> None:
        """Place the markers for ``events`` (later events of a kind replace earlier).

        A withdrawn break takes its markers away again, as the engine says
        the fall was not a yield after all.

        Engine forces are above the rest level; the curve shows the raw
        force, so dots are lifted by the baseline the onset reported.
        """
        for event in events:
            x = float(event.t) - t0
            if isinstance(event, Onset):  # a new effort: the last one's markers go
                self.clear_markers()
                self._baseline = float(event.baseline_n)
                self.onset_line.setValue(x)
                self.onset_line.setVisible(True)
                self.window.setRegion((x + RISE_WINDOW_S[0], x + RISE_WINDOW_S[1]))
                self.window.setVisible(True)
            elif isinstance(event, Peak):
                self.peak_dot.setData([x], [(self._baseline + float(event.force_n)) * scale])
                self.peak_dot.setVisible(True)
            elif isinstance(event, Break):
                self.break_line.setValue(x)
                self.break_line.setVisible(True)
                self.break_dot.setData([x], [(self._baseline + float(event.force_n)) * scale])
                self.break_dot.setVisible(True)
            elif isinstance(event, BreakWithdrawn):
                self.break_line.setVisible(False)
                self.break_dot.setVisible(False)

    def show_gaps(self, spans: list[tuple[float, float]]) -> None:
        """Shade each stretch without samples, ``(start, end)`` in plot time; [] clears them."""
        item = self.getPlotItem()
        for band in self._gaps:
            item.removeItem(band)
        self._gaps = []
        for start, end in spans:
            band = pg.LinearRegionItem(
                (start, end),
                movable=False,
                brush=pg.mkBrush(_style.GAP_BRUSH),
                pen=pg.mkPen(_style.GAP_BRUSH_EDGE),
            )
            band.setZValue(-9)
            item.addItem(band)
            self._gaps.append(band)

    @property
    def gap_bands(self) -> list[tuple[float, float]]:
        """The shaded gaps, ``(start, end)`` in plot time."""
        return [tuple(band.getRegion()) for band in self._gaps]

    def set_markers_visible(self, visible: bool) -> None:
        """Blinding hides the markers without forgetting them."""
        for it in self._markers():
            it.setOpacity(1.0 if visible else 0.0)


def legend_html() -> str:
    """What each mark on the force plot means, as one line of rich text under it.

    Kept outside the plot area, so it can never cover the trace.
    """
    lo, hi = RISE_WINDOW_S
    swatch = "&nbsp;&#9608;&#9608;&nbsp;"
    parts = (
        (_style.WINDOW_BRUSH_EDGE, swatch, f"peak due here ({lo:g}–{hi:g} s after onset)"),
        (_style.ONSET_COLOUR, "&#9476;", "onset"),
        (_style.PEAK_COLOUR, "&#9660;", "peak"),
        (_style.BREAK_COLOUR, "&#9474;&#9679;", "break (the limb yielded)"),
        (_style.FORCE_PEN, "&#9472;&#9472;", "force as read"),
        (_style.GAP_BRUSH_EDGE, swatch, "gap (no samples)"),
    )
    # an entry never wraps inside itself, only between entries
    return "&nbsp;&nbsp; ".join(
        f"<span style='color:{colour}; font-weight:bold'>{mark}</span>&nbsp;"
        + text.replace(" ", "&nbsp;")
        for colour, mark, text in parts
    )
