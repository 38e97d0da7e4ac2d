"""Exporting the session on screen: a short Qt PDF, the store's files, the clinic's report.

Each format has one owner: the CSV files, the clinic-shaped CSV and the FHIR
bundle are the store's exports, the full report (HTML, or PDF on A4 or
Letter through Qt's text engine) is :mod:`nkt_dyno.clinic`'s, and only the
one-page summary is drawn here (:mod:`gui._session_pdf`). A button opens a
file dialog (Qt's own, so it looks alike everywhere); the chosen place goes
to the method that writes there. A failure is said in the bar, in red, and
changes nothing: the store is only read, and no file is half written.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from gui._options import DisplayOptions
from gui._session_pdf import write_session_pdf
from nkt_dyno.clinic import NormsFacts, QtUnavailableError, build_report, render_html, write_pdf
from nkt_dyno.clinic._pdf import Paper
from nkt_dyno.files import write_private
from nkt_dyno.store import Store, StoreError, export_clinic_csv, export_fhir, export_session

REPORT_FILTERS: dict[str, Paper | None] = {
    "PDF on A4 paper (*.pdf)": "A4",
    "PDF on Letter paper (*.pdf)": "Letter",
    "HTML (*.html)": None,
}
"""The full report's formats as the save dialog offers them, and the PDF's paper."""
_FAILURES = (OSError, ValueError, StoreError, QtUnavailableError)


class ExportBar(QWidget):
    """The export buttons and a line saying what was written where, or why not."""

    def __init__(self, options: DisplayOptions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.options = options
        self.store: Store | None = None
        self.session_id: int | None = None
        self.norms = NormsFacts()
        """What the report compares with (the session screen shares its own)."""
        self.dialog: QFileDialog | None = None
        """The file dialog open now, if any."""
        self.pdf_button = _button(
            "Summary PDF…", "one page: header, table of verdicts, a plot per test", self._ask_pdf
        )
        self.csv_button = _button(
            "CSV…", "summary and traces as CSV files, for spreadsheets", self._ask_csv
        )
        self.clinic_button = _button(
            "Clinic CSV…",
            "one row per test in the columns clinics' strength-analytics tools import",
            self._ask_clinic_csv,
        )
        self.fhir_button = _button(
            "FHIR…",
            "a FHIR R4 Bundle: one Observation per test, UCUM units (needs the fhir extra)",
            self._ask_fhir,
        )
        self.report_button = _button(
            "Full report…",
            "the clinical report: protocol groups, change against noise, reference values, "
            "examiner (PDF on A4 or Letter, or HTML)",
            self._ask_report,
        )
        self.status = QLabel()
        self.status.setWordWrap(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Export"))
        for button in self.buttons():
            row.addWidget(button)
        row.addWidget(self.status, 1)
        self.set_session(None, None)

    def buttons(self) -> tuple[QPushButton, ...]:
        return (
            self.pdf_button,
            self.csv_button,
            self.clinic_button,
            self.fhir_button,
            self.report_button,
        )

    def set_session(self, store: Store | None, session_id: int | None) -> None:
        self.store, self.session_id = store, session_id
        for button in self.buttons():
            button.setEnabled(session_id is not None)

    # -- the exports -------------------------------------------------------------
    def export_pdf(self, path: str | os.PathLike[str]) -> Path | None:
        return self._write(
            "Summary PDF", lambda s, i: [write_session_pdf(s, i, path, self.options.unit)]
        )

    def export_csv(self, folder: str | os.PathLike[str]) -> list[Path]:
        return self._write_all("CSV", lambda s, i: export_session(s, i, folder, fmt="csv"))

    def export_clinic_csv(self, folder: str | os.PathLike[str]) -> Path | None:
        return self._write("Clinic CSV", lambda s, i: [export_clinic_csv(s, i, folder)])

    def export_fhir(self, folder: str | os.PathLike[str]) -> Path | None:
        return self._write("FHIR bundle", lambda s, i: [export_fhir(s, i, folder)])

    def export_report(
        self, path: str | os.PathLike[str], *, paper: Paper | None = None
    ) -> Path | None:
        """The clinic's report: PDF on ``paper`` (default A4) if ``path`` ends in .pdf or
        a paper is given, else HTML."""

        def write(store: Store, session_id: int) -> list[Path]:
            report = build_report(store, session_id, norms=self.norms)
            out = Path(path)
            if paper is not None or out.suffix.lower() == ".pdf":
                pdf = write_pdf(report, out, paper=paper or "A4")
                os.chmod(pdf, 0o600)  # the report names the client
                return [pdf]
            write_private(out, render_html(report))
            return [out]

        return self._write("Report", write)

    def _write_all(self, what: str, write: Callable[[Store, int], list[Path]]) -> list[Path]:
        if self.store is None or self.session_id is None:
            return []
        try:
            paths = write(self.store, self.session_id)
        except _FAILURES as exc:
            self.status.setText(f"{what} not written: {exc}")
            self.status.setStyleSheet("color: #c62828;")
            return []
        self.status.setText("written: " + ", ".join(p.name for p in paths))
        self.status.setToolTip("\n".join(str(p) for p in paths))
        self.status.setStyleSheet("color: #607d8b;")
        return paths

    def _write(self, what: str, write: Callable[[Store, int], list[Path]]) -> Path | None:
        paths = self._write_all(what, write)
        return paths[0] if paths else None

    # -- dialogs -----------------------------------------------------------------
    def _name(self, suffix: str) -> str:
        return f"session-{self.session_id}{suffix}"

    def _open(
        self,
        title: str,
        on_chosen: Callable[[QFileDialog, str], object],
        *,
        name: str = "",
        filters: tuple[str, ...] = (),
    ) -> QFileDialog:
        """A non-blocking Qt file dialog: a save dialog for ``name``, a folder one without."""
        dialog = QFileDialog(self, title)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        if name:
            dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            dialog.setNameFilters(list(filters))
            dialog.selectFile(name)
        else:
            dialog.setFileMode(QFileDialog.FileMode.Directory)
            dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(lambda chosen: on_chosen(dialog, chosen))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _ask_pdf(self) -> None:
        self._open(
            "Session summary",
            lambda _d, p: self.export_pdf(p),
            name=self._name("-summary.pdf"),
            filters=("PDF (*.pdf)",),
        )

    def _ask_csv(self) -> None:
        self._open("Folder for the CSV files", lambda _d, p: self.export_csv(p))

    def _ask_clinic_csv(self) -> None:
        self._open("Folder for the clinic CSV", lambda _d, p: self.export_clinic_csv(p))

    def _ask_fhir(self) -> None:
        self._open("Folder for the FHIR bundle", lambda _d, p: self.export_fhir(p))

    def _ask_report(self) -> None:
        def chosen(dialog: QFileDialog, path: str) -> None:
            paper = REPORT_FILTERS.get(dialog.selectedNameFilter())
            self.export_report(
                _with_suffix(path, ".html" if paper is None else ".pdf"), paper=paper
            )

        self._open(
            "Session report", chosen, name=self._name("-report.pdf"), filters=tuple(REPORT_FILTERS)
        )


def _with_suffix(path: str, suffix: str) -> Path:
    """``path`` ending in ``suffix``: a report's other suffix replaced, any other kept."""
    out = Path(path)
    if out.suffix.lower() in (".pdf", ".html"):
        return out.with_suffix(suffix)
    return out.with_name(out.name + suffix)


def _button(text: str, tip: str, action: Callable[[], None]) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    button.clicked.connect(action)
    return button
