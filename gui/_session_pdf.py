"""A one-glance session summary as PDF, drawn with Qt's own PDF writer.

Kept short on purpose: header (client, examiner, date), one table of the
tests with the engine's verdict and figures, and a small force-time plot per
test with onset and break marked. The full clinical report (protocol
groups, change against noise, examiner profile) is
:mod:`nkt_dyno.clinic`'s; the session screen offers both.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen

from gui import _style
from gui._units import Unit, format_force, scale
from nkt_dyno.store import MuscleTest, Store
from nkt_dyno.summary import break_figures, verdict_line

PAGE_W, PAGE_H = 523.0, 770.0
"""A4 inside 36 pt margins, in points (the writer runs at 72 dpi)."""
PLOT_W, PLOT_H, GAP = 255.0, 140.0, 13.0
COLUMNS: tuple[tuple[str, float], ...] = (
    ("#", 28),
    ("time", 48),
    ("muscle", 100),
    ("side", 28),
    ("condition", 64),
    ("engine", 62),
    ("therapist", 60),
    ("peak", 55),
    ("break", 75),
)
ROW_H = 15.0
_VERDICT_COLOUR = {"hold": "#2e7d32", "break": "#c62828", "inconclusive": "#b28704"}
PLOT_POINTS = 600
"""Points per plotted trace: enough for a 255 pt wide plot, small files."""


def _font(size: float, *, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSizeF(size)
    f.setBold(bold)
    return f


class _Pages:
    """A painter on the writer with a cursor that moves down and starts new pages."""

    def __init__(self, writer: QPdfWriter) -> None:
        self.writer = writer
        self.painter = QPainter(writer)
        self.y = 0.0

    def need(self, height: float) -> None:
        if self.y + height > PAGE_H:
            self.writer.newPage()
            self.y = 0.0

    def text(self, x: float, w: float, text: str, font: QFont, colour: str = "#263238") -> None:
        self.painter.setFont(font)
        self.painter.setPen(QColor(colour))
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        self.painter.drawText(QRectF(x, self.y, w, ROW_H), int(flags), text)


def write_session_pdf(
    store: Store, session_id: int, path: str | os.PathLike[str], unit: Unit = Unit.N
) -> Path:
    """Write the summary of session ``session_id`` to ``path``; return the path."""
    session = store.get_session(session_id)
    client = store.get_client(session.client_id)
    examiner = (
        store.get_examiner(session.examiner_id).name if session.examiner_id is not None else "—"
    )
    tests = store.tests(session_id)
    writer = QPdfWriter(str(path))
    writer.setResolution(72)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(36, 36, 36, 36),
        )
    )
    writer.setTitle(f"nkt-dyno session {session.id} · {client.name}")
    pages = _Pages(writer)
    try:
        pages.text(0, PAGE_W, f"Session {session.id} · {client.name}", _font(16, bold=True))
        pages.y += 24
        printed = datetime.now().strftime("%Y-%m-%d %H:%M")
        line = f"examiner {examiner} · started {session.started[:16]} · printed {printed}"
        pages.text(0, PAGE_W, line, _font(9), "#607d8b")
        pages.y += 26
        _table(pages, tests, unit)
        pages.y += 16
        _plots(pages, store, tests, unit)
    finally:
        pages.painter.end()
    return Path(path)


def _table(pages: _Pages, tests: list[MuscleTest], unit: Unit) -> None:
    def row(cells: list[str], font: QFont, colour: str = "#263238") -> None:
        pages.need(ROW_H)
        x = 0.0
        for (_, width), cell in zip(COLUMNS, cells, strict=True):
            pages.text(x, width - 3, cell, font, colour)
            x += width
        pages.y += ROW_H

    head = [name if name != "peak" else f"peak ({unit.value})" for name, _ in COLUMNS]
    row(head, _font(8, bold=True), "#607d8b")
    pages.painter.setPen(QPen(QColor("#b0bec5"), 0.5))
    pages.painter.drawLine(QPointF(0, pages.y), QPointF(PAGE_W, pages.y))
    for t in tests:
        a = t.analysis
        cells = [
            str(t.id),
            t.recorded[11:16],
            t.muscle,
            t.side,
            t.condition,
            a.verdict if a else "—",
            t.therapist_verdict or "—",
            format_force(a.peak_n, unit) if a and a.peak_n is not None else "—",
            break_figures(None if a is None else a.primary) or "—",
        ]
        row(cells, _font(8))


def _plots(pages: _Pages, store: Store, tests: list[MuscleTest], unit: Unit) -> None:
    cell_h = 2 * ROW_H + PLOT_H + GAP
    for i, test in enumerate(tests):
        x = 0.0 if i % 2 == 0 else PLOT_W + GAP
        if i % 2 == 0:
            pages.need(cell_h)
        top = pages.y
        pages.text(x, PLOT_W, f"#{test.id} {test.muscle} {test.side} · {test.condition}", _font(8))
        if test.analysis is not None:
            pages.y += ROW_H
            colour = _VERDICT_COLOUR.get(test.analysis.verdict, "#263238")
            line = verdict_line(test.analysis.primary, unit)
            pages.text(x, PLOT_W, line, _font(8, bold=True), colour)
        _plot(pages.painter, QRectF(x, top + 2 * ROW_H, PLOT_W, PLOT_H), store, test, unit)
        pages.y = top + cell_h if i % 2 == 1 or i == len(tests) - 1 else top


def _plot(p: QPainter, box: QRectF, store: Store, test: MuscleTest, unit: Unit) -> None:
    trace = store.load_trace(test.id)
    t = trace.t - trace.t[0]
    f = trace.force * scale(unit)
    step = max(1, t.size // PLOT_POINTS)
    t, f = t[::step], f[::step]
    lo = min(0.0, float(f.min()))
    hi = max(1.1 * float(f.max()), lo + 1.0)
    span_t = float(t[-1]) or 1.0

    def at(tt: float, ff: float) -> QPointF:
        return QPointF(
            box.left() + box.width() * tt / span_t,
            box.bottom() - box.height() * (ff - lo) / (hi - lo),
        )

    p.setPen(QPen(QColor("#cfd8dc"), 0.5))
    p.drawRect(box)
    effort = None if test.analysis is None else test.analysis.primary
    for key, colour in (("onset_s", _style.ONSET_COLOUR), ("break_s", _style.BREAK_COLOUR)):
        value = None if effort is None else effort.get(key)
        if value is not None:
            xm = at(float(value) - float(trace.t[0]), lo).x()
            p.setPen(QPen(QColor(colour), 0.8, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(xm, box.top()), QPointF(xm, box.bottom()))
    p.setPen(QPen(QColor(_style.FORCE_PEN), 1.0))
    p.drawPolyline([at(float(a), float(b)) for a, b in zip(t, f, strict=True)])
    p.setFont(_font(7))
    p.setPen(QColor("#607d8b"))
    p.drawText(box.adjusted(3, 2, -3, -2), int(Qt.AlignmentFlag.AlignTop), f"{hi:.0f} {unit.value}")
    p.drawText(
        QRectF(box.left(), box.bottom(), box.width(), 10),
        int(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight),
        f"{span_t:.1f} s",
    )
