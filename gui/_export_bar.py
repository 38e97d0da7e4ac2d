"""Exporting the session on screen: a short Qt PDF, the store's CSV, the clinic's full report.

Each format has one owner: the CSV files are the store's ``export_session``,
the full report (HTML, or PDF through Qt's text engine) is
:mod:`nkt_dyno.clinic`'s, and only the one-page summary is drawn here
(:mod:`gui._session_pdf`). The buttons ask for a place; the methods take it.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from gui._options import DisplayOptions
from gui._session_pdf import write_session_pdf
from nkt_dyno.clinic import build_report, render_html, write_pdf
from nkt_dyno.store import Store, StoreError, export_session


class ExportBar(QWidget):
    """Three export buttons and a line saying what was written where."""

    def __init__(self, options: DisplayOptions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.options = options
        self.store: Store | None = None
        self.session_id: int | None = None
        self.pdf_button = QPushButton("Summary PDF…")
        self.pdf_button.setToolTip("one page: header, table of verdicts, a plot per test")
        self.pdf_button.clicked.connect(self._ask_pdf)
        self.csv_button = QPushButton("CSV…")
        self.csv_button.setToolTip("summary and traces as CSV files, for spreadsheets")
        self.csv_button.clicked.connect(self._ask_csv)
        self.report_button = QPushButton("Full report…")
        self.report_button.setToolTip(
            "the clinical report: protocol groups, change against noise, examiner (HTML or PDF)"
        )
        self.report_button.clicked.connect(self._ask_report)
        self.status = QLabel()
        self.status.setStyleSheet("color: #607d8b;")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Export"))
        for button in (self.pdf_button, self.csv_button, self.report_button):
            row.addWidget(button)
        row.addWidget(self.status, 1)
        self.set_session(None, None)

    def set_session(self, store: Store | None, session_id: int | None) -> None:
        self.store, self.session_id = store, session_id
        for button in (self.pdf_button, self.csv_button, self.report_button):
            button.setEnabled(session_id is not None)

    # -- the exports -------------------------------------------------------------
    def export_pdf(self, path: str | os.PathLike[str]) -> Path | None:
        if self.store is None or self.session_id is None:
            return None
        return self._done(write_session_pdf(self.store, self.session_id, path, self.options.unit))

    def export_csv(self, folder: str | os.PathLike[str]) -> list[Path]:
        if self.store is None or self.session_id is None:
            return []
        try:
            paths = export_session(self.store, self.session_id, folder, fmt="csv")
        except (OSError, StoreError) as exc:
            self.status.setText(f"CSV not written: {exc}")
            return []
        self._done(*paths)
        return paths

    def export_report(self, path: str | os.PathLike[str]) -> Path | None:
        """The clinic's report: PDF if ``path`` ends in .pdf, else HTML."""
        if self.store is None or self.session_id is None:
            return None
        report = build_report(self.store, self.session_id)
        out = Path(path)
        if out.suffix.lower() == ".pdf":
            return self._done(write_pdf(report, out))
        out.write_text(render_html(report), encoding="utf-8")
        return self._done(out)

    def _done(self, *paths: Path) -> Path:
        self.status.setText("written: " + ", ".join(p.name for p in paths))
        self.status.setToolTip("\n".join(str(p) for p in paths))
        return paths[0]

    # -- dialogs -----------------------------------------------------------------
    def _name(self, suffix: str) -> str:
        return f"session-{self.session_id}{suffix}"

    def _ask_pdf(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Session summary", self._name("-summary.pdf"), "PDF (*.pdf)"
        )
        if path:
            self.export_pdf(path)

    def _ask_csv(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the CSV files")
        if folder:
            self.export_csv(folder)

    def _ask_report(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Session report", self._name("-report.html"), "HTML (*.html);;PDF (*.pdf)"
        )
        if path:
            self.export_report(path)
