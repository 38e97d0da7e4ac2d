"""A session's tests in a table; two or more selected are overlaid at onset.

The first selected test is the reference; each other one is listed with its
change in peak and break ratio and whether that change is beyond the MDC
(:mod:`gui._compare`). Figures come from the stored engine analysis. The
session exports as a short Qt PDF, as CSV (the store's export) and as the
clinic's full report. One selected test can be corrected beside the table
(:mod:`gui._corrections`): its tags, its session, deleted and restored.
"""

from __future__ import annotations

import datetime as dt
import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui import _style
from gui._compare import Difference, differences, reference_noise
from gui._corrections import CorrectionPanel
from gui._export_bar import ExportBar
from gui._options import DisplayOptions
from gui._progress_view import ProgressView
from gui._units import format_force, scale
from nkt_dyno.clinic import (
    NormsFacts,
    comparison_line,
    examiner_limited,
    ratios,
    side_asymmetries,
    sides_differ,
    trial_spreads,
    usual_max,
    versus_norms,
)
from nkt_dyno.derived import Measure, derived_measures
from nkt_dyno.store import MuscleTest, Store
from nkt_dyno.summary import break_figures, informative_ratio

TEST_COLUMNS = (
    "#",
    "time",
    "muscle",
    "side",
    "condition",
    "engine",
    "therapist",
    "peak",
    "break",
    "measures",
)
DIFF_COLUMNS = ("test", "peak", "Δ peak", "Δ %", "Δ ratio", "vs MDC")


def _label(test: MuscleTest) -> str:
    return f"#{test.id} {test.muscle} {test.side} {test.condition}"


