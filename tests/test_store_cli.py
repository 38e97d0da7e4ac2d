"""The store's sub-commands, run through ``nkt_dyno.cli.main`` against real store files."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_store_core import assert_same_trace, make_trace

from nkt_dyno.cli import main
from nkt_dyno.store import ImportFormatError, NewAnalysis, Store, parse_tindeq, read_import
from nkt_dyno.summary import verdict_line
from nkt_dyno.trace import Trace, write_trace


def _engine_ready() -> bool:
    try:
        from nkt_dyno.engine import ENGINE_VERSION, Detector, analyze  # noqa: F401
    except ImportError:
        return False
    return True


needs_engine = pytest.mark.skipif(not _engine_ready(), reason="nkt_dyno.engine not built yet")


@pytest.fixture
def db(any_db: str) -> str:
    """An empty store on each backend: commands that only read refuse a path with none."""
    Store.open(any_db).close()
    return any_db


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def effort_trace(seed: int, *, breaks: bool) -> Trace:
    """Rest, a 1 s rise to ~150 N, a plateau, then a release (hold) or a 40 % fall (break)."""
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, 4.0, 0.001)
    f = np.interp(t, [0, 0.5, 1.5, 2.5, 3.2, 4.0], [0, 0, 150, 150, 150, 0])
    if breaks:
        f = np.interp(t, [0, 0.5, 1.5, 2.3, 2.5, 3.3, 3.6, 4.0], [0, 0, 150, 150, 90, 90, 0, 0])
    return Trace(t=t, force=5.0 + f + rng.normal(0, 0.3, t.size))


def seeded(db: str) -> tuple[int, int, list[int]]:
    """A client with one session of two analysed tests; returns (client, session, tests)."""
    with Store.open(db) as s:
        client = s.add_client("Maria Example", notes="private note")
        session = s.start_session(client.id, examiner="Dr Who", notes="first visit")
        ids = [
            s.save_test(
                session.id,
                muscle=m,
                side=side,
                condition=cond,
                trace=make_trace(i, gyro=i == 1),
                notes="said her name is Maria",
                analysis=NewAnalysis(
                    "0.0-old", [{"verdict": v, "peak_n": p, "break_ratio": r, "drop_pct": d}]
                ),
            )
            for i, (m, side, cond, v, p, r, d) in enumerate(
                [
                    ("gluteus medius", "L", "baseline", "break", 120.5, 0.62, 31.0),
                    ("psoas", "R", "retest", "hold", 150.25, 1.0, None),
                ]
            )
        ]
    return client.id, session.id, ids


# -- clients, sessions, history ------------------------------------------------


def test_client_add_and_list(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, out, _ = run(capsys, "client", "add", "Jo Bloggs", "--birth-year", "1975", "--db", db)
    assert code == 0 and out.strip() == "added client 1: Jo Bloggs"
    code, out, _ = run(capsys, "client", "list", "--db", db)
    assert code == 0
    header, _, row = out.splitlines()
    assert header.split() == ["id", "name", "born", "sex", "added"]
    assert row.split()[:4] == ["1", "Jo", "Bloggs", "1975"]


def test_session_start_and_list(capsys: pytest.CaptureFixture[str], db: str) -> None:
    run(capsys, "client", "add", "Jo", "--db", db)
    code, out, _ = run(
        capsys, "session", "start", "--client", "jo", "--examiner", "Sam", "--db", db
    )
    assert code == 0 and out.strip() == "started session 1 for Jo (client 1)"
    code, out, _ = run(capsys, "session", "list", "--client", "1", "--db", db)
    assert code == 0
    assert out.splitlines()[2].split()[-4:] == ["Jo", "(1)", "Sam", "0"]


def test_history_table(capsys: pytest.CaptureFixture[str], db: str) -> None:
    client, _, ids = seeded(db)
    code, out, _ = run(capsys, "history", "--client", str(client), "--db", db)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == [
        "date", "test", "muscle", "side", "condition", "target", "verdict", "peak", "N",
        "break", "calibration",
    ]  # fmt: skip
    # stored before break_source, without the gyro's reason: a force-only break, no ratio
    row = [
        str(ids[0]), "gluteus", "medius", "L", "baseline", "break", "120.5", "drop", "31", "%", "-",
    ]  # fmt: skip
    assert lines[2].split()[2:] == row
    assert lines[3].split()[-7:] == ["psoas", "R", "retest", "hold", "150.2", "-", "-"]
    code, out, _ = run(capsys, "history", "--client", "Maria Example", "--muscle", "glute med",
                       "--db", db)  # fmt: skip
    assert code == 0 and len(out.splitlines()) == 3 and "psoas" not in out


def test_errors_are_one_clear_line(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, _, err = run(capsys, "history", "--client", "Nobody", "--db", db)
    assert code == 1
    assert err.startswith("nkt-dyno: error: no client with that name")
    assert "Traceback" not in err and "Nobody" not in err


def test_muscle_list_and_add(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, out, _ = run(capsys, "muscle", "list", "TFL", "--db", db)
    assert code == 0 and "tensor fasciae latae" in out
    code, out, _ = run(capsys, "muscle", "add", "plantaris", "--region", "lower leg", "--db", db)
    assert code == 0
    code, out, _ = run(capsys, "muscle", "list", "--positions", "plant", "--db", db)
    assert out.startswith("plantaris (lower leg)")


def test_db_from_environment(
    capsys: pytest.CaptureFixture[str], db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NKT_DYNO_DB", db)
    assert run(capsys, "client", "add", "Env")[0] == 0
    with Store.open(db) as s:
        assert [c.name for c in s.clients()] == ["Env"]


# -- export --------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_export_csv_summary_and_lossless_traces(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    _, session, ids = seeded(db)
    out_dir = tmp_path / "out"
    code, out, _ = run(capsys, "export", "--session", str(session), "--format", "csv",
                       "-o", str(out_dir), "--db", db)  # fmt: skip
    assert code == 0
    summary_path, traces_path = (Path(p) for p in out.split())
    summary = read_csv(summary_path)
    assert [r["test_id"] for r in summary] == [str(i) for i in ids]
    assert summary[0]["client"] == "Maria Example"
    assert (summary[0]["verdict"], summary[0]["peak_n"], summary[0]["break_ratio"]) == (
        "break",
        "120.5",
        "0.62",
    )
    rows = read_csv(traces_path)
    with Store.open(db) as s:
        for test_id in ids:
            trace = s.load_trace(test_id)
            mine = [r for r in rows if r["test_id"] == str(test_id)]
            assert np.array([float(r["force_n"]) for r in mine]).tobytes() == trace.force.tobytes()
            assert np.array([float(r["time_s"]) for r in mine]).tobytes() == trace.t.tobytes()
    assert rows[0]["gyro_dps"] == "" and rows[-1]["gyro_dps"] != ""


def test_export_pseudonymised_json_has_no_names_or_notes(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    _, session, ids = seeded(db)
    code, out, _ = run(capsys, "export", "--session", str(session), "--format", "json",
                       "--pseudonymise", "-o", str(tmp_path), "--db", db)  # fmt: skip
    assert code == 0
    paths = [Path(p) for p in out.split()]
    text = "".join(p.read_text("utf-8") for p in paths)
    for secret in ("Maria", "Dr Who", "private note", "first visit"):
        assert secret not in text
    summary = json.loads(paths[0].read_text("utf-8"))
    assert re.fullmatch(r"P[0-9a-f]{8}", summary[0]["client"])
    traces = json.loads(paths[1].read_text("utf-8"))
    assert [t["test_id"] for t in traces] == ids
    assert traces[0]["metadata"] == {"sample_rate_hz": "1000"}
    assert all(p.stat().st_mode & 0o077 == 0 for p in paths)


# -- import --------------------------------------------------------------------

TINDEQ_PLAIN = "time,weight\n0.0,0.10\n0.0125,0.15\n0.025,2.5\n0.0375,2.4\n"
TINDEQ_BLOCK = (
    "Device,Progressor 200\nDate,2024-03-01 10:15\nUnit,kg\n\n"
    "time,weight\n0.000,0.10\n0.0125,0.15\n0.025,2.50\n"
)
TINDEQ_SECOND = TINDEQ_BLOCK + "".join(f"{i / 80:.4f},2.50\n" for i in range(3, 80))
"""The block export with one second of samples: enough to analyse and import."""


def test_parse_tindeq_plain_and_header_block() -> None:
    plain = parse_tindeq(TINDEQ_PLAIN)
    assert plain.t.tolist() == [0.0, 0.0125, 0.025, 0.0375]
    assert plain.force[2] == pytest.approx(2.5 * 9.80665)
    block = parse_tindeq(TINDEQ_BLOCK)
    assert block.metadata["device"] == "Progressor 200"
    assert block.metadata["source_format"] == "tindeq"
    assert len(block) == 3


def test_parse_tindeq_units_and_locale() -> None:
    ms = parse_tindeq("time (ms);weight [lbs]\n0;1,0\n12,5;2,0\n")
    assert ms.t.tolist() == [0.0, 0.0125]
    assert ms.force[1] == pytest.approx(2.0 * 4.4482216152605)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("time,weight\n0.0,1\n0.1,abc\n", r"<text>:3: not a number"),
        ("time,weight\n0.0,1\n0.1,2\n0.05,3\n", "time does not increase at sample 3"),
        ("time,weight\n", "no samples"),
        ("Device,X\n\ntime,weight\n0,1,2\n", r"<text>:4: expected two values"),
        ("time,weight\n0,1\n80,2\n160,2\n", r"name the unit in the header"),
        ("time (h),weight\n0,1\n", "unknown time unit 'h'"),
    ],
)
def test_parse_tindeq_rejects_clearly(text: str, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        parse_tindeq(text)


def test_read_import_rejects_unknown_files(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("date,steps\n2024-01-01,3000\n")
    with pytest.raises(ImportFormatError, match="not a recognised trace"):
        read_import(path)
    path.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(ImportFormatError, match="UTF-16"):
        read_import(path)
    path.write_bytes(b"\x00\x81binary")
    with pytest.raises(ImportFormatError, match="not a text"):
        read_import(path)


@needs_engine
def test_import_our_trace_and_tindeq_exports(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    run(capsys, "client", "add", "Jo", "--db", db)
    ours = tmp_path / "ours.csv"
    trace = effort_trace(1, breaks=True)
    write_trace(ours, Trace(trace.t, trace.force, metadata={"muscle": "psoas", "side": "L"}))
    code, _, err = run(capsys, "import", str(ours), "--client", "Jo", "--db", db)
    assert code == 0, err
    tindeq = tmp_path / "tindeq.csv"
    tindeq.write_text(TINDEQ_SECOND, encoding="utf-8")
    code, _, err = run(capsys, "import", str(tindeq), "--client", "1", "--muscle", "TFL",
                       "--side", "R", "--condition", "retest", "--db", db)  # fmt: skip
    assert code == 0, err
    with Store.open(db) as s:
        first, second = s.history(1)
        assert (first.muscle, first.side, first.condition) == ("psoas", "L", "baseline")
        assert first.analysis is not None
        assert_same_trace(s.load_trace(first.id), read_import(ours))
        assert (second.muscle, second.side) == ("tensor fasciae latae", "R")
        assert first.session_id == second.session_id


def test_import_needs_tags_and_a_valid_file(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    run(capsys, "client", "add", "Jo", "--db", db)
    bad = tmp_path / "bad.csv"
    bad.write_text("time,weight\n0,1\n0.1,oops\n")
    code, _, err = run(capsys, "import", str(bad), "--client", "Jo", "--muscle", "psoas",
                       "--side", "L", "--db", db)  # fmt: skip
    assert code == 1 and f"{bad}:3: not a number" in err
    good = tmp_path / "good.csv"
    good.write_text(TINDEQ_PLAIN)
    code, _, err = run(capsys, "import", str(good), "--client", "Jo", "--db", db)
    assert code == 1 and "give --muscle and --side" in err
    with Store.open(db) as s:
        assert s.test_ids() == []


# -- replay and re-analysis ----------------------------------------------------


@needs_engine
def test_replay_prints_live_events_ending_with_the_offline_verdict(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    from nkt_dyno.engine import analyze

    trace = effort_trace(2, breaks=True)
    with Store.open(db) as s:
        sid = s.start_session(s.add_client("Jo").id).id
        tid = s.save_test(sid, muscle="psoas", side="L", condition="baseline", trace=trace)
    code, out, err = run(capsys, "replay", str(tid), "--speed", "max", "--db", db)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"test {tid}: psoas L baseline, engine ")
    assert lines[1].endswith("no gaps")
    kinds = [line.split()[2] for line in lines[2:]]
    assert kinds[0] == "Onset" and kinds[-1] == "Complete"
    offline = analyze(trace.t, trace.force)[-1].to_dict()
    assert lines[-1].endswith(f"Complete       {verdict_line(offline)}")


@needs_engine
def test_replay_paces_against_the_clock(capsys: pytest.CaptureFixture[str], db: str) -> None:
    import time

    with Store.open(db) as s:
        sid = s.start_session(s.add_client("Jo").id).id
        short = Trace(t=np.arange(0.0, 0.8, 0.001), force=np.zeros(800))
        tid = s.save_test(sid, muscle="psoas", side="L", condition="baseline", trace=short)
    start = time.monotonic()
    assert run(capsys, "replay", str(tid), "--speed", "4", "--db", db)[0] == 0
    assert 0.15 <= time.monotonic() - start < 2.0


@needs_engine
def test_reanalyze_adds_new_results_and_keeps_old(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    from nkt_dyno.engine import ENGINE_VERSION

    _, _, ids = seeded(db)
    code, out, _ = run(capsys, "reanalyze", "--db", db)
    assert code == 0 and out.startswith("analysed 2 test(s)")
    assert run(capsys, "reanalyze", "--db", db)[1].startswith("analysed 0 test(s)")
    assert run(capsys, "reanalyze", "--all", "--db", db)[1].startswith("analysed 2 test(s)")
    with Store.open(db) as s:
        versions = [a.engine_version for a in s.analyses(ids[0])]
        assert versions == ["0.0-old", str(ENGINE_VERSION)]


@pytest.mark.parametrize("command", [["reanalyze"], ["replay", "1"]])
def test_engine_commands_fail_clearly_without_the_engine(db: str, command: list[str]) -> None:
    seeded(db)
    code = (
        "import sys; sys.modules['nkt_dyno.engine'] = None\n"
        "from nkt_dyno.cli import main\n"
        f"sys.exit(main({[*command, '--db', db]!r}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1
    assert "the analysis engine is not available" in done.stderr
    assert "Traceback" not in done.stderr


def test_help_lists_the_store_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name in ("client", "session", "history", "replay", "reanalyze", "export", "import"):
        assert name in out


@needs_engine
def test_save_recording_uses_live_results_and_todays_session(db: str) -> None:
    from nkt_dyno.engine import ENGINE_VERSION, analyze
    from nkt_dyno.store import Device, save_recording

    trace = effort_trace(3, breaks=False)
    live = analyze(trace.t, trace.force)
    with Store.open(db) as s:
        s.add_client("Jo")
        first = save_recording(
            s, trace, client="Jo", muscle="glute med", side="L", condition="baseline",
            device=Device("PRG-9", "Tindeq Progressor", "1.0"), results=live,
        )  # fmt: skip
        second = save_recording(
            s, trace, client=1, muscle="TFL", side="R", condition="retest",
            therapist_verdict="break",
        )  # fmt: skip
        a, b = s.get_test(first), s.get_test(second)
        assert a.session_id == b.session_id and len(s.sessions()) == 1
        assert (a.therapist_verdict, b.therapist_verdict) == (None, "break")
        other = s.start_session(s.add_client("Al").id).id
        with pytest.raises(ValueError, match="another client"):
            save_recording(s, trace, client="Jo", muscle="psoas", side="L",
                           condition="baseline", session_id=other)  # fmt: skip
        assert a.device_id == "PRG-9" and s.get_device("PRG-9").model == "Tindeq Progressor"
        assert a.analysis is not None and b.analysis is not None
        assert a.analysis.engine_version == str(ENGINE_VERSION)
        assert a.analysis.efforts == b.analysis.efforts == [r.to_dict() for r in live]


def test_export_of_an_empty_session_has_headers_only(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    with Store.open(db) as s:
        sid = s.start_session(s.add_client("Jo").id).id
    code, out, _ = run(capsys, "export", "--session", str(sid), "-o", str(tmp_path), "--db", db)
    assert code == 0
    summary, traces = (Path(p) for p in out.split())
    assert read_csv(summary) == [] and read_csv(traces) == []
    assert summary.read_text("utf-8-sig").startswith("session_id,session_started,client,")
