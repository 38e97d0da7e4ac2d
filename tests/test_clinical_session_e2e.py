"""A simulated clinical session end to end through the command line (the GUI's is in
test_gui_clinical_session.py):
tests recorded with lever arm, body mass, patient position and the client's sex, and a
report showing torque, N/kg, the reference comparison with its source and the device
caveat, RFD where the rate allows, an agonist/antagonist ratio and a progress chart, on A4.

The packaged reference table matches no test yet (its rows state no patient position;
see nkt_dyno/clinic/norms/README.md), so the comparison runs against a hand-made table
in a folder, the way a clinic uses its own checked copy (``--references`` or
``$NKT_DYNO_REFERENCES``). Its figures are made up for the test and cited as such.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from pathlib import Path

import pytest

from nkt_dyno.cli import main
from nkt_dyno.clinic.norms import DEVICE_CAVEAT
from nkt_dyno.store import Store, save_recording
from nkt_dyno.trace import read_trace

HEADER = (
    "ref_id,source,where,read_at,action,side,position,method,fixation,device,sex,"
    "age_min,age_max,n,unit,statistic,mean,sd,intercept,coefficients,note"
)
QUADRICEPS = (
    "kq,hand,Table 3,https://example.org/t3,knee extension,,seated,make,,HHD,"
    "female,40,49,30,N/kg,mean_sd,0.8,0.2,,,"
)
"""Women 40-49, seated make knee extension, 0.8 ± 0.2 N/kg: made up for the test."""
CITATION = "Hand-made reference for the end-to-end tests"


def reference_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "reference_values.csv").write_text(f"# version: 1\n{HEADER}\n{QUADRICEPS}\n")
    (folder / "sources.csv").write_text(f'source,citation\nhand,"{CITATION}"\n')
    (folder / "actions.csv").write_text("action,muscle\nknee extension,quadriceps\n")
    return folder


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def pdf_pages(path: Path) -> list[tuple[float, float]]:
    """Each page's size in points, read from the PDF's own MediaBox entries."""
    data = path.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    return [(float(w), float(h)) for w, h in boxes]


A4 = (595.0, 842.0)


def assert_clinical_report(html: str, pdf: Path, peak_n: float) -> None:
    text = text_of(html)
    assert "Client Ann (born 1980, female)" in text
    assert f"Torque {peak_n * 0.35:.2f} N·m" in text
    assert "N/kg" in text and "N·m/kg" in text
    n_per_kg = peak_n / 64.0
    percent = 100.0 * n_per_kg / 0.8
    z = (n_per_kg - 0.8) / 0.2
    assert f"{percent:.0f} % of predicted, z {z:+.1f}" in text
    assert f"{CITATION}, Table 3)." in text
    assert DEVICE_CAVEAT[0].upper() + DEVICE_CAVEAT[1:] in text
    assert "knee H/Q" in text
    assert "<svg" in html and "Progress quadriceps L: force withstood (N)" in text
    assert "No muscle was tested at baseline in an earlier session" not in text
    pages = pdf_pages(pdf)
    assert pages and all(abs(w - A4[0]) < 1 and abs(h - A4[1]) < 1 for w, h in pages)


def test_a_simulated_session_through_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "clinic.sqlite3")
    refs = reference_folder(tmp_path / "refs")
    run(capsys, "client", "add", "Ann", "--birth-year", "1980", "--sex", "female",
        "--body-mass", "64", "--db", db)  # fmt: skip
    trace_file = tmp_path / "quads.csv"
    context = ("--lever-arm", "0.35", "--patient-position", "seated", "--fixation", "belt")
    out = run(capsys, "record", "--device", "sim:progressor", "--scenario", "hold",
              "--seconds", "3", "-o", str(trace_file), "--save", "--client", "Ann",
              "--muscle", "quads", "--side", "L", "--test", "make", *context,
              "--db", db)  # fmt: skip
    assert "saved as test 1" in out
    # The same simulated recording stands for the other tests of the visit.
    for muscle, side, position in (
        ("quadriceps", "R", "seated"),
        ("hamstrings", "L", "prone"),
        ("hamstrings", "R", "prone"),
    ):
        run(capsys, "import", str(trace_file), "--client", "Ann", "--muscle", muscle,
            "--side", side, "--test", "make", "--patient-position", position,
            "--lever-arm", "0.35", "--whole", "--db", db)  # fmt: skip
    # An earlier visit, for the progress chart: the simulator cannot date a recording.
    with Store.open(db) as store:
        earlier = dt.datetime.now(dt.UTC) - dt.timedelta(days=28)
        save_recording(store, read_trace(trace_file), client="Ann", muscle="quadriceps",
                       side="L", condition="baseline", test="make",
                       recorded=earlier.isoformat())  # fmt: skip
        session = store.get_test(1).session_id
        peak = store.get_test(1).analysis.peak_n  # type: ignore[union-attr]
        assert store.get_test(1).context.patient_position == "seated"
    html_path, pdf_path = tmp_path / "report.html", tmp_path / "report.pdf"
    run(capsys, "report", "--session", str(session), "-o", str(html_path), "--pdf",
        str(pdf_path), "--paper", "A4", "--references", str(refs), "--db", db)  # fmt: skip
    assert peak is not None
    assert_clinical_report(html_path.read_text("utf-8"), pdf_path, peak)
    # 80 samples/s: the 0-50 ms RFD is withheld, and the report says why.
    assert "RFD 0–50 ms: the window spans 4 samples at 80/s" in text_of(
        html_path.read_text("utf-8")
    )
    # Without the folder, the packaged table: no row states a position, nothing compared.
    run(capsys, "report", "--session", str(session), "-o", str(html_path), "--db", db)
    assert "% of predicted" not in html_path.read_text("utf-8")
    # A folder that holds no table is one sentence, and no report is written over.
    code = main(["report", "--session", str(session), "-o", str(tmp_path / "x.html"),
                 "--references", str(tmp_path), "--db", db])  # fmt: skip
    assert code != 0 and "holds no reference table" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()
