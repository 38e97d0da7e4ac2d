"""The printed report as pictures, the documented way its README picture is made, the
gaps a test's block spells out, a clinic's own reference table, and the GUI's client
details: the smaller public parts of the clinical session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_clinical_session_e2e import A4, pdf_pages, reference_folder
from test_store_core import make_trace

from nkt_dyno.clinic import build_report, write_page_pngs, write_pdf
from nkt_dyno.clinic.norms import (
    REFERENCES_VAR,
    NormsError,
    folder_table,
    packaged_table,
    reference_table,
)
from nkt_dyno.context import TestContext
from nkt_dyno.store import Store, analyse
from nkt_dyno.trace import Gap, Trace

ROOT = Path(__file__).resolve().parent.parent


def _session(store: Store, n: int) -> int:
    client = store.add_client("Ann", birth_year=1980, sex="female")
    session = store.start_session(client.id).id
    for seed in range(1, n + 1):
        trace = make_trace(seed)
        store.save_test(session, muscle="quadriceps", side="LR"[seed % 2], condition="baseline",
                        trace=trace, analysis=analyse(trace),
                        context=TestContext(patient_position="seated"))  # fmt: skip
    return session


def test_page_pictures_are_the_pdf_pages(tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    with Store.open(tmp_path / "s.sqlite3") as store:
        report = build_report(store, _session(store, 7))
    pdf = write_pdf(report, tmp_path / "r.pdf")
    pictures = write_page_pngs(report, tmp_path / "pages")
    assert [p.name for p in pictures] == [f"page-{i}.png" for i in range(1, len(pictures) + 1)]
    assert len(pictures) == len(pdf_pages(pdf)) >= 2
    image = QImage(str(pictures[0]))
    # 150 dpi: A4 is 595 x 842 points of 1/72 inch
    assert (image.width(), image.height()) == pytest.approx(
        (A4[0] / 72 * 150, A4[1] / 72 * 150), abs=2
    )
    letter = write_page_pngs(report, tmp_path / "letter", paper="Letter")
    assert QImage(str(letter[0])).height() == pytest.approx(11 * 150, abs=2)
    with pytest.raises(ValueError, match="paper must be one of A4, Letter"):
        write_page_pngs(report, tmp_path / "x", paper="A3")  # type: ignore[arg-type]


def test_the_documented_command_renders_page_one(tmp_path: Path) -> None:
    out, pages = tmp_path / "report.png", tmp_path / "pages"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "docs/render_report.py", "--tests", "3", "--out", str(out),
         "--pages", str(pages)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("3 tests, ") and done.stdout.strip().endswith(f"-> {out}")
    assert out.read_bytes() == (pages / "page-1.png").read_bytes()
    assert "docs/render_report.py" in (ROOT / "README.md").read_text("utf-8")


def test_a_block_spells_out_three_gaps_and_counts_the_rest(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite3") as store:
        session = store.start_session(store.add_client("A").id).id
        test_id = store.save_test(session, muscle="psoas", side="L", condition="baseline",
                                  trace=make_trace(1),
                                  gaps=[Gap(0.1 * i, 0.01, 2) for i in range(1, 6)])  # fmt: skip
        test = store.get_test(test_id)
    assert test.recording_line().count("lost)") == 5
    line = test.recording_line(listed=3)
    assert line.count("lost)") == 3 and line.endswith("; and 2 more (10 samples lost in all)")
    assert test.recording_line(listed=5) == test.recording_line()


def test_a_clinics_own_reference_table_stands_in_for_the_packaged_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(REFERENCES_VAR, raising=False)
    assert reference_table() is packaged_table()
    folder = reference_folder(tmp_path / "refs")
    monkeypatch.setenv(REFERENCES_VAR, str(folder))
    table = reference_table()
    assert [r.ref_id for r in table.references] == ["kq"]
    assert table.references[0].muscle == "quadriceps"
    assert folder_table(str(folder)) is table
    with pytest.raises(NormsError, match=r"holds no reference table: reference_values\.csv, "):
        folder_table(str(tmp_path))


def test_the_tagging_panel_reads_and_records_client_details(qtbot: object, tmp_path: Path) -> None:
    from gui._tagging import ClientDetails, TaggingPanel, apply_client_details

    assert ClientDetails.parse("female", " 1980 ", "64,5") == ClientDetails("female", 1980, 64.5)
    assert ClientDetails.parse("", "", "") == ClientDetails()
    for args, message in (
        (("other", "", ""), "sex must be female or male"),
        (("", "80", ""), "birth year must be a year from 1900 to "),
        (("", "", "640"), "body mass must be in kilograms"),
    ):
        with pytest.raises(ValueError, match=message):
            ClientDetails.parse(*args)
    with Store.open(tmp_path / "s.sqlite3") as store:
        client = store.add_client("Ann")
        changed = apply_client_details(store, "Ann", ClientDetails("female", 1980, 64.0))
        assert changed == ["sex female", "born 1980", "body mass 64 kg today"]
        assert apply_client_details(store, "Ann", ClientDetails("female", 1980, 64.0)) == []
        assert apply_client_details(store, "Ann", ClientDetails()) == []
        assert store.get_client(client.id).sex == "female"
        assert [m.kg for m in store.body_masses(client.id)] == [64.0]
    panel = TaggingPanel()
    qtbot.addWidget(panel)  # type: ignore[attr-defined]
    panel.show_client("male", 1975, 80.5)
    assert panel.details() == ClientDetails("male", 1975, 80.5)
    panel.client.setCurrentText("Ann")
    panel.muscle.setText("quads")
    panel.birth_year.setText("nineteen")
    panel.request_save()
    assert panel.status.text().startswith("birth year must be a year from 1900")
    panel.birth_year.setText("1975")
    panel.patient_position.setCurrentText("prone")
    with qtbot.waitSignal(panel.saveRequested) as saved:  # type: ignore[attr-defined]
        panel.request_save()
    tags = saved.args[0]
    assert tags.context.patient_position == "prone" and tags.details.sex == "male"
    # Position is part of the set-up: it carries on to the next test.
    panel.clear_per_test()
    assert panel.patient_position.currentText() == "prone"


def test_trace_round_trip_keeps_position_metadata(tmp_path: Path) -> None:
    from nkt_dyno.trace import read_trace, write_trace

    path = tmp_path / "t.csv"
    context = TestContext(patient_position="side-lying", lever_arm_m=0.8)
    trace = make_trace(1)
    write_trace(path, Trace(trace.t, trace.force, metadata=context.to_metadata()))
    assert "# patient_position: side-lying\n" in path.read_text()
    assert TestContext.from_metadata(read_trace(path).metadata) == context
