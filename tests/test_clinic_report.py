"""The session report (HTML, PDF, picture), the examiner profile and the package's imports."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from test_clinic_protocol import Clinic

import nkt_dyno.clinic as clinic_pkg
from nkt_dyno import cli
from nkt_dyno.clinic import build_report, examiner_profile, render_html, write_pdf, write_png
from nkt_dyno.store import Store, analyse
from nkt_dyno.trace import Trace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the PDF and picture tests need no screen


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "report.sqlite3")


def visit(store: Store) -> int:
    """A session like a clinic's: two protocol groups and two muscles tested on both sides."""
    store.add_device("C4:3A:11:02:7E:90", "Tindeq Progressor", "1.2.4")
    store.add_calibration(
        "cal-7",
        "C4:3A:11:02:7E:90",
        {"fit": {"degree": 1}, "quality": {"full_scale_n": 490.0, "max_residual_pct_fs": 0.3}},
    )
    c = Clinic(store)
    c.history("gluteus medius", "L", "break", 110.0, cv=0.03, n=2)
    s = c.session()
    g = store.start_protocol_group(s, muscle="gluteus medius", side="L").id
    c.add_test(s, "gluteus medius", "L", "baseline", "break", 112.0, group=g)
    c.add_test(s, "gluteus medius", "L", "baseline", "break", 108.0, group=g)
    c.add_test(s, "gluteus medius", "L", "challenge", "hold", 171.0, group=g, target="TFL")
    c.add_test(s, "gluteus medius", "L", "retest", "hold", 168.0, group=g)
    c.add_test(s, "gluteus medius", "R", "baseline", "hold", 160.0)
    c.add_test(s, "psoas", "L", "baseline", "hold", 132.0)
    c.add_test(s, "psoas", "R", "baseline", "hold", 140.0)
    trace = store.load_trace(store.tests(s)[0].id)
    store.save_test(
        s,
        muscle="psoas",
        side="R",
        condition="retest",
        trace=trace,
        device_id="C4:3A:11:02:7E:90",
        calibration_id="cal-7",
        analysis=analyse(trace),
    )
    return s


def test_report_holds_every_part_the_issue_asks_for(db: str) -> None:
    with Store.open(db) as store:
        session = visit(store)
        report = build_report(store, session)
    html = render_html(report)
    assert html.count("<svg") == len(report.tests) + len(report.progress) == 8 + 1
    for item in ("Procedure", "Instrument", "Duration", "Peak force", "Timing", "Position"):
        assert html.count(f"<th>{item}</th>") == 8
    assert "Jo Example" in html and "Dr Weiss" in html
    assert "Tindeq Progressor (C4:3A:11:02:7E:90, firmware 1.2.4)" in html
    assert "cal-7" in html and "linear fit" in html
    # The test recorded with it names the calibration record and its date.
    assert re.search(r"calibration cal-7 of \d{4}-\d\d-\d\d</td>", html)
    assert re.search(r"gluteus medius L: baseline BREAK at .*beyond MDC\)</p>", html)
    assert "Conable &amp; Rosner" in html
    (glute, psoas) = report.asymmetries
    assert glute.result.flagged and glute.result.diff_pct < -25  # 110 N vs 160 N
    assert not psoas.result.flagged  # 132 N vs 140 N is within the fallback MDC
    assert "beyond MDC" in html and "within MDC" in html
    assert f"<td>{glute.result.lsi_pct:.0f} %</td>" in html and "<th>LSI</th>" in html


def test_report_is_self_contained(db: str) -> None:
    with Store.open(db) as store:
        html = render_html(build_report(store, visit(store)))
    assert "<script" not in html and "<link" not in html
    assert not re.search(r"(src|href)=['\"]?https?:", html)
    assert 'stroke-dasharray="3,2"><title>onset</title>' in html
    assert "<title>break</title>" in html and "<title>peak</title>" in html


def test_report_command_writes_html_and_pdf(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], qapp: object
) -> None:
    with Store.open(db) as store:
        session = visit(store)
    out, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    args = ["report", "--db", db, "--session", str(session), "-o", str(out), "--pdf", str(pdf)]
    assert cli.main(args) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000
    assert "PDF ->" in capsys.readouterr().out


