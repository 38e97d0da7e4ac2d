"""What the therapist watches during a test: banner, force plot, big readout.

The display timer is the only thing that reads the ring buffer; its slot
hands the visible part to ``setData``, places the markers of the engine's
events since the last frame (a burst of events costs one repaint) and sets
the readout text. Verdict and guidance follow the model's signals.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui import _style
from gui._guidance import RISE_WINDOW_S, Rise, classify_rise
from gui._live_model import LiveTestModel, RunState
from gui._options import DisplayOptions
from gui._plot import ForcePlot, legend_html
from gui._scroll import XWindow, YSpan
from gui._units import format_force, scale
from nkt_dyno.engine import Break, BreakWithdrawn, EffortResult, Peak
from nkt_dyno.summary import gap_note, informative_ratio, verdict_line

FRAME_MS = 30
"""Display timer period: about 33 frames/s, above the 30 fps target at a modest CPU cost."""

HIDDEN = "—"

READY = "READY · press Space to start a test"
NO_SOURCE = "NO DEVICE · connect one to start a test"

_RISE_COLOUR = {Rise.TOO_FAST: "#c62828", Rise.IN_RANGE: "#2e7d32", Rise.TOO_SLOW: "#ef6c00"}


class _Figure(QWidget):
    """A caption over a value: the readout's building block.

    With ``widest`` the value label has a fixed size, that of this text:
    a label of fixed size changing its text repaints itself only, where a
    resizable one makes Qt lay out the whole window again -- every frame,
    for the force readout (most of the live view's cost before).
    """

    def __init__(
        self, caption: str, size: int, widest: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.caption = QLabel(caption.upper())
        self.caption.setFont(_style.font(9, bold=True))
        self.caption.setStyleSheet("color: #607d8b; letter-spacing: 1px;")
        self.value = QLabel(HIDDEN)
        self.value.setFont(_style.font(size, bold=True, mono=True))
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.value.setStyleSheet("color: #263238;")
        layout.addWidget(self.caption)
        if widest is None:
            layout.addWidget(self.value)
        else:
            metrics = QFontMetrics(self.value.font())
            self.value.setFixedSize(metrics.horizontalAdvance(widest) + 4, metrics.height())
            layout.addWidget(self.value, 0, Qt.AlignmentFlag.AlignRight)


class TestView(QWidget):
    """Banner on top, plot with the readout beside it; bound to one model.

    ``honour_blinding`` is false for the replay screen, where the therapist
    looks back at a finished test and nothing needs hiding.
    """

    def __init__(
        self,
        model: LiveTestModel,
        options: DisplayOptions,
        *,
        honour_blinding: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.options = options
        self.honour_blinding = honour_blinding
        self._drawn = -1
        self._x = XWindow()
        self._y = YSpan()
        self._pending: list[Any] = []
        self._idle = NO_SOURCE
        self._build()
        model.stateChanged.connect(self._on_state)
        model.eventAdded.connect(self._on_event)
        model.resultChanged.connect(self._on_result)
        model.effortSelected.connect(self._on_selected)
        options.unitChanged.connect(self._on_unit)
        options.blindedChanged.connect(self._on_blinded)
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._refresh)
        self.timer.start()
        self._on_unit(options.unit.value)
        self._on_state(model.state.value)

    # -- layout --------------------------------------------------------
    def _build(self) -> None:
        self.banner = QLabel()
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setFont(_style.font(22, bold=True))
        self.banner.setMinimumHeight(64)
        # a gap in the effort shown, or a device that ended the test early, in words
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setFont(_style.font(11, bold=True))
        self.notice.setStyleSheet(f"color: {_style.NOTICE_COLOUR}; padding: 2px 8px;")
        self.notice.setVisible(False)
        self.plot = ForcePlot()
        self.force = _Figure("force", 44, widest="-000.0")
        # the plot shows the force as read; the engine's figures count from the rest level
        self.peak = _Figure("peak above rest", 26, widest="-0000.0")
        self.ratio = _Figure("break ratio", 26, widest="0.00")
        self.rise = _Figure("examiner's rise", 15)
        self.rise.value.setFont(_style.font(15, bold=True))
        self.rise.value.setWordWrap(True)
        window = QLabel(f"target {RISE_WINDOW_S[0]:g}–{RISE_WINDOW_S[1]:g} s onset → peak")
        window.setStyleSheet("color: #78909c;")
        window.setAlignment(Qt.AlignmentFlag.AlignRight)
        panel = QFrame()
        panel.setFrameShape(QFrame.Shape.StyledPanel)
        panel.setStyleSheet("QFrame { background: #fafafa; }")
        panel.setFixedWidth(270)
        col = QGridLayout(panel)
        col.setContentsMargins(16, 12, 16, 12)
        col.setVerticalSpacing(14)
        for row, w in enumerate((self.force, self.peak, self.ratio, self.rise, window)):
            col.addWidget(w, row, 0)
        col.setRowStretch(5, 1)
        self.legend = QLabel(legend_html())
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet("color: #455a64;")
        plot_column = QVBoxLayout()
        plot_column.addWidget(self.plot, 1)
        plot_column.addWidget(self.legend)
        body = QHBoxLayout()
        body.addLayout(plot_column, 1)
        body.addWidget(panel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.notice)
        layout.addLayout(body, 1)

    # -- display timer ---------------------------------------------------
    def _refresh(self) -> None:
        self._place_markers()
        ring, t0 = self.model.ring, self.model.t0
        if ring.written == self._drawn or t0 is None or self._blinded():
            return
        fresh = min(ring.written - max(self._drawn, 0), len(ring))
        self._drawn = ring.written
        t, f = ring.view()
        k = scale(self.options.unit)
        if self.model.state is RunState.RUNNING:
            if self._x.follow(float(t[-1]) - t0):
                self.plot.setXRange(self._x.lo, self._x.hi, padding=0.0)
            first = int(np.searchsorted(t, t0 + self._x.lo))
            t, f = t[first:], f[first:]
        self.plot.curve.setData(t - t0, f * k)
        new_y = f[-fresh:] * k
        if self._y.grow(float(new_y.min()), float(new_y.max()), 10.0 * k):
            self.plot.setYRange(self._y.lo, self._y.hi, padding=0.0)
        if not self._blinded():
            self.force.value.setText(format_force(float(f[-1]), self.options.unit))

    def _place_markers(self) -> None:
        # events wait for the next frame: one repaint however many arrived
        if not self._pending or self.model.t0 is None:
            return
        events, self._pending = self._pending, []
        self.plot.show_events(events, self.model.t0, scale(self.options.unit))
        peak = next((e for e in reversed(events) if isinstance(e, Peak)), None)
        if peak is not None and not self._blinded():
            self.peak.value.setText(format_force(float(peak.force_n), self.options.unit))

    # -- model and option slots --------------------------------------------
    def _blinded(self) -> bool:
        return (
            self.honour_blinding and self.options.blinded and self.model.state is RunState.RUNNING
        )

    def _on_state(self, state: str) -> None:
        if state == RunState.RUNNING:
            self._drawn = -1
            self._x.reset()
            self._y.reset()
            self._pending = []
            self.plot.clear_markers()
            self.plot.show_gaps([])
            self.plot.curve.setData([], [])
            for fig in (self.force, self.peak, self.ratio, self.rise):
                fig.value.setText(HIDDEN)
        self._apply_blinding()
        self._show_banner()
        if state == RunState.DONE:
            self._drawn = -1
            self._refresh()
            self._show_gaps()
            t, _ = self.model.ring.view()
            if t.size and self.model.t0 is not None:
                self.plot.setXRange(0.0, float(t[-1]) - self.model.t0, padding=0.02)
                self.plot.getPlotItem().enableAutoRange(axis="y")
            if len(self.model.efforts) > 1:
                self._frame_effort()

    def _show_gaps(self) -> None:
        t0 = self.model.t0
        if t0 is None:
            return
        self.plot.show_gaps(
            [(g.start_s - t0, g.start_s + g.length_s - t0) for g in self.model.gaps()]
        )

    def _effort_events(self) -> list[Any]:
        """The selected effort's events (all events before the first effort opens)."""
        if self.model.selected is None:
            return self.model.events
        return self.model.efforts[self.model.selected].events

    def _on_selected(self, _index: int) -> None:
        """Another effort is shown: only its markers, its figures, its verdict."""
        self._pending = []
        self.plot.clear_markers()
        if self.model.t0 is not None:
            self.plot.show_events(self._effort_events(), self.model.t0, scale(self.options.unit))
        if self.model.state is RunState.DONE and len(self.model.efforts) > 1:
            self._frame_effort()
        self._show_figures()
        self._show_banner()

    def _frame_effort(self) -> None:
        """Zoom the time axis onto the selected effort, with a little rest either side."""
        events, t0 = self._effort_events(), self.model.t0
        if not events or t0 is None:
            return
        first, last = float(events[0].t) - t0, float(events[-1].t) - t0
        self.plot.setXRange(max(0.0, first - 1.5), last + 1.5, padding=0.0)

    def _on_event(self, event: Any) -> None:
        self._pending.append(event)
        if isinstance(event, Break | BreakWithdrawn):  # the banner says a break is marked
            self._show_banner()

    def _on_result(self, result: EffortResult | None) -> None:
        self._show_banner()
        self._show_figures()

    def _on_unit(self, unit: str) -> None:
        self.plot.set_unit_label(unit)
        for fig in (self.force, self.peak):
            fig.caption.setText(f"{fig.caption.text().split(' (')[0]} ({unit})")
        self._drawn = -1
        self._y.reset()
        self._pending = list(self._effort_events())
        self._refresh()
        self._show_figures()
        self._show_banner()

    def _on_blinded(self, _blinded: bool) -> None:
        self._apply_blinding()
        self._show_banner()

    def _apply_blinding(self) -> None:
        hidden = self._blinded()
        self.plot.curve.setVisible(not hidden)
        self.plot.set_markers_visible(not hidden)
        if hidden:
            for fig in (self.force, self.peak, self.ratio, self.rise):
                fig.value.setText(HIDDEN)
        else:
            self._show_figures()

    def set_idle_text(self, text: str) -> None:
        """What the banner says before a test: ready, or why a test cannot start yet."""
        self._idle = text
        self._show_banner()

    # -- text ------------------------------------------------------------
    def _show_figures(self) -> None:
        if self._blinded():
            return
        unit = self.options.unit
        peak = next((e for e in reversed(self._effort_events()) if isinstance(e, Peak)), None)
        result = self.model.result
        if result is not None:
            peak_n = result.peak_n
            self.peak.value.setText(HIDDEN if peak_n is None else format_force(peak_n, unit))
        elif peak is not None:
            self.peak.value.setText(format_force(float(peak.force_n), unit))
        last = self.model.ring.last()
        if last is not None:
            self.force.value.setText(format_force(last[1], unit))
        if result is None:
            return
        ratio = informative_ratio(result.to_dict())
        self.ratio.value.setText(HIDDEN if ratio is None else f"{ratio:.2f}")
        ttp = result.time_to_peak_s
        if ttp is None:
            self.rise.value.setText(HIDDEN)
            return
        rise = classify_rise(ttp)
        slope = result.rise_slope_n_per_s
        slope_txt = "" if slope is None else f"\n{format_force(slope, unit)} {unit}/s"
        self.rise.value.setText(f"{ttp:.1f} s · {rise.value}{slope_txt}")
        self.rise.value.setStyleSheet(f"color: {_RISE_COLOUR[rise]};")

    def _show_banner(self) -> None:
        key, text = self._banner_text()
        bg, fg = _style.BANNER[key]
        self.banner.setText(text)
        self.banner.setStyleSheet(f"background: {bg}; color: {fg}; padding: 8px;")
        self._show_notice()

    def _show_notice(self) -> None:
        """Why the effort shown is not whole: its gap, or the device that ended the test."""
        result, done = self.model.result, self.model.state is RunState.DONE
        note = "" if result is None or self._blinded() else gap_note(result.to_dict())
        if not note and done and self.model.cut is not None:
            note = f"test ended early: {self.model.cut}"
        self.notice.setText(note)
        self.notice.setVisible(bool(note))

    def _banner_text(self) -> tuple[str, str]:
        state, result = self.model.state, self.model.result
        if state is RunState.IDLE:
            return "ready", self._idle
        if state is RunState.RUNNING and result is None:
            if self._blinded():
                return "blinded", "BLINDED · recording"
            marks = [e for e in self._effort_events() if isinstance(e, Break | BreakWithdrawn)]
            if marks and isinstance(marks[-1], Break):
                return "running", "TESTING… · break marked, the effort is not over yet"
            return "running", "TESTING…"
        if result is None:
            return "none", "NO EFFORT DETECTED"
        text = verdict_line(result.to_dict(), self.options.unit)
        if "gap" in result.flags:
            text += " · GAP"
        efforts, selected = len(self.model.efforts), self.model.selected
        if efforts > 1 and selected is not None:
            text = f"effort {selected + 1} of {efforts} · {text}"
        return (result.verdict if result.verdict in _style.BANNER else "none"), text
