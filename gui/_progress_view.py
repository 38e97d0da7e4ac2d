"""Progress over time on the session screen: one muscle and side across the client's sessions.

The first session's baseline is the reference; the shaded band is its MDC95
(:mod:`nkt_dyno.clinic`'s progress), and each session's point is coloured
by its change: blue stronger, red weaker beyond the band, grey within it.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nkt_dyno.clinic import Progress, progress, tracked
from nkt_dyno.clinic._progress import Quantity
from nkt_dyno.store import Store

QUANTITIES: tuple[tuple[Quantity, str], ...] = (
    ("force", "force (N)"),
    ("torque", "torque (N·m)"),
    ("per_kg", "force per body mass (N/kg)"),
)
CHANGE_COLOURS = {"reference": "#263238", "up": "#1565c0", "down": "#c62828", "within": "#90a4ae"}
BAND_BRUSH = "#e3ecf5"


class ProgressView(QWidget):
    """A chooser of muscle and side and of the quantity, over a pyqtgraph chart."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store: Store | None = None
        self.client_id: int | None = None
        self.until: str | None = None
        self.current: Progress | None = None
        self.band: pg.LinearRegionItem | None = None
        self.muscle = QComboBox()
        self.quantity = QComboBox()
        for value, label in QUANTITIES:
            self.quantity.addItem(label, value)
        self.plot = pg.PlotWidget(background="w")
        item = self.plot.getPlotItem()
        item.showGrid(x=False, y=True, alpha=0.15)
        item.setMenuEnabled(False)
        item.hideButtons()
        item.getAxis("bottom").setLabel("session")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #607d8b;")
        head = QHBoxLayout()
        head.addWidget(QLabel("Progress of"))
        head.addWidget(self.muscle, 1)
        head.addWidget(self.quantity)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.note)
        self.muscle.currentIndexChanged.connect(self.redraw)
        self.quantity.currentIndexChanged.connect(self.redraw)

    def show_session(self, store: Store, session_id: int) -> None:
        """Offer the session's muscles and sides tested at baseline in other sessions too."""
        session = store.get_session(session_id)
        self.store, self.client_id, self.until = store, session.client_id, session.started
        pairs = tracked(store, session.client_id, store.tests(session_id))
        chosen = self.muscle.currentData()
        self.muscle.blockSignals(True)
        self.muscle.clear()
        for muscle, side in pairs:
            self.muscle.addItem(f"{muscle} {side}", (muscle, side))
        if chosen in pairs:
            self.muscle.setCurrentIndex(pairs.index(chosen))
        self.muscle.blockSignals(False)
        self.redraw()

    def redraw(self) -> None:
        item = self.plot.getPlotItem()
        item.clear()
        self.band = None
        chosen = self.muscle.currentData()
        # An empty chart says nothing: the view shows only when there is a progress to draw.
        self.setVisible(chosen is not None)
        if self.store is None or self.client_id is None or chosen is None:
            self.current = None
            self.note.setText("Progress: no muscle of this session was tested at baseline before.")
            return
        muscle, side = chosen
        p = progress(
            self.store,
            self.client_id,
            muscle,
            side,
            quantity=self.quantity.currentData(),
            until=self.until,
        )
        self.current = p
        if not p.visits:
            self.note.setText("No session has the lever arm or body mass this measure needs.")
            return
        x = np.arange(len(p.visits), dtype=float)
        values = np.array([v.value for v in p.visits])
        if p.mdc is not None:
            first = float(values[0])
            self.band = pg.LinearRegionItem(
                (first - p.mdc, first + p.mdc),
                orientation="horizontal",
                movable=False,
                brush=pg.mkBrush(BAND_BRUSH),
                pen=pg.mkPen(None),
            )
            item.addItem(self.band)
        item.addItem(pg.PlotDataItem(x, values, pen=pg.mkPen("#9aa5ad", width=1)))
        brushes = [pg.mkBrush(CHANGE_COLOURS[v.change]) for v in p.visits]
        item.addItem(pg.ScatterPlotItem(x, values, size=10, brush=brushes, pen=None))
        days = [(i, _day(v.started)) for i, v in enumerate(p.visits)]
        item.getAxis("bottom").setTicks([days])
        item.setLabel("left", p.unit)
        item.setXRange(-0.5, len(x) - 0.5)
        left_out = f" {p.skipped} session(s) lack what this measure needs." if p.skipped else ""
        self.note.setText(
            "Band: the first session ± its MDC95; blue stronger, red weaker beyond it. "
            f"{p.note}.{left_out}"
        )
        self.note.setTextFormat(Qt.TextFormat.PlainText)


def _day(stamp: str) -> str:
    return dt.datetime.fromisoformat(stamp).astimezone().strftime("%d %b %y")