def test_pdf_without_qt_says_so_clearly(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store.open(db) as store:
        session = visit(store)
    monkeypatch.setitem(sys.modules, "PySide6", None)
    out = tmp_path / "r.html"
    args = ["report", "--db", db, "--session", str(session), "-o", str(out), "--pdf", "x.pdf"]
    assert cli.main(args) == 1
    assert out.exists()
    err = capsys.readouterr().err
    assert "PDF output needs Qt (PySide6), which is not installed" in err


def test_report_renders_as_a_picture(db: str, tmp_path: Path, qapp: object) -> None:
    with Store.open(db) as store:
        report = build_report(store, visit(store))
    png = write_png(report, tmp_path / "report.png", width=900)
    pdf = write_pdf(report, tmp_path / "report.pdf")
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    assert image.width() == 900 and image.height() > 2000
    # The thumbnails were drawn: red break traces and blue holds appear in the picture.
    pixels = [image.pixelColor(x, y) for x in range(0, 900, 3) for y in range(0, image.height(), 3)]
    assert any(p.red() > 150 and p.green() < 90 and p.blue() < 90 for p in pixels)
    assert any(p.blue() > 150 and p.red() < 80 for p in pixels)
    assert pdf.stat().st_size > 20_000


# -- examiner profile ---------------------------------------------------------------------


def ramp(rise_s: float, peak_n: float, seed: int) -> Trace:
    """Rest, a linear rise over ``rise_s``, a 1.5-s hold, release: an examiner's push."""
    rate = 200.0
    t = np.arange(0.0, 1.0 + rise_s + 1.5 + 0.4 + 1.0, 1.0 / rate)
    knots_t = [0.0, 1.0, 1.0 + rise_s, 2.5 + rise_s, 2.9 + rise_s, t[-1]]
    shape = np.interp(t, knots_t, [0.0, 0.0, peak_n, peak_n, 0.0, 0.0])
    noise = np.random.default_rng(seed).normal(0.0, 0.3, t.size)
    return Trace(t, 2.0 + shape + noise, None, {"sample_rate_hz": "200"})


def examiner_sessions(store: Store, name: str, rises: list[list[float]]) -> None:
    client = store.add_client(f"client of {name}").id
    seed = 0
    for day, session_rises in enumerate(rises):
        started = f"2025-05-{day + 1:02d}T09:00:00+00:00"
        s = store.start_session(client, examiner=name, started=started).id
        for rise in session_rises:
            seed += 1
            trace = ramp(rise, 80.0 + 15.0 * seed % 90, seed)
            store.save_test(
                s,
                muscle="psoas",
                side="L",
                condition="baseline",
                trace=trace,
                analysis=analyse(trace),
            )


def test_a_steady_examiner_gets_no_warning_and_an_erratic_one_does(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store.open(db) as store:
        examiner_sessions(store, "Steady", [[1.5, 1.45, 1.55], [1.5, 1.52, 1.48]])
        examiner_sessions(store, "Erratic", [[0.7, 2.8, 1.2], [2.4, 0.9, 1.9]])
        steady = examiner_profile(store, "steady")
        erratic = examiner_profile(store, "ERRATIC")
    assert steady.name == "Steady" and steady.overall.trials == 6
    assert [len(steady.sessions), steady.sessions[0].stats.trials] == [2, 3]
    assert steady.overall.slope_cv_pct is not None and steady.overall.slope_cv_pct < 10
    assert steady.overall.nmed is not None and steady.overall.nmed < 0.03
    assert steady.warnings == ()
    # The engine's time to peak ends wherever the noisy plateau peaks: rise 1.5 s + ≤ 1.5 s.
    assert steady.overall.time_to_peak_s is not None
    assert 1.4 < steady.overall.time_to_peak_s < 3.1
    assert erratic.overall.slope_cv_pct is not None and erratic.overall.slope_cv_pct > 40
    assert erratic.warnings and "inconsistent rise" in erratic.warnings[0]
    assert cli.main(["examiner", "profile", "Erratic", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "examiner Erratic: 6 trials" in out and "warning: inconsistent rise" in out
    assert re.search(r"^#\d+ 2025-05-0[12] ", out, re.MULTILINE)
    assert cli.main(["examiner", "profile", "Nobody", "--db", db]) == 1


# -- package ------------------------------------------------------------------------------


def test_all_matches_the_public_names() -> None:
    public = {
        k
        for k, v in vars(clinic_pkg).items()
        if not k.startswith("_") and not isinstance(v, types.ModuleType)
    }
    assert sorted(clinic_pkg.__all__) == sorted(public)


def test_clinic_imports_neither_qt_nor_the_radio() -> None:
    code = (
        "import sys, nkt_dyno.clinic\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'PySide6', 'bleak', 'bumble'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_report_shows_set_up_and_derived_measures(db: str) -> None:
    from nkt_dyno.context import TestContext

    with Store.open(db) as store:
        session = visit(store)
        first = store.tests(session)[0]
        store.edit_test(first.id, who="me", context=TestContext(lever_arm_m=0.3, fixation="belt"))
        store.add_body_mass(first.client_id, 60.0, measured="2020-01-01")
        report = build_report(store, session)
    html = render_html(report)
    entry = report.tests[0]
    peak = float(entry.effort["peak_n"])  # type: ignore[index]
    assert f"Torque {0.3 * peak:.2f} N·m" in html
    assert f"Force / body mass {peak / 60.0:.2f} N/kg" in html
    assert f"Torque / body mass {0.3 * peak / 60.0:.2f} N·m/kg" in html
    assert "belt, lever arm 0.3 m; body mass 60 kg" in html
    assert "fixation and angle not recorded; no lever arm recorded; body mass 60 kg" in html
    assert html.count("<th>Rate of force</th>") == len(report.tests)
    assert "Torque, Torque / body mass: no lever arm recorded" in html
    assert "RFD 0–50 ms" in html and "Impulse" in html


def fifteen_tests(store: Store) -> int:
    """A busy session: two protocol groups and both sides of four muscles, 15 tests."""
    c = Clinic(store)
    c.history("gluteus medius", "L", "break", 110.0, cv=0.03, n=2)
    s = c.session()
    for muscle, side, steps in (
        ("gluteus medius", "L", [("baseline", "break", 112.0, None), ("baseline", "break", 108.0,
         None), ("challenge", "hold", 171.0, "TFL"), ("retest", "hold", 168.0, None)]),
        ("psoas", "R", [("baseline", "break", 120.0, None), ("challenge", "hold", 150.0,
         "piriformis"), ("retest", "hold", 148.0, None)]),
    ):  # fmt: skip
        g = store.start_protocol_group(s, muscle=muscle, side=side).id
        for condition, case, peak, target in steps:
            c.add_test(s, muscle, side, condition, case, peak, group=g, target=target)
    for muscle, peaks in (("gluteus medius", (160, 155)), ("psoas", (132, 136)),
                          ("TFL", (90, 70)), ("piriformis", (80, 84))):  # fmt: skip
        sides = (
            ("R", "R")
            if muscle == "gluteus medius"
            else ("L", "L")
            if muscle == "psoas"
            else ("L", "R")
        )
        for side, peak in zip(sides, peaks, strict=True):
            c.add_test(s, muscle, side, "baseline", "hold", float(peak))
    return s


@pytest.mark.parametrize(
    ("paper", "box", "most"),
    [("A4", b"0 0 595.000000 842.000000", 7), ("Letter", b"0 0 612.000000 792.000000", 7)],
)
def test_a_15_test_report_fits_the_paper(
    db: str, tmp_path: Path, qapp: object, paper: str, box: bytes, most: int
) -> None:
    with Store.open(db) as store:
        report = build_report(store, fifteen_tests(store))
    assert len(report.tests) == 15
    pdf = write_pdf(report, tmp_path / "r.pdf", paper=paper).read_bytes()  # type: ignore[arg-type]
    pages = re.findall(rb"/Type\s*/Page[^s]", pdf)
    assert set(re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf)) == {box}  # points
    assert len(pages) <= most  # A4 was 10 pages, with tests split across pages


def test_blocks_never_split_unless_taller_than_a_page() -> None:
    from nkt_dyno.clinic._pdf import paginate

    # page 100, gap 2: 60 fits; 50 does not fit after it (62 + 50 > 100): next page
    assert paginate([60, 50, 30, 10], 100, 2) == [(0, 0.0), (1, 0.0), (1, 52.0), (1, 84.0)]
    # a block of 250 starts a page and runs over three; the next one follows it
    assert paginate([10, 250, 20], 100, 2) == [(0, 0.0), (1, 0.0), (3, 52.0)]


def test_a_session_without_tests_still_reports(db: str) -> None:
    with Store.open(db) as store:
        session = store.start_session(store.add_client("Empty").id).id
        html = render_html(build_report(store, session))
    assert "<h2>Tests</h2><p class='muted'>No tests in this session.</p>" in html