def _item(text: str, colour: str | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if colour:
        item.setForeground(QColor(colour))
    return item


def measures_of(store: Store, test: MuscleTest) -> list[Measure]:
    """The test's derived measures with its lever arm and the body mass valid on its day."""
    trace = store.load_trace(test.id)
    mass = store.body_mass_at(test.client_id, test.recorded)
    return derived_measures(
        trace.t,
        trace.force,
        None if test.analysis is None else test.analysis.primary,
        lever_arm_m=test.context.lever_arm_m,
        body_mass_kg=None if mass is None else mass.kg,
    )


_WARN = "#c62828"


def balance_html(store: Store, session_id: int, norms: NormsFacts | None = None) -> str:
    """Trial CVs, limb symmetry and agonist/antagonist ratios of the session, in a few lines;
    red where a warning or a difference beyond the MDC95 is. Then any test's comparison with
    a published reference, where ``norms`` gives the facts one needs (nothing otherwise)."""
    session = store.get_session(session_id)
    tests = store.tests(session_id)

    def span(text: str, warn: bool) -> str:
        escaped = html.escape(text, quote=False)
        return f"<span style='color:{_WARN}'>{escaped}</span>" if warn else escaped

    lines = []
    spreads = [
        span(f"{s.muscle} {s.side} {s.condition} CV {s.cv_pct:.1f} %", bool(s.warning))
        for s in trial_spreads(tests)
    ]
    if spreads:
        lines.append("<b>Trials</b> (CV above 15 %: variable, 20 %: repeat): " + ", ".join(spreads))
    sides = [
        span(
            f"{a.result.muscle} LSI {a.result.lsi_pct:.0f} %"
            + (" beyond MDC" if a.result.flagged else ""),
            a.result.flagged,
        )
        for a in side_asymmetries(store, session, tests)
    ]
    if sides:
        lines.append("<b>Left/right</b>: " + ", ".join(sides))
    found = ratios(store, session, tests)
    shown = []
    for r in found:
        other = next(
            (o for o in found if o.pair == r.pair and {o.side, r.side} == {"L", "R"}), None
        )
        differ = other is not None and sides_differ(r, other)
        shown.append(span(f"{r.pair} {r.side} {r.ratio:.2f}", differ))
    if shown:
        lines.append("<b>Ratios</b> (red: sides differ beyond MDC): " + ", ".join(shown))
    if session.examiner_id is not None:
        usual = usual_max(store, session.examiner_id, until=session.started)
        limited = [f"#{t.id}" for t in tests if examiner_limited(t, usual)]
        if limited and usual is not None:
            lines.append(
                span(
                    f"Examiner-limited? {', '.join(limited)}: holds at this examiner's usual "
                    f"maximum ({usual.force_n:.0f} N); the examiner may have set the limit, "
                    "repeat with belt fixation",
                    True,
                )
            )
    lines += references_html(store, session_id, norms or NormsFacts())
    return "<br>".join(lines)


def references_html(store: Store, session_id: int, norms: NormsFacts) -> list[str]:
    """One line per test compared with a published reference; none where nothing matched."""
    session = store.get_session(session_id)
    client = store.get_client(session.client_id)
    lines = []
    for test in store.tests(session_id):
        mass = store.body_mass_at(test.client_id, test.recorded)
        result = versus_norms(test, client, None if mass is None else mass.kg, norms)
        if result.comparison is not None:
            line = comparison_line(result.comparison, norms.table)
            lines.append(f"<b>Reference</b> {html.escape(_label(test))}: {html.escape(line)}")
    return lines


SHOWN = ("torque_nm", "n_per_kg", "rfd_0_200_n_per_s")
"""The measures the table shows; the tooltip lists every one, or why it is not given."""


def _measures_item(store: Store, test: MuscleTest) -> QTableWidgetItem:
    measures = measures_of(store, test)
    digits = {"torque_nm": 1, "n_per_kg": 2, "rfd_0_200_n_per_s": 0}
    shown = [
        f"{m.value:.{digits[m.key]}f} {m.unit}"
        for m in measures
        if m.key in SHOWN and m.value is not None
    ]
    item = _item(" · ".join(shown) or "—")
    item.setToolTip("\n".join(f"{m.label}: {m.text(2)}" for m in measures))
    return item


_VERDICT_COLOUR = {"hold": "#2e7d32", "break": "#c62828", "inconclusive": "#b28704"}


class SessionScreen(QWidget):
    """Table of tests, overlay plot and differences; ``replayRequested`` opens one."""

    replayRequested = Signal(int)

    def __init__(self, options: DisplayOptions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.options = options
        self.store: Store | None = None
        self.session_id: int | None = None
        # What stands in for the store's facts in a reference comparison, and the table.
        self.norms = NormsFacts()
        self._tests: list[MuscleTest] = []
        self.title = QLabel("No session yet: save a test to start one")
        self.title.setFont(_style.font(14, bold=True))
        self.table = QTableWidget(0, len(TEST_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(TEST_COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.replay_button = QPushButton("Replay selected")
        self.replay_button.clicked.connect(self._replay)
        self.exports = ExportBar(options)
        self.progress = ProgressView()
        self.balance = QLabel()
        self.balance.setTextFormat(Qt.TextFormat.RichText)
        self.balance.setWordWrap(True)
        self.corrections = CorrectionPanel()
        self.corrections.setFixedWidth(340)
        self.corrections.changed.connect(self.refresh)
        self.plot = pg.PlotWidget(background="w")
        item = self.plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setLabel("bottom", "time from onset", units="s")
        item.setMenuEnabled(False)
        item.hideButtons()
        # the key sits under the plot, never over the traces it names
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.diff = QTableWidget(0, len(DIFF_COLUMNS))
        self.diff.setHorizontalHeaderLabels(list(DIFF_COLUMNS))
        self.diff.verticalHeader().setVisible(False)
        self.diff.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.diff.verticalHeader().setDefaultSectionSize(30)
        self.note = QLabel("Select two or more tests to overlay them.")
        self.note.setStyleSheet("color: #607d8b;")
        self.note.setWordWrap(True)
        self._build()
        options.unitChanged.connect(lambda _u: self.refresh())

    def _build(self) -> None:
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.replay_button)
        top_layout.addLayout(head)
        row = QHBoxLayout()
        row.addWidget(self.table, 1)
        row.addWidget(self.corrections)
        top_layout.addLayout(row)
        top_layout.addWidget(self.balance)
        top_layout.addWidget(self.exports)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.plot, 1)
        bottom_layout.addWidget(self.legend)
        bottom_layout.addWidget(self.diff)
        bottom_layout.addWidget(self.note)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.addWidget(self.progress)
        split.setSizes([260, 400, 200])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

    # -- data ------------------------------------------------------------
    def show_session(self, store: Store, session_id: int) -> None:
        if store is not self.store:
            self.corrections.attach_store(store)
        self.store, self.session_id = store, session_id
        self.exports.set_session(store, session_id)
        self.exports.norms = self.norms
        self.refresh()

    def refresh(self) -> None:
        """Reload the session's tests (after a save, or a unit change)."""
        if self.store is None or self.session_id is None:
            return
        session = self.store.get_session(self.session_id)
        client = self.store.get_client(session.client_id)
        started = dt.datetime.fromisoformat(session.started).astimezone()
        self.title.setText(
            f"Session {session.id} · {client.name} · {started.strftime('%d %b %Y, %H:%M')}"
        )
        selected = set(self.selected_ids())
        self._tests = self.store.tests(self.session_id)
        unit = self.options.unit
        self.table.blockSignals(True)
        self.table.clearSelection()  # a row that now holds another test stays unselected
        self.table.setRowCount(len(self._tests))
        peak_header = self.table.horizontalHeaderItem(TEST_COLUMNS.index("peak"))
        assert peak_header is not None  # every column got its item with the labels
        peak_header.setText(f"peak ({unit.value})")
        for row, test in enumerate(self._tests):
            a = test.analysis
            verdict = a.verdict if a else "—"
            cells = (
                _item(str(test.id)),
                _item(test.recorded[11:19]),
                _item(test.muscle),
                _item(test.side),
                _item(
                    test.condition
                    + (f" → {test.challenge_target}" if test.challenge_target else "")
                ),
                _item(verdict, _VERDICT_COLOUR.get(verdict)),
                _item(
                    test.therapist_verdict or "—", _VERDICT_COLOUR.get(test.therapist_verdict or "")
                ),
                _item(format_force(a.peak_n, unit) if a and a.peak_n is not None else "—"),
                _item(break_figures(None if a is None else a.primary) or "—"),
                _measures_item(self.store, test),
            )
            for col, cell in enumerate(cells):
                self.table.setItem(row, col, cell)
            if test.id in selected:
                self.table.selectRow(row)
        self.table.blockSignals(False)
        self.balance.setText(balance_html(self.store, session.id, self.norms))
        self.progress.show_session(self.store, session.id)
        self._on_selection()

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [self._tests[r].id for r in rows if r < len(self._tests)]

    def select(self, test_ids: list[int]) -> None:
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for row, test in enumerate(self._tests):
            if test.id in test_ids:
                self.table.selectRow(row)
        self.table.setSelectionMode(mode)

    # -- overlay ---------------------------------------------------------
    def _on_selection(self) -> None:
        ids = self.selected_ids()
        tests = [t for t in self._tests if t.id in ids]
        self.replay_button.setEnabled(len(tests) == 1)
        self.corrections.show_test(tests[0] if len(tests) == 1 else None)
        self.plot.getPlotItem().clear()
        self.legend.clear()
        self.diff.setRowCount(0)
        if len(tests) < 2 or self.store is None:
            self.note.setText("Select two or more tests to overlay them (aligned at onset).")
            return
        k = scale(self.options.unit)
        self.plot.getPlotItem().setLabel("left", f"force above rest ({self.options.unit.value})")
        keys = []
        for i, test in enumerate(tests):
            colour = _style.OVERLAY_COLOURS[i % len(_style.OVERLAY_COLOURS)]
            if self._overlay(test, colour, k):
                keys.append(
                    f"<span style='color:{colour}; font-weight:bold'>&#9472;&#9472;</span>"
                    f"&nbsp;{html.escape(_label(test))}"
                )
        self.legend.setText("&nbsp;&nbsp;&nbsp;&nbsp;".join(keys))
        ref, *others = tests
        noise = reference_noise(self.store, ref)
        rows = differences(
            (_label(ref), *self._figures(ref)),
            [(_label(t), *self._figures(t)) for t in others],
            None if noise is None else noise.mdc_n,
        )
        self._show_differences(rows)
        why = "no MDC: the reference has no peak" if noise is None else noise.note
        self.note.setText(f"Reference: {_label(ref)}. {why}.")

    def _figures(self, test: MuscleTest) -> tuple[float | None, float | None]:
        a = test.analysis
        return (None, None) if a is None else (a.peak_n, informative_ratio(a.primary))

    def _overlay(self, test: MuscleTest, colour: str, k: float) -> bool:
        """Draw the test aligned at its onset; False when it has no onset to align on."""
        assert self.store is not None
        effort = None if test.analysis is None else test.analysis.primary
        if effort is None or effort.get("onset_s") is None:
            return False
        trace = self.store.load_trace(test.id)
        onset = float(effort["onset_s"])
        # the engine's figures give the rest level: force at onset minus its rise above rest
        rest = float(np.interp(onset, trace.t, trace.force)) - float(
            effort.get("start_force_n") or 0.0
        )
        curve = self.plot.plot(
            trace.t - onset,
            (trace.force - rest) * k,
            pen=pg.mkPen(colour, width=2),
        )
        curve.setClipToView(True)
        curve.setDownsampling(auto=True, method="peak")
        return True

    def _show_differences(self, rows: list[Difference]) -> None:
        unit = self.options.unit
        self.diff.setRowCount(len(rows))
        header = self.diff.horizontalHeader().sizeHint().height()
        self.diff.setFixedHeight(header + 4 + 30 * max(1, len(rows)))
        for r, d in enumerate(rows):
            verdict = (
                "—" if d.beyond_mdc is None else ("beyond MDC" if d.beyond_mdc else "within MDC")
            )
            mdc = "" if d.mdc_n is None else f" (±{format_force(d.mdc_n, unit)} {unit.value})"
            cells = (
                _item(d.label),
                _item("—" if d.peak_n is None else format_force(d.peak_n, unit)),
                _item("—" if d.delta_peak_n is None else f"{d.delta_peak_n * scale(unit):+.1f}"),
                _item("—" if d.delta_peak_pct is None else f"{d.delta_peak_pct:+.0f} %"),
                _item("—" if d.delta_ratio is None else f"{d.delta_ratio:+.2f}"),
                _item(verdict + mdc, "#c62828" if d.beyond_mdc else "#607d8b"),
            )
            for c, cell in enumerate(cells):
                self.diff.setItem(r, c, cell)

    def _replay(self) -> None:
        ids = self.selected_ids()
        if len(ids) == 1:
            self.replayRequested.emit(ids[0])
