"""The calibration wizard's last page: the fit, its quality and residuals, save, verify.

Every figure is read from the :class:`CalibrationRecord` the procedure
returned; the page only lays them out and asks for the operator's next
move (save, verify with a mass, start again) through its signals.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from calibration import CalibrationRecord, Direction, Verification
from gui import _style

FLAT_FRACTION = 1e-3
"""The residual plot spans at least ±0.1 % of full scale, so a near-perfect fit looks flat."""
NO_CHECK_YET = "Optional: hang a known mass to check the new record."


def figure_rows(record: CalibrationRecord) -> list[tuple[str, str]]:
    """The record's fit and quality figures as (caption, value) pairs."""
    fit, q = record.fit, record.quality

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f} % FS"

    model = "quadratic" if fit.degree == 2 else "straight line"
    return [
        ("model", f"{model}: force = {fit.offset_n:+.3f} N + {fit.gain:.5f} × raw"),
        ("full scale", f"{q.full_scale_n:.1f} N"),
        ("non-linearity", pct(q.nonlinearity_pct_fs)),
        ("hysteresis", pct(q.hysteresis_pct_fs)),
        ("repeatability", pct(q.repeatability_pct_fs)),
        ("residuals", f"rms {q.rms_residual_n:.3f} N, max {q.max_residual_pct_fs:.3f} % FS"),
        ("points", f"{len(record.points)} readings, g = {record.gravity:.5f} m/s²"),
    ]


def verification_text(v: Verification) -> str:
    """One line per check: reading, reference, error, tolerance, PASS or FAIL."""
    pct = "" if v.error_pct is None else f" ({v.error_pct:+.2f} %)"
    verdict = "PASS" if v.passed else "FAIL"
    return (
        f"{v.mass_kg:g} kg: reads {v.reading_n:.2f} N for {v.reference_n:.2f} N, "
        f"error {v.error_n:+.2f} N{pct}, tolerance ±{v.tolerance_n:.2f} N · {verdict}"
    )


class CalibrationResult(QWidget):
    """Figures and residuals of one record; buttons ask to save, verify or start again."""

    saveRequested = Signal(str)
    verifyRequested = Signal(float)
    newRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figures = QLabel()
        self.figures.setTextFormat(Qt.TextFormat.RichText)
        self.figures.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.residual_plot = pg.PlotWidget(background="w")
        item = self.residual_plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setLabel("left", "fit − reference", units="N")
        item.setLabel("bottom", "reference force", units="N")
        item.addLegend(offset=(-10, 10))
        item.addLine(y=0.0, pen=pg.mkPen("#90a4ae"))
        self.record_file = QLineEdit()
        self.save_button = QPushButton("Save record")
        self.save_button.clicked.connect(
            lambda: self.saveRequested.emit(self.record_file.text().strip())
        )
        self.verify_mass = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=500.0, suffix=" kg")
        self.verify_mass.setValue(10.0)
        self.verify_button = QPushButton("Verify with this mass")
        self.verify_button.clicked.connect(
            lambda: self.verifyRequested.emit(self.verify_mass.value())
        )
        self.verdicts = QLabel(NO_CHECK_YET)
        self.verdicts.setWordWrap(True)
        # the answer the user came for: large, coloured, at the top once a check has run
        self.badge = QLabel()
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.badge.setFont(_style.font(20, bold=True))
        self.badge.setMinimumHeight(52)
        self.badge.setVisible(False)
        self.new_button = QPushButton("New calibration")
        self.new_button.clicked.connect(self.newRequested.emit)
        self._build()

    def _build(self) -> None:
        save_row = QHBoxLayout()
        save_row.addWidget(QLabel("Record file"))
        save_row.addWidget(self.record_file, 1)
        save_row.addWidget(self.save_button)
        verify_row = QHBoxLayout()
        verify_row.addWidget(self.verify_mass)
        verify_row.addWidget(self.verify_button)
        verify_row.addStretch(1)
        verify_row.addWidget(self.new_button)
        top = QHBoxLayout()
        top.addWidget(self.figures)
        top.addWidget(self.residual_plot, 1)
        col = QVBoxLayout(self)
        col.addWidget(self.badge)
        col.addLayout(top, 1)
        col.addLayout(save_row)
        col.addLayout(verify_row)
        col.addWidget(self.verdicts)

    def show_record(self, record: CalibrationRecord, path: str) -> None:
        """Show ``record``'s figures and residuals; ``path`` is where saving will write."""
        rows = "".join(
            f"<tr><td style='color:#607d8b; padding-right:12px'>{k}</td><td><b>{v}</b></td></tr>"
            for k, v in figure_rows(record)
        )
        self.figures.setText(f"<table cellspacing='4'>{rows}</table>")
        item = self.residual_plot.getPlotItem()
        for data in item.listDataItems():
            item.removeItem(data)
        item.legend.clear()
        ref = np.array([p.mass_kg * record.gravity for p in record.points])
        res = np.array(record.quality.residuals_n)
        for direction, colour, symbol in (
            (Direction.LOADING, _style.PEAK_COLOUR, "o"),
            (Direction.UNLOADING, _style.BREAK_COLOUR, "t"),
        ):
            mask = np.array([p.direction is direction for p in record.points])
            if mask.any():
                item.plot(
                    ref[mask],
                    res[mask],
                    pen=None,
                    symbol=symbol,
                    symbolSize=11,
                    symbolBrush=colour,
                    name=direction.value,
                )
        span = max(1.3 * float(np.abs(res).max()), FLAT_FRACTION * record.quality.full_scale_n)
        item.setYRange(-span, span, padding=0.0)
        self.record_file.setText(path)
        self.verdicts.setText(NO_CHECK_YET)
        self.verdicts.setStyleSheet("")
        self.badge.setVisible(False)

    def add_verification(self, v: Verification) -> None:
        """Append a check's line under any earlier ones."""
        lines = [] if self.verdicts.text() == NO_CHECK_YET else [self.verdicts.text()]
        self.verdicts.setText("\n".join([*lines, verification_text(v)]))
        self.verdicts.setStyleSheet(f"color: {'#2e7d32' if v.passed else '#c62828'};")
        bg, fg = _style.BANNER["hold" if v.passed else "break"]
        verdict, outcome = ("PASS", "within") if v.passed else ("FAIL", "outside")
        self.badge.setText(f"{verdict} · {v.mass_kg:g} kg read {outcome} ±{v.tolerance_n:.2f} N")
        self.badge.setStyleSheet(f"background: {bg}; color: {fg}; padding: 6px;")
        self.badge.setVisible(True)
