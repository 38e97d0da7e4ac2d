"""The clinical session of test_clinical_session_e2e.py through the GUI: a therapist tags
each simulated test with the patient position and lever arm and enters the client's sex,
birth year and body mass; the session screen shows the reference comparison, and the export
bar's own file dialogs write the report (A4 or Letter PDF), the clinic CSV and FHIR bundle."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from _gui_support import (  # noqa: F401  (the *_fixture names are pytest fixtures)
    TIMEOUT_MS,
    loop_fixture,
    store_fixture,
    window_fixture,
)
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot
from test_clinical_session_e2e import (
    CITATION,
    assert_clinical_report,
    pdf_pages,
    reference_folder,
    text_of,
)

from gui._live_model import RunState
from gui._simulation import synthetic_trace
from gui._sources import ReplaySource
from gui._window import MainWindow
from nkt_dyno.clinic.norms import REFERENCES_VAR
from nkt_dyno.store import Store, save_recording


def test_a_simulated_session_through_the_gui(
    qtbot: QtBot,
    window: MainWindow,
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(REFERENCES_VAR, str(reference_folder(tmp_path / "refs")))
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(days=28)
    store.add_client("Ann")
    save_recording(store, synthetic_trace("hold", seed=9, rate_hz=200.0), client="Ann",
                   muscle="quadriceps", side="L", condition="baseline", test="make",
                   recorded=earlier.isoformat())  # fmt: skip
    tagging = window.tagging
    tagging.client.setCurrentText("Ann")
    assert tagging.sex.currentText() == "not given" and tagging.body_mass.text() == ""
    tagging.sex.setCurrentText("female")
    tagging.birth_year.setText("1980")
    tagging.body_mass.setText("64")
    tagging.test.setCurrentIndex(tagging.test.findData("make"))
    tagging.lever_arm.setText("0.35")
    for seed, (muscle, side, position) in enumerate(
        (("quadriceps", "L", "seated"), ("quadriceps", "R", "seated"),
         ("hamstrings", "L", "prone"), ("hamstrings", "R", "prone")),
        start=1,
    ):  # fmt: skip
        trace = synthetic_trace("hold", seed=seed, rate_hz=200.0)
        window.live.set_source(lambda t=trace: ReplaySource(t, None), "synthetic hold")
        window.live.toggle()
        qtbot.waitUntil(lambda: window.live_model.state is RunState.DONE, timeout=TIMEOUT_MS)
        tagging.muscle.setText(muscle)
        tagging.side_group.button(("L", "R", "both").index(side)).setChecked(True)
        tagging.patient_position.setCurrentText(position)
        tagging.request_save()
        assert tagging.status.text().startswith("saved as test #"), tagging.status.text()
    client = store.find_client("Ann")
    assert (client.sex, client.birth_year) == ("female", 1980)
    session = window.session
    tests = store.tests(session.session_id or 0)
    assert [t.context.patient_position for t in tests] == ["seated", "seated", "prone", "prone"]
    assert all(t.context.lever_arm_m == 0.35 for t in tests)
    metadata = store.load_trace(tests[2].id).metadata
    assert (metadata["patient_position"], metadata["lever_arm_m"]) == ("prone", "0.35")
    mass = store.body_mass_at(client.id, tests[0].recorded)
    assert mass is not None and mass.kg == 64.0
    balance = text_of(session.balance.text())
    first = tests[0].analysis.peak_n  # type: ignore[union-attr]
    assert first is not None
    n_per_kg = first / 64.0
    assert f"{100 * n_per_kg / 0.8:.0f} % of predicted, z {(n_per_kg - 0.8) / 0.2:+.1f}" in (
        balance
    )
    assert CITATION in balance and "16 %" in balance
    # The full report through the export bar's own dialog, as PDF on A4.
    exports = session.exports
    exports.report_button.click()
    dialog = exports.dialog
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    dialog.selectNameFilter("PDF on A4 paper (*.pdf)")
    dialog.selectFile(str(tmp_path / "visit"))
    dialog.accept()
    pdf = tmp_path / "visit.pdf"
    assert exports.status.text() == "written: visit.pdf", exports.status.text()
    html = exports.export_report(tmp_path / "visit.html")
    assert html is not None
    assert_clinical_report(html.read_text("utf-8"), pdf, first)
    # 200 samples/s: the 0-50 ms RFD is given.
    assert re.search(r"RFD 0–50 ms [\d.]+ N/s", text_of(html.read_text("utf-8")))


def test_export_bar_writes_each_format_and_says_why_one_fails(
    qtbot: QtBot, window: MainWindow, store: Store, tmp_path: Path
) -> None:
    pytest.importorskip("fhir.resources")
    store.add_client("Ann")
    save_recording(store, synthetic_trace("hold", seed=3, rate_hz=200.0), client="Ann",
                   muscle="quadriceps", side="L", condition="baseline")  # fmt: skip
    session = window.session
    session.show_session(store, store.sessions()[0].id)
    exports = session.exports
    sid = session.session_id
    for button, folder, name in (
        (exports.clinic_button, tmp_path / "clinic", f"session-{sid}-tests.csv"),
        (exports.fhir_button, tmp_path / "fhir", f"session-{sid}-fhir.json"),
        (exports.csv_button, tmp_path / "csv", f"session-{sid}-summary.csv"),
    ):
        folder.mkdir()
        button.click()
        dialog = exports.dialog
        assert dialog is not None and dialog.fileMode() is QFileDialog.FileMode.Directory
        dialog.selectFile(str(folder))
        dialog.accept()
        assert (folder / name).is_file(), exports.status.text()
        assert exports.status.text().startswith(f"written: {name}")
    exports.report_button.click()
    dialog = exports.dialog
    assert dialog is not None
    dialog.selectNameFilter("PDF on Letter paper (*.pdf)")
    dialog.selectFile(str(tmp_path / "letter.pdf"))
    dialog.accept()
    (page, *_) = pdf_pages(tmp_path / "letter.pdf")
    assert page == pytest.approx((612.0, 792.0), abs=1)
    # A folder that cannot be written: said in the bar, in red; nothing else changes.
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a folder")
    before = store.tests(sid or 0)
    assert exports.export_clinic_csv(blocked) is None
    assert exports.status.text().startswith("Clinic CSV not written: ")
    assert "#c62828" in exports.status.styleSheet()
    assert exports.export_report(blocked / "r.pdf") is None
    assert exports.status.text().startswith("Report not written: ")
    assert store.tests(sid or 0) == before and blocked.read_text() == "a file, not a folder"
