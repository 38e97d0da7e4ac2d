"""Pseudonymised means pseudonymised; every file private; cells and terminals inert.

The case of the issue: a client named Jane Doe, born 1985, tested with a
device whose BLE address and app-given name ("Jane Doe's Progressor") travel
in the imported trace's metadata. Nothing of it may reach a pseudonymised
export, in either format.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from nkt_dyno.cli import main
from nkt_dyno.store import Device, Store, save_recording
from nkt_dyno.trace import Trace, write_trace

ADDRESS = "C4:7F:51:9A:10:22"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _trace(seed: int, **metadata: str) -> Trace:
    rng = np.random.default_rng(seed)
    t = np.arange(800) / 80.0
    force = 5.0 + 100.0 * np.exp(-(((t - 5.0) / 1.5) ** 2)) + rng.normal(0, 0.3, t.size)
    return Trace(t, force, metadata={"sample_rate_hz": "80", **metadata})


@pytest.fixture
def store_with_jane(tmp_path: Path) -> tuple[Path, int]:
    db = tmp_path / "store.sqlite3"
    with Store.open(db) as store:
        jane = store.add_client("Jane Doe", birth_year=1985, notes="Jane's knee")
        for seed in range(2):
            save_recording(
                store,
                _trace(seed, device="Jane Doe's Progressor", owner="Jane Doe", address=ADDRESS),
                client=jane.id,
                muscle="psoas",
                side="L",
                condition="baseline",
                examiner="Dr Who",
                device=Device(ADDRESS, "Tindeq Progressor", "1.4.2"),
                position_notes="Jane supine",
                notes="Jane Doe said it hurt",
            )
        session = store.sessions(jane.id)[0].id
    return db, session


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_pseudonymised_export_has_no_trace_of_the_person(
    store_with_jane: tuple[Path, int], tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    db, session = store_with_jane
    out_dir = tmp_path / "share" / "study"
    argv = ["export", "--session", str(session), "--format", fmt, "-o", str(out_dir)]
    code, out, err = run(capsys, *argv, "--pseudonymise", "--db", str(db))
    assert code == 0, err
    paths = [Path(p) for p in out.split()]
    text = "".join(p.read_text("utf-8-sig") for p in paths)
    with Store.open(db) as store:
        test = store.tests(session)[0]
        stamps = [test.recorded[:16], store.get_session(session).started[:16]]
    for secret in ("Jane", "Doe", ADDRESS, ADDRESS.replace(":", ""), "Dr Who", *stamps):
        assert secret.lower() not in text.lower(), secret
    assert not re.search(r"(?<![\d.])1985(?![\d.])", text)  # not inside a sample's digits
    assert "supine" not in text and "hurt" not in text and "knee" not in text
    assert re.search(r"\b40-49\b", text)  # the age band at the session (born 1985, 2026)
    assert all(p.name.startswith("pseudonymised-P") for p in paths)
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in paths)
    assert out_dir.stat().st_mode & 0o777 == 0o700

    # Same pseudonym next time; never over an existing file; the identifiable export beside it.
    code, _, err = run(capsys, *argv, "--pseudonymise", "--db", str(db))
    assert code == 1 and "never replaces" in err
    code, out, _ = run(capsys, *argv, "--db", str(db))
    assert code == 0 and not set(out.split()) & {str(p) for p in paths}
    assert "Jane Doe" in Path(out.split()[0]).read_text("utf-8-sig")


def test_times_shift_per_client_and_keep_intervals(
    store_with_jane: tuple[Path, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, session = store_with_jane
    code, out, _ = run(capsys, "export", "--session", str(session), "--format", "json",
                       "--pseudonymise", "-o", str(tmp_path / "p"), "--db", str(db))  # fmt: skip
    assert code == 0
    rows = json.loads(Path(out.split()[0]).read_text("utf-8"))
    with Store.open(db) as store:
        real = [t.recorded for t in store.tests(session)]
    import datetime as dt

    shifted = [dt.datetime.fromisoformat(r["recorded"]) for r in rows]
    original = [dt.datetime.fromisoformat(r) for r in real]
    assert shifted[0] != original[0].replace(microsecond=0)
    gap = (shifted[1] - shifted[0]) - (original[1] - original[0])
    assert abs(gap.total_seconds()) < 1.0


def test_spreadsheet_formulas_and_control_characters_are_neutralised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "store.sqlite3"
    name = '=HYPERLINK("http://x.invalid","click")\x1b[2J'
    with Store.open(db) as store:
        client = store.add_client(name)
        save_recording(store, _trace(1), client=client.id, muscle="psoas", side="L",
                       condition="baseline", notes="+1 weaker\x07", examiner="@admin")  # fmt: skip
        session = store.sessions(client.id)[0].id
    code, out, _ = run(
        capsys, "export", "--session", str(session), "-o", str(tmp_path), "--db", str(db)
    )
    assert code == 0
    summary = Path(out.split()[0]).read_text("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(summary)))
    assert row["client"] == "'" + name.replace("\x1b", "")
    assert (row["notes"], row["examiner"]) == ("'+1 weaker", "'@admin")
    assert float(row["peak_n"]) > 0  # numbers stay numbers

    code, out, _ = run(capsys, "client", "list", "--db", str(db))
    assert code == 0 and "\x1b" not in out and "HYPERLINK" in out


def test_traces_reports_and_certificates_are_private(
    store_with_jane: tuple[Path, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, session = store_with_jane
    html = tmp_path / "report.html"
    code, _, err = run(
        capsys, "report", "--session", str(session), "-o", str(html), "--db", str(db)
    )
    assert code == 0, err
    trace = tmp_path / "t.csv"
    write_trace(trace, _trace(3))
    for path in (html, trace):
        assert path.stat().st_mode & 0o777 == 0o600, path
