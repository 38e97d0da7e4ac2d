"""Recordings of several efforts on the command line, and what the store's tables name.

``import`` keeps one test per effort (or, asked, one test for all), and
``record`` ends with every effort's verdict. Real store files, the real
engine, a simulated device on the virtual radio.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nkt_dyno.cli import main
from nkt_dyno.engine import analyze
from nkt_dyno.engine.synthetic import generate_session
from nkt_dyno.store import Store
from nkt_dyno.summary import verdict_line
from nkt_dyno.trace import Trace, write_trace


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "store.sqlite3")
    with Store.open(path) as store:
        store.add_client("Ann")
    return path


def _four_efforts(path: Path) -> Trace:
    """The demo's kind of session: hold, break, hold, break at 80 samples/s, short rests."""
    cases = ["hold", "break", "hold", "break"]
    session = generate_session(7, 4, rate_hz=80.0, cases=cases, rest_s=(1.0, 1.5))
    t = np.asarray(session.t, dtype=np.float64)
    trace = Trace(t - t[0], np.asarray(session.force, dtype=np.float64), None, {"muscle": "psoas"})
    write_trace(path, trace)
    return trace


def test_import_keeps_one_test_per_effort(
    tmp_path: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    trace = _four_efforts(tmp_path / "session.csv")
    whole = [r.to_dict() for r in analyze(trace.t, trace.force, trace.gyro)]
    args = ["import", str(tmp_path / "session.csv"), "--client", "Ann", "--side", "L"]
    assert main([*args, "--db", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    for k, (line, result) in enumerate(zip(lines, whole, strict=True), 1):
        assert line.startswith("imported ") and f"(effort {k} of 4): " in line
        assert line.split(": ", 1)[1].split(" ·")[0] == verdict_line(result).split(" ·")[0]
    with Store.open(db) as store:
        tests = store.history(1)
        assert [t.analysis.verdict for t in tests if t.analysis] == [r["verdict"] for r in whole]
        for k, t in enumerate(tests, 1):
            piece = store.load_trace(t.id)
            assert piece.metadata["effort"] == f"{k} of 4"
            assert piece.t[0] == 0.0
        assert sum(len(store.load_trace(t.id)) for t in tests) == len(trace)

    assert main([*args, "--whole", "--db", db]) == 0
    assert "(4 efforts in one test)" in capsys.readouterr().out
    with Store.open(db) as store:
        assert len(store.history(1)) == 5

    # that one test replayed one effort at a time
    assert main(["replay", "5", "--speed", "max", "--effort", "4", "--db", db]) == 0
    events = [e for e in capsys.readouterr().out.splitlines() if e.startswith("  ")]
    assert [e.split()[2] for e in events[:1]] == ["Onset"]
    assert events[-1].endswith(f"Complete       {verdict_line(whole[3])}")
    assert sum(" Onset " in e for e in events) == 1
    assert main(["replay", "5", "--speed", "max", "--effort", "5", "--db", db]) == 1
    assert "test 5 has 4 effort(s), not 5" in capsys.readouterr().err


def test_record_ends_with_every_efforts_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t = np.arange(0.0, 5.6, 1 / 80)
    shape = ([0, 0.6, 1.6, 2.2, 2.4, 3.0, 4.0, 4.3, 4.4, 4.9, 5.1, 5.6],
             [5, 5, 105, 105, 5, 5, 155, 155, 100, 100, 5, 5])  # fmt: skip
    force = np.interp(t, *shape) + np.random.default_rng(1).normal(0, 0.3, t.size)
    write_trace(tmp_path / "two.csv", Trace(t, force, None, {}))
    out = tmp_path / "out.csv"
    argv = ["record", "--device", "sim:progressor", "--no-calibration", "--seconds", "5.6"]
    assert main([*argv, "--scenario", str(tmp_path / "two.csv"), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    lines = [line for line in captured.out.splitlines() if line.startswith("effort ")]
    assert [line.split(":")[0] for line in lines] == ["effort 1 of 2", "effort 2 of 2"]
    assert "HOLD" in lines[0] and "BREAK" in lines[1]
    assert "\r" not in captured.err  # not a terminal: no live line rewriting itself


def test_history_names_the_challenge_target_and_the_therapists_call(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store.open(db) as store:
        session = store.start_session(1)
        tiny = Trace(np.array([0.0, 0.1]), np.array([1.0, 2.0]))
        store.save_test(session.id, muscle="psoas", side="L", condition="baseline", trace=tiny)
        store.save_test(
            session.id,
            muscle="psoas",
            side="L",
            condition="challenge",
            trace=tiny,
            challenge_target="TFL",
            therapist_verdict="hold",
        )
    assert main(["history", "--client", "Ann", "--db", db]) == 0
    header, _, first, second = capsys.readouterr().out.splitlines()
    assert header.split()[4:8] == ["condition", "target", "verdict", "therapist"]
    assert second.split()[5:7] == ["challenge", "tensor"] and "hold" in second.split()
    assert "tensor" not in first


def test_session_list_names_the_client(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    with Store.open(db) as store:
        store.start_session(1)
    assert main(["session", "list", "--db", db]) == 0
    assert "Ann (1)" in capsys.readouterr().out.splitlines()[2]


def _replayed(db: str, test_id: int, capsys: pytest.CaptureFixture[str], *extra: str) -> list[str]:
    """The verdicts ``replay`` prints, one per effort (``Complete`` lines)."""
    assert main(["replay", str(test_id), "--speed", "max", "--db", db, *extra]) == 0
    lines = capsys.readouterr().out.splitlines()
    return [line.split("Complete", 1)[1].strip() for line in lines if " Complete " in line]


def test_replay_judges_a_recording_as_analyze_does(
    tmp_path: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # a make test of the "break" case, cut by the 10-s default: never a break, in either
    out = tmp_path / "make.csv"
    argv = ["record", "--device", "sim:progressor", "--scenario", "break", "--test", "make"]
    argv += ["-o", str(out), "--save", "--client", "Ann", "--muscle", "psoas", "--side", "L"]
    assert main([*argv, "--db", db]) == 0
    capsys.readouterr()
    assert main(["analyze", str(out), "--json"]) == 0
    offline = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(offline) == 2 and {r["test"] for r in offline} == {"make"}
    assert _replayed(db, 1, capsys) == [verdict_line(r) for r in offline]


def test_replay_leaves_out_a_touch_and_numbers_efforts_as_analyze(
    tmp_path: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    session = _four_efforts(tmp_path / "four.csv")
    first = session.t < 4.0  # the first effort, and a brush of the pad before it at 12 %
    rest = float(np.median(session.force[:40]))
    touch = rest + 0.12 * (session.force[first] - rest)
    t = np.concatenate([session.t[first], session.t + session.t[first][-1] + 0.0125])
    trace = Trace(t, np.concatenate([touch, session.force]), None, {})
    write_trace(tmp_path / "touch.csv", trace)
    offline = analyze(trace.t, trace.force)
    assert main(["import", str(tmp_path / "touch.csv"), "--client", "Ann", "--side", "L",
                 "--muscle", "psoas", "--whole", "--db", db]) == 0  # fmt: skip
    capsys.readouterr()
    assert _replayed(db, 1, capsys) == [verdict_line(r.to_dict()) for r in offline]
    assert _replayed(db, 1, capsys, "--effort", "2") == [verdict_line(offline[1].to_dict())]
