"""The one error path: every command given bad input says one sentence and fails, no traceback.

Each case runs the installed command line in its own process, as a user
would, with its standard input closed and no Bluetooth service reachable
(the system bus address points nowhere). The processes run side by side.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from nkt_dyno import cli
from nkt_dyno.store import Store
from nkt_dyno.trace import Trace, write_trace


@dataclass(frozen=True)
class Case:
    argv: tuple[str, ...]
    says: str
    """A fragment of the one sentence on stderr."""
    code: int = 1
    """1 for a refusal after parsing, 2 for argparse's own usage error."""


def _cases(tmp: Path) -> list[Case]:
    db = str(tmp / "store.sqlite3")
    a_file, a_folder = str(tmp / "a-file.txt"), str(tmp / "folder")
    missing = str(tmp / "missing.csv")
    trace = str(tmp / "trace.csv")
    protocol = ("protocol", "run", "--client", "Ann", "--muscle", "psoas", "--side", "L")
    protocol += ("--device", "sim:progressor")
    calibrate = ("calibrate", "--device", "sim:progressor", "--masses")
    return [
        Case(("demo", "--efforts", "0"), "argument --efforts: must be 1 or more, got 0", 2),
        Case(("demo", "--efforts", "-2"), "must be 1 or more, got -2", 2),
        Case(("demo", "-o", a_file), "a-file.txt is a file: -o/--output names a folder"),
        Case(("scan", "--seconds", "0.2"), "Bluetooth is not available"),
        Case(("scan", "--seconds", "0"), "argument --seconds: must be above 0", 2),
        Case(
            ("record", "--device", "AA:BB:CC:DD:EE:FF", "-o", a_file), "Bluetooth is not available"
        ),
        Case(
            ("record", "--device", "sim:progressor", "--seconds", "0", "-o", a_file),
            "a positive number of seconds or inf",
            2,
        ),
        Case(("record", "--device", "sim:progressor"), "give -o FILE to write a trace, or --save"),
        Case(("record", "--device", "sim:nothing", "-o", a_file), "nothing"),
        Case(("tare", "--device", "sim:progressor", "--scenario", missing), "nor a file"),
        Case(("tare", "--device", "sim:progressor", "--window", "-1"), "must be above 0", 2),
        Case((*calibrate, "0,5", "--db", db), "no answer to the prompt (input closed): pass --yes"),
        Case((*calibrate, "a,b"), "expected numbers", 2),
        Case((*calibrate, "0,5,5"), "5 kg is listed twice", 2),
        Case((*calibrate, "0,-5"), "0 kg or more", 2),
        Case(
            ("verify", "--device", "sim:progressor", "--mass", "5", "--record", missing),
            "no calibration for sim:progressor: calibrate it first",
        ),
        Case(("analyze", missing), "missing.csv does not exist"),
        Case(("analyze", a_folder), "folder"),
        Case(("gui", "--show", "session", "--db", db), "--show session needs --simulate"),
        Case(("client", "add", "Ann", "--db", db), "already a client named 'Ann' (id 1)"),
        Case(("client", "add", "Bo", "--birth-year", "1800"), "a year from 1900", 2),
        Case(("client", "list", "--db", a_folder), a_folder),
        Case(("client", "edit", "Ann", "--sex", "x", "--db", db), "sex must be female or male", 2),
        Case(("client", "edit", "Ann", "--db", db), "nothing to change"),
        Case(("client", "edit", "nobody", "--sex", "male", "--db", db), "no client with that name"),
        Case(("client", "mass", "Ann", "70kg", "--db", db), "body mass must be a number", 2),
        Case(("client", "mass", "Ann", "--date", "2024-01-01", "--db", db), "give KG too"),
        Case(("client", "mass", "Ann", "70", "--date", "01/02/24", "--db", db), "YYYY-MM-DD"),
        Case(("session", "start", "--client", "nobody", "--db", db), "no client with that name"),
        Case(("session", "list", "--client", "nobody", "--db", db), "no client with that name"),
        Case((*protocol, "--db", db), "no answer to the prompt (input closed): pass --yes"),
        Case(("protocol", "show", "99", "--db", db), "no protocol group with id 99"),
        Case(("history", "--client", "nobody", "--db", db), "no client with that name"),
        Case(("replay", "99", "--db", db), "no test with id 99"),
        Case(("reanalyze", "--db", a_folder), a_folder),
        Case(("export", "--session", "1", "-o", a_file, "--db", db), "is a file: -o/--output"),
        Case(("export", "--session", "99", "--db", db), "no session with id 99"),
        Case(("import", missing, "--client", "Ann", "--db", db), "missing.csv does not exist"),
        Case(("import", trace, "--client", "Ann", "--side", "L", "--db", db), "give --muscle"),
        Case(("muscle", "list", "zzzz", "--db", db), "no muscle matches 'zzzz'"),
        Case(("muscle", "add", "Foo", "--db", db), "required: --region", 2),
        Case(("examiner", "profile", "nobody", "--db", db), "no sessions by an examiner"),
        Case(("report", "--session", "1", "-o", a_folder, "--db", db), "folder is a folder"),
        Case(
            ("report", "--session", "1", "-o", str(tmp / "no" / "r.html"), "--db", db),
            "the folder",
        ),
        Case(("recover", missing), "missing.csv does not exist"),
        Case(("store", "--db", a_folder), "opening the store failed"),
        Case(("store", "push", "--to", db, "--db", db), "--to must be a server"),
        Case(("store", "site", "North", "--db", db), "adding a site needs the server"),
        Case(("store", "grant", "ana", "North", "--db", db), "granting a site needs the server"),
        Case(("test", "audit", "x", "--db", db), "invalid int value: 'x'", 2),
        Case(("test", "delete", "99", "--db", db), "no test with id 99"),
        Case(("test", "edit", "99", "--side", "L", "--db", db), "no test with id 99"),
        Case(("test", "move", "99", "--session", "1", "--db", db), "no test with id 99"),
        Case(("test", "restore", "99", "--db", db), "no test with id 99"),
    ]


def _prepare(tmp: Path) -> None:
    (tmp / "a-file.txt").write_text("x", encoding="utf-8")
    (tmp / "folder").mkdir()
    write_trace(tmp / "trace.csv", Trace(*_ramp(), None, {}))
    with Store.open(tmp / "store.sqlite3") as store:
        client = store.add_client("Ann")
        store.start_session(client.id)


def _ramp() -> tuple[object, object]:
    import numpy as np

    t = np.linspace(0.0, 2.0, 201)
    return t, np.minimum(t, 1.0) * 50.0


def _command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> set[str]:
    """Every runnable command ("client add", "scan", ...) the parser knows."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return {" ".join(prefix)}
    found: set[str] = set()
    for name, child in subs[0].choices.items():
        found |= _command_paths(child, (*prefix, name))
    return found


def test_every_command_refuses_bad_input_with_one_sentence(tmp_path: Path) -> None:
    _prepare(tmp_path)
    cases = _cases(tmp_path)
    covered = set()
    for case in cases:
        words = [w for w in case.argv[:2] if not w.startswith("-")]
        covered |= {" ".join(words[:n]) for n in (1, 2)}
    missing = _command_paths(cli.build_parser()) - covered
    assert not missing, f"no bad-input case for {sorted(missing)}"

    env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": "unix:path=/nonexistent"}
    env["NKT_DYNO_DB"] = str(tmp_path / "default.sqlite3")
    env["XDG_CONFIG_HOME"] = env["XDG_DATA_HOME"] = str(tmp_path / "home")
    running = [
        subprocess.Popen(
            [sys.executable, "-m", "nkt_dyno", *case.argv],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for case in cases
    ]
    # every process is waited for before any assertion, so none is left with open pipes
    outputs = [process.communicate(timeout=60) for process in running]
    for case, process, (out, err) in zip(cases, running, outputs, strict=True):
        where = f"nkt-dyno {' '.join(case.argv)}\n{out}{err}"
        assert "Traceback" not in err, where
        assert process.returncode == case.code, where
        assert case.says in err, where
        lines = err.strip().splitlines()
        if case.code == 1:  # our sentence: one line, and it is the last
            assert lines[-1].startswith("nkt-dyno"), where
            assert [line for line in lines if "error:" in line] == [lines[-1]], where


def test_db_is_accepted_before_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "front.sqlite3")
    assert cli.main(["--db", db, "client", "add", "Ann"]) == 0
    assert cli.main(["client", "list", "--db", db]) == 0
    assert "Ann" in capsys.readouterr().out
    # after the command, it wins over one given before
    other = str(tmp_path / "other.sqlite3")
    assert cli.main(["--db", other, "client", "add", "Bo"]) == 0
    capsys.readouterr()
    assert cli.main(["--db", db, "client", "list", "--db", other]) == 0
    out = capsys.readouterr().out
    assert "Bo" in out and "Ann" not in out


@pytest.mark.parametrize("exc", [KeyError("x"), IndexError("y"), RuntimeError("bug")])
def test_a_bug_keeps_its_traceback(exc: Exception) -> None:
    from nkt_dyno.commands._errors import sentence

    assert sentence(exc) is None
